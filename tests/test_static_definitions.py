"""An exercise is defined by its last plain `def`: any other binding of its name gates it."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk, ModuleFile

BANNED = ["torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"]
EXERCISES = ["softmax"]
CLEAN = "import torch, contextlib\nimport torch.nn.functional as F\ndef softmax(z, dim=-1):\n    e = (z - z.amax(dim, keepdim=True)).exp()\n    return e / e.sum(dim, keepdim=True)\n"


def report(*chunks: str, modules: tuple[ModuleFile, ...] = ()):
    return StaticChecker(BANNED).check([Chunk(f"cell {i}", f"nb.ipynb, cell {i}", textwrap.dedent(c)) for i, c in enumerate(chunks)], EXERCISES, modules)


@pytest.mark.parametrize(
    "rebinding, kind",
    [
        ("for softmax in [torch.softmax]:\n    pass", "a for loop"),
        ("from torch import softmax", "from"),
        ("softmax = F.softmax", "an assignment"),
        ("def setup():\n    global softmax\n    softmax = torch.softmax\nsetup()", "an assignment in a function (global softmax)"),
        ("with contextlib.nullcontext(torch.softmax) as softmax:\n    pass", "a with statement"),
        ("try:\n    raise ValueError\nexcept ValueError as softmax:\n    pass", "an except clause"),
        ("(softmax := torch.softmax)", "a := expression"),
        ("del softmax", "del"),
        ("softmax, other = torch.softmax, 1", "an assignment"),
        ("[softmax := F.softmax for _ in range(1)]", "a := expression"),
        ("from torch import *", "a star import"),
    ],
)
def test_a_clean_decoy_def_rebound_afterwards_gates(rebinding, kind):
    gating = report(CLEAN + rebinding + "\n").gating
    assert list(gating) == ["softmax"]
    if kind != "from":
        assert gating["softmax"][0].api.startswith(f"`softmax` bound by {kind}, not by def")


def test_a_write_to_the_code_of_the_def_gates():
    gating = report(CLEAN + "def _other(z, dim=-1):\n    return torch.softmax(z, dim)\nsoftmax.__code__ = _other.__code__\n").gating
    assert list(gating) == ["softmax"]


def test_a_star_import_before_the_def_is_replaced_by_it():
    assert report("from torch import *\n" + CLEAN).gating == {}


def test_a_notebook_may_redefine_a_function_and_the_last_definition_is_checked():
    first = "import torch\ndef softmax(z, dim=-1):\n    return torch.softmax(z, dim)\n"
    assert report(first, CLEAN).gating == {}
    assert [v.api for v in report(CLEAN, first).gating["softmax"]] == ["torch.softmax"]


def test_an_earlier_definition_does_not_count_but_a_helper_used_by_the_last_one_does():
    helper = "import torch\ndef _lse(z, dim):\n    return torch.logsumexp(z, dim, keepdim=True)\n"
    clean_helper = "import torch\ndef _lse(z, dim):\n    m = z.amax(dim, keepdim=True)\n    return m + (z - m).exp().sum(dim, keepdim=True).log()\n"
    last = "def softmax(z, dim=-1):\n    return (z - _lse(z, dim)).exp()\n"
    checker = StaticChecker(["torch.logsumexp"])
    chunks = [Chunk(f"cell {i}", f"cell {i}", c) for i, c in enumerate([helper, clean_helper, last])]
    assert list(checker.check(chunks, EXERCISES).gating) == ["softmax"]


def test_importing_the_def_from_the_students_own_module_is_honest_packaging():
    helpers = ModuleFile("helpers", "carol/helpers.py", CLEAN, False)
    assert report("from helpers import softmax\n", modules=(helpers,)).gating == {}


def test_importing_an_alias_from_the_students_own_module_gates():
    helpers = ModuleFile("helpers", "carol/helpers.py", "import torch\nsoftmax = torch.exp\n", False)
    gating = report("from helpers import softmax\n", modules=(helpers,)).gating
    assert [v.api for v in gating["softmax"]] == ["`softmax` imported, not defined by a def in the submission"]


def test_a_class_is_a_plain_definition():
    assert report("class softmax:\n    def __call__(self, z):\n        return z\n").gating == {}
