"""Public tests: run them with `autograder check` or the notebook's check cells.

They check the lecture's ideas on small examples: the layers of the MLP and
its raw scores for the lecture's weights, a training run on four blobs of
points, and predictions of a known model. Passing them is a good sign, not
full marks: the grader also compares your loss histories epoch by epoch with
a reference run, tries mini-batches, seeds and devices, and checks the
model's mode after `predict`.
"""

import torch

from autograder.testing import check, graded

LECTURE_WEIGHTS = {
    "linear1.weight": torch.tensor([[0.0207, 0.6736], [-0.6257, -0.1910], [0.1345, 0.4238], [-0.0057, -0.0278]]),
    "linear1.bias": torch.tensor([0.3481, -0.5513, -0.5184, -0.0614]),
    "linear2.weight": torch.tensor([[-0.3208, -0.1217, 0.3756, -0.0855], [-0.0237, -0.1747, -0.2482, -0.2043], [0.0442, -0.1720, -0.3428, 0.2704]]),
    "linear2.bias": torch.tensor([-0.3330, -0.0685, -0.2763]),
}
"""The weights the lecture's 2-4-3 network printed after training."""


@graded("MLP", "MLP(2, 8, 4) declares linear1, activation and linear2", points=1)
def test_mlp_layers(submission):
    net = submission.MLP(2, 8, 4)
    check.models.linear(check.models.layer(net, "linear1", what="MLP(2, 8, 4)"), 2, 8, what="MLP(2, 8, 4).linear1")
    check.models.activation(check.models.layer(net, "activation", what="MLP(2, 8, 4)"), torch.relu, name="nn.ReLU()", what="MLP(2, 8, 4).activation")
    check.models.linear(check.models.layer(net, "linear2", what="MLP(2, 8, 4)"), 8, 4, what="MLP(2, 8, 4).linear2")


@graded("MLP", "raw scores of the lecture's 2-4-3 network", points=1)
def test_mlp_lecture_scores(submission):
    net = submission.MLP(2, 4, 3)
    net.load_state_dict(LECTURE_WEIGHTS)
    x = torch.tensor([[-2.0, -2.0], [2.0, -2.0], [2.0, 2.0], [-1.0, 1.0]])
    w = LECTURE_WEIGHTS
    hidden = torch.relu(x @ w["linear1.weight"].T + w["linear1.bias"])
    check.close(
        net(x),
        hidden @ w["linear2.weight"].T + w["linear2.bias"],
        what="MLP(2, 4, 3)(x)",
        inputs="the lecture's trained weights; x = [[-2, -2], [2, -2], [2, 2], [-1, 1]]",
        rtol=1e-5,
        atol=1e-6,
        hint="forward returns linear2(activation(linear1(x))): raw scores, which may be negative; no ReLU or softmax at the end",
    )


@graded("train_classifier", "learns four blobs of points: loss goes down, accuracy above 95%", points=2, timeout=10)
def test_train_classifier_learns_blobs(submission, blobs, known, accuracy):
    X, y = blobs(per_class=20, seed=0)
    _, model = known()
    inputs = "80 points in four blobs, a 2-16-4 network, epochs=30, lr=0.5, device='cpu'"
    losses = submission.train_classifier(model, X, y, epochs=30, lr=0.5, device="cpu")
    check.training.python_floats(losses, 30, what="train_classifier(...)", inputs=inputs)
    check.training.converges(losses, what="the loss history", factor=0.2, inputs=inputs)
    check.close(
        accuracy(model.state_dict(), X, y),
        1.0,
        what="the trained model's accuracy on its training points",
        inputs=inputs,
        rtol=0,
        atol=0.05,
        hint="each epoch: optimizer.zero_grad(), loss = loss_fn(model(X), y), loss.backward(), optimizer.step()",
    )


@graded("predict", "class indices of a known model for a few points", points=1)
def test_predict_classes(submission, known, classes):
    local, model = known(seed=3)
    X, expected = classes(local, torch.tensor([[-2.0, -2.0], [2.0, -2.0], [-2.0, 2.0], [2.0, 2.0], [0.5, -1.0], [-3.0, 0.0]]))
    got = submission.predict(model, X)
    inputs = "a 2-16-4 network with fixed weights, points such as [-2, -2] and [2, 2]"
    check.that(
        check.is_tensor(got, what="predict(model, X)", inputs=inputs).dtype == torch.int64,
        f"predict(model, X) should return int64 class indices, but returns {got.dtype}",
        inputs=inputs,
        hint="argmax gives int64 indices: return them as they are",
    )
    check.close(got, expected, what="predict(model, X)", inputs=inputs, rtol=0, atol=0, hint="the predicted class of a row is the argmax of its scores, along dim=1")


@graded("predict", "keeps a model that is training in training mode", points=1)
def test_predict_restores_training_mode(submission, known, classes):
    local, model = known(seed=4)
    X, expected = classes(local, torch.tensor([[1.0, 2.0], [-1.5, 0.5], [0.0, -2.0], [2.5, 1.0]]))
    check.close(submission.predict(model, X), expected, what="predict(model, X)", inputs="a few points such as [1, 2]", rtol=0, atol=0)
    check.models.training_mode(model.training, True, what="the model after predict(model, X)", inputs="a model in training mode")
