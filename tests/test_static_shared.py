"""Changing torch (or any module or class) gates every exercise; values a graded function reads are followed to where they are set."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk, ModuleFile

BANNED = ["torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"]
EXERCISES = ["softmax", "cross_entropy", "accuracy"]
CLEAN = """
def softmax(z, dim=-1):
    e = torch.exp(z - z.amax(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)
def cross_entropy(l, t):
    return -(l - l.exp().sum(1, keepdim=True).log())[range(len(t)), t].mean()
def accuracy(o, t):
    return float((o.argmax(1) == t).float().mean())
"""


def gated(code: str) -> dict[str, list[str]]:
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", textwrap.dedent(code))], EXERCISES)
    return {name: [v.api for v in uses] for name, uses in report.gating.items()}


@pytest.mark.parametrize(
    "patch",
    [
        "torch.exp = lambda z: torch.softmax(z, -1)",
        "torch.exp = torch.nn.functional.softmax",
        "torch.Tensor.exp = torch.Tensor.softmax",
        "setattr(torch, 'exp', torch.softmax)",
        "exec('torch.exp = torch.softmax')",
        "m = torch\nm.exp = lambda z: z",
        "T = type(torch.zeros(1))\nT.exp = T.softmax",
        "torch.zeros(1).__class__.exp = torch.Tensor.softmax",
        "def patch(module, f):\n    module.exp = f\npatch(torch, torch.softmax)",
        "def ident(m):\n    return m\nident(torch).exp = torch.softmax",
        "box = {}\nbox['t'] = torch\nbox['t'].exp = torch.softmax",
        "del torch.exp",
    ],
)
def test_changing_torch_at_top_level_gates_every_exercise(patch):
    assert set(gated(f"import torch\n{patch}\n{CLEAN}")) == set(EXERCISES)


def test_the_reason_names_what_was_changed():
    found = gated(f"import torch\ntorch.exp = abs\n{CLEAN}")
    assert found["accuracy"] == ["a change of `torch.exp` (changes to modules and classes reach every function; cannot be checked)"]


@pytest.mark.parametrize(
    "setting",
    [
        "torch.backends.cudnn.deterministic = True",
        "torch.manual_seed(0)",
        "torch.set_printoptions(precision=3)",
        "W = torch.zeros(2, 2, requires_grad=True)\nW.data = W.data - 0.1 * torch.ones(2, 2)\nW.grad = None",
    ],
)
def test_constant_settings_and_changes_of_ones_own_data_are_honest(setting):
    assert gated(f"import torch\n{setting}\n{CLEAN}") == {}


@pytest.mark.parametrize(
    "setup, use",
    [
        ("table = {'f': torch.softmax}", "table['f'](z, dim)"),
        ("table = {}\ntable['f'] = torch.softmax", "table['f'](z, dim)"),
        ("table = []\ntable.append(torch.softmax)", "table[0](z, dim)"),
        ("REG = []\ndef register(f):\n    REG.append(f)\nregister(torch.softmax)", "REG[0](z, dim)"),
        ("class Box:\n    pass\nbox = Box()\nbox.f = torch.softmax", "box.f(z, dim)"),
        ("def make():\n    return torch.softmax\nf = make()", "f(z, dim)"),
    ],
)
def test_a_value_set_at_top_level_and_used_by_a_graded_function_gates_it(setup, use):
    code = f"import torch\n{setup}\n{CLEAN}\ndef softmax(z, dim=-1):\n    return {use}\n"
    assert list(gated(code)) == ["softmax"]


def test_a_comparison_with_torch_in_top_level_code_costs_nothing():
    code = f"import torch\n{CLEAN}\nx = torch.randn(3, 4)\nprint(torch.allclose(softmax(x), torch.softmax(x, dim=-1)))\nlosses = []\nlosses.append(cross_entropy(x, torch.tensor([0, 1, 2])))\n"
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", code)], EXERCISES)
    assert report.gating == {}
    assert [v.api for v in report.ungraded] == ["torch.softmax"]


def test_a_local_variable_is_not_the_module_level_name_of_the_same_spelling():
    code = f"""import torch
fn = torch.softmax
print(fn(torch.ones(2), 0))
{CLEAN}
def softmax(z, dim=-1):
    fn = torch.exp
    e = fn(z - z.amax(dim, keepdim=True))
    return e / e.sum(dim, keepdim=True)
"""
    assert gated(code) == {}


def test_reading_module_level_constants_and_tensors_does_not_pull_in_the_code_that_calls_the_exercise():
    code = f"""import torch
EPS = 1e-12
SCALE = torch.tensor(1.0)
{CLEAN}
def softmax(z, dim=-1):
    e = torch.exp(z - z.amax(dim, keepdim=True))
    return torch.clamp(e / e.sum(dim, keepdim=True), min=EPS) * SCALE.item()
x = torch.randn(3)
print(torch.allclose(softmax(x), torch.softmax(x, 0)))
"""
    assert gated(code) == {}


def test_an_exercise_keeping_state_in_a_module_level_name_is_checked_with_the_code_that_calls_it():
    code = f"""import torch
CALLS = []
{CLEAN}
def softmax(z, dim=-1):
    CALLS.append(z)
    return CALLS[-1]
softmax(torch.softmax(torch.ones(2), 0))
"""
    assert list(gated(code)) == ["softmax"]


@pytest.mark.parametrize(
    "setup",
    [
        "try:\n    raise ValueError(torch.softmax)\nexcept ValueError as error:\n    f = error.args[0]",
        "try:\n    {}[torch.softmax]\nexcept KeyError as error:\n    f = error.args[0]",
    ],
)
def test_values_passed_through_exceptions_are_followed(setup):
    code = f"import torch\n{setup}\n{CLEAN}\ndef softmax(z, dim=-1):\n    return f(z, dim)\n"
    assert list(gated(code)) == ["softmax"]


def test_a_name_a_module_answers_with_its_getattr_is_followed():
    helpers = ModuleFile("helpers", "carol/helpers.py", "import torch\ndef __getattr__(name):\n    return torch.softmax\n", False)
    code = f"import torch\nimport helpers\n{CLEAN}\ndef softmax(z, dim=-1):\n    return helpers.anything(z, dim)\n"
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", code)], EXERCISES, [helpers])
    assert [v.api for v in report.gating["softmax"]] == ["torch.softmax"]


def test_a_module_of_the_students_named_like_a_library_does_not_hide_the_library():
    shadow = ModuleFile("operator", "carol/operator.py", "def attrgetter(name):\n    return abs\n", False)
    code = f"import torch, operator\n{CLEAN}\ndef softmax(z, dim=-1):\n    return operator.attrgetter('soft' + 'max')(torch)(z, dim)\n"
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", code)], EXERCISES, [shadow])
    assert list(report.gating) == ["softmax"]


def test_a_global_module_hook_gates_every_exercise():
    code = f"import torch\nimport torch.nn.modules.module as mm\nmm.register_module_forward_hook(lambda m, i, o: o.exp())\n{CLEAN}"
    assert set(gated(code)) == set(EXERCISES)
