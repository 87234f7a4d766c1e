"""Honest, correct 02_classification submissions in the styles students write.

Every submission here computes the right values and uses no banned
computation in its graded functions, so every one must get full marks: a
banned-API check that gates any of them takes points from honest work. They
are written the way students write: notebooks with magics, plots, prints,
experiments and comparisons against torch's own functions at top level;
modules with docstrings, type hints, demo blocks and settings; folders with
the student's own helper modules. Each submission is written out as a file
or folder of a submissions folder, so that intake reads it as it reads a
real class.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping

Kind = Literal["py", "ipynb", "folder"]

IMPORTS = "import torch\nimport torch.nn.functional as F\n"
SOFTMAX = '''
def softmax(logits, dim=-1):
    """Probabilities along `dim`, shifted by the max so that exp never overflows."""
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=dim, keepdim=True)
'''
CROSS_ENTROPY = '''
def cross_entropy(logits, targets):
    """Mean over the batch of -sum_k t_k log softmax(logits)_k, with a max-shifted log-sum-exp."""
    row_max = logits.amax(dim=1, keepdim=True)
    log_probs = logits - row_max - torch.log(torch.exp(logits - row_max).sum(dim=1, keepdim=True))
    if targets.dtype == torch.int64:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return -(targets.to(logits.dtype) * log_probs).sum(dim=1).mean()
'''
ACCURACY = '''
def accuracy(outputs, targets):
    """Fraction of rows whose highest score is the target class, as a Python float."""
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("outputs and targets have different numbers of rows")
    if outputs.shape[0] == 0:
        raise ValueError("accuracy of an empty batch is undefined")
    labels = targets.argmax(dim=1) if targets.dim() == 2 else targets
    return (outputs.argmax(dim=1) == labels).double().mean().item()
'''
EXERCISES = SOFTMAX + CROSS_ENTROPY + ACCURACY


@dataclass(frozen=True)
class Honest:
    """One honest submission: a module, a notebook, or a folder of files (by path inside it)."""

    name: str
    kind: Kind
    content: str | Mapping[str, str]

    def write(self, folder: Path) -> Path:
        """Write the submission into a submissions folder and return its entry (file or folder)."""
        if isinstance(self.content, str):
            path = folder / f"{self.name}.{self.kind}"
            path.write_text(self.content, encoding="utf-8")
            return path
        root = folder / self.name
        for inner, text in self.content.items():
            target = root / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return root


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"


def notebook(*cells: str | tuple[str, str]) -> str:
    """A notebook's JSON as Jupyter saves it; a cell is code, or (cell type, text) for markdown and raw cells."""
    saved = []
    for count, cell in enumerate(cells, start=1):
        kind, text = cell if isinstance(cell, tuple) else ("code", cell)
        lines = _code(text).splitlines(keepends=True)
        entry: dict[str, object] = {"cell_type": kind, "metadata": {}, "source": lines}
        if kind == "code":
            entry.update(execution_count=count, outputs=[{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}])
        saved.append(entry)
    metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}, "language_info": {"name": "python"}}
    return json.dumps({"cells": saved, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def module(name: str, code: str) -> Honest:
    return Honest(name, "py", _code(code))


def folder(name: str, files: Mapping[str, str]) -> Honest:
    return Honest(name, "folder", {path: text if path.endswith(".ipynb") else _code(text) for path, text in files.items()})


# Modules -------------------------------------------------------------------

PLAIN_MODULE = '''
"""Assignment 2: softmax, cross-entropy and accuracy, written by hand."""

__all__ = ["softmax", "cross_entropy", "accuracy"]
__author__ = "Alice Example"
__version__ = "1.0"

import torch

''' + EXERCISES

MAIN_GUARD = IMPORTS + EXERCISES + '''

if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    y = torch.tensor([0, 2, 1, 1])
    assert torch.allclose(softmax(x), torch.softmax(x, dim=-1))
    assert torch.allclose(softmax(x, dim=0), F.softmax(x, dim=0))
    assert torch.allclose(cross_entropy(x, y), F.cross_entropy(x, y))
    assert torch.allclose(cross_entropy(x, F.one_hot(y, 3).float()), torch.nn.CrossEntropyLoss()(x, y))
    print("log-softmax agrees:", torch.allclose(x - torch.logsumexp(x, 1, keepdim=True), x.log_softmax(1)))
    print("accuracy", accuracy(x, y))
'''

TYPED = '''
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

IntTypes = Tuple[torch.dtype, ...]
INTEGER_TYPES: IntTypes = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


def _reduce_dim(x: Tensor, dim: Optional[int] = None) -> int:
    """Which dimension holds the classes; None means the last, as for torch's functions."""
    return x.dim() - 1 if dim is None else dim


def softmax(logits: Tensor, dim: int = -1) -> Tensor:
    """Softmax along `dim`; subtracting the max keeps exp finite for scores of 1e4."""
    d: int = _reduce_dim(logits, dim)
    shifted: Tensor = logits - logits.amax(dim=d, keepdim=True)
    e: Tensor = shifted.exp()
    return e / e.sum(dim=d, keepdim=True)


def cross_entropy(logits: Tensor, targets: Union[Tensor, Sequence[int]]) -> Tensor:
    """Mean cross-entropy for class indices or for probability rows."""
    targets = torch.as_tensor(targets, device=logits.device)
    m: Tensor = logits.amax(dim=1, keepdim=True)
    log_probs: Tensor = logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()
    if targets.dtype in INTEGER_TYPES:
        picked: Tensor = log_probs[torch.arange(logits.shape[0], device=logits.device), targets.long()]
        return -picked.mean()
    return -(targets.to(log_probs.dtype) * log_probs).sum(dim=1).mean()


def accuracy(outputs: Tensor, targets: Tensor) -> float:
    """Share of rows predicted right; ValueError for mismatched or empty batches."""
    n: int = outputs.size(0)
    if n != targets.size(0):
        raise ValueError(f"{n} outputs but {targets.size(0)} targets")
    if n == 0:
        raise ValueError("empty batch")
    labels: Optional[Tensor] = None
    if targets.ndim == 2:
        labels = targets.argmax(dim=1)
    else:
        labels = targets
    return float((outputs.argmax(dim=1) == labels).sum().item()) / n
'''

OWN_LOGSUMEXP = '''
import torch


def logsumexp(z, dim=-1, keepdim=False):
    """log(sum(exp(z))) along dim, shifted by the max: my own version of torch.logsumexp."""
    m = z.amax(dim=dim, keepdim=True)
    out = m + torch.log(torch.sum(torch.exp(z - m), dim=dim, keepdim=True))
    return out if keepdim else out.squeeze(dim)


def log_softmax(z, dim=-1):
    """z - logsumexp(z): never log of a probability that underflowed to 0."""
    return z - logsumexp(z, dim=dim, keepdim=True)


def softmax(logits, dim=-1):
    return torch.exp(log_softmax(logits, dim))


def cross_entropy(logits, targets):
    log_p = log_softmax(logits, dim=1)
    if targets.ndim == 1:
        nll = -log_p[torch.arange(len(targets)), targets]
    else:
        nll = -(targets * log_p).sum(dim=1)
    return nll.mean()


def accuracy(outputs, targets):
    if len(outputs) != len(targets) or len(outputs) == 0:
        raise ValueError("need the same, non-zero number of outputs and targets")
    if targets.ndim > 1:
        targets = targets.argmax(1)
    return (outputs.argmax(1) == targets).float().mean().item()
'''

TORCH_MAX = '''
import torch


def softmax(logits, dim=-1):
    biggest = torch.max(logits, dim=dim, keepdim=True).values
    numerator = torch.exp(logits - biggest)
    denominator = torch.sum(numerator, dim=dim, keepdim=True)
    return numerator / denominator


def cross_entropy(logits, targets):
    biggest, _ = torch.max(logits, dim=1, keepdim=True)
    lse = biggest + torch.log(torch.sum(torch.exp(logits - biggest), dim=1, keepdim=True))
    log_probs = logits - lse
    if targets.dim() == 1:
        return -torch.mean(log_probs[range(logits.shape[0]), targets])
    return -torch.mean(torch.sum(targets * log_probs, dim=1))


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("length mismatch")
    if not outputs.shape[0]:
        raise ValueError("no samples")
    predicted = torch.max(outputs, 1)[1]
    if targets.dim() == 2:
        targets = torch.max(targets, 1)[1]
    correct = (predicted == targets).sum().item()
    return correct / targets.shape[0]
'''

SCATTER_ONE_HOT = IMPORTS + SOFTMAX + '''

def _one_hot(targets, like):
    """Index targets as one-hot rows with the dtype and device of `like`."""
    rows = like.new_zeros(like.shape)
    rows.scatter_(1, targets.long().unsqueeze(1), 1.0)
    return rows


def cross_entropy(logits, targets):
    m = logits.max(dim=1, keepdim=True).values
    log_probs = (logits - m) - (logits - m).exp().sum(1, keepdim=True).log()
    if not targets.is_floating_point():
        targets = _one_hot(targets, logits)
    return -(targets.type_as(log_probs) * log_probs).sum(1).mean()
''' + ACCURACY

FUNCTIONAL_ONE_HOT = '''
import torch
import torch.nn.functional as F
from torch.nn.functional import one_hot
''' + SOFTMAX + '''

def cross_entropy(logits, targets):
    n, c = logits.shape
    if targets.dtype == torch.long:
        targets = one_hot(targets, num_classes=c)
    targets = targets.to(logits.dtype)
    shift = logits - logits.amax(1, keepdim=True)
    log_probs = shift - shift.exp().sum(1, keepdim=True).log()
    return -torch.einsum("nc,nc->", targets, log_probs) / n


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0] or outputs.numel() == 0:
        raise ValueError("outputs and targets must be non-empty with the same number of rows")
    if targets.dim() == 1:
        targets = torch.nn.functional.one_hot(targets, outputs.shape[1])
    hits = F.one_hot(outputs.argmax(1), outputs.shape[1]) * targets
    return hits.sum().item() / outputs.shape[0]
'''

WHERE_MASK = '''
import math
import torch


def softmax(logits, dim=-1):
    m = logits.amax(dim, keepdim=True)
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    e = torch.exp(logits - m)
    return e / e.sum(dim, keepdim=True)


def cross_entropy(logits, targets):
    m = logits.amax(1, keepdim=True)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(1, keepdim=True))
    if targets.dim() == 1:
        classes = torch.arange(logits.shape[1], device=logits.device)
        mask = classes.unsqueeze(0) == targets.unsqueeze(1)
        picked = torch.where(mask, log_probs, torch.zeros_like(log_probs))
        return -picked.sum(1).mean()
    weighted = torch.where(targets > 0, targets * log_probs, torch.zeros_like(log_probs))
    return -weighted.sum(1).mean()


def accuracy(outputs, targets):
    n = outputs.shape[0]
    if n == 0 or n != targets.shape[0]:
        raise ValueError(f"bad batch: {n} outputs, {targets.shape[0]} targets")
    predicted = outputs.masked_fill(torch.isnan(outputs), -math.inf).argmax(1)
    truth = targets if targets.dim() == 1 else targets.argmax(1)
    return float(torch.where(predicted == truth, 1.0, 0.0).mean())
'''

LAMBDAS = '''
import torch


def softmax(logits, dim=-1):
    stable = lambda z: z - z.amax(dim=dim, keepdim=True)
    normalise = lambda e: e / e.sum(dim=dim, keepdim=True)
    return normalise(stable(logits).exp())


def cross_entropy(logits, targets):
    lse = lambda z: z.amax(1, keepdim=True) + (z - z.amax(1, keepdim=True)).exp().sum(1, keepdim=True).log()
    log_probs = logits - lse(logits)
    if targets.dim() == 1:
        losses = [-log_probs[i, t] for i, t in enumerate(targets.tolist())]
        return torch.stack(losses).mean()
    return -(targets * log_probs).sum(1).mean()


def accuracy(outputs, targets):
    sizes = {"outputs": len(outputs), "targets": len(targets)}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"sizes differ: {sizes}")
    if sizes["outputs"] == 0:
        raise ValueError("empty")
    labels = targets.argmax(1) if targets.dim() == 2 else targets
    hits = [int(p == t) for p, t in zip(outputs.argmax(1).tolist(), labels.tolist())]
    return sum(hits) / len(hits)
'''

PARTIAL_CACHE = '''
import functools
from functools import lru_cache, partial

import torch


@lru_cache(maxsize=None)
def _index_dtypes():
    """The integer dtypes that mean class indices; built once."""
    return frozenset({torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8})


@functools.lru_cache()
def _class_dim():
    return 1


def _stable_exp(z, dim):
    return (z - z.amax(dim=dim, keepdim=True)).exp()


def softmax(logits, dim=-1):
    exp_along = partial(_stable_exp, dim=dim)
    e = exp_along(logits)
    return e / e.sum(dim=dim, keepdim=True)


def _log_softmax(z, dim):
    shifted = z - z.amax(dim=dim, keepdim=True)
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


row_log_softmax = functools.partial(_log_softmax, dim=1)


def cross_entropy(logits, targets):
    log_probs = row_log_softmax(logits)
    if targets.dtype in _index_dtypes():
        return -log_probs.gather(_class_dim(), targets.long().view(-1, 1)).mean()
    return -(targets * log_probs).sum(_class_dim()).mean()


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("row counts differ")
    if outputs.shape[0] == 0:
        raise ValueError("no rows")
    argmax = partial(torch.argmax, dim=_class_dim())
    labels = argmax(targets) if targets.dim() == 2 else targets
    return (argmax(outputs) == labels).float().mean().item()
'''

NO_GRAD = '''
import torch


@torch.no_grad()
def _row_max(z, dim):
    return z.amax(dim=dim, keepdim=True)


def softmax(logits, dim=-1):
    e = torch.exp(logits - _row_max(logits, dim))
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    m = _row_max(logits, 1)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
    if targets.dtype == torch.int64:
        return -log_probs.gather(1, targets[:, None]).mean()
    return -(targets * log_probs).sum(dim=1).mean()


@torch.no_grad()
def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("different numbers of rows")
    if outputs.shape[0] == 0:
        raise ValueError("nothing to score")
    with torch.inference_mode():
        labels = targets.argmax(dim=1) if targets.dim() == 2 else targets
        return (outputs.argmax(dim=1) == labels).double().mean().item()
'''

METRICS_CLASS = IMPORTS + SOFTMAX + CROSS_ENTROPY + '''

class Base:
    def __init__(self):
        self.calls = 0


class Metrics(Base):
    """Counts right answers; one instance per batch."""

    def __init__(self, outputs, targets):
        super().__init__()
        if outputs.shape[0] != targets.shape[0]:
            raise ValueError(f"{self.__class__.__name__}: {outputs.shape[0]} outputs, {targets.shape[0]} targets")
        if outputs.shape[0] == 0:
            raise ValueError(f"{type(self).__name__}: empty batch")
        self.predicted = outputs.argmax(dim=1)
        self.labels = targets.argmax(dim=1) if targets.dim() == 2 else targets

    def __repr__(self):
        return f"{self.__class__.__name__}(n={len(self.labels)})"

    @property
    def correct(self):
        return int((self.predicted == self.labels).sum())

    def accuracy(self):
        self.calls += 1
        return self.correct / len(self.labels)


def accuracy(outputs, targets):
    return Metrics(outputs, targets).accuracy()
'''

DATACLASS = '''
from dataclasses import dataclass, field

import torch


@dataclass(frozen=True)
class Settings:
    class_dim: int = 1
    index_dtypes: tuple = (torch.int32, torch.int64)
    notes: list = field(default_factory=list)


@dataclass
class Batch:
    outputs: torch.Tensor
    targets: torch.Tensor

    def __post_init__(self):
        if self.outputs.shape[0] != self.targets.shape[0]:
            raise ValueError("outputs and targets differ in length")
        if self.outputs.shape[0] == 0:
            raise ValueError("empty batch")

    @property
    def labels(self):
        return self.targets.argmax(1) if self.targets.dim() == 2 else self.targets


SETTINGS = Settings()
''' + SOFTMAX + '''

def cross_entropy(logits, targets):
    d = SETTINGS.class_dim
    m = logits.amax(dim=d, keepdim=True)
    log_probs = logits - m - (logits - m).exp().sum(dim=d, keepdim=True).log()
    if targets.dtype in SETTINGS.index_dtypes:
        return -log_probs.gather(d, targets.long().unsqueeze(d)).mean()
    return -(targets * log_probs).sum(dim=d).mean()


def accuracy(outputs, targets):
    batch = Batch(outputs, targets)
    return (batch.outputs.argmax(1) == batch.labels).float().mean().item()
'''

OWN_MODULE_CLASSES = '''
import torch
from torch import nn


class LogSoftmax(nn.Module):
    """My own log-softmax layer (z - logsumexp z), not torch's."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def logsumexp(self, z):
        m = z.amax(dim=self.dim, keepdim=True)
        return m + (z - m).exp().sum(dim=self.dim, keepdim=True).log()

    def forward(self, z):
        return z - self.logsumexp(z)


class CrossEntropyLoss(nn.Module):
    """Same interface as nn.CrossEntropyLoss, written by hand."""

    def __init__(self):
        super().__init__()
        self.log_softmax = LogSoftmax(dim=1)

    def forward(self, logits, targets):
        log_probs = self.log_softmax(logits)
        if targets.dim() == 1:
            return -log_probs.gather(1, targets.unsqueeze(1)).mean()
        return -(targets * log_probs).sum(dim=1).mean()


def softmax(logits, dim=-1):
    return LogSoftmax(dim)(logits).exp()


def cross_entropy(logits, targets):
    criterion = CrossEntropyLoss()
    return criterion(logits, targets)
''' + ACCURACY

PLAIN_CLASS_METHODS = '''
import torch


class StableOps:
    """Numerically stable softmax pieces, grouped so they can be tested together."""

    eps = 0.0

    @staticmethod
    def logsumexp(z, dim):
        m = z.amax(dim=dim, keepdim=True)
        return m + torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))

    def log_softmax(self, z, dim):
        return z - self.logsumexp(z, dim)

    def softmax(self, z, dim):
        return torch.exp(self.log_softmax(z, dim)) + self.eps

    @classmethod
    def create(cls):
        return cls()


OPS = StableOps()


def softmax(logits, dim=-1):
    return OPS.softmax(logits, dim)


def cross_entropy(logits, targets):
    log_probs = StableOps().log_softmax(logits, 1)
    if targets.dim() == 1:
        return -log_probs[torch.arange(logits.shape[0]), targets].mean()
    return -(targets * log_probs).sum(1).mean()
''' + ACCURACY

CHECKS_AND_ASSERTS = '''
import torch


def softmax(logits, dim=-1):
    assert isinstance(logits, torch.Tensor), "logits must be a tensor"
    assert torch.is_floating_point(logits), "softmax needs floating-point scores"
    assert -logits.dim() <= dim < max(logits.dim(), 1), f"dim {dim} out of range"
    z = logits - logits.amax(dim=dim, keepdim=True)
    e = z.exp()
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    assert logits.dim() == 2, f"expected (N, C) logits, got {tuple(logits.shape)}"
    if not isinstance(targets, torch.Tensor):
        targets = torch.tensor(targets, device=logits.device)
    z = logits - logits.amax(dim=1, keepdim=True)
    log_probs = z - z.exp().sum(dim=1, keepdim=True).log()
    if targets.is_floating_point():
        assert targets.shape == logits.shape, "probability targets must be (N, C)"
        return -(targets.to(logits.dtype) * log_probs).sum(dim=1).mean()
    assert targets.shape == logits.shape[:1], "index targets must be (N,)"
    return -log_probs.gather(1, targets.view(-1, 1).long()).squeeze(1).mean()


def accuracy(outputs, targets):
    if not (isinstance(outputs, torch.Tensor) and isinstance(targets, torch.Tensor)):
        raise TypeError("accuracy takes tensors")
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("outputs and targets must have the same number of rows")
    if outputs.shape[0] == 0:
        raise ValueError("accuracy is undefined for an empty batch")
    labels = targets.argmax(dim=-1) if targets.dim() == 2 else targets
    result = (outputs.argmax(dim=-1) == labels).to(torch.float64).mean().item()
    assert isinstance(result, float)
    return result
'''

CLAMP_LOG1P = '''
import torch


def softmax(logits, dim=-1):
    e = (logits - logits.amax(dim=dim, keepdim=True)).exp()
    tiny = torch.finfo(e.dtype).tiny
    return e / e.sum(dim=dim, keepdim=True).clamp(min=tiny)


def _log_softmax_rows(logits):
    """z - m - log(sum exp(z - m)); the sum is 1 + (the rest), so log1p keeps the small terms."""
    z = logits - logits.max(dim=1, keepdim=True).values
    rest = z.exp().sum(dim=1, keepdim=True) - 1.0
    return z - torch.log1p(rest.clamp_min(0.0))


def cross_entropy(logits, targets):
    log_probs = _log_softmax_rows(logits)
    if targets.dim() == 1:
        return -log_probs.gather(1, targets.unsqueeze(-1)).mean()
    targets = targets.to(dtype=logits.dtype, device=logits.device)
    return -(targets * log_probs).sum(dim=1).mean()


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("mismatched batch sizes")
    if outputs.shape[0] == 0:
        raise ValueError("empty batch")
    labels = targets.argmax(1) if targets.dim() == 2 else targets
    return (outputs.argmax(1) == labels).sum().item() / max(labels.numel(), 1)
'''

TRY_IMPORTS = '''
import torch

try:
    import numpy as np
except ImportError:
    np = None

try:
    from tqdm import tqdm
except ImportError:
    def tqdm(iterable, **kwargs):
        return iterable

try:
    import matplotlib.pyplot as plt
except ImportError:  # pragma: no cover - plotting is optional
    plt = None
''' + EXERCISES + '''

if __name__ == "__main__":
    scores = []
    for seed in tqdm(range(3), desc="seeds"):
        torch.manual_seed(seed)
        x, y = torch.randn(8, 4), torch.randint(0, 4, (8,))
        scores.append(accuracy(x, y))
    if np is not None:
        print("mean accuracy", np.mean(scores))
    if plt is not None:
        plt.plot(scores)
        plt.savefig("scores.png")
'''

CUSTOM_EXCEPTION = IMPORTS + SOFTMAX + CROSS_ENTROPY + '''

class BatchError(ValueError):
    """A batch accuracy cannot be computed for."""


class EmptyBatchError(BatchError):
    pass


def _check_batch(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise BatchError(f"{outputs.shape[0]} != {targets.shape[0]}")
    if outputs.shape[0] == 0:
        raise EmptyBatchError("no rows")


def accuracy(outputs, targets):
    try:
        _check_batch(outputs, targets)
    except EmptyBatchError:
        raise
    except BatchError as error:
        raise ValueError(f"mismatched batch: {error}") from error
    labels = targets.argmax(1) if targets.ndim == 2 else targets
    return (outputs.argmax(1) == labels).float().mean().item()
'''

GLOBAL_COUNTER = '''
import torch

calls = 0
stats = {"softmax": 0, "cross_entropy": 0}


def _count(name):
    """How often each function ran; handy when timing the notebook."""
    global calls
    calls += 1
    stats[name] = stats.get(name, 0) + 1


def softmax(logits, dim=-1):
    _count("softmax")
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    _count("cross_entropy")
    m = logits.amax(dim=1, keepdim=True)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
    if targets.ndim == 1:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return -(targets * log_probs).sum(dim=1).mean()
''' + ACCURACY + '''

print("calls so far:", calls, stats)
'''

SETTINGS = '''
import logging
import os
import random
import sys
import warnings

import numpy as np
import pandas as pd
import matplotlib
import matplotlib.pyplot as plt
import torch

os.environ["KMP_DUPLICATE_LIB_OK"] = "TRUE"
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "0")
sys.path.append(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, "..")
warnings.filterwarnings("ignore", category=UserWarning)
warnings.simplefilter("ignore")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
log = logging.getLogger(__name__)

SEED = 42
random.seed(SEED)
np.random.seed(SEED)
torch.manual_seed(SEED)
torch.cuda.manual_seed_all(SEED)
torch.backends.cudnn.deterministic = True
fast = torch.cuda.is_available()
torch.backends.cudnn.benchmark = fast
torch.set_printoptions(precision=4, sci_mode=False)
np.set_printoptions(precision=4, suppress=True)
pd.options.display.max_rows = 10
pd.set_option("display.width", 120)
matplotlib.rcParams["font.size"] = 12
plt.rcParams["figure.figsize"] = (8, 5)
plt.rcParams.update({"axes.grid": True})
plt.style.use("ggplot")
log.info("torch %s, numpy %s, python %s", torch.__version__, np.__version__, sys.version.split()[0])
major, minor = (int(p) for p in torch.__version__.split(".")[:2])
if (major, minor) < (1, 10):
    warnings.warn("this notebook was written for torch 1.10 or later")
''' + EXERCISES

GETATTR_MATH = '''
import math
import torch


class Config:
    eps = 0.0
    class_dim = 1


def softmax(logits, dim=-1):
    shift = getattr(Config, "eps", 0.0)
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True)) + shift
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    d = getattr(Config, "class_dim")
    m = logits.amax(d, keepdim=True)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(d, keepdim=True))
    if hasattr(targets, "is_floating_point") and targets.is_floating_point():
        return -(targets * log_probs).sum(d).mean()
    if getattr(targets, "dtype", None) != torch.int64:
        targets = targets.long()
    return -log_probs.gather(d, targets.unsqueeze(d)).mean()


def accuracy(outputs, targets):
    n = getattr(outputs, "shape")[0]
    if n != len(targets):
        raise ValueError("lengths differ")
    if n == 0:
        raise ValueError("empty")
    labels = targets.argmax(1) if targets.dim() == 2 else targets
    value = (outputs.argmax(1) == labels).double().mean().item()
    assert not math.isnan(value) and value < math.inf
    return value


if __name__ == "__main__":
    uniform = torch.zeros(1, 4)
    print(cross_entropy(uniform, torch.tensor([0])).item(), math.log(4))
'''

LOGGING_INSIDE = '''
import logging

import torch

logger = logging.getLogger("classification")
logger.setLevel(logging.WARNING)
logger.addHandler(logging.StreamHandler())


def softmax(logits, dim=-1):
    logger.debug("softmax of %s along %d", tuple(logits.shape), dim)
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    logger.debug("cross_entropy with %s targets", targets.dtype)
    m = logits.amax(1, keepdim=True)
    log_probs = logits - m - (logits - m).exp().sum(1, keepdim=True).log()
    if targets.dtype.is_floating_point:
        return -(targets * log_probs).sum(1).mean()
    return -log_probs[torch.arange(len(targets)), targets].mean()


def accuracy(outputs, targets):
    if len(outputs) != len(targets):
        logger.error("mismatch: %d vs %d", len(outputs), len(targets))
        raise ValueError("outputs and targets differ in length")
    if len(outputs) == 0:
        raise ValueError("empty input")
    labels = targets.argmax(1) if targets.dim() > 1 else targets
    result = (outputs.argmax(1) == labels).float().mean().item()
    logger.info("accuracy %.3f", result)
    return result
'''

ROWS_COMPREHENSION = '''
import torch


def _softmax_1d(row):
    e = torch.exp(row - row.max())
    return e / e.sum()


def softmax(logits, dim=-1):
    moved = logits.movedim(dim, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    rows = torch.stack([_softmax_1d(r) for r in flat]) if flat.shape[0] else flat
    return rows.reshape(moved.shape).movedim(-1, dim)


def cross_entropy(logits, targets):
    per_row = []
    for i, row in enumerate(logits):
        m = row.max()
        log_probs = row - m - torch.log(torch.sum(torch.exp(row - m)))
        if targets.dim() == 1:
            per_row.append(-log_probs[targets[i]])
        else:
            per_row.append(-(targets[i] * log_probs).sum())
    return torch.stack(per_row).mean()


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("number of rows differs")
    if outputs.shape[0] == 0:
        raise ValueError("empty batch")
    labels = targets.argmax(dim=1) if targets.dim() == 2 else targets
    correct = sum(1 for p, t in zip(outputs.argmax(dim=1), labels) if p == t)
    return correct / outputs.shape[0]
'''

NESTED_HELPERS = '''
import torch


def softmax(logits, dim=-1):
    def shift(z):
        return z - z.amax(dim=dim, keepdim=True)

    def normalise(e):
        return e / e.sum(dim=dim, keepdim=True)

    return normalise(shift(logits).exp())


def cross_entropy(logits, targets):
    def log_softmax(z):
        m = z.amax(dim=1, keepdim=True)
        return z - m - (z - m).exp().sum(dim=1, keepdim=True).log()

    def loss_per_row(log_probs):
        if targets.dim() == 1:
            return -log_probs.gather(1, targets.unsqueeze(1)).squeeze(1)
        return -(targets * log_probs).sum(dim=1)

    return loss_per_row(log_softmax(logits)).mean()


def accuracy(outputs, targets):
    def validate():
        if outputs.shape[0] != targets.shape[0]:
            raise ValueError("shape mismatch")
        if outputs.shape[0] == 0:
            raise ValueError("empty")

    validate()
    labels = targets if targets.dim() == 1 else targets.argmax(dim=1)
    return (outputs.argmax(dim=1) == labels).float().mean().item()
'''

EXP_MINUS_LSE = '''
import torch


def _lse(z, dim):
    m = z.amax(dim=dim, keepdim=True)
    return m + (z - m).exp().sum(dim=dim, keepdim=True).log()


def softmax(logits, dim=-1):
    """exp(z - logsumexp(z)): the same max shift, in log space."""
    return (logits - _lse(logits, dim)).exp()


def cross_entropy(logits, targets):
    log_probs = logits - _lse(logits, 1)
    one_hot = targets
    if targets.dim() == 1:
        one_hot = torch.zeros_like(logits)
        one_hot[torch.arange(logits.shape[0], device=logits.device), targets] = 1
    return -(one_hot * log_probs).sum() / logits.shape[0]
''' + ACCURACY

TIMING = IMPORTS + EXERCISES + '''

if __name__ == "__main__":
    import time
    from time import perf_counter

    x = torch.randn(512, 100)
    start = time.perf_counter()
    for _ in range(100):
        softmax(x)
    mine = time.perf_counter() - start
    start = perf_counter()
    for _ in range(100):
        torch.softmax(x, dim=-1)
    builtin = perf_counter() - start
    print(f"mine {mine:.4f}s, torch {builtin:.4f}s, ratio {mine / builtin:.1f}")
'''

ENUM_REDUCTION = '''
from enum import Enum

import torch


class Reduction(str, Enum):
    MEAN = "mean"
    SUM = "sum"


def _log_probs(logits):
    m = logits.amax(1, keepdim=True)
    return logits - m - (logits - m).exp().sum(1, keepdim=True).log()


def softmax(logits, dim=-1):
    e = (logits - logits.amax(dim, keepdim=True)).exp()
    return e / e.sum(dim, keepdim=True)


def cross_entropy(logits, targets, reduction=Reduction.MEAN):
    log_probs = _log_probs(logits)
    if targets.dim() == 1:
        losses = -log_probs.gather(1, targets.unsqueeze(1)).squeeze(1)
    else:
        losses = -(targets * log_probs).sum(1)
    if reduction is Reduction.SUM:
        return losses.sum()
    return losses.mean()
''' + ACCURACY

ARGPARSE_MAIN = IMPORTS + EXERCISES + '''

def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="Try the classification functions on random data")
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--rows", type=int, default=5)
    args = parser.parse_args(argv)
    logits = torch.randn(args.rows, args.classes)
    labels = torch.randint(0, args.classes, (args.rows,))
    print("softmax rows sum to", softmax(logits).sum(1))
    print("loss", cross_entropy(logits, labels).item(), "torch", F.cross_entropy(logits, labels).item())
    print("accuracy", accuracy(logits, labels))


if __name__ == "__main__":
    main()
'''

EXERCISES_CALL_EACH_OTHER = IMPORTS + SOFTMAX + '''

def log_softmax(logits, dim=-1):
    """My own log-softmax, shifted by the max like softmax above."""
    shifted = logits - logits.amax(dim=dim, keepdim=True)
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


def cross_entropy(logits, targets):
    log_probs = log_softmax(logits, dim=1)
    if targets.dim() == 1:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return -(targets * log_probs).sum(dim=1).mean()


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0] or outputs.shape[0] == 0:
        raise ValueError("outputs and targets must have the same, non-zero number of rows")
    probabilities = softmax(outputs, dim=1)
    labels = softmax(targets.double(), dim=1).argmax(1) if targets.dim() == 2 else targets
    return (probabilities.argmax(dim=1) == labels).float().mean().item()
'''

TIMEIT_TIMER = IMPORTS + EXERCISES + '''

if __name__ == "__main__":
    import timeit
    from timeit import default_timer as timer

    x = torch.randn(256, 10)
    start = timer()
    softmax(x)
    print("one call", timer() - start)
    print("mine", timeit.timeit(lambda: softmax(x), number=100))
    print("torch", timeit.timeit(lambda: torch.softmax(x, -1), number=100))
    print(min(timeit.repeat(lambda: cross_entropy(x, x.argmax(1)), number=10, repeat=3)))
'''

RECURSIVE_ACCURACY = IMPORTS + SOFTMAX + CROSS_ENTROPY + '''

def accuracy(outputs, targets):
    """One-hot targets are turned into indices and handled by the same code."""
    if targets.dim() == 2:
        return accuracy(outputs, targets.argmax(dim=1))
    if len(outputs) != len(targets):
        raise ValueError("outputs and targets differ in length")
    if len(outputs) == 0:
        raise ValueError("empty batch")
    return (outputs.argmax(dim=1) == targets).float().mean().item()
'''

COMMENTS_AND_DOCSTRINGS = '''
"""Softmax and friends.

I first used torch.softmax and F.cross_entropy here, then wrote my own
versions; torch.logsumexp is what cross_entropy does internally.
"""

import torch
import torch.nn.functional as F


def softmax(logits, dim=-1):
    """Like torch.softmax(logits, dim) / F.softmax, but hand-written."""
    # return torch.softmax(logits, dim)  <- not allowed
    z = logits - logits.amax(dim=dim, keepdim=True)
    return z.exp() / z.exp().sum(dim=dim, keepdim=True)


def cross_entropy(logits, targets):
    """Equals F.cross_entropy(logits, targets); see also nn.NLLLoss."""
    # log_probs = F.log_softmax(logits, dim=1)
    z = logits - logits.amax(dim=1, keepdim=True)
    log_probs = z - z.exp().sum(dim=1, keepdim=True).log()
    if targets.dtype != torch.int64:
        return -(targets * log_probs).sum(dim=1).mean()
    return -log_probs.gather(1, targets.unsqueeze(1)).mean()
''' + ACCURACY

NUMPY_ACCURACY = IMPORTS + SOFTMAX + CROSS_ENTROPY + '''
import numpy as np


def accuracy(outputs, targets):
    predicted = outputs.detach().cpu().numpy().argmax(axis=1)
    truth = targets.detach().cpu().numpy()
    if truth.ndim == 2:
        truth = truth.argmax(axis=1)
    if predicted.shape[0] != truth.shape[0]:
        raise ValueError("outputs and targets must have the same number of rows")
    if predicted.size == 0:
        raise ValueError("empty batch")
    return float(np.mean(predicted == truth))
'''

STUDENT_DECORATOR = '''
import functools
import time

import torch

TIMINGS = {}


def timed(function):
    """Record how long each call takes, by function name."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMINGS.setdefault(function.__name__, []).append(time.perf_counter() - start)

    return wrapper


def check_2d(function):
    def wrapper(logits, targets):
        if logits.dim() != 2:
            raise ValueError(f"{function.__name__} expects (N, C) logits")
        return function(logits, targets)

    return wrapper


@timed
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


@timed
@check_2d
def cross_entropy(logits, targets):
    m = logits.amax(1, keepdim=True)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(1, keepdim=True))
    if targets.dim() == 1:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return -(targets * log_probs).sum(1).mean()
''' + ACCURACY

INSTANCE_ATTRIBUTES = '''
import torch


class Scores:
    """Everything derived from one batch of logits, computed once."""

    def __init__(self, logits, dim=-1):
        self.logits = logits
        self.max = logits.amax(dim=dim, keepdim=True)
        shifted = logits - self.max
        self.log_softmax = shifted - shifted.exp().sum(dim=dim, keepdim=True).log()
        self.softmax = self.log_softmax.exp()


def softmax(logits, dim=-1):
    return Scores(logits, dim).softmax


def cross_entropy(logits, targets):
    scores = Scores(logits, dim=1)
    if targets.dim() == 1:
        return -scores.log_softmax.gather(1, targets.unsqueeze(1)).mean()
    return -(targets * scores.log_softmax).sum(1).mean()
''' + ACCURACY

TYPE_CHECKING_IMPORTS = '''
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NamedTuple, cast

import torch

if TYPE_CHECKING:
    from torch import Tensor


class Batch(NamedTuple):
    outputs: Tensor
    labels: Tensor


def softmax(logits: Tensor, dim: int = -1) -> Tensor:
    e = (logits - logits.amax(dim=dim, keepdim=True)).exp()
    return cast("Tensor", e / e.sum(dim=dim, keepdim=True))


def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    z = logits - logits.amax(1, keepdim=True)
    log_probs = z - z.exp().sum(1, keepdim=True).log()
    if targets.dim() == 1:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return -(targets * log_probs).sum(1).mean()


def accuracy(outputs: Tensor, targets: Tensor) -> float:
    if outputs.shape[0] != targets.shape[0] or outputs.shape[0] == 0:
        raise ValueError("outputs and targets need the same, non-zero number of rows")
    batch = Batch(outputs, targets.argmax(1) if targets.dim() == 2 else targets)
    return (batch.outputs.argmax(1) == batch.labels).float().mean().item()


def test_softmax():
    x = torch.randn(3, 4)
    assert torch.allclose(softmax(x), torch.softmax(x, dim=-1))


if __name__ == "__main__":
    test_softmax()
    sys.exit(0)
'''

OOP_CONFIG = '''
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class SoftmaxConfig:
    softmax_dim: int = -1
    cross_entropy_reduction: str = "mean"


CONFIG = SoftmaxConfig()


class StableSoftmax(nn.Module):
    """Softmax as a layer, with its log-sum-exp written out."""

    def __init__(self, dim=CONFIG.softmax_dim):
        super().__init__()
        self.dim = dim
        self.softmax_calls = 0

    def stable_logsumexp(self, z):
        m = z.amax(dim=self.dim, keepdim=True)
        return m + (z - m).exp().sum(dim=self.dim, keepdim=True).log()

    def log_softmax(self, z):
        return z - self.stable_logsumexp(z)

    def forward(self, z):
        self.softmax_calls += 1
        return self.log_softmax(z).exp()


class CrossEntropy:
    def __init__(self, reduction=CONFIG.cross_entropy_reduction):
        self.reduction = reduction

    def per_row(self, logits, targets):
        log_probs = StableSoftmax(dim=1).log_softmax(logits)
        if targets.dim() == 1:
            return -log_probs.gather(1, targets.unsqueeze(1)).squeeze(1)
        return -(targets * log_probs).sum(dim=1)

    def __call__(self, logits, targets):
        losses = self.per_row(logits, targets)
        return losses.mean() if self.reduction == "mean" else losses.sum()


def make_loss():
    return CrossEntropy()


def softmax(logits, dim=CONFIG.softmax_dim):
    return StableSoftmax(dim)(logits)


def cross_entropy(logits, targets):
    return make_loss()(logits, targets)
''' + ACCURACY

# Notebooks -----------------------------------------------------------------

NB_TYPICAL = notebook(
    ("markdown", "# Assignment 2: classification\nName: Bob, student id 123"),
    "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n!pip install seaborn tqdm --quiet",
    """
    import numpy as np
    import pandas as pd
    import matplotlib.pyplot as plt
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    """,
    """
    import seaborn as sns
    from tqdm.notebook import tqdm

    plt.rcParams["figure.figsize"] = (10, 6)
    sns.set_theme(style="whitegrid")
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(torch.__version__, device)
    """,
    ("markdown", "## Exercise 1: softmax"),
    SOFTMAX,
    """
    z = torch.tensor([1.1, -0.45, 0.4])
    print(softmax(z))
    assert torch.allclose(softmax(z), torch.softmax(z, dim=0))
    big = torch.tensor([[1e4, -1e4, 0.0]])
    print(softmax(big), F.softmax(big, dim=1))
    """,
    ("markdown", "## Exercise 2: cross-entropy"),
    CROSS_ENTROPY,
    """
    logits = torch.randn(6, 4, device=device)
    y = torch.randint(0, 4, (6,), device=device)
    mine, theirs = cross_entropy(logits, y), F.cross_entropy(logits, y)
    print(mine.item(), theirs.item())
    assert torch.isclose(mine, theirs), "my cross-entropy differs from torch's"
    assert torch.isclose(cross_entropy(logits, F.one_hot(y, 4).float()), nn.CrossEntropyLoss()(logits, y))
    """,
    ("markdown", "## Exercise 3: accuracy"),
    ACCURACY,
    """
    print(accuracy(logits, y))
    losses = [cross_entropy(logits * t, y).item() for t in tqdm(np.linspace(0.1, 3, 20))]
    df = pd.DataFrame({"temperature": np.linspace(0.1, 3, 20), "loss": losses})
    sns.lineplot(data=df, x="temperature", y="loss")
    plt.title("Loss against temperature")
    plt.show()
    df.head()
    """,
)

NB_REDEFINED = notebook(
    """
    import torch
    import torch.nn.functional as F
    """,
    ("markdown", "First try: no max shift, and a quick check of the API with torch's own function."),
    """
    def softmax(logits, dim=-1):
        e = torch.exp(logits)
        return e / e.sum(dim=dim, keepdim=True)

    def cross_entropy(logits, targets):
        return F.cross_entropy(logits, targets)  # placeholder until I write mine
    """,
    """
    print(softmax(torch.tensor([1000.0, 0.0])))  # nan: exp overflows
    """,
    ("markdown", "Second try: shift by the max."),
    SOFTMAX,
    CROSS_ENTROPY,
    "print(softmax(torch.tensor([1000.0, 0.0])))\nprint(cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1])))",
    ACCURACY,
)

NB_TRAINING = notebook(
    "%matplotlib inline",
    """
    import torch
    from torch import nn, optim
    import torch.nn.functional as F
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm
    """,
    EXERCISES,
    """
    torch.manual_seed(1)
    X = torch.randn(200, 2)
    y = (X[:, 0] + X[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    history = {"loss": [], "acc": [], "torch_loss": []}
    for epoch in tqdm(range(50)):
        optimizer.zero_grad()
        out = model(X)
        loss = cross_entropy(out, y)
        loss.backward()
        optimizer.step()
        history["loss"].append(loss.item())
        history["torch_loss"].append(F.cross_entropy(out, y).item())
        history["acc"].append(accuracy(out, y))
    """,
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    ax1.plot(history["loss"], label="mine")
    ax1.plot(history["torch_loss"], "--", label="torch")
    ax1.legend()
    ax2.plot(history["acc"])
    plt.tight_layout()
    plt.show()
    """,
    """
    with torch.no_grad():
        probs = softmax(model(X), dim=1)
        print(probs[:5], torch.softmax(model(X), 1)[:5])
        print("final accuracy", accuracy(probs, y))
    """,
)

NB_MAGICS = notebook(
    "%load_ext autoreload\n%autoreload 2\nimport torch",
    "%%time\n" + SOFTMAX,
    "x = torch.randn(1000, 100)\n%timeit softmax(x)\n%timeit torch.softmax(x, -1)",
    "softmax?",
    "%%capture\n" + CROSS_ENTROPY,
    "%%time\n" + ACCURACY,
    "!nvidia-smi\nfiles = !ls\nprint(files)",
    "%whos",
)

NB_PANDAS_DISPLAY = notebook(
    """
    import torch
    import numpy as np
    import pandas as pd
    from IPython.display import display, Markdown
    pd.options.display.max_rows = 10
    pd.options.display.float_format = "{:.4f}".format
    np.set_printoptions(precision=3)
    """,
    EXERCISES,
    """
    logits = torch.randn(5, 3, dtype=torch.float64)
    table = pd.DataFrame(softmax(logits).numpy(), columns=["cat", "dog", "bird"])
    table["torch"] = torch.softmax(logits, 1).max(1).values.numpy()
    display(table)
    display(Markdown(f"**accuracy**: {accuracy(logits, torch.tensor([0, 1, 2, 0, 1])):.2f}"))
    table.describe()
    """,
)

NB_SKLEARN_DATA = notebook(
    """
    import torch
    import numpy as np
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split
    from sklearn.metrics import accuracy_score, log_loss
    """,
    EXERCISES,
    """
    X, y = make_classification(n_samples=300, n_features=5, n_informative=3, n_classes=3, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    W = torch.zeros(5, 3, dtype=torch.float64, requires_grad=True)
    for step in range(100):
        logits = torch.from_numpy(X_train) @ W
        loss = cross_entropy(logits, torch.from_numpy(y_train))
        loss.backward()
        with torch.no_grad():
            W -= 0.1 * W.grad
            W.grad.zero_()
    test_logits = torch.from_numpy(X_test) @ W
    print("mine", accuracy(test_logits, torch.from_numpy(y_test)))
    print("sklearn", accuracy_score(y_test, test_logits.argmax(1).numpy()))
    print("log loss", log_loss(y_test, softmax(test_logits).detach().numpy()))
    """,
)

NB_MARKDOWN_RAW_EMPTY = notebook(
    ("markdown", "# Homework 2\n\n$$\\mathrm{softmax}(z)_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}$$"),
    ("raw", "softmax(x) = torch.softmax(x)  # not code"),
    "",
    "import torch",
    "# just a comment cell",
    SOFTMAX,
    ("markdown", "Cross-entropy uses `torch.logsumexp`-style shifting, written out by hand:"),
    CROSS_ENTROPY,
    "\n\n",
    ACCURACY,
)

NB_DEVICES = notebook(
    """
    import torch
    import torch.nn.functional as F
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cpu = torch.device("cpu")
    print("running on", device, torch.cuda.device_count(), "GPUs")
    """,
    EXERCISES,
    """
    x = torch.randn(8, 5).to(device)
    y = torch.randint(0, 5, (8,)).to(device)
    print(cross_entropy(x, y).to(cpu), F.cross_entropy(x, y).cpu())
    if torch.cuda.is_available():
        xc = x.cuda()
        print(softmax(xc).device, torch.softmax(xc, -1).device)
    z = torch.zeros(3, device="cpu")
    print(accuracy(x.to("cpu"), y.cpu()))
    """,
)

NB_GLOBAL_CONSTANTS = notebook(
    "import torch\nimport math",
    """
    CLASS_DIM = 1
    INDEX_TYPES = (torch.int64, torch.int32)
    NEG_INF = -math.inf
    """,
    """
    def softmax(logits, dim=-1):
        e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
        return e / e.sum(dim=dim, keepdim=True)

    def cross_entropy(logits, targets):
        m = logits.amax(dim=CLASS_DIM, keepdim=True)
        log_probs = logits - m - torch.log(torch.exp(logits - m).sum(dim=CLASS_DIM, keepdim=True))
        if targets.dtype in INDEX_TYPES:
            return -log_probs.gather(CLASS_DIM, targets.long().unsqueeze(CLASS_DIM)).mean()
        return -(targets * log_probs).sum(dim=CLASS_DIM).mean()

    def accuracy(outputs, targets):
        if outputs.shape[0] != targets.shape[0]:
            raise ValueError("row counts differ")
        if outputs.shape[0] == 0:
            raise ValueError("no rows")
        labels = targets.argmax(CLASS_DIM) if targets.dim() == 2 else targets
        masked = outputs.nan_to_num(nan=NEG_INF)
        return (masked.argmax(CLASS_DIM) == labels).float().mean().item()
    """,
    "print(softmax(torch.tensor([[NEG_INF, 0.0]])))",
)

NB_HELPERS_CELL = notebook(
    """
    import functools
    import torch
    import torch.nn.functional as F
    """,
    """
    @functools.lru_cache(maxsize=8)
    def eye(n):
        return torch.eye(n)

    def shift_by_max(z, dim):
        return z - z.amax(dim=dim, keepdim=True)

    def log_softmax(z, dim):
        s = shift_by_max(z, dim)
        return s - s.exp().sum(dim=dim, keepdim=True).log()
    """,
    """
    def softmax(logits, dim=-1):
        e = shift_by_max(logits, dim).exp()
        return e / e.sum(dim=dim, keepdim=True)

    def cross_entropy(logits, targets):
        lp = log_softmax(logits, 1)
        if targets.dim() == 1:
            targets = eye(logits.shape[1]).to(lp)[targets]
        return -(targets * lp).sum(1).mean()
    """,
    ACCURACY,
    """
    x = torch.randn(3, 4)
    for name, fn in [("mine", softmax), ("torch", torch.softmax), ("F", F.softmax)]:
        print(name, fn(x, 1).sum(1))
    comparisons = {"mine": log_softmax(x, 1), "torch": F.log_softmax(x, 1)}
    print({k: v.sum().item() for k, v in comparisons.items()})
    """,
)

NB_CONFUSION = notebook(
    """
    import torch
    import torch.nn.functional as F
    import matplotlib.pyplot as plt
    import seaborn as sns
    """,
    EXERCISES,
    """
    torch.manual_seed(3)
    scores = torch.randn(100, 3)
    labels = torch.randint(0, 3, (100,))
    probs = torch.softmax(scores, dim=1)
    confusion = torch.zeros(3, 3, dtype=torch.long)
    for t, p in zip(labels, probs.argmax(1)):
        confusion[t, p] += 1
    sns.heatmap(confusion.numpy(), annot=True, fmt="d", cmap="Blues")
    plt.xlabel("predicted")
    plt.ylabel("true")
    plt.show()
    print(accuracy(probs, labels), (confusion.diag().sum() / confusion.sum()).item())
    """,
)

NB_METRICS_CLASS = notebook(
    "import torch\nfrom torch import nn",
    SOFTMAX + CROSS_ENTROPY + ACCURACY,
    """
    class RunningMetrics:
        def __init__(self):
            super().__init__()
            self.losses, self.accuracies = [], []

        def update(self, logits, targets):
            self.losses.append(cross_entropy(logits, targets).item())
            self.accuracies.append(accuracy(logits, targets))

        def __repr__(self):
            return f"{self.__class__.__name__}(loss={sum(self.losses) / len(self.losses):.3f})"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x)

    metrics = RunningMetrics()
    net = Net()
    for _ in range(3):
        x, y = torch.randn(10, 4), torch.randint(0, 3, (10,))
        metrics.update(net(x), y)
    print(metrics)
    """,
)

NB_SETTINGS = notebook(
    """
    import os, sys, random, warnings, logging
    os.environ["CUDA_LAUNCH_BLOCKING"] = "1"
    sys.path.append("../utils")
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.WARNING)
    import numpy as np
    import pandas as pd
    import torch
    import matplotlib.pyplot as plt
    random.seed(0); np.random.seed(0); torch.manual_seed(0)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.set_printoptions(precision=3)
    np.set_printoptions(suppress=True)
    pd.options.display.max_rows = 10
    plt.rcParams["figure.dpi"] = 120
    print(f"torch {torch.__version__}")
    """,
    EXERCISES,
)

NB_DEBUG_PRINTS = notebook(
    "import torch\nimport torch.nn.functional as F\nDEBUG = False",
    """
    def softmax(logits, dim=-1):
        if DEBUG:
            print("logits", logits.shape, logits.dtype, logits.device)
        shifted = logits - logits.amax(dim=dim, keepdim=True)
        if DEBUG:
            print("max after shift", shifted.amax())
        e = shifted.exp()
        return e / e.sum(dim=dim, keepdim=True)
    """,
    """
    def cross_entropy(logits, targets):
        # targets: class indices (N,) or probabilities (N, C)
        z = logits - logits.amax(1, keepdim=True)
        log_probs = z - z.exp().sum(1, keepdim=True).log()
        if DEBUG:
            print("check", torch.allclose(log_probs.exp().sum(1), torch.ones(len(z), dtype=z.dtype)))
        if targets.ndim == 1:
            return -log_probs[range(len(targets)), targets].mean()
        return -(targets * log_probs).sum(1).mean()
    """,
    ACCURACY,
    """
    DEBUG = True
    out = softmax(torch.randn(2, 3))
    DEBUG = False
    print(F.softmax(torch.randn(2, 3), dim=-1))
    """,
)

NB_ASSERT_COMPARISONS = notebook(
    "import torch\nimport torch.nn.functional as F\nfrom torch.testing import assert_close",
    EXERCISES,
    """
    for shape, dim in [((5,), 0), ((3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 0)]:
        x = torch.randn(shape, dtype=torch.float64)
        assert_close(softmax(x, dim), torch.softmax(x, dim))
        assert_close(softmax(x, dim), x.softmax(dim))
    logits = torch.randn(7, 5)
    targets = torch.randint(0, 5, (7,))
    assert_close(cross_entropy(logits, targets), F.cross_entropy(logits, targets))
    assert_close(cross_entropy(logits, targets), F.nll_loss(F.log_softmax(logits, 1), targets))
    soft = torch.rand(7, 5)
    soft = soft / soft.sum(1, keepdim=True)
    assert_close(cross_entropy(logits, soft), F.cross_entropy(logits, soft))
    assert_close(logits.logsumexp(1), torch.logsumexp(logits, 1))
    assert accuracy(logits, logits.argmax(1)) == 1.0
    print("all good")
    """,
)

NB_DISTRIBUTIONS_DATA = notebook(
    """
    import torch
    from torch.distributions import Normal, Categorical
    """,
    """
    torch.manual_seed(0)
    centers = torch.tensor([[0.0, 0.0], [3.0, 3.0], [0.0, 4.0]])
    labels = Categorical(probs=torch.ones(3) / 3).sample((150,))
    points = centers[labels] + Normal(0.0, 1.0).sample((150, 2))
    """,
    EXERCISES,
    """
    W = torch.randn(2, 3, requires_grad=True)
    loss = cross_entropy(points @ W, labels)
    loss.backward()
    print(loss.item(), accuracy(points @ W, labels))
    """,
)

NB_WRITEFILE = notebook(
    "import torch",
    """
    %%writefile my_ops.py
    import torch

    def stable_log_softmax(z, dim):
        m = z.amax(dim=dim, keepdim=True)
        return z - m - (z - m).exp().sum(dim=dim, keepdim=True).log()
    """,
    "from my_ops import stable_log_softmax",
    """
    def softmax(logits, dim=-1):
        return stable_log_softmax(logits, dim).exp()

    def cross_entropy(logits, targets):
        log_probs = stable_log_softmax(logits, 1)
        if targets.dim() == 1:
            return -log_probs.gather(1, targets.unsqueeze(1)).mean()
        return -(targets * log_probs).sum(1).mean()
    """,
    ACCURACY,
)

NB_TRY_EXCEPT_CELLS = notebook(
    """
    import torch
    try:
        import seaborn as sns
        sns.set()
    except ImportError:
        sns = None
    try:
        from tqdm import trange
    except ModuleNotFoundError:
        trange = range
    """,
    EXERCISES,
    """
    try:
        accuracy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))
    except ValueError as err:
        print("raised as expected:", err)
    for i in trange(2):
        print(i, accuracy(torch.eye(3), torch.arange(3)))
    """,
)

NB_ONE_CELL = notebook("import torch\n" + EXERCISES + "\nprint(softmax(torch.tensor([1.1, -0.45, 0.4])))")

NB_GLOBAL_STATE = notebook(
    "import torch\nlog = []\nn_calls = 0",
    """
    def record(event):
        global n_calls
        n_calls += 1
        log.append(event)

    def softmax(logits, dim=-1):
        record(("softmax", tuple(logits.shape)))
        e = (logits - logits.amax(dim, keepdim=True)).exp()
        return e / e.sum(dim, keepdim=True)
    """,
    CROSS_ENTROPY + ACCURACY,
    "softmax(torch.randn(2, 2))\nprint(n_calls, log[-1])\nlog.clear()",
)

NB_COLAB = notebook(
    """
    import sys
    IN_COLAB = "google.colab" in sys.modules
    if IN_COLAB:
        from google.colab import drive
        drive.mount("/content/drive")
    try:
        import google.colab  # noqa: F401
        ON_COLAB = True
    except ImportError:
        ON_COLAB = False
    """,
    "import torch\nprint(IN_COLAB, ON_COLAB, 'torch' in sys.modules)",
    EXERCISES,
)

NB_GLOBALS_GUARD = notebook(
    "import torch\nimport torch.nn.functional as F",
    """
    if "history" not in globals():
        history = []
    if "softmax" in globals():
        print("redefining softmax")
    """,
    EXERCISES,
    "history.append(accuracy(torch.eye(3), torch.arange(3)))\nprint(len(history), 'accuracy' in dir())",
)

NB_HELP_AND_INSPECT = notebook(
    "import inspect\nimport torch",
    EXERCISES,
    """
    help(softmax)
    print(softmax.__doc__)
    print(softmax.__name__, cross_entropy.__module__)
    print(inspect.signature(cross_entropy))
    print(inspect.getsource(accuracy))
    """,
)

NB_SAVE_LOAD = notebook(
    """
    import copy
    import json
    import pickle
    import traceback
    import torch
    from torch import nn
    """,
    EXERCISES,
    """
    model = nn.Linear(4, 3)
    best = copy.deepcopy(model)
    torch.save(best.state_dict(), "best.pt")
    best.load_state_dict(torch.load("best.pt"))
    with open("history.json", "w") as f:
        json.dump({"acc": [0.5, 0.7]}, f)
    with open("history.pkl", "wb") as f:
        pickle.dump([0.5, 0.7], f)
    try:
        accuracy(torch.zeros(2, 3), torch.zeros(3, dtype=torch.long))
    except ValueError:
        traceback.print_exc()
    """,
)

NB_RUN_MAGIC = notebook(
    "%run ./utils.ipynb\n%run -i helpers.py\nimport torch",
    EXERCISES,
    "%%bash\necho done",
    "%pip install --quiet numpy\n%env CUDA_VISIBLE_DEVICES=0\n%cd ..\n%ls",
)

NB_CLEAR_OUTPUT = notebook(
    """
    import time
    import torch
    from IPython.display import clear_output, display, HTML
    """,
    EXERCISES,
    """
    for step in range(3):
        clear_output(wait=True)
        x = torch.randn(4, 3)
        display(HTML(f"<b>step {step}</b>: accuracy {accuracy(x, x.argmax(1)):.2f}"))
        time.sleep(0.01)
    print(f"{softmax(torch.zeros(2))=}")
    del x, step
    """,
)

# Folders -------------------------------------------------------------------

HELPERS = '''
"""My own numerics helpers for assignment 2."""

import torch


def stable_log_softmax(z, dim=-1):
    """z - logsumexp(z) with the max shift, hand-written."""
    m = z.amax(dim=dim, keepdim=True)
    return z - m - torch.log(torch.exp(z - m).sum(dim=dim, keepdim=True))


def logsumexp(z, dim=-1):
    m = z.amax(dim=dim, keepdim=True)
    return (m + (z - m).exp().sum(dim=dim, keepdim=True).log()).squeeze(dim)


def to_labels(targets):
    return targets.argmax(dim=1) if targets.dim() == 2 else targets
'''

FOLDER_HELPERS_MAIN = '''
import torch
from helpers import stable_log_softmax, to_labels
import helpers


def softmax(logits, dim=-1):
    return torch.exp(stable_log_softmax(logits, dim=dim))


def cross_entropy(logits, targets):
    log_probs = stable_log_softmax(logits, dim=1)
    if targets.dim() == 1:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return (helpers.logsumexp(logits, dim=1) - (targets * logits).sum(dim=1)).mean()


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError("rows differ")
    if outputs.shape[0] == 0:
        raise ValueError("no rows")
    return (outputs.argmax(dim=1) == to_labels(targets)).float().mean().item()
'''

PACKAGE_INIT = '''
from .ops import log_softmax, softmax_from_log
from . import checks

__all__ = ["log_softmax", "softmax_from_log", "checks"]
'''

PACKAGE_OPS = '''
import torch

from .shift import shift_by_max


def log_softmax(z, dim):
    s = shift_by_max(z, dim)
    return s - torch.log(torch.exp(s).sum(dim=dim, keepdim=True))


def softmax_from_log(z, dim):
    return log_softmax(z, dim).exp()
'''

PACKAGE_SHIFT = '''
def shift_by_max(z, dim):
    return z - z.amax(dim=dim, keepdim=True)
'''

PACKAGE_CHECKS = '''
def same_rows(a, b):
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{a.shape[0]} rows against {b.shape[0]}")
    if a.shape[0] == 0:
        raise ValueError("empty batch")
'''

FOLDER_PACKAGE_MAIN = '''
import torch

import mathutils
import mathutils.ops as ops
from mathutils.checks import same_rows


def softmax(logits, dim=-1):
    return mathutils.softmax_from_log(logits, dim)


def cross_entropy(logits, targets):
    log_probs = ops.log_softmax(logits, 1)
    if targets.dim() == 1:
        return -log_probs.gather(1, targets.unsqueeze(1)).mean()
    return -(targets * log_probs).sum(1).mean()


def accuracy(outputs, targets):
    mathutils.checks.same_rows(outputs, targets)
    same_rows(outputs, targets)
    labels = targets.argmax(1) if targets.dim() == 2 else targets
    return (outputs.argmax(1) == labels).float().mean().item()
'''

STUDENT_TESTS = '''
"""My own tests, run with pytest before handing in."""

import torch
import torch.nn.functional as F

from classification import accuracy, cross_entropy, softmax


def test_softmax_matches_torch():
    x = torch.randn(4, 5)
    assert torch.allclose(softmax(x), torch.softmax(x, dim=-1))


def test_cross_entropy_matches_torch():
    x, y = torch.randn(4, 5), torch.tensor([0, 1, 2, 3])
    assert torch.allclose(cross_entropy(x, y), F.cross_entropy(x, y))
    assert torch.allclose(cross_entropy(x, y), torch.nn.NLLLoss()(x.log_softmax(1), y))


def test_accuracy():
    assert accuracy(torch.eye(3), torch.arange(3)) == 1.0
'''

TRAIN_SCRIPT = '''
"""Train a small model with torch's loss, to compare with mine."""

import torch
from torch import nn

from classification import accuracy

model = nn.Linear(4, 3)
criterion = nn.CrossEntropyLoss()
x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
for _ in range(10):
    loss = criterion(model(x), y)
    loss.backward()
print(accuracy(model(x), y))
'''

STATEFUL_HELPERS = '''
import torch

_cache = {}
calls = 0


def class_range(n, device):
    """torch.arange(n) on a device, cached per (n, device)."""
    global calls
    calls += 1
    key = (n, str(device))
    if key not in _cache:
        _cache[key] = torch.arange(n, device=device)
    return _cache[key]


def log_softmax(z, dim):
    m = z.amax(dim=dim, keepdim=True)
    return z - m - (z - m).exp().sum(dim=dim, keepdim=True).log()
'''

STATEFUL_MAIN = '''
import torch
from utils import class_range, log_softmax


def softmax(logits, dim=-1):
    return log_softmax(logits, dim).exp()


def cross_entropy(logits, targets):
    log_probs = log_softmax(logits, 1)
    if targets.dim() == 1:
        return -log_probs[class_range(logits.shape[0], logits.device), targets].mean()
    return -(targets * log_probs).sum(1).mean()
''' + ACCURACY

NOTEBOOK_WITH_HELPER = notebook(
    "import sys\nsys.path.append('.')\nimport torch\nfrom helpers import stable_log_softmax, to_labels",
    """
    def softmax(logits, dim=-1):
        return stable_log_softmax(logits, dim).exp()

    def cross_entropy(logits, targets):
        lp = stable_log_softmax(logits, 1)
        if targets.dim() == 1:
            return -lp.gather(1, targets.unsqueeze(1)).mean()
        return -(targets * lp).sum(1).mean()

    def accuracy(outputs, targets):
        if len(outputs) != len(targets) or len(outputs) == 0:
            raise ValueError("bad batch")
        return (outputs.argmax(1) == to_labels(targets)).float().mean().item()
    """,
)

STAR_HELPERS_MAIN = '''
import torch
from helpers import *


def softmax(logits, dim=-1):
    return stable_log_softmax(logits, dim).exp()


def cross_entropy(logits, targets):
    if targets.dim() == 1:
        return -stable_log_softmax(logits, 1).gather(1, targets.unsqueeze(1)).mean()
    return (logsumexp(logits, 1) - (targets * logits).sum(1)).mean()


def accuracy(outputs, targets):
    if outputs.shape[0] != targets.shape[0] or outputs.shape[0] == 0:
        raise ValueError("bad batch")
    return (outputs.argmax(1) == to_labels(targets)).float().mean().item()
'''

STUB_BESIDE_WORK = '''
"""Classification building blocks (the release stub)."""

import torch


def softmax(logits, dim=-1):
    raise NotImplementedError("write your solution here")


def cross_entropy(logits, targets):
    raise NotImplementedError("write your solution here")


def accuracy(outputs, targets):
    raise NotImplementedError("write your solution here")
'''


def corpus() -> list[Honest]:
    """Every honest submission, each of which must get full marks."""
    return [
        module("plain_module", PLAIN_MODULE),
        module("main_guard", MAIN_GUARD),
        module("typed", TYPED),
        module("own_logsumexp", OWN_LOGSUMEXP),
        module("torch_max", TORCH_MAX),
        module("scatter_one_hot", SCATTER_ONE_HOT),
        module("functional_one_hot", FUNCTIONAL_ONE_HOT),
        module("where_mask", WHERE_MASK),
        module("lambdas", LAMBDAS),
        module("partial_cache", PARTIAL_CACHE),
        module("no_grad", NO_GRAD),
        module("metrics_class", METRICS_CLASS),
        module("dataclass_settings", DATACLASS),
        module("own_module_classes", OWN_MODULE_CLASSES),
        module("plain_class_methods", PLAIN_CLASS_METHODS),
        module("checks_and_asserts", CHECKS_AND_ASSERTS),
        module("clamp_log1p", CLAMP_LOG1P),
        module("try_imports", TRY_IMPORTS),
        module("custom_exception", CUSTOM_EXCEPTION),
        module("global_counter", GLOBAL_COUNTER),
        module("settings", SETTINGS),
        module("getattr_math", GETATTR_MATH),
        module("logging_inside", LOGGING_INSIDE),
        module("rows_comprehension", ROWS_COMPREHENSION),
        module("nested_helpers", NESTED_HELPERS),
        module("exp_minus_lse", EXP_MINUS_LSE),
        module("timing", TIMING),
        module("enum_reduction", ENUM_REDUCTION),
        module("argparse_main", ARGPARSE_MAIN),
        module("exercises_call_each_other", EXERCISES_CALL_EACH_OTHER),
        module("timeit_timer", TIMEIT_TIMER),
        module("recursive_accuracy", RECURSIVE_ACCURACY),
        module("comments_and_docstrings", COMMENTS_AND_DOCSTRINGS),
        module("numpy_accuracy", NUMPY_ACCURACY),
        module("student_decorator", STUDENT_DECORATOR),
        module("instance_attributes", INSTANCE_ATTRIBUTES),
        module("type_checking_imports", TYPE_CHECKING_IMPORTS),
        module("oop_config", OOP_CONFIG),
        Honest("nb_typical", "ipynb", NB_TYPICAL),
        Honest("nb_redefined", "ipynb", NB_REDEFINED),
        Honest("nb_training", "ipynb", NB_TRAINING),
        Honest("nb_magics", "ipynb", NB_MAGICS),
        Honest("nb_pandas_display", "ipynb", NB_PANDAS_DISPLAY),
        Honest("nb_sklearn_data", "ipynb", NB_SKLEARN_DATA),
        Honest("nb_markdown_raw_empty", "ipynb", NB_MARKDOWN_RAW_EMPTY),
        Honest("nb_devices", "ipynb", NB_DEVICES),
        Honest("nb_global_constants", "ipynb", NB_GLOBAL_CONSTANTS),
        Honest("nb_helpers_cell", "ipynb", NB_HELPERS_CELL),
        Honest("nb_confusion", "ipynb", NB_CONFUSION),
        Honest("nb_metrics_class", "ipynb", NB_METRICS_CLASS),
        Honest("nb_settings", "ipynb", NB_SETTINGS),
        Honest("nb_debug_prints", "ipynb", NB_DEBUG_PRINTS),
        Honest("nb_assert_comparisons", "ipynb", NB_ASSERT_COMPARISONS),
        Honest("nb_distributions_data", "ipynb", NB_DISTRIBUTIONS_DATA),
        Honest("nb_writefile", "ipynb", NB_WRITEFILE),
        Honest("nb_try_except_cells", "ipynb", NB_TRY_EXCEPT_CELLS),
        Honest("nb_one_cell", "ipynb", NB_ONE_CELL),
        Honest("nb_global_state", "ipynb", NB_GLOBAL_STATE),
        Honest("nb_colab", "ipynb", NB_COLAB),
        Honest("nb_globals_guard", "ipynb", NB_GLOBALS_GUARD),
        Honest("nb_help_and_inspect", "ipynb", NB_HELP_AND_INSPECT),
        Honest("nb_save_load", "ipynb", NB_SAVE_LOAD),
        Honest("nb_run_magic", "ipynb", NB_RUN_MAGIC),
        Honest("nb_clear_output", "ipynb", NB_CLEAR_OUTPUT),
        folder("folder_helpers", {"classification.py": FOLDER_HELPERS_MAIN, "helpers.py": HELPERS}),
        folder(
            "folder_package",
            {
                "classification.py": FOLDER_PACKAGE_MAIN,
                "mathutils/__init__.py": PACKAGE_INIT,
                "mathutils/ops.py": PACKAGE_OPS,
                "mathutils/shift.py": PACKAGE_SHIFT,
                "mathutils/checks.py": PACKAGE_CHECKS,
            },
        ),
        folder(
            "folder_with_own_tests",
            {"classification.py": PLAIN_MODULE, "test_classification_mine.py": STUDENT_TESTS, "train.py": TRAIN_SCRIPT},
        ),
        folder("folder_stateful_helpers", {"classification.py": STATEFUL_MAIN, "utils.py": STATEFUL_HELPERS}),
        folder("folder_notebook_helper", {"homework2.ipynb": NOTEBOOK_WITH_HELPER, "helpers.py": HELPERS}),
        folder("folder_star_import", {"src/classification.py": STAR_HELPERS_MAIN, "src/helpers.py": HELPERS}),
        folder("folder_stub_beside_notebook", {"classification.py": STUB_BESIDE_WORK, "classification.ipynb": NB_TYPICAL}),
    ]
