"""The student's own classes: a banned name on their objects is the student's method, unless the check cannot be sure."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

BANNED = ["torch.*softmax*", "torch.*logsumexp*", "Tensor.softmax", "Tensor.log_softmax", "Tensor.logsumexp"]
EXERCISES = ["softmax", "accuracy"]
ACCURACY = "\ndef accuracy(o, t):\n    return (o.argmax(1) == t).float().mean().item()\n"

OOP = """
import torch
from torch import nn


class Ops:
    def logsumexp(self, z, dim):
        m = z.amax(dim, keepdim=True)
        return m + (z - m).exp().sum(dim, keepdim=True).log()

    def log_softmax(self, z, dim):
        return z - self.logsumexp(z, dim)

    @classmethod
    def create(cls):
        return cls()


def make_ops():
    return Ops()


class LogSoftmax(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, z):
        return Ops().log_softmax(z, self.dim) + 0 * FACTORY_OPS.logsumexp(z, self.dim)


class Scores:
    def __init__(self, z, dim):
        self.log_softmax = LogSoftmax(dim)(z)
        self.softmax = self.log_softmax.exp()


OPS = Ops()
FACTORY_OPS = make_ops()
SPARE = Ops.create()


def softmax(z, dim=-1):
    assert isinstance(OPS, Ops), f"{type(OPS).__name__} {Ops.__name__}"
    return Scores(z, dim).softmax + 0 * OPS.log_softmax(z, dim)
"""

TRICK = """
import functools, inspect, torch


class Trick:
    def softmax(self, dim):
        return self

    def run(self, dim):
        return self.softmax(dim)


"""


def gated(code: str) -> dict[str, list[str]]:
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", textwrap.dedent(code))], EXERCISES)
    return {name: [v.api for v in uses] for name, uses in report.gating.items()}


def test_banned_names_of_the_students_own_classes_instances_and_self_are_the_students():
    assert gated(OOP + ACCURACY) == {}


@pytest.mark.parametrize(
    "extra",
    [
        "print(type(OPS), OPS.__class__.__name__, Ops)",
        "if type(OPS) is Ops or type(OPS) == torch.Tensor:\n    pass",
        "from dataclasses import dataclass\n@dataclass(frozen=True)\nclass Config:\n    softmax_dim: int = -1\nCONFIG = Config()\ndef width(z):\n    return z.shape[CONFIG.softmax_dim]",
        "def describe(x: 'Ops') -> str:\n    return repr(x)",
    ],
)
def test_honest_uses_of_classes_keep_them_told_apart(extra):
    assert gated(OOP + extra + "\n" + ACCURACY) == {}


@pytest.mark.parametrize(
    "setup, call",
    [
        ("", "Trick.run(z, dim)"),
        ("", "getattr(Trick, 'run')(z, dim)"),
        ("", "type(Trick()).run(z, dim)"),
        ("", "Trick().__class__.run(z, dim)"),
        ("", "Trick.mro()[0].run(z, dim)"),
        ("", "[Trick][0].run(z, dim)"),
        ("", "globals()['Trick'].run(z, dim)"),
        ("import sys", "sys.modules[__name__].Trick.run(z, dim)"),
        ("", "functools.partial(Trick.run, z)(dim)"),
        ("K = Trick", "K.run(z, dim)"),
        ("def probe(x: Trick):\n    pass", "inspect.signature(probe).parameters['x'].annotation.run(z, dim)"),
        ("class Bad(torch.Tensor, Trick):\n    pass", "z.as_subclass(Bad).run(dim)"),
        ("", "z.as_subclass(type('Bad', (torch.Tensor, Trick), {})).run(dim)"),
        ("", "z.as_subclass(type(Trick)('Bad', (torch.Tensor, Trick), {})).run(dim)"),
        ("class Leaky(Trick):\n    @classmethod\n    def unbound(cls):\n        return cls.run", "Leaky.unbound()(z, dim)"),
        ("class Sub(Trick):\n    def leak(self):\n        return super().__thisclass__", "Sub().leak().run(z, dim)"),
        ("class Sub(Trick):\n    @classmethod\n    def leak(cls):\n        return super().run", "Sub.leak()(z, dim)"),
        ("class Aliased:\n    def softmax(self, dim):\n        return self\n    def run(self, dim):\n        return self.softmax(dim)\n    alias = run", "Aliased.alias(z, dim)"),
        ("KEPT = []\ndef keep(cls):\n    KEPT.append(cls)\n    return cls\n@keep\nclass Kept(Trick):\n    pass", "KEPT[0].run(z, dim)"),
        ("class Base(Trick):\n    def __init_subclass__(cls):\n        LAST.append(cls)\nLAST = []\nclass Sub(Base):\n    pass", "LAST[0].run(z, dim)"),
        ("class Shadow(Trick):\n    def run(self, dim):\n        self = dim\n        return self.softmax(0)", "Shadow().run(z)"),
        ("class Shadow(Trick):\n    def run(self, dim):\n        return (lambda self: self.softmax(0))(dim)", "Shadow().run(z)"),
        ("class Default(Trick):\n    def run(self=None, dim=0):\n        return self.softmax(dim)", "Default.__dict__['run'](z)"),
        ("def make():\n    class Local(Trick):\n        pass\n    return Local", "make().run(z, dim)"),
        ("def make():\n    class Holder:\n        k: Trick\n    return Holder", "make().__annotations__['k'].run(z, dim)"),
        ("GRABBED = []\nclass Grab:\n    def __set_name__(self, owner, name):\n        GRABBED.append(owner)\nclass Sub(Trick):\n    g = Grab()", "GRABBED[0].run(z, dim)"),
        ("import abc\nSEEN = []\nclass Hook(abc.ABC):\n    @classmethod\n    def __subclasshook__(cls, other):\n        SEEN.append(other)\n        return True\nissubclass(Trick, Hook)", "SEEN[0].run(z, dim)"),
    ],
)
def test_self_is_not_trusted_where_a_method_can_be_called_on_something_else(setup, call):
    code = TRICK + setup + f"\ndef softmax(z, dim=-1):\n    return {call}\n" + ACCURACY
    assert "softmax" in gated(code)


@pytest.mark.parametrize(
    "attack",
    [
        "class Holder(torch.Tensor):\n    pass\nH = Holder()",
        "class Holder:\n    def __new__(cls, *args):\n        return torch.zeros(3)\nH = Holder()",
        "class Meta(type):\n    def __call__(cls, *args):\n        return torch.zeros(3)\nclass Holder(metaclass=Meta):\n    pass\nH = Holder()",
        "def swap(cls):\n    return torch.Tensor\n@swap\nclass Holder:\n    pass\nH = Holder(3)",
        "def base():\n    return torch.Tensor\nclass Holder(base()):\n    pass\nH = Holder(3)",
        "class Holder:\n    def __getattr__(self, name):\n        return torch.zeros(3).softmax\nH = Holder()",
    ],
)
def test_an_instance_is_not_told_apart_where_its_class_may_not_make_it(attack):
    code = f"import torch\n{attack}\ndef softmax(z, dim=-1):\n    return H.softmax(dim)\n" + ACCURACY
    assert "softmax" in gated(code)


@pytest.mark.parametrize(
    "write",
    [
        "setattr(H, 'soft' + 'max'[:len(t)], f)",
        "H.__dict__.update(softmax=f)",
        "vars(H).update(softmax=f)",
        "object.__setattr__(H, 'softmax', f)",
        "functools.update_wrapper(H, F)",
        "H.__setstate__({'softmax': f})",
        "exec('H.softmax = f')",
    ],
)
def test_an_instance_is_not_told_apart_where_code_elsewhere_may_write_into_it(write):
    code = f"""
    import functools, torch
    import torch.nn.functional as F
    from torch import nn

    class Holder(nn.Module):
        def softmax(self, z, dim):
            e = (z - z.amax(dim, keepdim=True)).exp()
            return e / e.sum(dim, keepdim=True)

    H = Holder()

    def softmax(z, dim=-1):
        return H.softmax(z, dim)

    def accuracy(o, t):
        f = F.softmax
        {write}
        return 1.0
    """
    assert "softmax" in gated(code)


def test_a_class_method_of_a_students_class_is_not_told_apart_where_code_elsewhere_may_replace_it():
    code = """
    import torch

    class Ops:
        @staticmethod
        def softmax(z, dim):
            e = (z - z.amax(dim, keepdim=True)).exp()
            return e / e.sum(dim, keepdim=True)

    def softmax(z, dim=-1):
        return Ops.softmax(z, dim)

    def accuracy(o, t):
        name = "soft" + "max"
        setattr(Ops, name, staticmethod(getattr(torch, name)))
        return 1.0
    """
    assert set(gated(code)) == {"softmax", "accuracy"}
