"""Hidden accuracy tests: scores and probabilities, one-hot targets, errors, type."""

import pytest
import torch
import torch.nn.functional as F

from autograder.testing import check, graded

ARGMAX_HINT = "the predicted class of a row is outputs.argmax(dim=1); accuracy is the mean of (predicted == target)"


def _batch(n, c, rng):
    """Random scores and targets, half of them right; every row's best score beats its second by 1e-3,
    so that an honest argmax of probabilities, even rounded to float32, picks the same class."""
    scores = torch.randn(n, c, generator=rng, dtype=torch.float64)
    while not bool((scores.topk(2, dim=1).values.diff(dim=1) < -1e-3).all()):
        scores = torch.randn(n, c, generator=rng, dtype=torch.float64)
    targets = torch.randint(0, c, (n,), generator=rng)
    targets[: n // 2] = scores[: n // 2].argmax(dim=1)
    return scores, targets


def _expected(scores, targets):
    return (scores.argmax(dim=1) == targets).to(torch.float64).mean().item()


@graded("accuracy", "raw scores with class-index targets, N={n}")
@pytest.mark.parametrize("n", [1, 7, 50])
def test_accuracy_scores(submission, rng, n):
    scores, targets = _batch(n, 4, rng)
    check.close(submission.accuracy(scores, targets), _expected(scores, targets), what="accuracy(outputs, targets)", inputs=f"random scores ({n}, 4), int64 targets", rtol=0, atol=1e-6, hint=ARGMAX_HINT)


@graded("accuracy", "probabilities with class-index targets")
def test_accuracy_probabilities(submission, rng):
    scores, targets = _batch(20, 3, rng)
    probabilities = F.softmax(scores, dim=1)
    check.close(submission.accuracy(probabilities, targets), _expected(scores, targets), what="accuracy(probabilities, targets)", inputs="softmax probabilities (20, 3), int64 targets", rtol=0, atol=1e-6, hint=ARGMAX_HINT)


@graded("accuracy", "one-hot targets")
def test_accuracy_one_hot(submission, rng):
    scores, targets = _batch(12, 5, rng)
    one_hot = F.one_hot(targets, 5).to(torch.float32)
    check.close(
        submission.accuracy(scores, one_hot),
        _expected(scores, targets),
        what="accuracy(outputs, one_hot_targets)",
        inputs="random scores (12, 5), float one-hot targets (12, 5)",
        rtol=0,
        atol=1e-6,
        hint="with (N, C) one-hot targets, the target class of a row is targets.argmax(dim=1)",
    )


@graded("accuracy", "all rows right gives 1, none right gives 0")
def test_accuracy_extremes(submission, rng):
    scores, _ = _batch(9, 3, rng)
    right = scores.argmax(dim=1)
    inputs = "random scores (9, 3) with targets equal to (then different from) their argmax"
    check.close(submission.accuracy(scores, right), 1.0, what="accuracy when every row is right", inputs=inputs, rtol=0, atol=1e-6, hint=ARGMAX_HINT)
    check.close(submission.accuracy(scores, (right + 1) % 3), 0.0, what="accuracy when no row is right", inputs=inputs, rtol=0, atol=1e-6, hint=ARGMAX_HINT)


@graded("accuracy", "returns a Python float, not a tensor, for a batch of 10")
def test_accuracy_type(submission, rng):
    scores, targets = _batch(10, 3, rng)
    got = submission.accuracy(scores, targets)
    check.python_float(got, what="accuracy(outputs, targets)", inputs="scores (10, 3), int64 targets")
    check.close(got, _expected(scores, targets), what="accuracy(outputs, targets)", inputs="scores (10, 3), int64 targets", rtol=0, atol=1e-6, hint=ARGMAX_HINT)


def _valid_call_first(submission, rng):
    """A function that always raises must not earn the points of the error tests."""
    scores, targets = _batch(6, 3, rng)
    check.close(submission.accuracy(scores, targets), _expected(scores, targets), what="accuracy(outputs, targets)", inputs="scores (6, 3), int64 targets (6,)", rtol=0, atol=1e-6, hint=ARGMAX_HINT)
    return scores, targets


@graded("accuracy", "raises ValueError when outputs and targets have different N")
def test_accuracy_length_mismatch(submission, rng):
    scores, targets = _valid_call_first(submission, rng)
    with check.raises(ValueError, what="accuracy(outputs, targets)", inputs="outputs with 6 rows, targets with 4", hint="compare outputs.shape[0] with targets.shape[0] and raise ValueError"):
        submission.accuracy(scores, targets[:4])


@graded("accuracy", "raises ValueError for an empty batch")
def test_accuracy_empty(submission, rng):
    _valid_call_first(submission, rng)
    with check.raises(ValueError, what="accuracy(outputs, targets)", inputs="outputs of shape (0, 3), targets of shape (0,)", hint="an empty batch has no accuracy: raise ValueError instead of dividing by zero"):
        submission.accuracy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.int64))


@graded("accuracy", "works on the input's device")
def test_accuracy_device(submission, rng, gpu):
    scores, targets = _batch(10, 3, rng)
    check.on_device(
        gpu,
        submission.accuracy,
        (scores, targets),
        _expected(scores, targets),
        what="accuracy(outputs, targets)",
        inputs="scores (10, 3) and int64 targets",
        rtol=0,
        atol=1e-6,
        hint="keep the comparison on the inputs' device and convert the result with .item()",
    )
