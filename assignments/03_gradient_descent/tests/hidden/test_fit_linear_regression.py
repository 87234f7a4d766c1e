"""Hidden fit_linear_regression tests: whole loss histories, final lines, dtype, device, types.

Expected values come from the reference run on the same data. Loss
histories are compared epoch by epoch, so a mistake shows at the epoch it
first changes: the start (epoch 0), the update (epoch 1) or the gradient
reset (epoch 2). Data sets are small and runs short, to keep grading fast.
Apart from the lecture's own data, every data set is drawn from the test's
`rng`, so each submission is fitted on other points.
"""

import pytest
import torch

from autograder.testing import check, graded

LOOP_HINT = (
    "per epoch: loss = mean((w * x + b - y)^2), record loss.item(), loss.backward(), "
    "update w and b by -lr * grad under torch.no_grad(), then zero both gradients"
)
TRAJECTORY_RTOL = 1e-4
TRAJECTORY_ATOL = 1e-7

# name: (n, true w, true b, noise, lr, epochs)
DATASETS = {
    "lecture, 150 epochs": (50, 2.0, 3.0, 0.05, 0.1, 150),
    "falling line": (20, -1.5, 0.5, 0.1, 0.2, 60),
    "8 points, lr 0.3": (8, 0.7, -2.0, 0.2, 0.3, 40),
}
LECTURE = "lecture, 150 epochs"
LECTURE_SEED = 42
"""The lecture's data is drawn after torch.manual_seed(42), as in the lecture; the other data sets from the test's rng."""


def make_data(generator, n, w, b, noise, dtype=torch.float32):
    """x uniform in [0, 1), y on the line w * x + b plus Gaussian noise, drawn like the lecture's data."""
    x = torch.rand(n, generator=generator, dtype=dtype)
    return x, w * x + b + noise * torch.randn(n, generator=generator, dtype=dtype)


def dataset(name, rng):
    n, w, b, noise, _, _ = DATASETS[name]
    generator = torch.Generator().manual_seed(LECTURE_SEED) if name == LECTURE else rng
    return make_data(generator, n, w, b, noise)


def describe(name):
    n, w, b, noise, lr, epochs = DATASETS[name]
    sign = "-" if b < 0 else "+"
    drawn = f" (the lecture's data, seed {LECTURE_SEED})" if name == LECTURE else ""
    return f"{n} points on y = {w} * x {sign} {abs(b)} plus noise of scale {noise}{drawn}, lr = {lr}, epochs = {epochs}"


@graded("fit_linear_regression", "the whole loss history matches, epoch by epoch ({name})", points=1)
@pytest.mark.parametrize("name", list(DATASETS))
def test_fit_loss_history(submission, reference, rng, name):
    *_, lr, epochs = DATASETS[name]
    x, y = dataset(name, rng)
    _, _, losses = submission.fit_linear_regression(x, y, lr=lr, epochs=epochs)
    _, _, expected = reference.fit_linear_regression(x, y, lr=lr, epochs=epochs)
    check.training.trajectory(
        losses,
        expected,
        what="the losses returned by fit_linear_regression",
        inputs=describe(name),
        rtol=TRAJECTORY_RTOL,
        atol=TRAJECTORY_ATOL,
        hint=LOOP_HINT,
    )


@graded("fit_linear_regression", "the final w and b match ({name})", points=1)
@pytest.mark.parametrize("name", ["falling line", "8 points, lr 0.3"])
def test_fit_final_line(submission, reference, rng, name):
    *_, lr, epochs = DATASETS[name]
    x, y = dataset(name, rng)
    got_w, got_b, _ = submission.fit_linear_regression(x, y, lr=lr, epochs=epochs)
    want_w, want_b, _ = reference.fit_linear_regression(x, y, lr=lr, epochs=epochs)
    check.close(got_w, want_w, what="the w returned by fit_linear_regression", inputs=describe(name), rtol=1e-4, atol=1e-5, hint=LOOP_HINT)
    check.close(got_b, want_b, what="the b returned by fit_linear_regression", inputs=describe(name), rtol=1e-4, atol=1e-5, hint=LOOP_HINT)


@graded("fit_linear_regression", "one epoch: the starting loss, then a single update", points=0.5)
def test_fit_single_epoch(submission, reference, rng):
    x, y = make_data(rng, 12, 1.0, 1.0, 0.1)
    inputs = "12 points on y = x + 1 plus noise, lr = 0.1, epochs = 1"
    got_w, got_b, losses = submission.fit_linear_regression(x, y, lr=0.1, epochs=1)
    want_w, want_b, expected = reference.fit_linear_regression(x, y, lr=0.1, epochs=1)
    check.training.trajectory(losses, expected, what="the losses returned by fit_linear_regression", inputs=inputs, rtol=1e-5, atol=1e-7, hint="epochs = 1 is one loss (of w = -1, b = 5) and one update")
    check.close(got_w, want_w, what="the w returned by fit_linear_regression", inputs=inputs, rtol=1e-5, atol=1e-6, hint=LOOP_HINT)
    check.close(got_b, want_b, what="the b returned by fit_linear_regression", inputs=inputs, rtol=1e-5, atol=1e-6, hint=LOOP_HINT)


@graded("fit_linear_regression", "float64 data is fitted in float64", points=1)
def test_fit_float64(submission, reference, rng):
    x, y = make_data(rng, 16, 2.5, -1.0, 0.05, dtype=torch.float64)
    inputs = "16 points on y = 2.5 * x - 1 plus noise, float64, lr = 0.2, epochs = 50"
    hint = "create w and b with dtype=x.dtype (and device=x.device), so that float64 data keeps float64 precision"
    got_w, got_b, losses = submission.fit_linear_regression(x, y, lr=0.2, epochs=50)
    want_w, want_b, expected = reference.fit_linear_regression(x, y, lr=0.2, epochs=50)
    check.training.trajectory(losses, expected, what="the losses returned by fit_linear_regression", inputs=inputs, rtol=1e-9, atol=1e-12, hint=hint)
    check.close(got_w, want_w, what="the w returned by fit_linear_regression", inputs=inputs, rtol=1e-9, atol=1e-12, hint=hint)
    check.close(got_b, want_b, what="the b returned by fit_linear_regression", inputs=inputs, rtol=1e-9, atol=1e-12, hint=hint)


@graded("fit_linear_regression", "fits data that lives on the GPU", points=1)
def test_fit_on_gpu(submission, reference, rng, gpu):
    x, y = make_data(rng, 30, -0.5, 4.0, 0.1)
    inputs = f"30 points on y = -0.5 * x + 4 plus noise, on {gpu}, lr = 0.1, epochs = 40"
    hint = "create w and b with device=x.device, so that every tensor of the fit is on the data's device"
    got_w, got_b, losses = submission.fit_linear_regression(x.to(gpu), y.to(gpu), lr=0.1, epochs=40)
    want_w, want_b, expected = reference.fit_linear_regression(x, y, lr=0.1, epochs=40)
    check.training.trajectory(losses, expected, what="the losses returned by fit_linear_regression", inputs=inputs, rtol=TRAJECTORY_RTOL, atol=1e-6, hint=hint)
    check.close(got_w, want_w, what="the w returned by fit_linear_regression", inputs=inputs, rtol=1e-4, atol=1e-5, hint=hint)
    check.close(got_b, want_b, what="the b returned by fit_linear_regression", inputs=inputs, rtol=1e-4, atol=1e-5, hint=hint)


@graded("fit_linear_regression", "returns Python floats and a list of Python floats", points=0.5)
def test_fit_plain_python_types(submission, reference, rng):
    x, y = make_data(rng, 10, 1.0, 0.0, 0.1)
    inputs = "10 points on y = x plus noise, lr = 0.1, epochs = 5"
    got = submission.fit_linear_regression(x, y, lr=0.1, epochs=5)
    check.that(isinstance(got, (tuple, list)) and len(got) == 3, "fit_linear_regression should return (w, b, losses)", got=got, inputs=inputs)
    got_w, got_b, losses = got
    want_w, want_b, expected = reference.fit_linear_regression(x, y, lr=0.1, epochs=5)
    for name, value, want in (("w", got_w, want_w), ("b", got_b, want_b)):
        check.python_float(value, what=f"the {name} returned by fit_linear_regression", inputs=inputs, hint=f"return {name}.item(), which is a plain float without a graph")
        check.close(value, want, what=f"the {name} returned by fit_linear_regression", inputs=inputs, rtol=1e-5, atol=1e-6, hint=LOOP_HINT)
    check.training.trajectory(losses, expected, what="the losses returned by fit_linear_regression", inputs=inputs, rtol=1e-5, atol=1e-7, hint="record loss.item() each epoch")
