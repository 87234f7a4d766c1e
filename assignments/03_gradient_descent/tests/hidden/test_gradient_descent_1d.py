"""Hidden gradient_descent_1d tests: known minima, the exact stopping rule, max_steps, types.

Every derivative is a function of this (trusted) side that the student's
loop calls back, so a test can count the calls and see where they were made.
Expected values come from the reference run with the same derivative.
"""

import math

import pytest
import torch

from autograder.testing import check, graded

RULE_HINT = "the loop: g = df(x); stop if |g| < eps or max_steps updates were made; else x = x - lr * g and count the update"
STEPS_HINT = "return the number of updates x = x - lr * g, not the number of calls of df"

# name: (derivative, formula, x0, lr, minimum)
MINIMA = {
    "half-bowl": (lambda x: x + 2, "df(x) = x + 2 of f(x) = (x + 2)^2 / 2", 5.0, 0.3, -2.0),
    "zig-zag": (lambda x: 10 * (x - 0.5), "df(x) = 10 * (x - 0.5) of f(x) = 5 * (x - 0.5)^2", -3.0, 0.15, 0.5),
    "cosh": (lambda x: math.sinh(x - 1), "df(x) = sinh(x - 1) of f(x) = cosh(x - 1)", -2.0, 0.5, 1.0),
    "quartic": (lambda x: x**3 - 1, "df(x) = x^3 - 1 of f(x) = x^4 / 4 - x", 2.0, 0.1, 1.0),
}


class Recorder:
    """A derivative that remembers every point it was evaluated at."""

    def __init__(self, derivative):
        self.derivative = derivative
        self.points = []

    def __call__(self, x):
        self.points.append(float(x))
        return self.derivative(x)


def check_steps(got, expected, *, inputs, hint=STEPS_HINT):
    check.that(isinstance(got, int) and not isinstance(got, bool), "the number of updates should be a Python int", got=got, inputs=inputs, hint=hint)
    check.close(got, expected, what="the number of updates returned by gradient_descent_1d", inputs=inputs, rtol=0, atol=0, hint=hint)


def check_result(got, expected, *, inputs, atol=1e-9, hint=RULE_HINT):
    x, steps = got
    check.close(x, expected[0], what="the x returned by gradient_descent_1d", inputs=inputs, rtol=1e-12, atol=atol, hint=hint)
    check_steps(steps, expected[1], inputs=inputs)


@graded("gradient_descent_1d", "finds the minimum of the {case} function", points=1)
@pytest.mark.parametrize("case", list(MINIMA))
def test_gd1d_known_minimum(submission, reference, case):
    df, formula, x0, lr, minimum = MINIMA[case]
    inputs = f"{formula}, x0 = {x0}, lr = {lr}, max_steps = 1000"
    got = submission.gradient_descent_1d(df, x0, lr, max_steps=1000)
    check.close(got[0], minimum, what="the x returned by gradient_descent_1d", inputs=inputs, rtol=0, atol=1e-5, hint=RULE_HINT)
    check_result(got, reference.gradient_descent_1d(df, x0, lr, max_steps=1000), inputs=inputs)


@graded("gradient_descent_1d", "exact update count when halving x from {x0} down to eps = {eps}", points=1)
@pytest.mark.parametrize("x0, eps", [(-8.0, 1e-6), (3.0, 0.5)])
def test_gd1d_exact_update_count(submission, reference, x0, eps):
    inputs = f"df(x) = x (each update halves x), x0 = {x0}, lr = 0.5, eps = {eps}"
    got = submission.gradient_descent_1d(lambda x: x, x0, 0.5, eps=eps)
    check_result(got, reference.gradient_descent_1d(lambda x: x, x0, 0.5, eps=eps), inputs=inputs, atol=0)


@graded("gradient_descent_1d", "calls df once per step, at the current x", points=1)
def test_gd1d_evaluation_points(submission, reference):
    inputs = "df(x) = 10 * (x - 0.5), x0 = -3.0, lr = 0.15, eps = 1e-4, max_steps = 1000"
    theirs = Recorder(lambda x: 10 * (x - 0.5))
    got = submission.gradient_descent_1d(theirs, -3.0, 0.15, eps=1e-4, max_steps=1000)
    ours = Recorder(lambda x: 10 * (x - 0.5))
    expected = reference.gradient_descent_1d(ours, -3.0, 0.15, eps=1e-4, max_steps=1000)
    check_result(got, expected, inputs=inputs)
    check.that(
        len(theirs.points) == len(ours.points),
        f"gradient_descent_1d called df {len(theirs.points)} times for {got[1]} updates",
        inputs=inputs,
        hint="call df exactly once per step and reuse g: one call per update, plus the last call that finds |g| < eps",
    )
    check.close(
        torch.tensor(theirs.points, dtype=torch.float64),
        torch.tensor(ours.points, dtype=torch.float64),
        what="the points x at which df was called",
        inputs=inputs,
        rtol=1e-12,
        atol=1e-12,
        hint="evaluate df at the current x, after the previous update",
    )


@graded("gradient_descent_1d", "a start where |df(x0)| < eps returns (x0, 0) after one call of df", points=1)
def test_gd1d_flat_start(submission):
    # A valid call first: returning (x0, 0) unconditionally must not earn these points.
    x, steps = submission.gradient_descent_1d(lambda x: 2 * (x - 1.5), -1.0, 0.25, max_steps=1000)
    check.close(x, 1.5, what="the x returned by gradient_descent_1d", inputs="df(x) = 2 * (x - 1.5), x0 = -1.0, lr = 0.25, max_steps = 1000", rtol=0, atol=1e-6, hint=RULE_HINT)
    calls = Recorder(lambda x: 2 * (x - 1.5) + 1e-8)
    got = submission.gradient_descent_1d(calls, 1.5, 0.25, max_steps=1000)
    inputs = "df(x) = 2 * (x - 1.5) + 1e-8, x0 = 1.5, lr = 0.25: |df(x0)| = 1e-8 < eps = 1e-6"
    check.close(got[0], 1.5, what="the x returned by gradient_descent_1d", inputs=inputs, rtol=0, atol=0, hint="the slope at x0 is already flat: return x0 without updating")
    check_steps(got[1], 0, inputs=inputs, hint="no update was made, so the count is 0")
    check.close(len(calls.points), 1, what="the number of calls of df", inputs=inputs, rtol=0, atol=0, hint="one call of df finds |g| < eps; stop there")


@graded("gradient_descent_1d", "|df(x)| equal to eps is not yet flat: the test is |g| < eps", points=0.5)
def test_gd1d_eps_is_strict(submission, reference):
    eps = 2.0**-10
    inputs = "df(x) = x, x0 = 2^-10, lr = 0.5, eps = 2^-10: |df(x0)| == eps"
    got = submission.gradient_descent_1d(lambda x: x, eps, 0.5, eps=eps)
    check_result(got, reference.gradient_descent_1d(lambda x: x, eps, 0.5, eps=eps), inputs=inputs, atol=0, hint="stop only when |g| < eps (strictly less)")


@graded("gradient_descent_1d", "returns a Python float and a Python int", points=0.5)
def test_gd1d_plain_python_types(submission, reference):
    inputs = "df(x) = x + 2, x0 = 5.0, lr = 0.3, max_steps = 1000"
    got = submission.gradient_descent_1d(lambda x: x + 2, 5.0, 0.3, max_steps=1000)
    check.that(isinstance(got, (tuple, list)) and len(got) == 2, "gradient_descent_1d should return a pair (x, steps)", got=got, inputs=inputs)
    x, steps = got
    check.python_float(x, what="the x returned by gradient_descent_1d", inputs=inputs, hint="keep x a plain float: x = float(x0), and df returns floats")
    check_result(got, reference.gradient_descent_1d(lambda x: x + 2, 5.0, 0.3, max_steps=1000), inputs=inputs)


# Last, because a loop that ignores max_steps never returns here: it fails this one
# test at its short time limit and has already earned its points everywhere else.
@graded("gradient_descent_1d", "stops after max_steps updates when the slope never flattens", points=2, timeout=2)
def test_gd1d_honours_max_steps(submission, reference):
    cases = [
        (lambda x: 1.0, "df(x) = 1 (a slope that never flattens), x0 = 0.5, lr = 0.1, max_steps = 7", 0.5, 0.1, 7),
        (lambda x: 2 * x, "df(x) = 2x, x0 = 1.0, lr = 1.5 (too large: |x| doubles every step), max_steps = 20", 1.0, 1.5, 20),
        (lambda x: -3.0, "df(x) = -3, x0 = 2.0, lr = 0.5, max_steps = 0", 2.0, 0.5, 0),
    ]
    for df, inputs, x0, lr, max_steps in cases:
        got = submission.gradient_descent_1d(df, x0, lr, max_steps=max_steps)
        check_result(got, reference.gradient_descent_1d(df, x0, lr, max_steps=max_steps), inputs=inputs, hint="stop once max_steps updates were made, whatever |g| is")
