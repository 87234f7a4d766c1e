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
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        return super(Sub, Sub).run(z, dim)", "Sub().leak(z, dim)"),
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        return super(Sub, type(self)).run(z, dim)", "Sub().leak(z, dim)"),
        ("class Sub(Trick):\n    def leak(self, z, dim, other=None):\n        return super(Sub, other).run(z, dim)", "Sub().leak(z, dim, Sub)"),
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        return super(Sub, self).__thisclass__.run(z, dim)", "Sub().leak(z, dim)"),
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        self = Sub\n        return super().run(z, dim)", "Sub().leak(z, dim)"),
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        self = Sub\n        return super(Sub, self).run(z, dim)", "Sub().leak(z, dim)"),
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        for self in [Sub]:\n            return super().run(z, dim)", "Sub().leak(z, dim)"),
        ("class Sub(Trick):\n    def leak(self, z, dim):\n        return super(Sub, self).run.__func__(z, dim)", "Sub().leak(z, dim)"),
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


SUPER = ["super().__init__()", "super(LogSoftmax, self).__init__()", "super(nn.Module, self).__init__()", "nn.Module.__init__(self)"]


@pytest.mark.parametrize("init", SUPER)
def test_the_lectures_spellings_of_super_keep_classes_told_apart(init):
    code = textwrap.dedent(OOP).replace("super().__init__()", init)
    assert init in code
    assert gated(code + ACCURACY) == {}


MODULE = """
import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, a):
        {init}
        self.linear1 = nn.Linear(a, 3)


def f(x):
    return x + 1
"""


@pytest.mark.parametrize("init", SUPER[:3])
@pytest.mark.parametrize("unchecked", ["", "\n\ndef elsewhere(text):\n    exec(text)\n"], ids=["classes", "without_classes"])
def test_attributes_set_after_super_are_the_instances_not_torchs(init, unchecked):
    """Also where code the check cannot follow elsewhere keeps it from telling the classes apart."""
    source = textwrap.dedent(MODULE).format(init=init.replace("LogSoftmax", "MLP")) + unchecked
    report = StaticChecker(["torch.nn.Module.forward"]).check([Chunk("main", "mlp.py", source)], ["MLP", "f"])
    assert report.gating == {}, report


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


AUTOGRAD = ["torch.autograd*", "Tensor.backward", "Tensor.requires_grad", "Tensor.requires_grad_", "requires_grad="]

LAYERS = """
import torch


class Linear:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W.T + self.b

    def backward(self, grad):
        self.dW = grad.T @ self.x
        self.db = grad.sum(0)
        return grad @ self.W


class Sigmoid:
    def forward(self, a):
        self.h = 1 / (1 + torch.exp(-a))
        return self.h

    def backward(self, grad):
        return grad * self.h * (1 - self.h)


"""


def backward_gated(code: str) -> list[str]:
    """The banned uses that gate `two_layer_backward`, in a submission that begins with the student's layer classes."""
    source = textwrap.dedent(LAYERS) + textwrap.dedent(code)
    report = StaticChecker(AUTOGRAD).check([Chunk("main", "calculus.py", source)], ["two_layer_backward"])
    return [v.describe() for v in report.gating.get("two_layer_backward", ())]


def layer_list(build: str, forward: str, backward: str, params: str = "x, y, W1, b1, W2, b2") -> str:
    """`two_layer_backward` that builds a list of layers, runs it forward and then backward."""
    return f"""
def two_layer_backward({params}):
    {build}
    out = x
    {forward}
    grad = 2 * (out - y) / out.numel()
    {backward}
    return grad
"""


FORWARD = "for layer in layers:\n        out = layer.forward(out)"
BACKWARD = "for layer in reversed(layers):\n        grad = layer.backward(grad)"
BUILD = "layers = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]"
PLAIN_BACKWARD = "for layer in layers:\n        grad = layer.backward(grad)"


@pytest.mark.parametrize(
    "build, forward, backward",
    [
        (BUILD, FORWARD, BACKWARD),
        ("layers = (Linear(W1, b1), Sigmoid(), Linear(W2, b2))", FORWARD, BACKWARD),
        (BUILD, FORWARD, "for layer in layers[::-1]:\n        grad = layer.backward(grad)"),
        (BUILD, FORWARD, "for i, layer in enumerate(reversed(layers)):\n        grad = layer.backward(grad) * (i + 1) / (i + 1)"),
        (BUILD, "for i, layer in enumerate(layers, start=1):\n        out = layer.forward(out)", BACKWARD),
        (BUILD, FORWARD, "for layer, name in zip(reversed(layers), ['out', 'act', 'hidden']):\n        grad = layer.backward(grad)"),
        (BUILD, FORWARD, "grad = layers[0].backward(layers[1].backward(layers[-1].backward(grad)))"),
        (BUILD, FORWARD, "for k in range(len(layers) - 1, -1, -1):\n        grad = layers[k].backward(grad)"),
        (BUILD, FORWARD, "grads = [layer.backward(grad) for layer in list(reversed(layers))]"),
        (BUILD, FORWARD, "steps = [layer.backward for layer in reversed(layers)]\n    for step in steps:\n        grad = step(grad)"),
        (
            "layers = [Linear(W1, b1)]\n    layers.append(Sigmoid())\n    layers.insert(2, Linear(W2, b2))",
            FORWARD,
            BACKWARD,
        ),
        ("layers = [Linear(W, b) for W, b in [(W1, b1), (W2, b2)]]\n    layers.insert(1, Sigmoid())", FORWARD, BACKWARD),
        ("layers: list = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]", FORWARD, "layers.reverse()\n    for layer in layers:\n        grad = layer.backward(grad)"),
        ("layers = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]\n    if len(layers) != 3 or not layers:\n        raise ValueError", FORWARD, BACKWARD),
        (
            BUILD,
            "def run(t):\n        for layer in layers:\n            t = layer.forward(t)\n        return t\n    out = run(out)",
            BACKWARD,
        ),
    ],
    ids=['reversed', 'tuple', 'slice', 'enumerate_reversed', 'enumerate_start', 'zip', 'index', 'range_index', 'list_comprehension', 'bound_methods', 'appended_layers', 'comprehension_built', 'annotated_reverse', 'len_and_truth', 'closure'],
)
def test_a_list_of_the_students_own_layers_is_told_apart_from_tensors(build, forward, backward):
    assert backward_gated(layer_list(build, forward, backward)) == []


@pytest.mark.parametrize(
    "build, backward, params",
    [
        ("layers = [Linear(W1, b1), Sigmoid(), x]", BACKWARD, ""),
        (BUILD + "\n    layers.append(x)", BACKWARD, ""),
        (BUILD + "\n    layers.extend([y])", BACKWARD, ""),
        (BUILD + "\n    layers.insert(0, x.detach())", BACKWARD, ""),
        (BUILD + "\n    layers[1] = y", BACKWARD, ""),
        (BUILD + "\n    layers[1:] = [y]", BACKWARD, ""),
        (BUILD + "\n    layers += [y]", BACKWARD, ""),
        (BUILD + "\n    layers = layers + [y]", BACKWARD, ""),
        (BUILD + "\n    other = layers\n    other.append(y)", BACKWARD, ""),
        (BUILD + "\n    keep(layers, y)", BACKWARD, ""),
        (BUILD + "\n    HOLDER.layers = layers\n    fill()", BACKWARD, ""),
        (BUILD + "\n    later = lambda: layers\n    later().append(y)", BACKWARD, ""),
        (BUILD + "\n    [*map(lambda t: t, [layers])][0].append(y)", BACKWARD, ""),
        (BUILD + "\n    reversed = keep", "for layer in reversed(layers, y):\n        grad = layer.backward(grad)", ""),
        (BUILD, "for layer in reversed(layers):\n        grad = layer.backward(grad)\n    ALL.append(layers)", ""),
        ("groups = [[Linear(W1, b1), Sigmoid()]]\n    inner = groups[0]\n    inner.append(y)\n    layers = groups[0]", BACKWARD, ""),
        ("layers = [Linear(W1, b1)] + list(extra)", BACKWARD, ", extra=()"),
        ("layers = list(extra)", BACKWARD, ", extra=()"),
        ("layers = make_layers(W1, b1)", BACKWARD, ""),
        ("layers = LAYERS", BACKWARD, ""),
        ("layers = extra", BACKWARD, ", extra=()"),
        (BUILD, "for layer in extra:\n        grad = layer.backward(grad)", ", extra=()"),
        (BUILD, "for i, layer in enumerate(extra):\n        grad = layer.backward(grad)", ", extra=()"),
        (BUILD, "for layer, t in zip(layers, [x]):\n        grad = t.backward(grad)", ""),
        (BUILD, "for layer in reversed(extra):\n        grad = layer.backward(grad)", ", extra=()"),
        (BUILD, "for layer in extra[::-1]:\n        grad = layer.backward(grad)", ", extra=()"),
        (BUILD, "grad = LAYERS[0].backward(grad)", ""),
        (BUILD + "\n    other = layers\n    other.append(y)", PLAIN_BACKWARD, ""),
        (BUILD + "\n    keep(layers, y)", PLAIN_BACKWARD, ""),
        (BUILD + "\n    HOLDER.layers = layers\n    fill()", PLAIN_BACKWARD, ""),
        (BUILD + "\n    keep(layers, y)", "grad = layers[2].backward(grad)", ""),
        ("pairs = [(Linear(W1, b1), x)]\n    layers = pairs[0]", PLAIN_BACKWARD, ""),
        (BUILD + "\n    enumerate = lambda items: keep(items, y)", "for i, layer in enumerate(layers):\n        grad = layer.backward(grad)", ""),
        (BUILD, "grad = Box(y)[0].backward(grad)", ""),
    ],
    ids=['tensor_in_literal', 'append', 'extend', 'insert', 'item_store', 'slice_store', 'augmented', 'concatenated', 'alias', 'helper_appends', 'attribute_escapes', 'lambda_escapes', 'display_escapes', 'reversed_rebound', 'kept_in_global', 'nested_list_alias', 'from_argument_plus', 'list_of_argument', 'from_call', 'module_level', 'argument', 'loop_over_argument', 'enumerate_argument', 'zip_other', 'reversed_argument', 'slice_argument', 'module_level_index', 'alias_plain_loop', 'helper_appends_plain_loop', 'attribute_escapes_plain_loop', 'helper_appends_index', 'tuple_in_list', 'enumerate_rebound', 'item_of_an_instance'],
)
def test_a_list_that_may_hold_something_else_is_not_told_apart(build, backward, params):
    helpers = """
import itertools


def keep(target, item=None):
    target.append(item)
    return target


class Holder:
    pass


class Box:
    def __init__(self, item):
        self.item = item

    def __getitem__(self, index):
        return self.item


HOLDER = Holder()
ALL = []
LAYERS = [Sigmoid()]


def make_layers(W, b):
    return itertools.chain([Linear(W, b)], [torch.zeros(1)])


def fill():
    HOLDER.layers.append(torch.zeros(1))


def spoil():
    ALL[0].append(torch.zeros(1))
    keep(LAYERS, torch.zeros(1))
"""
    code = helpers + layer_list(build, FORWARD, backward, "x, y, W1, b1, W2, b2" + params)
    found = backward_gated(code)
    assert found and all(use.startswith("Tensor.backward at calculus.py") for use in found), found


BUILDERS = """
import functools


def build(W1, b1, W2, b2):
    return [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]


def build_either(W1, b1, W2, b2, deep=False):
    if deep:
        return (Linear(W1, b1), Sigmoid(), Sigmoid(), Linear(W2, b2))
    return [Linear(W, b) if W is not None else Sigmoid() for W, b in ((W1, b1), (None, None), (W2, b2))]


build_short = lambda W1, b1, W2, b2: [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]

LAYERS = [Sigmoid()]
REGISTRY = []


def build_global(W1, b1, W2, b2):
    return LAYERS


def build_registered(W1, b1, W2, b2):
    layers = [Linear(W1, b1), Sigmoid()]
    REGISTRY.append(layers)
    return layers


def build_named(W1, b1, W2, b2):
    return (layers := [Linear(W1, b1), Sigmoid()])


def build_with(W1, b1, W2, b2):
    return [Linear(W1, b1), W2]


def build_lazily(W1, b1, W2, b2):
    yield Linear(W1, b1)


@functools.cache
def build_cached():
    return [Sigmoid()]


def spoil():
    REGISTRY[0].append(torch.zeros(1))
    build_cached().append(torch.zeros(1))
"""
BY_NAME = 'layers = {"fc1": Linear(W1, b1), "act": Sigmoid(), "fc2": Linear(W2, b2)}'
FORWARD_BY_NAME = 'out = layers["fc2"].forward(layers["act"].forward(layers["fc1"].forward(out)))'
BACKWARD_BY_NAME = 'grad = layers["fc1"].backward(layers["act"].backward(layers["fc2"].backward(grad)))'


@pytest.mark.parametrize(
    "build, forward, backward",
    [
        ("layers = build(W1, b1, W2, b2)", FORWARD, BACKWARD),
        ("layers = build_either(W1, b1, W2, b2)", FORWARD, BACKWARD),
        ("layers = build_short(W1, b1, W2, b2)", FORWARD, "for layer in layers[::-1]:\n        grad = layer.backward(grad)"),
        ("layers: list = build(W1, b1, W2, b2)", FORWARD, "grad = layers[0].backward(layers[1].backward(layers[2].backward(grad)))"),
        ("layers = build(W1, b1, W2, b2)\n    layers.append(Sigmoid())", FORWARD, BACKWARD),
        (BY_NAME, FORWARD_BY_NAME, BACKWARD_BY_NAME),
        ("layers = {name: Linear(W1, b1) for name in ('fc1', 'fc2')}", "out = layers['fc1'].forward(out)", 'grad = layers["fc1"].backward(grad)'),
        (BY_NAME + '\n    layers["out"] = Sigmoid()', FORWARD_BY_NAME, BACKWARD_BY_NAME),
    ],
    ids=["builder", "builder_of_either", "lambda_builder", "annotated_builder", "builder_then_appended", "dict", "dict_comprehension", "dict_item_set"],
)
def test_layers_a_builder_returns_or_a_dict_holds_are_told_apart_from_tensors(build, forward, backward):
    code = BUILDERS + layer_list(build, forward, backward)
    assert backward_gated(code) == []


@pytest.mark.parametrize(
    "build, backward",
    [
        ("layers = build_global(W1, b1, W2, b2)", BACKWARD),
        ("layers = build_registered(W1, b1, W2, b2)", BACKWARD),
        ("layers = build_named(W1, b1, W2, b2)", BACKWARD),
        ("layers = build_with(W1, b1, W2, b2)", BACKWARD),
        ("layers = build_lazily(W1, b1, W2, b2)", BACKWARD),
        ("layers = build_cached()", BACKWARD),
        ("layers = (build if W1 is None else make_layers)(W1, b1, W2, b2)", BACKWARD),
        ("layers = build(W1, b1, W2, b2)\n    layers.append(y)", BACKWARD),
        ("layers = build(W1, b1, W2, b2)\n    keep(layers, y)", BACKWARD),
        ("layers = build(W1, b1, W2, b2)\n    if y is None:\n        layers = list(extra)", BACKWARD),
        ('layers = {"fc1": Linear(W1, b1), "y": y}', BACKWARD_BY_NAME),
        (BY_NAME + '\n    layers["act"] = y', BACKWARD_BY_NAME),
        (BY_NAME + "\n    layers.update(act=y)", BACKWARD_BY_NAME),
        (BY_NAME + '\n    layers.setdefault("act", y)', BACKWARD_BY_NAME),
        (BY_NAME + "\n    keep(layers, y)", BACKWARD_BY_NAME),
        (BY_NAME + "\n    other = layers\n    other['act'] = y", BACKWARD_BY_NAME),
    ],
    ids=[
        "module_level_list", "registered_list", "named_in_the_return", "tensor_in_the_return", "generator", "cached_builder",
        "either_callee", "appended", "helper_appends", "rebound", "dict_with_tensor", "dict_item_set", "dict_updated",
        "dict_setdefault", "dict_to_helper", "dict_alias",
    ],
)
def test_layers_a_builder_or_a_dict_may_share_with_other_code_are_not_told_apart(build, backward):
    helpers = """
import itertools


def keep(target, item=None):
    target.append(item)
    return target


def make_layers(W1, b1, W2, b2):
    return itertools.chain([Linear(W1, b1)], [torch.zeros(1)])
"""
    code = BUILDERS + helpers + layer_list(build, FORWARD, backward, "x, y, W1, b1, W2, b2, extra=()")
    found = backward_gated(code)
    assert found and all(use.startswith("Tensor.backward at calculus.py") for use in found), found


def network(init: str, extra: str = "", use: str = "", base: str = "") -> str:
    """`two_layer_backward` with a network object that holds its layers in an attribute."""
    return BUILDERS + f"""
import itertools


def keep(target, item=None):
    target.append(item)
    return target


class Network{base}:
    def __init__(self, W1, b1, W2, b2, extra=None):
        {init}

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
{extra}


def two_layer_backward(x, y, W1, b1, W2, b2):
    net = Network(W1, b1, W2, b2)
    out = net.forward(x)
    grad = net.backward(2 * (out - y) / out.numel())
    {use}
    first, last = net.layers[0], net.layers[-1]
    return first.dW, last.dW, grad
"""


LIST_IN_INIT = "self.layers = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]"


@pytest.mark.parametrize(
    "init, extra, use",
    [
        (LIST_IN_INIT, "", ""),
        ("self.layers: list = [Linear(W1, b1), Sigmoid(), Linear(W2, b2)]", "", ""),
        ("self.layers = build(W1, b1, W2, b2)", "", ""),
        ("self.layers = [Linear(W1, b1)]\n        self.layers.append(Sigmoid())", "", ""),
        (LIST_IN_INIT, "\n    def reset(self):\n        self.layers = [Sigmoid()]", "net.reset()"),
        (LIST_IN_INIT, "\n    def __len__(self):\n        return len(self.layers)", "assert len(net) == 3\n    assert net.layers"),
        (LIST_IN_INIT, "", "for i, layer in enumerate(net.layers):\n        grad = layer.backward(grad) * (i + 1) / (i + 1)"),
    ],
    ids=["list_in_init", "annotated", "from_builder", "appended_layer", "reset_to_a_new_list", "len_and_truth", "read_outside"],
)
def test_layers_held_in_an_attribute_of_the_students_object_are_told_apart_from_tensors(init, extra, use):
    assert backward_gated(network(init, extra, use)) == []


@pytest.mark.parametrize(
    "init, extra, use, base",
    [
        ("self.layers = [Linear(W1, b1), Sigmoid(), W2]", "", "", ""),
        (LIST_IN_INIT + "\n        self.layers.append(extra)", "", "", ""),
        (LIST_IN_INIT + "\n        self.layers[1] = W1", "", "", ""),
        ("self.layers = extra", "", "", ""),
        ("self.layers = list(extra)", "", "", ""),
        ("self.layers = build_registered(W1, b1, W2, b2)", "", "", ""),
        ("self.layers = [Linear(W1, b1)] + [W2]", "", "", ""),
        (LIST_IN_INIT, "", "other = net.layers\n    other.append(y)", ""),
        (LIST_IN_INIT, "", "keep(net.layers, y)", ""),
        (LIST_IN_INIT, "\n    def all_layers(self):\n        return self.layers", "net.all_layers().append(y)", ""),
        (LIST_IN_INIT, "\n    layers = [Sigmoid()]", "", ""),
        (LIST_IN_INIT, "", "setattr(net, 'layers', [y])", ""),
        (LIST_IN_INIT, "", "net.layers = [y]", ""),
        (LIST_IN_INIT, "\n    def __getattr__(self, name):\n        return torch.zeros(1)", "", ""),
        (LIST_IN_INIT, "", "", "(torch.nn.Module)"),
        (LIST_IN_INIT, "", "Network.backward(y, grad)", ""),
        (LIST_IN_INIT, "", "for self_layers in [net.layers]:\n        self_layers.append(y)", ""),
        (LIST_IN_INIT + "\n        self.layers += [W1]", "", "", ""),
    ],
    ids=[
        "tensor_in_the_list", "appended_argument", "item_set", "argument", "copied_argument", "registered_by_builder",
        "concatenated", "alias", "to_helper", "returned", "class_attribute", "set_by_name", "set_to_tensors",
        "own_getattr", "module_subclass", "called_on_a_tensor", "in_another_list", "augmented",
    ],
)
def test_layers_in_an_attribute_other_code_may_hold_or_fill_are_not_told_apart(init, extra, use, base):
    found = backward_gated(network(init, extra, use, base))
    assert found and all(use.startswith("Tensor.backward at calculus.py") for use in found), found
