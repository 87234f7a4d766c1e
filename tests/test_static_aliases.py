"""Banned computations however they are spelled: private modules, other namespaces, equivalent functions."""

import textwrap

import numpy
import pytest
import torch

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

EXERCISES = ["softmax", "cross_entropy", "accuracy"]


def gated(banned, code: str) -> dict[str, list[str]]:
    report = StaticChecker(banned).check([Chunk("main", "m.py", textwrap.dedent(code))], EXERCISES)
    return {name: [v.api for v in uses] for name, uses in report.gating.items() if not uses[0].api.startswith("no plain definition")}


@pytest.mark.parametrize(
    "call",
    [
        "torch._C._VariableFunctions.softmax(z, dim)",
        "torch.nn.functional.torch.softmax(z, dim)",
        "torch._refs.softmax(z, dim)",
        "torch._decomp.decompositions._softmax(z, dim, False)",
        "torch.special.softmax(z, dim)",
        "torch.sparse.softmax(z, dim)",
        "torch.masked.softmax(z, dim)",
        "torch.ops.aten.softmax.int(z, dim)",
    ],
)
def test_private_and_other_namespaces_of_softmax_gate(classification, call):
    assert list(gated(classification.banned, f"import torch\ndef softmax(z, dim=-1):\n    return {call}")) == ["softmax"]


@pytest.mark.parametrize(
    "code, api",
    [
        ("import torch\ndef softmax(z, dim=-1):\n    return torch._C._VariableFunctions.softmax(z, dim)", "torch._C._VariableFunctions.softmax"),
        ("from torch._C import _VariableFunctions as V\ndef softmax(z, dim=-1):\n    return V.softmax(z, dim)", "torch._C._VariableFunctions.softmax"),
        ("import torch\ndef softmax(z, dim=-1):\n    return torch._C.TensorBase.softmax(z, dim)", "torch.Tensor.softmax"),
    ],
)
def test_a_private_alias_is_the_banned_object_even_when_only_the_public_name_is_listed(code, api):
    """With only `torch.softmax` listed, its other names are found by looking the object up."""
    assert gated(["torch.softmax", "Tensor.softmax"], code) == {"softmax": [api]}


@pytest.mark.parametrize(
    "code",
    [
        "import torch.nn.functional as F\ndef softmax(z, dim=-1):\n    return F.softmin(-z, dim)",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.exp(z - torch.logcumsumexp(z, dim)[..., -1:])",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.nn.Softmin(dim)(-z)",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.distributions.Categorical(logits=z).probs",
        "from torch.distributions import Categorical\ndef softmax(z, dim=-1):\n    return Categorical(logits=z).probs",
        "import torch.nn.functional as F\ndef softmax(z, dim=-1):\n    return F.gumbel_softmax(z, tau=1.0)",
        "import torch.nn.functional as F\ndef softmax(z, dim=-1):\n    return F.scaled_dot_product_attention(z, z, z)",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.exp(z - z.logsumexp(dim, keepdim=True))",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.exp(z - z.logcumsumexp(dim)[..., -1:])",
        "import torch\ndef softmax(z, dim=-1):\n    return z.log_softmax(dim).exp()",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.exp(z - torch.special.logsumexp(z, dim, keepdim=True))",
        "import torch\ndef softmax(z, dim=-1):\n    return torch.logaddexp(z, z)",
        "import torch\ndef softmax(z, dim=-1):\n    return z.logaddexp2(z)",
    ],
)
def test_unlisted_equivalents_of_softmax_gate(classification, code):
    assert list(gated(classification.banned, code)) == ["softmax"]


@pytest.mark.parametrize(
    "code",
    [
        "import torch.nn.functional as F\ndef cross_entropy(l, t):\n    return F.nll_loss(l - l.exp().sum(1, keepdim=True).log(), t)",
        "import torch\ndef cross_entropy(l, t):\n    return torch.nn.AdaptiveLogSoftmaxWithLoss(3, 3, [1])(l, t).loss",
        "import torch\ndef cross_entropy(l, t):\n    return torch._C._nn.cross_entropy_loss(l, t)",
        "import torch\ndef cross_entropy(l, t):\n    return torch.nn.modules.loss.CrossEntropyLoss()(l, t)",
        "import torch\ndef cross_entropy(l, t):\n    return (torch.logsumexp(l, 1) - l.gather(1, t[:, None])[:, 0]).mean()",
    ],
)
def test_unlisted_equivalents_of_cross_entropy_gate(classification, code):
    assert list(gated(classification.banned, code)) == ["cross_entropy"]


def test_hand_written_code_with_the_basic_operations_passes(classification):
    code = """
    import torch

    def softmax(z, dim=-1):
        m = torch.amax(z, dim=dim, keepdim=True)
        e = torch.exp(z - m)
        return e / torch.sum(e, dim=dim, keepdim=True)

    def cross_entropy(logits, targets):
        m = logits.max(dim=1, keepdim=True).values
        lse = m + torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
        log_probs = logits - lse
        if targets.dim() == 1:
            return -log_probs.gather(1, targets.unsqueeze(1)).mean()
        return -(targets * log_probs).sum(dim=1).mean() + torch.log1p(torch.zeros(())) * 0

    def accuracy(outputs, targets):
        if len(outputs) != len(targets) or len(outputs) == 0:
            raise ValueError("rows")
        labels = targets.argmax(dim=1) if targets.ndim == 2 else targets
        return float((torch.argmax(outputs, dim=1) == labels).float().mean().item())
    """
    assert gated(classification.banned, code) == {}


def test_a_banned_function_kept_in_another_library_is_still_banned(monkeypatch):
    """Found by identity (only `torch.softmax` listed) and by where it was defined (a pattern)."""
    monkeypatch.setattr(numpy, "_autograder_test_alias", torch.softmax, raising=False)
    code = "import numpy\ndef softmax(z, dim=-1):\n    return numpy._autograder_test_alias(z, dim)"
    assert list(gated(["torch.softmax"], code)) == ["softmax"]
    assert list(gated(["torch.*softmax*"], code)) == ["softmax"]
