"""Hidden train_classifier tests, all on known-good models (never the student's MLP).

Full-batch training is deterministic, so its loss history and final weights
are compared with the reference run from the same initial weights: a missing
`zero_grad` still converges, but its second epoch already differs.
Mini-batch training depends on how the shuffled order is drawn from the
seeded generator and on how a short last batch is weighted, both the
student's choice, so it is checked by properties that every honest choice
has: the same seed gives the same run, another seed another run, each epoch
takes N / batch_size steps, its loss is the mean over the data, and it
learns.

A forward hook on the known model sees every `model(x)` of the training
loop, so it can tell that the model is called (its hooks run, which
`model.forward(x)` would skip) once per batch.

Data and initial weights are drawn from the test's `rng`. Where a test asks
a run to learn, they are drawn again until the reference learns them with
several shuffled orders, so that an honest run, in an order of its own,
learns them too.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from autograder.testing import check, graded

ZERO_GRAD_HINT = "call optimizer.zero_grad() before every loss.backward(): otherwise the gradients of earlier steps add up"
CALL_HINT = "call the model as model(xb), never model.forward(xb): only the call runs the module's hooks"
DEVICE_HINT = "move the model with model.to(device) and the data with X.to(device), y.to(device)"
MINI_BATCH = {"epochs": 4, "lr": 0.2, "batch_size": 8}
"""The short mini-batch runs whose seeds are compared: 40 points, 5 steps per epoch."""
TRUSTED_ORDERS = (101, 102, 103)


def _learnable(reference, known, trusted, accuracy, blobs, draw_seed, per_class, factor, **training):
    """Blobs and a seed of initial weights from which the reference, with each of TRUSTED_ORDERS,
    classifies every point and ends under `factor` times its first loss; drawn again until it does."""

    def learns(start, X, y, order):
        model = trusted(start)
        losses = reference.train_classifier(model, X, y, device="cpu", seed=order, **training)
        return losses[-1] < factor * losses[0] and accuracy(model.state_dict(), X, y) == 1.0

    while True:
        X, y = blobs(per_class=per_class, seed=draw_seed())
        init = draw_seed()
        start = known(seed=init)[0].state_dict()
        if all(learns(start, X, y, order) for order in TRUSTED_ORDERS):
            return X, y, init


def _mini_batch_run(submission, known, X, y, init, seed):
    _, model = known(seed=init)
    return submission.train_classifier(model, X, y, device="cpu", seed=seed, **MINI_BATCH), model


@graded("train_classifier", "full-batch loss history equals the reference run ({epochs} epochs, lr={lr})", points=1)
@pytest.mark.parametrize("epochs, lr", [(6, 0.1), (12, 0.5)])
def test_full_batch_history(submission, reference, known, blobs, draw_seed, epochs, lr):
    X, y = blobs(per_class=6, seed=draw_seed())
    local, model = known(seed=draw_seed())
    expected = reference.train_classifier(local, X, y, epochs=epochs, lr=lr, device="cpu")
    got = submission.train_classifier(model, X, y, epochs=epochs, lr=lr, device="cpu")
    inputs = f"24 points in four blobs, a 2-16-4 network, epochs={epochs}, lr={lr}, device='cpu'"
    check.training.trajectory(got, expected, what="the loss history", rtol=1e-4, atol=1e-6, inputs=inputs, hint=ZERO_GRAD_HINT)


@graded("train_classifier", "full-batch training ends with the reference run's weights", points=1)
def test_full_batch_final_weights(submission, reference, known, blobs, draw_seed):
    X, y = blobs(per_class=6, seed=draw_seed())
    local, model = known(seed=draw_seed())
    reference.train_classifier(local, X, y, epochs=10, lr=0.3, device="cpu")
    submission.train_classifier(model, X, y, epochs=10, lr=0.3, device="cpu")
    check.models.same_parameters(
        model.state_dict(),
        local.state_dict(),
        what="the trained model's state_dict()",
        rtol=1e-4,
        atol=1e-6,
        inputs="24 points in four blobs, a 2-16-4 network, epochs=10, lr=0.3, device='cpu'",
        hint="train the model passed in, in place: torch.optim.SGD(model.parameters(), lr=lr), one step per batch",
    )


@graded("train_classifier", "default arguments: 200 full-batch epochs with lr=0.1 on the default device", points=1, timeout=20)
def test_defaults(submission, reference, known, blobs, draw_seed):
    X, y = blobs(per_class=3, seed=draw_seed())
    local, model = known(seed=draw_seed())
    expected = reference.train_classifier(local, X, y)
    got = submission.train_classifier(model, X, y)
    inputs = "12 points in four blobs, a 2-16-4 network, no other arguments"
    check.training.trajectory(got, expected, what="the loss history", rtol=1e-3, atol=1e-5, inputs=inputs, hint="the defaults are epochs=200, lr=0.1, batch_size=None, device=None, seed=0")


def _follows(got, expected):
    """Whether `got` is the history `expected`, up to rounding."""
    try:
        return len(got) == len(expected) and all(abs(float(a) - b) <= 1e-5 * (1 + abs(b)) for a, b in zip(got, expected))
    except (TypeError, ValueError):
        return False


def _history_seen(passes, X, y, per_epoch, got):
    """Each epoch's loss recomputed from the scores a hook saw, by the convention `got` follows (plain or size-weighted mean of its batches).

    A batch's labels are found by matching its rows with the rows of X, so the
    check holds for whatever shuffled order the student's code drew.
    """
    losses, sizes = [], []
    with torch.no_grad():
        for call in passes:
            rows = (call.x[:, None, :] == X[None, :, :]).all(dim=2).int().argmax(dim=1)
            losses.append(F.cross_entropy(call.scores, y[rows]).item())
            sizes.append(len(rows))
    plain, weighted = [], []
    for start in range(0, len(losses), per_epoch):
        batch_losses, batch_sizes = losses[start : start + per_epoch], sizes[start : start + per_epoch]
        plain.append(sum(batch_losses) / len(batch_losses))
        weighted.append(sum(loss * size for loss, size in zip(batch_losses, batch_sizes)) / sum(batch_sizes))
    return weighted if _follows(got, weighted) else plain


@graded("train_classifier", "calls the model as model(x), so its hooks run ({mode})", points=0.5)
@pytest.mark.parametrize("mode, batch_size", [("full batch", None), ("mini-batches of 8", 8)])
def test_calls_the_model(submission, known, blobs, model_calls, draw_seed, mode, batch_size):
    X, y = blobs(per_class=5, seed=draw_seed())
    _, model = known(seed=draw_seed())
    calls = model_calls(model)
    epochs = 3
    got = submission.train_classifier(model, X, y, epochs=epochs, lr=0.1, batch_size=batch_size, device="cpu", seed=0)
    per_epoch = 1 if batch_size is None else math.ceil(len(X) / batch_size)
    passes = [call for call in calls if call.builds_graph]
    inputs = f"20 points, epochs={epochs}, {mode}, a forward hook registered on the model"
    check.that(len(passes) > 0, "a forward hook on the model never saw a training pass: the model is not called as model(x)", inputs=inputs, hint=CALL_HINT)
    check.close(
        len(passes),
        epochs * per_epoch,
        what="the number of training passes a forward hook on the model saw",
        inputs=inputs,
        rtol=0,
        atol=0,
        hint="call the model once per batch, as model(xb): one forward pass, one backward pass, one optimizer step",
    )
    check.training.trajectory(
        got,
        _history_seen(passes, X, y, per_epoch, got),
        what="the loss history",
        rtol=1e-5,
        atol=1e-6,
        inputs=f"{inputs}, compared with the losses of the scores the hook saw",
        hint="record each epoch's mean loss: the mean of its batches' losses, as Python floats",
    )


@graded("train_classifier", "mini-batches: the same seed gives the same run, and it learns", points=1)
def test_mini_batch_same_seed(submission, reference, known, trusted, accuracy, blobs, draw_seed):
    X, y, init = _learnable(reference, known, trusted, accuracy, blobs, draw_seed, 10, 0.5, **MINI_BATCH)
    first, _ = _mini_batch_run(submission, known, X, y, init, seed=7)
    again, model = _mini_batch_run(submission, known, X, y, init, seed=7)
    inputs = "two runs from the same initial weights, 40 points, batch_size=8, epochs=4, seed=7"
    hint = "shuffle with a torch.Generator().manual_seed(seed) made once per call: torch.randperm(n, generator=g), or DataLoader(..., generator=g)"
    check.training.trajectory(again, first, what="the second run's loss history", rtol=0, atol=1e-6, inputs=inputs, hint=hint)
    check.close(accuracy(model.state_dict(), X, y), 1.0, what="the trained model's accuracy", inputs=inputs, rtol=0, atol=0.1)


@graded("train_classifier", "mini-batches: another seed gives another shuffled order", points=1)
def test_mini_batch_seed_changes_the_run(submission, reference, known, trusted, accuracy, blobs, draw_seed):
    X, y, init = _learnable(reference, known, trusted, accuracy, blobs, draw_seed, 10, 0.5, **MINI_BATCH)
    seed0, _ = _mini_batch_run(submission, known, X, y, init, seed=0)
    seed1, _ = _mini_batch_run(submission, known, X, y, init, seed=1)
    inputs = "two runs from the same initial weights, 40 points, batch_size=8, epochs=4, seeds 0 and 1"
    for seed, history in ((0, seed0), (1, seed1)):
        check.training.converges(history, what=f"the loss history for seed={seed}", factor=0.8, inputs=inputs)
    check.that(
        max(abs(a - b) for a, b in zip(seed0, seed1)) > 1e-5,
        "seeds 0 and 1 give the same loss history: the batches do not depend on the seed",
        inputs=inputs,
        hint="draw a new shuffled order every epoch from torch.Generator().manual_seed(seed), and split it into batches of batch_size",
    )


@graded("train_classifier", "mini-batches: an epoch makes one SGD step per batch", points=1)
def test_mini_batch_steps(submission, known, blobs, draw_seed):
    X, y = blobs(per_class=16, seed=draw_seed())
    local, model = known(seed=draw_seed())
    before = {k: v.clone() for k, v in local.state_dict().items()}
    loss = F.cross_entropy(local(X), y)
    gradients = dict(zip((k for k, _ in local.named_parameters()), torch.autograd.grad(loss, list(local.parameters()))))
    lr, steps = 0.002, 4
    submission.train_classifier(model, X, y, epochs=1, lr=lr, batch_size=16, device="cpu", seed=3)
    after = model.state_dict()
    inputs = "64 points, batch_size=16 (4 batches), one epoch with a small lr=0.002"
    # With a small step, each of the 4 steps moves a weight by about -lr times the full gradient,
    # in whatever order the batches come: 4 steps move it 4 times as far as one full-batch step.
    # "About" is a tenth of the largest move: a parameter whose gradient is near 0 still moves,
    # as each step changes the gradient the next one sees, so its own move sets no tolerance.
    expected = {key: -steps * lr * gradient for key, gradient in gradients.items()}
    tolerance = 0.1 * max(move.abs().max().item() for move in expected.values())
    for key, move in expected.items():
        check.close(
            after[key] - before[key],
            move,
            what=f"how far one epoch moved {key}",
            inputs=inputs,
            rtol=0,
            atol=tolerance,
            hint="with a batch_size, make one optimizer step per batch of batch_size rows, covering every row once per epoch",
        )


@graded("train_classifier", "mini-batches: an epoch's loss is the mean over all the data", points=1)
def test_mini_batch_mean_loss(submission, known, blobs, draw_seed):
    X, y = blobs(per_class=12, seed=draw_seed())
    local, model = known(seed=draw_seed())
    with torch.no_grad():
        full = F.cross_entropy(local(X), y).item()
    got = submission.train_classifier(model, X, y, epochs=3, lr=0.0, batch_size=12, device="cpu", seed=0)
    check.training.trajectory(
        got,
        [full] * 3,
        what="the loss history",
        rtol=1e-5,
        atol=1e-6,
        inputs="48 points, batch_size=12 (4 batches of 12), lr=0.0 so that the weights never change",
        hint="an epoch's loss is the mean of its batches' losses (or their size-weighted mean), not their sum or the last one",
    )


@graded("train_classifier", "mini-batches learn four blobs of points", points=1)
def test_mini_batch_converges(submission, reference, known, trusted, accuracy, blobs, draw_seed):
    training = {"epochs": 12, "lr": 0.1, "batch_size": 16}
    X, y, init = _learnable(reference, known, trusted, accuracy, blobs, draw_seed, 20, 0.15, **training)
    _, model = known(seed=init)
    inputs = "80 points in four blobs, batch_size=16, epochs=12, lr=0.1, seed=2"
    losses = submission.train_classifier(model, X, y, device="cpu", seed=2, **training)
    check.training.python_floats(losses, 12, what="train_classifier(...)", inputs=inputs)
    check.training.converges(losses, what="the loss history", factor=0.3, inputs=inputs)
    check.close(accuracy(model.state_dict(), X, y), 1.0, what="the trained model's accuracy", inputs=inputs, rtol=0, atol=0.05)


@graded("train_classifier", "device='cpu' trains on the CPU and leaves the model there", points=1)
def test_device_cpu(submission, reference, known, blobs, draw_seed):
    X, y = blobs(per_class=4, seed=draw_seed())
    local, model = known(seed=draw_seed())
    expected = reference.train_classifier(local, X, y, epochs=5, lr=0.2, device="cpu")
    got = submission.train_classifier(model, X, y, epochs=5, lr=0.2, device="cpu")
    inputs = "16 points, epochs=5, lr=0.2, device='cpu'"
    check.training.trajectory(got, expected, what="the loss history", rtol=1e-4, atol=1e-6, inputs=inputs)
    check.models.parameters_on(model.state_dict(), "cpu", what="the model after train_classifier(..., device='cpu')", inputs=inputs, hint="use the device argument; pick a device yourself only when it is None")


@graded("train_classifier", "device=None trains on the GPU when there is one, else on the CPU", points=1)
def test_device_default(submission, reference, known, blobs, draw_seed, device):
    where = "cpu" if device.type == "meta" else device
    X, y = blobs(per_class=4, seed=draw_seed())
    local, model = known(seed=draw_seed())
    expected = reference.train_classifier(local, X, y, epochs=5, lr=0.2, device=where)
    got = submission.train_classifier(model, X, y, epochs=5, lr=0.2)
    inputs = f"16 points, epochs=5, lr=0.2, no device given, on a machine whose best device is {where}"
    check.training.trajectory(got, expected, what="the loss history", rtol=1e-4, atol=1e-6, inputs=inputs)
    check.models.parameters_on(
        model.state_dict(), where, what="the model after train_classifier(...) without a device", inputs=inputs,
        hint='device=None means "cuda" if torch.cuda.is_available() else "cpu"',
    )


@graded("train_classifier", "trains on the GPU as on the CPU ({mode})", points=1)
@pytest.mark.parametrize("mode, batch_size", [("full batch", None), ("mini-batches of 8", 8)])
def test_gpu_matches_cpu(submission, known, blobs, trusted, classes, draw_seed, gpu, mode, batch_size):
    X, y = blobs(per_class=10, seed=draw_seed())
    init = draw_seed()
    _, on_cpu = known(seed=init)
    _, on_gpu = known(seed=init)
    inputs = f"40 points on the CPU, the same initial weights, epochs=6, lr=0.3, seed=3, {mode}, device='cpu' and then device={str(gpu)!r}"
    cpu_history = submission.train_classifier(on_cpu, X, y, epochs=6, lr=0.3, batch_size=batch_size, device="cpu", seed=3)
    gpu_history = submission.train_classifier(on_gpu, X, y, epochs=6, lr=0.3, batch_size=batch_size, device=gpu, seed=3)
    check.models.parameters_on(on_gpu.state_dict(), gpu, what=f"the model after train_classifier(..., device={str(gpu)!r})", inputs=inputs, hint=DEVICE_HINT)
    hint = "draw the shuffled order from a CPU torch.Generator, so that the batches do not depend on the device"
    check.training.trajectory(gpu_history, cpu_history, what="the GPU run's loss history", rtol=1e-3, atol=1e-5, inputs=inputs, hint=hint)
    X_clear, cpu_classes = classes(trusted(on_cpu.state_dict()), X)
    with torch.no_grad():
        gpu_classes = trusted(on_gpu.state_dict())(X_clear).argmax(dim=1)
    check.close(gpu_classes, cpu_classes, what="the classes the GPU-trained model predicts", inputs=inputs, rtol=0, atol=0, hint=hint)
