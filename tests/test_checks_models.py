"""The module checks: what passes, what fails, and what the student reads, for local and remote modules."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

from autograder import checks as check
from autograder.checks.failure import CheckFailure
from autograder.config import Limits
from autograder.runner.errors import StudentException
from autograder.runner.handle import RemoteSubmission

from conftest import module_source


class Remote:
    """Stands in for a handle on an object in the worker: attributes are read through it,
    a missing one raises the StudentException the worker reports, and the class name is known."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self.type_name = type(target).__name__

    def __getattr__(self, name: str) -> Any:
        try:
            value = getattr(self._target, name)
        except AttributeError as exc:
            raise StudentException.from_call(f"model.{name}", ("AttributeError", "Exception"), str(exc), "") from None
        if isinstance(value, torch.Tensor):
            return value.detach().clone().requires_grad_(value.requires_grad)
        return value if isinstance(value, (bool, int, float, str)) else Remote(value)

    def __call__(self, *args: Any) -> Any:
        return self._target(*args)


class Net(nn.Module):
    def __init__(self, first: nn.Module, act: Any) -> None:
        super().__init__()
        self.linear1 = first
        self.activation = act
        self.linear2 = nn.Linear(8, 4)


@pytest.mark.parametrize("wrap", [lambda m: m, Remote])
def test_a_correct_linear_layer_and_relu_pass(wrap):
    net = wrap(Net(nn.Linear(2, 8), nn.ReLU()))
    check.models.linear(check.models.layer(net, "linear1", what="net"), 2, 8, what="net.linear1")
    check.models.activation(net.activation, torch.relu, name="nn.ReLU()", what="net.activation")


@pytest.mark.parametrize("wrap", [lambda m: m, Remote])
def test_a_missing_layer_names_the_attribute_to_declare(wrap):
    net = wrap(Net(nn.Linear(2, 8), nn.ReLU()))
    with pytest.raises(CheckFailure) as info:
        check.models.layer(net, "hidden", what="MLP(2, 8, 4)")
    assert "MLP(2, 8, 4) has no attribute `hidden`" in str(info.value)
    assert "self.hidden = ..." in str(info.value)


@pytest.mark.parametrize("wrap", [lambda m: m, Remote])
def test_linear_with_the_wrong_sizes_says_what_it_is(wrap):
    layer = wrap(nn.Linear(2, 4))
    with pytest.raises(CheckFailure) as info:
        check.models.linear(layer, 2, 8, what="MLP(2, 8, 4).linear1")
    assert "MLP(2, 8, 4).linear1 should be nn.Linear(2, 8), but is nn.Linear(2, 4)" in str(info.value)
    hidden = info.value.render(reveal_expected=False)
    assert "nn.Linear(2, 4)" not in hidden and "should be nn.Linear(2, 8)" in hidden


@pytest.mark.parametrize("wrap", [lambda m: m, Remote])
def test_linear_that_is_another_layer_is_named_by_its_class(wrap):
    with pytest.raises(CheckFailure, match=r"linear1 should be nn.Linear\(2, 8\), but is ReLU"):
        check.models.linear(wrap(nn.ReLU()), 2, 8, what="linear1")


def test_linear_without_bias_fails():
    with pytest.raises(CheckFailure, match=r"linear1.bias should have shape \(8,\)"):
        check.models.linear(nn.Linear(2, 8, bias=False), 2, 8, what="linear1")


class ScaledLinear(nn.Linear):
    """Looks like nn.Linear(2, 8) but doubles what it computes."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * super().forward(x)


def test_linear_is_judged_by_what_it_computes():
    with pytest.raises(CheckFailure, match=r"linear1\(x\) is wrong"):
        check.models.linear(ScaledLinear(2, 8), 2, 8, what="linear1")


def test_linear_compares_a_value():
    with check.count_comparisons() as counter:
        check.models.linear(nn.Linear(3, 2), 3, 2, what="layer")
    assert counter.count == 1


@pytest.mark.parametrize("wrap", [lambda m: m, Remote])
@pytest.mark.parametrize("wrong", [nn.LeakyReLU(0.1), nn.Sigmoid(), nn.Identity()])
def test_an_activation_that_computes_something_else_fails(wrap, wrong):
    with pytest.raises(CheckFailure, match=r"activation\(z\) is wrong"):
        check.models.activation(wrap(wrong), torch.relu, name="nn.ReLU()", what="activation")


@pytest.mark.parametrize("wrap", [lambda m: m, Remote])
def test_an_activation_function_instead_of_a_module_fails(wrap):
    with pytest.raises(CheckFailure) as info:
        check.models.activation(wrap(torch.relu), torch.relu, name="nn.ReLU()", what="MLP.activation")
    assert "MLP.activation should be the module nn.ReLU(), but is builtin_function_or_method" in str(info.value)


def _expected_shapes() -> dict[str, tuple[int, ...]]:
    return {"linear1.weight": (8, 2), "linear1.bias": (8,), "linear2.weight": (4, 8), "linear2.bias": (4,)}


def test_parameter_shapes_pass_for_the_right_state_dict():
    check.models.parameter_shapes(Net(nn.Linear(2, 8), nn.ReLU()).state_dict(), _expected_shapes(), what="state_dict()")


def test_parameter_shapes_name_the_missing_entry_and_the_present_ones():
    sd = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4)).state_dict()
    with pytest.raises(CheckFailure) as info:
        check.models.parameter_shapes(sd, _expected_shapes(), what="MLP(2, 8, 4).state_dict()")
    text = str(info.value)
    assert "has no entry linear1.weight, linear1.bias, linear2.weight, linear2.bias; it has 0.weight" in text
    assert "0.weight" not in info.value.render(reveal_expected=False)


def test_parameter_shapes_reject_extra_entries_and_wrong_shapes():
    net = Net(nn.Linear(2, 8), nn.ReLU())
    net.extra = nn.Linear(1, 1)
    with pytest.raises(CheckFailure, match="entries the exercise does not ask for: extra.bias, extra.weight"):
        check.models.parameter_shapes(net.state_dict(), _expected_shapes(), what="state_dict()")
    sd = _expected_shapes() | {"linear1.weight": (2, 8)}
    with pytest.raises(CheckFailure, match=r"\['linear1.weight'\] should have shape \(2, 8\)"):
        check.models.parameter_shapes(Net(nn.Linear(2, 8), nn.ReLU()).state_dict(), sd, what="state_dict()")


def test_parameter_shapes_alone_compare_no_value():
    with check.count_comparisons() as counter:
        check.models.parameter_shapes(Net(nn.Linear(2, 8), nn.ReLU()).state_dict(), _expected_shapes(), what="sd")
    assert counter.count == 0


def test_same_parameters_names_the_entry_that_differs():
    sd = nn.Linear(2, 3).state_dict()
    other = {k: v.clone() for k, v in sd.items()}
    check.models.same_parameters(other, sd, what="weights", rtol=0, atol=0)
    other["bias"] += 1
    with pytest.raises(CheckFailure, match=r"weights\['bias'\] is wrong"):
        check.models.same_parameters(other, sd, what="weights", rtol=1e-5, atol=1e-6)


def test_parameters_on_names_a_parameter_on_another_device():
    sd = nn.Linear(2, 3).state_dict()
    check.models.parameters_on(sd, "cpu", what="the model")
    with pytest.raises(CheckFailure, match="the model should be on meta, but weight is on cpu"):
        check.models.parameters_on(sd, torch.device("meta"), what="the model")


def test_training_mode_says_which_mode_is_wrong():
    check.models.training_mode(True, True, what="the model")
    with pytest.raises(CheckFailure) as info:
        check.models.training_mode(False, True, what="the model after predict(model, X)")
    assert "should be in training mode, but is in eval mode" in str(info.value)
    assert "model.train(was_training)" in str(info.value)
    with pytest.raises(CheckFailure, match="should be a bool"):
        check.models.training_mode(None, True, what="model.training")


def test_type_name_reads_local_modules_and_handles():
    assert check.models.type_name(nn.ReLU()) == "ReLU"
    assert check.models.type_name(Remote(nn.Linear(1, 1))) == "Linear"
    assert check.models.type_name(3) == "int"


STUDENT = '''
import torch
from torch import nn

class Good(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(2, 8)
        self.activation = nn.ReLU()

class Lookalike(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(2, 4)
        self.activation = torch.relu
'''


def test_the_checks_read_models_in_the_worker():
    """On real handles: attributes are asked of the worker, a missing one is a failure, and the layer runs there."""
    with RemoteSubmission(module_source(STUDENT, "m.py"), "m", Limits()) as remote:
        good, lookalike = remote.Good(), remote.Lookalike()
        check.models.linear(check.models.layer(good, "linear1", what="Good()"), 2, 8, what="Good().linear1")
        check.models.activation(good.activation, torch.relu, name="nn.ReLU()", what="Good().activation")
        check.models.parameter_shapes(good.state_dict(), {"linear1.weight": (8, 2), "linear1.bias": (8,)}, what="state_dict()")
        with pytest.raises(CheckFailure, match="has no attribute `linear2`"):
            check.models.layer(good, "linear2", what="Good()")
        with pytest.raises(CheckFailure, match=r"should be nn.Linear\(2, 8\), but is nn.Linear\(2, 4\)"):
            check.models.linear(lookalike.linear1, 2, 8, what="Lookalike().linear1")
        with pytest.raises(CheckFailure, match="should be the module nn.ReLU\\(\\), but is"):
            check.models.activation(lookalike.activation, torch.relu, name="nn.ReLU()", what="Lookalike().activation")
        check.models.training_mode(good.training, True, what="Good()")
        good.eval()
        check.models.training_mode(good.training, False, what="Good() after eval()")
