"""The teaching assertions: what passes, what fails, and what the student reads."""

import math

import pytest
import torch

from autograder import checks as check
from autograder.checks.failure import CheckFailure
from autograder.runner.errors import CallTimeout, StudentException


def test_close_accepts_values_within_tolerance():
    check.close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]), what="f(x)", rtol=1e-6, atol=0)


def test_close_reports_worst_index_and_values():
    with pytest.raises(CheckFailure) as info:
        check.close(torch.tensor([[1.0, 2.0], [3.0, 9.0]]), torch.ones(2, 2) * torch.tensor([1.0, 2.0]), what="f(x)", rtol=0, atol=1e-6, hint="think")
    text = info.value.render(reveal_expected=True)
    assert "wrong in 2 of 4 entries; the worst is at index (1, 1)" in text
    assert "(tolerance atol=1e-06, rtol=0); off by 7" in text
    assert "expected:" in text and "hint:     think" in text


def test_hidden_rendering_drops_the_expected_value_and_the_values_got():
    failure = CheckFailure("f(x) is off", got="a float: 1.25", got_brief="a float", expected="2", inputs="x = 0", hint="h")
    hidden = failure.render(reveal_expected=False)
    assert "expected" not in hidden and "1.25" not in hidden
    assert "got:      a float" in hidden and "input:    x = 0" in hidden


def test_hidden_close_failure_gives_no_way_to_the_expected_value():
    with pytest.raises(CheckFailure) as info:
        check.close(torch.tensor([1.25]), torch.tensor([0.5]), what="f(x)", rtol=0, atol=1e-6)
    hidden = info.value.render(reveal_expected=False)
    assert "off by" not in hidden and "0.75" not in hidden and "0.5" not in hidden
    assert "got:      tensor with 1 dimension(s), float32, on cpu" in hidden and "1.25" not in hidden
    with pytest.raises(CheckFailure) as info:
        check.close(0.25, 0.75, what="acc", rtol=0, atol=1e-6)
    hidden = info.value.render(reveal_expected=False)
    assert "0.75" not in hidden and "0.5" not in hidden


def test_close_flags_nan_separately_from_wrong_values():
    with pytest.raises(CheckFailure, match="NaN or infinite"):
        check.close(torch.tensor([float("nan"), 0.0]), torch.tensor([1.0, 0.0]), what="softmax(z)", rtol=0, atol=1e-6)


def test_close_checks_shape_before_values():
    with pytest.raises(CheckFailure, match=r"has shape \(3,\) but should have shape \(1, 3\)"):
        check.close(torch.zeros(3), torch.zeros(1, 3), what="f(x)", rtol=0, atol=1)


def test_close_compares_numbers_and_0_dim_tensors():
    check.close(torch.tensor(0.5), 0.5, what="acc", rtol=0, atol=1e-9)
    check.close(2 / 3, 0.6666666, what="acc", rtol=0, atol=1e-6)
    with pytest.raises(CheckFailure, match="acc is wrong"):
        check.close(0.5, 0.75, what="acc", rtol=0, atol=1e-6)
    with pytest.raises(CheckFailure, match="should be a number"):
        check.close("0.5", 0.5, what="acc", rtol=0, atol=1)
    with pytest.raises(CheckFailure, match="is nan"):
        check.close(math.nan, 0.5, what="acc", rtol=0, atol=1)


def test_close_on_scalar_tensors_says_off_by():
    with pytest.raises(CheckFailure, match=r"loss is wrong \(tolerance atol=1e-06, rtol=0\); off by 1"):
        check.close(torch.tensor(2.0), torch.tensor(1.0), what="loss", rtol=0, atol=1e-6)


def test_python_float_rejects_tensors_and_bools():
    assert check.python_float(0.25, what="acc") == 0.25
    for bad in (torch.tensor(0.25), True, 1):
        with pytest.raises(CheckFailure, match="Python float"):
            check.python_float(bad, what="acc")


def test_dtype_device_shape_and_grad_checks():
    x = torch.zeros(2, 3, dtype=torch.float64)
    check.dtype(x, torch.float64, what="f")
    check.device(x, torch.device("cpu"), what="f")
    check.shape(x, (2, 3), what="f")
    check.no_grad(x, what="f")
    with pytest.raises(CheckFailure, match="dtype"):
        check.dtype(x.float(), torch.float64, what="f")
    with pytest.raises(CheckFailure, match="requires grad"):
        check.no_grad(torch.zeros(1, requires_grad=True), what="f")
    with pytest.raises(CheckFailure, match="torch.Tensor"):
        check.shape([1, 2], (2,), what="f")


def test_raises_accepts_remote_exception_of_the_right_type():
    with check.raises(ValueError, what="accuracy"):
        raise StudentException("boom", ("ValueError", "Exception", "BaseException"))
    with check.raises(ArithmeticError, what="accuracy"):
        raise StudentException("boom", ("ZeroDivisionError", "ArithmeticError", "Exception"))


def test_raises_fails_on_wrong_type_or_no_exception():
    with pytest.raises(CheckFailure, match="should raise ValueError, but raised TypeError"):
        with check.raises(ValueError, what="accuracy"):
            raise StudentException("boom", ("TypeError", "Exception"))
    with pytest.raises(CheckFailure, match="returned normally"):
        with check.raises(ValueError, what="accuracy"):
            pass


def test_raises_lets_worker_failures_through():
    with pytest.raises(CallTimeout):
        with check.raises(ValueError, what="accuracy"):
            raise CallTimeout("too slow")


def test_hidden_failures_show_no_size_or_count_the_student_chose():
    with pytest.raises(CheckFailure) as shape:
        check.close(torch.zeros(0, 1001984, 1000800), torch.zeros(3), what="f(x)", rtol=0, atol=1e-6)
    with pytest.raises(CheckFailure) as wrong:
        check.close(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 0.0, 3.0, 0.0]), what="f(x)", rtol=0, atol=1e-6)
    with pytest.raises(CheckFailure) as nan:
        check.close(torch.tensor([float("nan")] * 5), torch.zeros(5), what="f(x)", rtol=0, atol=1e-6)
    for failure in (shape, wrong, nan):
        hidden = failure.value.render(reveal_expected=False)
        assert not any(number in hidden for number in ("1001984", "1000800", "2 of 4", "index", "5 NaN")), hidden
    assert "1001984" in shape.value.render(reveal_expected=True)


def test_a_hidden_test_names_a_students_own_exception_by_its_built_in_base():
    raised = StudentException.from_call("f()", ("Leak_1411_1348", "ValueError", "Exception", "BaseException"), "1.411", "")
    assert raised.brief == "f() raised ValueError" and "Leak_1411_1348" in str(raised)


def test_the_brief_form_of_a_value_reads_as_english():
    from autograder.checks.describe import brief

    assert (brief(3), brief(2.5), brief([1])) == ("an int", "a float", "a list")
