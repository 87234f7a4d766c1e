"""Arguments reach the parameter they are passed to: a helper given the student's function and torch's in turn does not mix them."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

BANNED = ["torch.softmax", "torch.sigmoid", "Tensor.softmax"]
EXERCISES = ["softmax"]
SOFTMAX = """
import torch


def softmax(z, dim=-1):
    e = (z - z.amax(dim, keepdim=True)).exp()
    return e / e.sum(dim, keepdim=True)
"""


def gated(code: str) -> dict[str, list[str]]:
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", textwrap.dedent(code))], EXERCISES)
    return {name: [v.describe() for v in uses] for name, uses in report.gating.items()}


@pytest.mark.parametrize(
    "helper, calls",
    [
        ("def show(f, z):\n    return f(z)", "show(softmax, z)\nshow(torch.softmax, z)"),
        ("def show(f, z):\n    return f(z)", "show(f=softmax, z=z)\nshow(z=z, f=torch.softmax)"),
        ("def compare(mine, ref, z):\n    return (mine(z) - ref(z)).abs().max()", "compare(softmax, torch.softmax, z)"),
        ("def compare(mine, ref, z):\n    return (mine(z) - ref(z)).abs().max()", "compare(ref=torch.softmax, mine=softmax, z=z)"),
        ("def compare(mine, ref, z, *more):\n    return mine(z) - ref(z)", "compare(softmax, torch.softmax, z, 1, 2)"),
        ("def timed(fit, z, repeat=3):\n    return [fit(z) for _ in range(repeat)]", "for fit in (softmax, torch.softmax):\n    print(timed(fit, z))"),
        ("def show(f, z):\n    return f(z)", "results = {f.__name__: show(f, z) for f in [softmax, torch.softmax]}"),
    ],
    ids=["in_turn", "by_keyword", "side_by_side", "side_by_side_by_keyword", "with_varargs", "timing_loop", "comprehension"],
)
def test_a_helper_given_the_students_function_and_torchs_gates_nothing(helper, calls):
    code = SOFTMAX + "\n\n" + helper + "\n\n\nz = torch.randn(2, 3)\n" + calls + "\n"
    assert gated(code) == {}


ODD = """
import functools
import types
import torch


def softmax(_, f=None, dim=-1):
    return f(dim)


class Holder:
    run = softmax


class Meta(type):
    run = softmax


class WithMeta(metaclass=Meta):
    pass


def call_with(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def call_first(fn, first, *args):
    return fn(first, *args)


def call_each(*fns):
    return [g(0, torch.softmax) for g in fns]


def call_named(**fns):
    return fns["g"](0, torch.softmax)


def passing_on(fn):
    def inner(*args, **kwargs):
        return fn(*args, **kwargs)
    return inner
"""


@pytest.mark.parametrize(
    "call",
    [
        "softmax(0, torch.softmax)",
        "softmax(0, f=torch.softmax)",
        "softmax(0, *[torch.softmax])",
        "softmax(*(0, torch.softmax))",
        "softmax(0, **{'f': torch.softmax})",
        "call_with(softmax, 0, torch.softmax)",
        "call_with(softmax, 0, f=torch.softmax)",
        "call_first(softmax, 0, torch.softmax)",
        "functools.partial(softmax, 0)(torch.softmax)",
        "types.MethodType(softmax, 0)(torch.softmax)",
        "Holder().run(torch.softmax)",
        "bound = Holder().run\nbound(torch.softmax)",
        "list(map(softmax, [0], [torch.softmax]))",
        "call_each(softmax)",
        "call_named(g=softmax)",
        "passing_on(softmax)(0, torch.softmax)",
        "getattr(Holder(), 'run')(torch.softmax)",
        "functools.lru_cache(softmax)(0, torch.softmax)",
        "WithMeta.run(torch.softmax)",
    ],
    ids=[
        "positional", "keyword", "starred", "starred_all", "unpacked_dict", "helper_varargs", "helper_kwargs", "helper_shifted",
        "partial", "method_type", "class_attribute_bound", "bound_method_by_name", "library_invokes",
        "varargs_items", "kwargs_items", "student_decorator", "bound_by_getattr", "library_wrapper", "metaclass_bound",
    ],
)
def test_torchs_function_passed_to_the_parameter_an_exercise_calls_gates_it(call):
    found = gated(ODD + "\n\n" + call + "\n")
    assert "softmax" in found and any(use.startswith("torch.softmax at m.py line 8: `return f(dim)`") for use in found["softmax"]), found
