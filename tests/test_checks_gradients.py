"""The finite-difference checks: estimates, what passes, what fails, and what the student reads."""

import pytest
import torch

from autograder import checks as check
from autograder.checks.failure import CheckFailure


def _quadratic(w: torch.Tensor) -> torch.Tensor:
    """L(w) = sum(w**3) / 3 + sum(w), whose gradient is w**2 + 1."""
    return (w**3).sum() / 3 + w.sum()


def _point() -> torch.Tensor:
    return torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64)


def _failure(got, f=_quadratic, x=None, **kwargs) -> CheckFailure:
    with pytest.raises(CheckFailure) as info:
        check.gradients.matches_finite_differences(
            got, f, _point() if x is None else x, what="grad(w)", rtol=1e-6, atol=1e-8, hint="look at the chain rule factor", **kwargs
        )
    return info.value


def test_finite_differences_estimate_the_gradient_in_float64_and_leave_the_point_alone():
    x = _point().to(torch.float32)
    before = x.clone()
    estimate = check.gradients.finite_differences(_quadratic, x)
    assert estimate.dtype == torch.float64 and estimate.shape == x.shape
    assert torch.allclose(estimate, x.double() ** 2 + 1, rtol=1e-8, atol=1e-8)
    assert torch.equal(x, before)


def test_elementwise_derivative_estimates_every_entry_at_once():
    z = torch.linspace(-3, 3, 7, dtype=torch.float64)
    assert torch.allclose(check.gradients.elementwise_derivative(torch.sin, z), torch.cos(z), rtol=1e-8, atol=1e-10)


def test_finite_differences_refuse_a_function_that_is_not_scalar():
    with pytest.raises(ValueError, match="scalar-valued"):
        check.gradients.finite_differences(lambda w: w * 2, _point())


def test_a_right_gradient_passes_and_counts_as_a_value_comparison():
    with check.count_comparisons() as counter:
        check.gradients.matches_finite_differences(_point() ** 2 + 1, _quadratic, _point(), what="grad(w)", rtol=1e-6, atol=1e-8)
        check.gradients.matches_finite_differences(
            torch.cos(_point()), torch.sin, _point(), what="sin'(w)", rtol=1e-6, atol=1e-8, elementwise=True
        )
    assert counter.count == 2


def test_a_wrong_entry_is_named_with_the_formula_and_the_values():
    got = _point() ** 2 + 1
    got[1, 2] += 0.5
    failure = _failure(got)
    text = failure.render(reveal_expected=True)
    assert "grad(w) disagrees most at index (1, 2) with the central difference (f(x + h) - f(x - h)) / 2h, h = 1e-06" in text
    assert "at that index you give 2.0625, the estimate is 1.5625" in text
    assert "hint:     look at the chain rule factor" in text
    assert "constant" not in text


def test_a_missing_constant_factor_is_called_one():
    failure = _failure((_point() ** 2 + 1) / 6)
    assert "your gradient is 0.1667 times the estimate everywhere: a constant factor is missing or extra" in str(failure)


def test_a_flipped_sign_is_called_one():
    failure = _failure(-(_point() ** 2 + 1))
    assert "the opposite sign of the estimate everywhere: a sign is flipped" in str(failure)


def test_hidden_rendering_names_neither_the_index_nor_the_values_nor_the_factor():
    got = (_point() ** 2 + 1) * 12
    hidden = _failure(got).render(reveal_expected=False)
    assert "disagrees with the central difference (f(x + h) - f(x - h)) / 2h" in hidden
    assert "a constant multiple of the estimate" in hidden
    for secret in ("index", "12", "estimate is", "expected", "1.5625"):
        assert secret not in hidden, secret


def test_a_wrong_shape_or_a_nan_fails_as_close_says():
    assert "has shape (3, 2) but should have shape (2, 3)" in str(_failure((_point() ** 2 + 1).T))
    got = _point() ** 2 + 1
    got[0, 0] = float("nan")
    assert "NaN or infinite" in str(_failure(got))
    assert "should return a torch.Tensor, but returned a float" in str(_failure(1.0))


def test_an_elementwise_derivative_that_misses_a_factor_fails():
    z = torch.linspace(-2, 2, 5, dtype=torch.float64)
    failure = _failure(torch.cos(z), f=lambda t: 2 * torch.sin(t), x=z, elementwise=True)
    assert "grad(w) disagrees most at index" in str(failure)
    assert "0.5 times the estimate everywhere" in str(failure)


def test_elementwise_derivative_refuses_a_function_that_changes_the_shape():
    with pytest.raises(ValueError, match="elementwise f"):
        check.gradients.elementwise_derivative(lambda t: t.sum(), _point())
