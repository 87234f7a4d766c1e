"""Banned-API detection: aliases, dynamic access, attribution to exercises."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk, ModuleFile

BANNED = [
    "torch.softmax",
    "torch.nn.functional.softmax",
    "torch.nn.functional.cross_entropy",
    "torch.nn.CrossEntropyLoss",
    "torch.logsumexp",
    "torch.ops.aten.*softmax*",
    "Tensor.softmax",
    "Tensor.logsumexp",
]
EXERCISES = ["softmax", "cross_entropy", "accuracy"]
UNDEFINED = "no plain definition of"


def gated(code: str, chunks: list[str] | None = None):
    """Gated exercises and their banned uses; exercises the code does not define at all are left out."""
    sources = chunks if chunks is not None else [code]
    report = StaticChecker(BANNED).check(
        [Chunk(f"cell {i}", f"m.py#{i}", textwrap.dedent(s)) for i, s in enumerate(sources)], EXERCISES
    )
    found = {name: sorted(v.api for v in uses) for name, uses in report.gating.items()}
    return {name: apis for name, apis in found.items() if not apis[0].startswith(UNDEFINED)}, report


@pytest.mark.parametrize(
    "code",
    [
        "import torch\ndef softmax(z, dim=-1):\n    return torch.softmax(z, dim)",
        "import torch as T\ndef softmax(z, dim=-1):\n    return T.softmax(z, dim)",
        "from torch import softmax as s\ndef softmax(z, dim=-1):\n    return s(z, dim)",
        "import torch.nn.functional as F\ndef softmax(z, dim=-1):\n    return F.softmax(z, dim)",
        "from torch.nn import functional\ndef softmax(z, dim=-1):\n    return functional.softmax(z, dim)",
        "import torch.nn.functional\ndef softmax(z, dim=-1):\n    return torch.nn.functional.softmax(z, dim)",
        "import torch\nsm = torch.softmax\ndef softmax(z, dim=-1):\n    return sm(z, dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return getattr(torch, 'soft' + 'max')(z, dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return getattr(torch, f'softmax')(z, dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return vars(torch)['softmax'](z, dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.__dict__['softmax'](z, dim)",
        "def softmax(z, dim=-1):\n    return __import__('torch').softmax(z, dim)",
        "import importlib\ndef softmax(z, dim=-1):\n    return importlib.import_module('torch.nn.functional').softmax(z, dim)",
        "def softmax(z, dim=-1):\n    return z.softmax(dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.Tensor.softmax(z, dim)",
        "def softmax(z, dim=-1):\n    return getattr(z, 'softmax')(dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.ops.aten._softmax(z, dim, False)",
    ],
)
def test_banned_softmax_is_found_however_it_is_spelled(code):
    found, _ = gated(code)
    assert list(found) == ["softmax"], found


def test_star_import_resolves_unknown_names():
    found, _ = gated("from torch import *\ndef softmax(z, dim=-1):\n    return logsumexp(z, dim)")
    assert found == {"softmax": ["torch.logsumexp"]}


def test_star_import_does_not_shadow_own_definitions():
    code = """
    from torch import *
    def softmax(z, dim=-1):
        e = exp(z - z.amax(dim, keepdim=True))
        return e / e.sum(dim, keepdim=True)
    def cross_entropy(l, t):
        return -(softmax(l)[range(len(t)), t]).log().mean()
    """
    found, _ = gated(code)
    assert found == {}


def test_computed_getattr_on_torch_cannot_be_checked():
    code = "import torch.nn.functional as F\nname = input()\ndef softmax(z, dim=-1):\n    return getattr(F, name)(z)"
    found, _ = gated(code)
    assert found["softmax"] == ["computed attribute name (cannot be checked): write the call plainly, e.g. torch.exp(z)"]


def test_helper_functions_pass_their_violations_on():
    code = """
    import torch
    def _lse(z):
        return torch.logsumexp(z, 1)
    def cross_entropy(l, t):
        return (_lse(l) - l[range(len(t)), t]).mean()
    """
    found, _ = gated(code)
    assert found == {"cross_entropy": ["torch.logsumexp"]}


def test_calling_another_exercise_does_not_spread_the_penalty():
    code = """
    import torch
    def softmax(z, dim=-1):
        return torch.softmax(z, dim)
    def cross_entropy(l, t):
        return -softmax(l, 1)[range(len(t)), t].log().mean()
    """
    found, _ = gated(code)
    assert found == {"softmax": ["torch.softmax"]}


def test_top_level_use_is_only_a_warning():
    code = """
    import torch
    def softmax(z, dim=-1):
        e = torch.exp(z - z.amax(dim, keepdim=True))
        return e / e.sum(dim, keepdim=True)
    x = torch.randn(3)
    print(torch.allclose(softmax(x), torch.softmax(x, 0)))
    """
    found, report = gated(code)
    assert found == {}
    assert [v.api for v in report.ungraded] == ["torch.softmax"]


def test_only_the_last_notebook_definition_counts():
    first = "import torch\ndef softmax(z, dim=-1):\n    return torch.softmax(z, dim)"
    second = "def softmax(z, dim=-1):\n    e = (z - z.amax(dim, keepdim=True)).exp()\n    return e / e.sum(dim, keepdim=True)"
    found, report = gated("", chunks=[first, second])
    assert found == {}
    assert [v.api for v in report.ungraded] == ["torch.softmax"]


def test_module_level_alias_assignment_is_attributed_to_the_exercise():
    found, _ = gated("import torch.nn.functional as F\ncross_entropy = F.cross_entropy")
    assert list(found) == ["cross_entropy"]
    assert "torch.nn.functional.cross_entropy" in found["cross_entropy"]
    assert any(api.startswith("`cross_entropy` bound by an assignment, not by def") for api in found["cross_entropy"])


def test_loss_module_class_is_banned():
    code = "import torch.nn as nn\ndef cross_entropy(l, t):\n    return nn.CrossEntropyLoss()(l, t)"
    assert gated(code)[0] == {"cross_entropy": ["torch.nn.CrossEntropyLoss"]}


@pytest.mark.parametrize(
    "line, expected",
    [
        ("torch.zeros(3, device='cpu')", "device='cpu'"),
        ("torch.zeros(3, device='cuda:0')", "device='cuda:0'"),
        ("torch.zeros(3, device=torch.device('cuda'))", "torch.device('cuda')"),
        ("z.cuda()", ".cuda()"),
        ("z.to('cuda')", ".to('cuda')"),
    ],
)
def test_fixed_devices_are_found(line, expected):
    found, _ = gated(f"import torch\ndef accuracy(z, t):\n    x = {line}\n    return 0.0")
    assert "accuracy" in found and expected in found["accuracy"][0]


def test_device_agnostic_code_passes():
    code = """
    import torch
    def accuracy(outputs, targets):
        rows = torch.arange(len(targets), device=outputs.device)
        hits = torch.zeros_like(targets)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        return (outputs.argmax(1) == targets).float().mean().cpu().item()
    """
    assert gated(code)[0] == {}


def test_unrelated_libraries_with_the_same_names_are_allowed():
    code = "import numpy as np\nimport scipy.special as sp\ndef softmax(z, dim=-1):\n    return np.exp(z) / sp.logsumexp(z)"
    assert gated(code)[0] == {}


def test_unparsable_chunks_are_skipped_and_the_rest_checked():
    found, _ = gated("", chunks=["def softmax(:\n", "import torch\ndef accuracy(o, t):\n    return torch.softmax(o, 1)"])
    assert found == {"accuracy": ["torch.softmax"]}


@pytest.mark.parametrize("call", ["exec(src)", "eval('torch.' + name)(z)", "compile(src, 'x', 'exec')"])
def test_code_built_at_run_time_cannot_be_checked(call):
    found, _ = gated(f"import torch\ndef softmax(z, dim=-1):\n    return {call}")
    assert "softmax" in found and "cannot be checked" in found["softmax"][0]


def test_an_exercise_defined_only_at_run_time_is_gated_and_top_level_exec_gates_the_others():
    code = "import codecs\nexec(codecs.decode('qrs fbsgznk(m, qvz=-1): erghea m', 'rot13'))\ndef accuracy(o, t):\n    return 1.0"
    _, report = gated(code)
    assert set(report.gating) == {"softmax", "cross_entropy", "accuracy"}
    assert report.gating["softmax"][0].describe() == "no plain definition of `softmax` (def softmax(...)) in the submission"
    assert [v.api for v in report.gating["accuracy"]] == ["exec() (code built at run time cannot be checked)"]


def test_an_alias_or_a_lambda_is_not_a_plain_definition():
    code = "def _sm(z, dim=-1):\n    return z\nsoftmax = _sm\ncross_entropy = lambda l, t: l.mean()\ndef accuracy(o, t):\n    return 1.0"
    _, report = gated(code)
    assert {name: [v.api for v in vs] for name, vs in report.gating.items()} == {
        "softmax": ["`softmax` bound by an assignment, not by def (the function checked must be the one graded)"],
        "cross_entropy": ["`cross_entropy` bound by an assignment, not by def (the function checked must be the one graded)"],
    }


def test_definitions_inside_top_level_blocks_count_and_are_checked():
    code = """
    import torch
    if __name__ == "__main__" or True:
        def softmax(z, dim=-1):
            return torch.softmax(z, dim)
    try:
        import numpy
    except ImportError:
        pass
    else:
        def accuracy(o, t):
            return 1.0
    def cross_entropy(l, t):
        return l.mean()
    """
    found, report = gated(code)
    assert found == {"softmax": ["torch.softmax"]}
    assert set(report.gating) == {"softmax"}


def modules_gated(main: str, modules: dict[str, str]):
    """Like `gated`, for a folder submission: `modules` maps a helper's path (`mypkg/ops.py`) to its code."""
    files = []
    for path, code in modules.items():
        parts = path[: -len(".py")].split("/")
        package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if package else parts)
        files.append(ModuleFile(name, f"carol/{path}", textwrap.dedent(code), package))
    report = StaticChecker(BANNED).check([Chunk("main", "classification.py", textwrap.dedent(main))], EXERCISES, files)
    found = {name: [v.describe() for v in uses] for name, uses in report.gating.items()}
    return {name: uses for name, uses in found.items() if UNDEFINED not in uses[0]}, report


HELPER_WITH_BANNED_CALL = """
import torch

def shift(z, dim):
    return torch.softmax(z, dim)
"""
IN_HELPER = "torch.softmax at carol/helpers.py line 5: `return torch.softmax(z, dim)`"


@pytest.mark.parametrize(
    "main",
    [
        "from helpers import shift\ndef softmax(z, dim=-1):\n    return shift(z, dim)",
        "import helpers\ndef softmax(z, dim=-1):\n    return helpers.shift(z, dim)",
        "import helpers as h\ndef softmax(z, dim=-1):\n    return h.shift(z, dim)",
        "from helpers import *\ndef softmax(z, dim=-1):\n    return shift(z, dim)",
        "from helpers import shift as s\ndef _mine(z):\n    return s(z, -1)\ndef softmax(z, dim=-1):\n    return _mine(z)",
        "import importlib\ndef softmax(z, dim=-1):\n    return importlib.import_module('helpers').shift(z, dim)",
        "from helpers import softmax",
    ],
)
def test_a_banned_call_in_a_helper_module_gates_the_exercise_that_uses_it(main):
    found, _ = modules_gated(main, {"helpers.py": HELPER_WITH_BANNED_CALL + "def softmax(z, dim=-1):\n    return shift(z, dim)\n"})
    assert found == {"softmax": [IN_HELPER]}


def test_an_exercise_imported_from_a_helper_must_be_a_def_there():
    found, _ = modules_gated("from helpers import softmax", {"helpers.py": HELPER_WITH_BANNED_CALL + "softmax = shift\n"})
    assert found == {
        "softmax": [
            "`softmax` imported, not defined by a def in the submission at classification.py line 1: `from helpers import softmax`",
            IN_HELPER,
        ]
    }


def test_helpers_calling_helpers_across_modules_pass_the_violation_on():
    modules = {
        "helpers.py": "from more import shift\ndef stable(z):\n    return shift(z, 1)\n",
        "more.py": HELPER_WITH_BANNED_CALL,
    }
    main = "from helpers import stable\ndef cross_entropy(l, t):\n    return -stable(l)[range(len(t)), t].log().mean()"
    found, _ = modules_gated(main, modules)
    assert found == {"cross_entropy": ["torch.softmax at carol/more.py line 5: `return torch.softmax(z, dim)`"]}


@pytest.mark.parametrize(
    "helper, main_line, api",
    [
        ("import torch\nshift = torch.softmax\n", "from helpers import shift\ndef softmax(z, dim=-1):\n    return shift(z, dim)", "torch.softmax"),
        ("import torch.nn.functional as F\n", "from helpers import F\ndef softmax(z, dim=-1):\n    return F.softmax(z, dim)", "torch.nn.functional.softmax"),
        ("from torch import *\n", "import helpers\ndef softmax(z, dim=-1):\n    return helpers.logsumexp(z, dim)", "torch.logsumexp"),
        ("import torch\nT = torch.Tensor\n", "from helpers import T\ndef softmax(z, dim=-1):\n    return T.softmax(z, dim)", "torch.Tensor.softmax"),
    ],
)
def test_an_alias_of_a_banned_api_defined_in_a_helper_is_caught_where_it_is_used(helper, main_line, api):
    found, _ = modules_gated(main_line, {"helpers.py": helper})
    assert list(found) == ["softmax"]
    assert any(use.startswith(f"{api} at classification.py line 3") for use in found["softmax"]), found


def test_a_package_with_relative_imports_is_followed():
    modules = {
        "mypkg/__init__.py": "from .ops import stable\n",
        "mypkg/ops.py": "from .core import lse\ndef stable(z):\n    return z - lse(z)\n",
        "mypkg/core.py": "import torch\ndef lse(z):\n    return torch.logsumexp(z, 1, keepdim=True)\n",
    }
    in_core = "torch.logsumexp at carol/mypkg/core.py line 3: `return torch.logsumexp(z, 1, keepdim=True)`"
    for main in (
        "from mypkg import stable\ndef cross_entropy(l, t):\n    return -stable(l)[range(len(t)), t].mean()",
        "import mypkg.ops\ndef cross_entropy(l, t):\n    return -mypkg.ops.stable(l)[range(len(t)), t].mean()",
        "from mypkg import ops\ndef cross_entropy(l, t):\n    return -ops.stable(l)[range(len(t)), t].mean()",
    ):
        found, _ = modules_gated(main, modules)
        assert found == {"cross_entropy": [in_core]}, main


def test_a_helper_no_exercise_uses_costs_nothing_and_one_never_imported_is_not_mentioned():
    modules = {
        "helpers.py": HELPER_WITH_BANNED_CALL + "def exp_shift(z, dim):\n    return (z - z.amax(dim, keepdim=True)).exp()\n",
        "scratch.py": "import torch\nprint(torch.softmax(torch.ones(2), 0))\n",
    }
    main = "from helpers import exp_shift\ndef softmax(z, dim=-1):\n    e = exp_shift(z, dim)\n    return e / e.sum(dim, keepdim=True)"
    found, report = modules_gated(main, modules)
    assert found == {}
    assert [v.describe() for v in report.ungraded] == [IN_HELPER]


def test_calling_another_exercise_defined_in_a_helper_does_not_spread_the_penalty():
    main = "from helpers import softmax\ndef cross_entropy(l, t):\n    return -softmax(l, 1)[range(len(t)), t].log().mean()"
    found, _ = modules_gated(main, {"helpers.py": "import torch\ndef softmax(z, dim=-1):\n    return torch.softmax(z, dim)\n"})
    assert list(found) == ["softmax"]


def test_a_local_module_named_torch_never_stands_for_torch():
    main = "import torch\ndef softmax(z, dim=-1):\n    return torch.softmax(z, dim)"
    found, _ = modules_gated(main, {"torch.py": "def softmax(z, dim):\n    return z\n"})
    assert found == {"softmax": ["torch.softmax at classification.py line 3: `return torch.softmax(z, dim)`"]}


def test_a_long_chain_of_imports_is_followed_to_its_end():
    depth = 300
    modules = {f"m{i}.py": f"from m{i + 1} import f, g\nf = g\ng = f\n" for i in range(depth)}
    modules[f"m{depth}.py"] = "import torch\nf = g = torch.softmax\n"
    found, _ = modules_gated("from m0 import f\ndef softmax(z, dim=-1):\n    return f(z, dim)", modules)
    assert found["softmax"][0] == "torch.softmax at classification.py line 3: `return f(z, dim)`"


def test_modules_that_import_each_other_in_a_cycle_are_followed_to_an_end():
    modules = {"a.py": "from b import f\n", "b.py": "from a import f\n"}
    found, _ = modules_gated("from a import f\ndef softmax(z, dim=-1):\n    return f(z)", modules)
    assert found == {}
