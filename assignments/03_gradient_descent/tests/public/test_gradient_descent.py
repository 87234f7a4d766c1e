"""Public tests: run them with `autograder check` or the notebook's check cells.

They check the lecture's worked examples and a few small cases you can
follow by hand. Passing them is a good sign, not full marks: the grader
also tries other functions, learning rates, data and dtypes, and checks the
stopping rule and every epoch of the loss history.
"""

import torch

from autograder.testing import check, graded

BOWL = "df(x) = 2 * (x - 3), the derivative of the bowl f(x) = (x - 3)^2"
LECTURE_DATA = "the lecture's data: torch.manual_seed(42); x = torch.rand(50); y = 2 * x + 3 + 0.05 * torch.randn(50)"


def lecture_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The lecture's 50 noisy points on y = 2x + 3, drawn as the lecture draws them."""
    generator = torch.Generator().manual_seed(42)
    x = torch.rand(50, generator=generator)
    noise = 0.05 * torch.randn(50, generator=generator)
    return x, 2 * x + 3 + noise


def check_steps(got, expected: int, *, what: str, inputs: str, hint: str) -> None:
    """An update count is a Python int, and exactly right."""
    check.that(isinstance(got, int) and not isinstance(got, bool), f"{what} should be a Python int", got=got, inputs=inputs, hint=hint)
    check.close(got, expected, what=what, inputs=inputs, rtol=0, atol=0, hint=hint)


@graded("gradient_descent_1d", "lecture example: the bowl (x - 3)^2 from x0 = 0, lr = 0.1", points=1)
def test_gradient_descent_1d_lecture_bowl(submission):
    x, steps = submission.gradient_descent_1d(lambda x: 2 * (x - 3), 0.0, 0.1)
    inputs = f"{BOWL}, x0 = 0.0, lr = 0.1 (eps and max_steps left at their defaults)"
    check.python_float(x, what="the x returned by gradient_descent_1d", inputs=inputs)
    check.close(x, 3.0, what="the x returned by gradient_descent_1d", inputs=inputs, rtol=0, atol=1e-6, hint="the minimum of (x - 3)^2 is at x = 3; step with x = x - lr * df(x)")
    check_steps(
        steps,
        70,
        what="the number of updates returned by gradient_descent_1d",
        inputs=inputs,
        hint="each update multiplies x - 3 by 0.8, and after 70 of them |df(x)| < 1e-6: count updates, not calls of df",
    )


@graded("gradient_descent_1d", "stops when |df(x)| < eps: halving x from 1 takes 10 updates", points=1)
def test_gradient_descent_1d_halving(submission):
    calls = []

    def df(x):
        calls.append(x)
        return x

    x, steps = submission.gradient_descent_1d(df, 1.0, 0.5, eps=1e-3)
    inputs = "df(x) = x, x0 = 1.0, lr = 0.5, eps = 1e-3: every update halves x, and 2^-10 < 1e-3 < 2^-9"
    check.close(x, 2.0**-10, what="the x returned by gradient_descent_1d", inputs=inputs, rtol=0, atol=1e-15, hint="stop as soon as |df(x)| < eps, before updating x")
    check_steps(steps, 10, what="the number of updates returned by gradient_descent_1d", inputs=inputs, hint="count the updates x = x - lr * g, not the calls of df")
    check.close(
        len(calls),
        11,
        what="the number of calls of df",
        inputs=inputs,
        rtol=0,
        atol=0,
        hint="call df exactly once per step: 10 updates, then one more call that finds |g| < eps",
    )


@graded("gradient_descent_1d", "stops after max_steps = 5 updates when still far from the minimum", points=1)
def test_gradient_descent_1d_max_steps(submission):
    x, steps = submission.gradient_descent_1d(lambda x: 2 * (x - 3), 0.0, 0.01, max_steps=5)
    inputs = f"{BOWL}, x0 = 0.0, lr = 0.01, max_steps = 5"
    check.close(
        x,
        3 - 3 * 0.98**5,
        what="the x returned by gradient_descent_1d",
        inputs=inputs,
        rtol=0,
        atol=1e-12,
        hint="each update multiplies x - 3 by 0.98; stop after max_steps updates even though |df(x)| is still large",
    )
    check_steps(steps, 5, what="the number of updates returned by gradient_descent_1d", inputs=inputs, hint="stop once max_steps updates were made")


@graded("fit_linear_regression", "two epochs by hand: losses 7.0 then 3.88", points=1)
def test_fit_linear_regression_by_hand(submission):
    x = torch.tensor([0.0, 1.0, 2.0])
    y = torch.tensor([3.0, 5.0, 7.0])
    inputs = "x = [0, 1, 2], y = [3, 5, 7], lr = 0.1, epochs = 2"
    w, b, losses = submission.fit_linear_regression(x, y, lr=0.1, epochs=2)
    # Epoch 0: w = -1, b = 5 predict [5, 4, 3], errors [2, -1, -4], loss 21 / 3 = 7;
    # dL/dw = -6, dL/db = -2, so w = -0.4, b = 5.2. Epoch 1: errors [2.2, -0.2, -2.6],
    # loss 11.64 / 3 = 3.88; dL/dw = -3.6, dL/db = -0.4, so w = -0.04, b = 5.24.
    check.training.trajectory(
        losses,
        [7.0, 3.88],
        what="the losses returned by fit_linear_regression",
        inputs=inputs,
        rtol=1e-5,
        atol=1e-6,
        hint="start at w = -1, b = 5, use the mean of the squared errors, and record each loss before the update",
    )
    hint = "after backward(), update w -= lr * w.grad under torch.no_grad(), then zero the gradients"
    check.close(w, -0.04, what="the w returned by fit_linear_regression", inputs=inputs, rtol=0, atol=1e-6, hint=hint)
    check.close(b, 5.24, what="the b returned by fit_linear_regression", inputs=inputs, rtol=0, atol=1e-6, hint=hint)


@graded("fit_linear_regression", "lecture example: the losses printed every 100 epochs, and a line close to y = 2x + 3", points=2)
def test_fit_linear_regression_lecture_example(submission):
    x, y = lecture_data()
    w, b, losses = submission.fit_linear_regression(x, y)
    inputs = f"{LECTURE_DATA}, lr and epochs left at their defaults (0.1 and 1000)"
    check.training.python_floats(losses, 1000, what="the losses returned by fit_linear_regression", inputs=inputs)
    printed = [0.783028, 0.078971, 0.010152, 0.003007, 0.002265, 0.002188, 0.002180, 0.002179, 0.002179, 0.002179]
    check.training.trajectory(
        losses[::100],
        printed,
        what="losses[::100] (the losses the lecture prints)",
        inputs=inputs,
        rtol=1e-4,
        atol=1e-6,
        hint="losses[0] is the loss of the starting line w = -1, b = 5; the later ones follow from the updates",
    )
    hint = "the noise moves the best line a little away from w = 2, b = 3; 1000 epochs at lr = 0.1 get there"
    check.close(w, 2.0225, what="the w returned by fit_linear_regression", inputs=inputs, rtol=0, atol=1e-3, hint=hint)
    check.close(b, 2.9925, what="the b returned by fit_linear_regression", inputs=inputs, rtol=0, atol=1e-3, hint=hint)
