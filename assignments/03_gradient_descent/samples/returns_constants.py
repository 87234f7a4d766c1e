"""Every value wrong, every type right: the answers the lecture leads one to expect, without any descent."""


def gradient_descent_1d(df, x0, lr, eps=1e-6, max_steps=10_000):
    return float(x0), 0


def fit_linear_regression(x, y, lr=0.1, epochs=1000):
    return 2.0, 3.0, [0.0] * epochs
