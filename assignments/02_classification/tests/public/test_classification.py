"""Public tests: run them with `autograder check` or the notebook's check cells.

They check the lecture's worked examples and compare with PyTorch's own
functions on small inputs. Passing them is a good sign, not full marks: the
grader also checks other shapes, dtypes, `dim`, large logits and edge cases.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from autograder.testing import check, graded


@graded("softmax", "lecture example: scores [1.1, -0.45, 0.4]")
def test_softmax_lecture_example(submission):
    scores = torch.tensor([[1.1, -0.45, 0.4]])
    got = submission.softmax(scores)
    check.close(
        got,
        torch.tensor([[0.5852, 0.1242, 0.2906]]),
        what="softmax(scores)",
        inputs="scores = [[1.1, -0.45, 0.4]]",
        rtol=0,
        atol=1e-4,
        hint="softmax_k = exp(z_k) / sum_j exp(z_j), along the last dimension",
    )


@graded("softmax", "matches torch.softmax on a (4, 5) batch")
def test_softmax_matches_torch(submission):
    logits = torch.randn(4, 5, generator=torch.Generator().manual_seed(0))
    check.close(
        submission.softmax(logits),
        F.softmax(logits, dim=-1),
        what="softmax(logits)",
        inputs="random logits of shape (4, 5)",
        rtol=1e-5,
        atol=1e-6,
        hint="normalise each row: divide by the row's sum with keepdim=True so it broadcasts",
    )


@graded("cross_entropy", "lecture example: true class given probability {p}")
@pytest.mark.parametrize("p", [0.17, 0.79])
def test_cross_entropy_lecture_example(submission, p):
    logits = torch.log(torch.tensor([[1 - p, p]]))
    got = submission.cross_entropy(logits, torch.tensor([1]))
    check.close(
        got,
        -math.log(p),
        what="cross_entropy(logits, targets)",
        inputs=f"logits = log([[{1 - p:.2f}, {p}]]), targets = [1]",
        rtol=1e-5,
        atol=1e-6,
        hint="the loss of one example is -log(probability of its true class)",
    )


@graded("cross_entropy", "matches F.cross_entropy with class-index targets")
def test_cross_entropy_matches_torch(submission):
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(6, 4, generator=generator)
    targets = torch.randint(0, 4, (6,), generator=generator)
    check.close(
        submission.cross_entropy(logits, targets),
        F.cross_entropy(logits, targets),
        what="cross_entropy(logits, targets)",
        inputs="random logits (6, 4), int64 targets (6,)",
        rtol=1e-5,
        atol=1e-6,
        hint="average -log softmax(logits)[i, targets[i]] over the batch",
    )


@graded("accuracy", "two of three rows correct")
def test_accuracy_simple(submission):
    outputs = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    got = submission.accuracy(outputs, torch.tensor([0, 1, 1]))
    check.close(
        got,
        2 / 3,
        what="accuracy(outputs, targets)",
        inputs="outputs = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], targets = [0, 1, 1]",
        rtol=0,
        atol=1e-6,
        hint="compare outputs.argmax(dim=1) with the targets and take the mean",
    )


@graded("accuracy", "returns a Python float")
def test_accuracy_returns_float(submission):
    got = submission.accuracy(torch.tensor([[0.3, 0.7], [0.6, 0.4]]), torch.tensor([1, 1]))
    inputs = "outputs = [[0.3, 0.7], [0.6, 0.4]], targets = [1, 1]"
    check.python_float(got, what="accuracy(outputs, targets)", inputs=inputs)
    check.close(got, 0.5, what="accuracy(outputs, targets)", inputs=inputs, rtol=0, atol=1e-6, hint="one of the two rows is right")
