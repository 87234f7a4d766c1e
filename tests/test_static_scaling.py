"""The analysis does work linear in the size of the code, and code too deep to analyse gates instead of crashing."""

import pytest

from autograder.checks.program import Program
from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

BANNED = ["torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"]
SOFTMAX = "def softmax(z, dim=-1):\n    return z\n"


def chain(shape: str, n: int) -> str:
    """n lines of aliases of one shape, of the kinds that made the old resolver's work grow exponentially."""
    lines = {
        "if_else": ["a0 = torch.nn"] + [f"a{i + 1} = a{i} if x else a{i}.functional" for i in range(n)],
        "lists": ["a0 = [torch, torch]"] + [f"a{i + 1} = [a{i}, a{i}[0], a{i}[1]]" for i in range(n)],
        "swaps": ["a = torch", "b = torch.nn"] + ["a, b = b, a"] * n,
        "getattr_vars": ["a0 = torch"] + [f"a{i + 1} = getattr(vars(a{i})['nn'], 'functional')" for i in range(n)],
        "self_reference": ["a = torch"] + ["a = a.x"] * n,
        "repeated_attributes": ["x = torch"] + ["x = x.y.y.y"] * n,
        "helpers": ["def f0(m):\n    return m"] + [f"def f{i + 1}(m):\n    return f{i}(m).nn" for i in range(n)],
        "fan": ["a0 = torch"] + [f"a{i + 1} = a{i}.x{i}" for i in range(n)] + [f"b = a{i}" for i in range(n)],
    }[shape]
    return "import torch\nx = 1\n" + "\n".join(lines) + "\n" + SOFTMAX


def work(code: str) -> int:
    return Program([Chunk("main", "m.py", code)], []).values.solver.work


SHAPES = ["if_else", "lists", "swaps", "getattr_vars", "self_reference", "repeated_attributes", "helpers", "fan"]


@pytest.mark.parametrize("shape", SHAPES)
def test_work_grows_linearly_with_the_length_of_an_alias_chain(shape):
    small, large = work(chain(shape, 200)), work(chain(shape, 400))
    assert large <= 2.2 * small
    assert large <= 200 * 400


@pytest.mark.parametrize("shape", ["lists", "swaps", "helpers"])
def test_a_long_chain_of_honest_aliases_is_followed_without_giving_up(shape):
    assert StaticChecker(BANNED).check([Chunk("main", "m.py", chain(shape, 400))], ["softmax"]).gating == {}


@pytest.mark.parametrize("shape, last", [("if_else", "a400"), ("self_reference", "a"), ("repeated_attributes", "x"), ("fan", "b")])
def test_a_chain_whose_values_grow_without_end_gates_what_uses_it_as_unchecked(shape, last):
    code = chain(shape, 400) + f"def cross_entropy(l, t):\n    return {last}(l, t)\n"
    gating = StaticChecker(BANNED).check([Chunk("main", "m.py", code)], ["softmax", "cross_entropy"]).gating
    assert list(gating) == ["cross_entropy"]
    assert {v.api.split(" (")[0] for v in gating["cross_entropy"][:-1]} == {"a name with too many possible values to follow"}
    assert gating["cross_entropy"][-1].api.endswith("more uses like these")


def test_calling_what_has_too_many_values_to_follow_at_top_level_gates_every_exercise():
    code = chain("fan", 100) + "b(1)\n"
    assert list(StaticChecker(BANNED).check([Chunk("main", "m.py", code)], ["softmax"]).gating) == ["softmax"]


@pytest.mark.parametrize(
    "code",
    [
        "import torch\nx = torch" + ".a" * 10_000 + "\n" + SOFTMAX,
        "x = " + "[" * 150 + "]" * 150 + "\n" + SOFTMAX,
        "x = " + "-" * 5_000 + "1\n" + SOFTMAX,
        "x = " + " + ".join(["1"] * 5_000) + "\n" + SOFTMAX,
    ],
)
def test_top_level_code_too_deep_to_analyse_gates_every_exercise(code):
    gating = StaticChecker(BANNED).check([Chunk("main", "m.py", code)], ["softmax"]).gating
    assert "code nested too deeply to check" in [v.api.split(" (")[0] for v in gating["softmax"]]


def test_a_function_too_deep_to_analyse_gates_its_exercise_only():
    deep = "def softmax(z, dim=-1):\n    return " + "(" * 5 + "z" + ".exp()" * 300 + ")" * 5 + "\n"
    code = deep + "def accuracy(o, t):\n    return 1.0\n"
    gating = StaticChecker(BANNED).check([Chunk("main", "m.py", code)], ["softmax", "accuracy"]).gating
    assert list(gating) == ["softmax"]
