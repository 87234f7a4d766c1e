"""Banned-API detection: aliases, dynamic access, attribution to exercises."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

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
    assert "softmax" in found and "computed name" in found["softmax"][0]


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
    assert found == {"cross_entropy": ["torch.nn.functional.cross_entropy"]}


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


def test_an_exercise_defined_only_at_run_time_is_gated():
    code = "import codecs\nexec(codecs.decode('qrs fbsgznk(m, qvz=-1): erghea m', 'rot13'))\ndef accuracy(o, t):\n    return 1.0"
    _, report = gated(code)
    assert set(report.gating) == {"softmax", "cross_entropy"}
    assert report.gating["softmax"][0].describe() == "no plain definition of `softmax` (def softmax(...)) in the submission"


def test_a_lambda_or_alias_counts_as_a_plain_definition():
    code = "def _sm(z, dim=-1):\n    return z\nsoftmax = _sm\ncross_entropy = lambda l, t: l.mean()\ndef accuracy(o, t):\n    return 1.0"
    _, report = gated(code)
    assert report.gating == {}


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
