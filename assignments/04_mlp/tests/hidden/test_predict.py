"""Hidden predict tests on known-good models: eval mode, the model's mode afterwards, type, shape, dtype, device."""

import pytest
import torch

from autograder.testing import check, graded

DROPOUT_LAYERS = (("Linear", 2, 32), ("ReLU",), ("Dropout", 0.5), ("Linear", 32, 4))
EVAL_HINT = "call model.eval() before computing the scores, so that dropout is switched off"
MODE_HINT = "remember was_training = model.training, call model.eval(), and restore it with model.train(was_training)"


def _points(n, seed):
    return 2.5 * torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))


def _varied(expected):
    assert len(expected.unique()) > 1, "the test's model must predict more than one class"
    return expected


@graded("predict", "predicts in eval mode: dropout is off", points=1)
def test_predict_eval_mode(submission, known, classes):
    local, model = known(DROPOUT_LAYERS, seed=30)
    X, expected = classes(local, _points(64, seed=30))
    check.close(
        submission.predict(model, X),
        _varied(expected),
        what="predict(model, X)",
        inputs="a model in training mode with a Dropout(0.5) layer, 64 random points",
        rtol=0,
        atol=0,
        hint=EVAL_HINT,
    )


@graded("predict", "leaves a model in {mode} mode in {mode} mode", points=0.5)
@pytest.mark.parametrize("mode", ["training", "eval"])
def test_predict_restores_mode(submission, known, classes, mode):
    local, model = known(DROPOUT_LAYERS, seed=31)
    if mode == "eval":
        model.eval()
    X, expected = classes(local, _points(20, seed=31))
    inputs = f"a model with a Dropout(0.5) layer, in {mode} mode, 20 random points"
    check.close(submission.predict(model, X), _varied(expected), what="predict(model, X)", inputs=inputs, rtol=0, atol=0, hint=EVAL_HINT)
    check.models.training_mode(model.training, mode == "training", what="the model after predict(model, X)", inputs=inputs, hint=MODE_HINT)


@graded("predict", "int64 class indices of shape (N,), without a graph, for N={n}", points=0.5)
@pytest.mark.parametrize("n", [1, 50])
def test_predict_shape_and_dtype(submission, known, classes, n):
    local, model = known(seed=32)
    X, expected = classes(local, _points(n + 10, seed=n))
    X, expected = X[:n], expected[:n]
    got = submission.predict(model, X)
    inputs = f"a 2-16-4 network, X of shape ({n}, 2)"
    check.shape(got, (n,), what="predict(model, X)", inputs=inputs, hint="return the argmax over the classes (dim=1), one index per row")
    check.that(
        got.dtype == torch.int64,
        f"predict(model, X) should return int64 class indices, but returns {got.dtype}",
        inputs=inputs,
        hint="argmax gives int64 indices: return them as they are, not as floats or probabilities",
    )
    check.no_grad(got, what="predict(model, X)", inputs=inputs)
    check.close(got, expected, what="predict(model, X)", inputs=inputs, rtol=0, atol=0)


@graded("predict", "a float64 model and float64 points", points=0.5)
def test_predict_float64(submission, known, classes):
    local, model = known(seed=33)
    local.double()
    model.double()
    X, expected = classes(local, _points(30, seed=33).double())
    inputs = "model.double(), float64 X of shape (30, 2)"
    check.close(submission.predict(model, X), _varied(expected), what="predict(model, X)", inputs=inputs, rtol=0, atol=0, hint="do not convert X: the model computes in its own dtype")


@graded("predict", "returns its indices on X's device", points=0.5)
def test_predict_device(submission, known, classes, device):
    local, model = known(seed=34)
    X, expected = classes(local, _points(12, seed=34))

    def on_x_device(X):
        model.to(X.device)
        return submission.predict(model, X)

    check.on_device(device, on_x_device, (X,), _varied(expected), what="predict(model, X)", inputs="the model and X (12 points) on the same device", rtol=0, atol=0)
