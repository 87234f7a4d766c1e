"""Hidden predict tests on known-good models: eval mode, no graph, the model's mode afterwards, type, shape, dtype, device.

A forward hook on the known model sees each call predict makes: whether its
output requires grad (a graph is being built) and whether the model is in
eval mode at that moment. The result itself can hide both: an argmax never
requires grad, and dropout only sometimes changes a prediction.
"""

import pytest
import torch

from autograder.testing import check, graded

DROPOUT_LAYERS = (("Linear", 2, 32), ("ReLU",), ("Dropout", 0.5), ("Linear", 32, 4))
PLAIN_LAYERS = (("Linear", 2, 16), ("ReLU",), ("Linear", 16, 4))
"""The 2-16-4 network of the conftest's `known` default."""
EVAL_HINT = "call model.eval() before computing the scores, so that dropout is switched off"
GRAPH_HINT = "compute the scores under torch.no_grad() (or torch.inference_mode()): no backward pass follows, so no graph is needed"
MODE_HINT = "remember was_training = model.training, call model.eval(), and restore it with model.train(was_training)"


def _case(known, classes, draw_seed, rng, n, layers=DROPOUT_LAYERS, double=False, varied=True):
    """A known model (the student's side), n random points it classifies clearly, and their classes.

    Drawn again until there are n such points and, where `varied`, more than
    one class among them: a predict that returns one class for every row
    must not pass.
    """
    while True:
        local, model = known(layers, seed=draw_seed())
        points = 2.5 * torch.randn(n + 10, 2, generator=rng)
        if double:
            local.double()
            points = points.double()
        X, expected = classes(local, points)
        X, expected = X[:n], expected[:n]
        if len(X) == n and (not varied or len(expected.unique()) > 1):
            if double:
                model.double()
            return model, X, expected


@graded("predict", "predicts in eval mode: dropout is off", points=1)
def test_predict_eval_mode(submission, known, classes, draw_seed, rng):
    model, X, expected = _case(known, classes, draw_seed, rng, 64)
    check.close(
        submission.predict(model, X),
        expected,
        what="predict(model, X)",
        inputs="a model in training mode with a Dropout(0.5) layer, 64 random points",
        rtol=0,
        atol=0,
        hint=EVAL_HINT,
    )


def _hooked_predict(submission, known, classes, model_calls, draw_seed, rng, modes=False):
    """predict on a Dropout model in training mode with a forward hook: checks its classes, returns the calls the hook saw."""
    model, X, expected = _case(known, classes, draw_seed, rng, 16)
    calls = model_calls(model, modes=modes)
    inputs = "a model in training mode with a Dropout(0.5) layer and a forward hook, 16 random points"
    hint = "return the argmax over the classes (dim=1) of the scores computed in eval mode"
    check.close(submission.predict(model, X), expected, what="predict(model, X)", inputs=inputs, rtol=0, atol=0, hint=hint)
    # Only train_classifier must call model(x): a predict that calls model.forward(X)
    # shows the hook nothing, and is judged by its result alone.
    return calls, inputs


@graded("predict", "runs the model without building a graph", points=1)
def test_predict_builds_no_graph(submission, known, classes, model_calls, draw_seed, rng):
    calls, inputs = _hooked_predict(submission, known, classes, model_calls, draw_seed, rng)
    check.close(
        sum(call.builds_graph for call in calls),
        0,
        what="the number of the model's outputs in predict(model, X) that require grad",
        inputs=inputs,
        rtol=0,
        atol=0,
        hint=GRAPH_HINT,
    )


@graded("predict", "the model is in eval mode when predict calls it", points=0.5)
def test_predict_calls_the_model_in_eval_mode(submission, known, classes, model_calls, draw_seed, rng):
    calls, inputs = _hooked_predict(submission, known, classes, model_calls, draw_seed, rng, modes=True)
    check.close(
        sum(call.training is not False for call in calls),
        0,
        what="the number of calls of the model in predict(model, X) made in training mode",
        inputs=inputs,
        rtol=0,
        atol=0,
        hint=EVAL_HINT,
    )


@graded("predict", "leaves a model in {mode} mode in {mode} mode", points=0.5)
@pytest.mark.parametrize("mode", ["training", "eval"])
def test_predict_restores_mode(submission, known, classes, draw_seed, rng, mode):
    model, X, expected = _case(known, classes, draw_seed, rng, 20)
    if mode == "eval":
        model.eval()
    inputs = f"a model with a Dropout(0.5) layer, in {mode} mode, 20 random points"
    check.close(submission.predict(model, X), expected, what="predict(model, X)", inputs=inputs, rtol=0, atol=0, hint=EVAL_HINT)
    check.models.training_mode(model.training, mode == "training", what="the model after predict(model, X)", inputs=inputs, hint=MODE_HINT)


@graded("predict", "int64 class indices of shape (N,), without a graph, for N={n}", points=0.5)
@pytest.mark.parametrize("n", [1, 50])
def test_predict_shape_and_dtype(submission, known, classes, draw_seed, rng, n):
    model, X, expected = _case(known, classes, draw_seed, rng, n, PLAIN_LAYERS, varied=False)
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
def test_predict_float64(submission, known, classes, draw_seed, rng):
    model, X, expected = _case(known, classes, draw_seed, rng, 30, PLAIN_LAYERS, double=True)
    inputs = "model.double(), float64 X of shape (30, 2)"
    check.close(submission.predict(model, X), expected, what="predict(model, X)", inputs=inputs, rtol=0, atol=0, hint="do not convert X: the model computes in its own dtype")


@graded("predict", "returns its indices on X's device", points=0.5)
def test_predict_device(submission, known, classes, draw_seed, rng, device):
    model, X, expected = _case(known, classes, draw_seed, rng, 12, PLAIN_LAYERS)

    def on_x_device(X):
        model.to(X.device)
        return submission.predict(model, X)

    check.on_device(device, on_x_device, (X,), expected, what="predict(model, X)", inputs="the model and X (12 points) on the same device", rtol=0, atol=0)
