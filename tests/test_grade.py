"""Grading one submission: what is checked is what is graded."""

from __future__ import annotations

from autograder.checks.devices import META
from autograder.grading.grade import dispatched_gating, grade_source, suite_dirs
from autograder.intake.source import Chunk, SubmissionSource

CORRECT_SOFTMAX = "def softmax(logits, dim=-1):\n    e = (logits - logits.amax(dim, keepdim=True)).exp()\n    return e / e.sum(dim, keepdim=True)\n"


def _notebook(*cells: str) -> SubmissionSource:
    chunks = tuple(Chunk(f"nb.ipynb cell {i}", f"nb.ipynb, cell {i}", cell) for i, cell in enumerate(cells, start=1))
    return SubmissionSource("student", "nb.ipynb", "notebook", chunks)


def test_the_definition_checked_is_the_one_graded_when_its_cell_raises_first(classification, reference_module):
    wrong = "import torch\ndef softmax(logits, dim=-1):\n    return logits\n"
    last = "raise RuntimeError('a cell that stops early')\n" + CORRECT_SOFTMAX
    result = grade_source(classification, _notebook(wrong, last), suite_dirs(classification, True), reference_module, device=META)
    softmax = next(e for e in result.by_exercise() if e.exercise == "softmax")
    assert softmax.score == softmax.max_score > 0


def test_a_banned_operation_dispatched_at_run_time_gates_its_exercise(classification):
    dispatched = {
        "softmax": frozenset({"torch.ops.aten._softmax.default", "torch.ops.aten.exp.default"}),
        "accuracy": frozenset({"torch.ops.aten.argmax.default"}),
    }
    gating = dispatched_gating(classification, dispatched)
    assert list(gating) == ["softmax"]
    assert [v.api for v in gating["softmax"]] == ["torch.ops.aten._softmax.default"]


def test_a_name_the_student_defines_cannot_stop_the_checked_definitions_from_being_cleared(classification, reference_module):
    earlier = "import torch\n" + CORRECT_SOFTMAX
    last = "def globals():\n    return {}\n@never_defined\n" + CORRECT_SOFTMAX
    result = grade_source(classification, _notebook(earlier, last), suite_dirs(classification, True), reference_module, device=META)
    softmax = next(e for e in result.by_exercise() if e.exercise == "softmax")
    assert softmax.score == 0 < softmax.max_score


def test_autograd_recorded_at_run_time_gates_only_where_autograd_is_banned(course):
    from autograder.config import load_assignment

    calculus, descent = load_assignment(course, "01_calculus"), load_assignment(course, "03_gradient_descent")
    dispatched = {
        "two_layer_backward": frozenset({"torch.autograd.graph", "torch.autograd.backward", "torch.ops.aten.mul.Tensor"}),
        "sigmoid": frozenset({"torch.ops.aten.exp.default"}),
        "fit_linear_regression": frozenset({"torch.autograd.graph", "torch.autograd.backward"}),
    }
    assert list(dispatched_gating(calculus, dispatched)) == ["two_layer_backward"]
    assert dispatched_gating(descent, dispatched) == {}
