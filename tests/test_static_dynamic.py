"""Dynamic access the check cannot follow gates the exercise that contains it (or a helper it calls); honest code passes."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

BANNED = ["torch.softmax", "torch.nn.functional.softmax", "Tensor.softmax"]
EXERCISES = ["softmax", "cross_entropy", "accuracy"]
HONEST_OTHERS = "\ndef cross_entropy(l, t):\n    return l.mean()\ndef accuracy(o, t):\n    return 1.0\n"


def gated(code: str) -> dict[str, list[str]]:
    report = StaticChecker(BANNED).check([Chunk("main", "m.py", textwrap.dedent(code) + HONEST_OTHERS)], EXERCISES)
    return {name: [v.api for v in uses] for name, uses in report.gating.items()}


@pytest.mark.parametrize(
    "body",
    [
        "name = 'max'\n    return getattr(z, 'soft' + name)(dim)",
        "n = 'softmax'\n    return getattr(z, n)(dim)",
        "return getattr(torch.nn.functional, 'soft' + str(dim)[:0] + 'max')(z, dim)",
        "return functools.reduce(getattr, ['nn', 'functional', 'softmax'], torch)(z, dim)",
        "return sys.modules['torch'].softmax(z, dim)",
        "return operator.attrgetter('soft' + 'max')(torch)(z, dim)",
        "return operator.methodcaller('softmax', dim)(z)",
        "return globals()['tor' + 'ch'[:dim]].exp(z)",
        "return vars(torch)[str(dim)](z)",
        "f = torch.exp\n    return locals()['f'](z)",
        "return torch.__dict__.get('softmax')(z, dim)",
        "return builtins.getattr(torch, 'exp')(z)",
        "return __builtins__['getattr'](torch, 'exp')(z)",
        "return __import__('tor' + 'ch'[:2]).exp(z)",
        "return importlib.import_module(''.join(reversed('hcrot'))).exp(z)",
        "return torch.exp.__self__.softmax(z, dim)",
        "return softmax.__globals__['torch'].exp(z)",
        "return object.__subclasses__()[0](z)",
        "return object.__getattribute__(torch, 'exp')(z)",
        "f = getattr\n    return f(z, 'exp')()",
        "return eval('z.exp()')",
        "return inspect.getmembers(torch)[0][1](z)",
        "return pickle.loads(b'ctorch\\nexp\\n.')(z)",
        "return sys._getframe().f_globals['torch'].exp(z)",
    ],
)
def test_dynamic_access_gates_the_exercise(body):
    code = f"import builtins, functools, importlib, inspect, operator, pickle, sys, torch\ndef softmax(z, dim=-1):\n    {body}\n"
    found = gated(code)
    assert list(found) == ["softmax"], found
    assert all("cannot be checked" in api or api.startswith("torch.") or api.startswith("Tensor.") for api in found["softmax"])


def test_the_message_asks_for_the_plain_call():
    found = gated("def softmax(z, dim=-1, name='max'):\n    return getattr(z, 'soft' + name)(dim)\n")
    assert found == {"softmax": ["computed attribute name (cannot be checked): write the call plainly, e.g. torch.exp(z)"]}


def test_dynamic_access_in_a_helper_gates_the_exercise_that_calls_it():
    code = "def _pick(obj, name):\n    return getattr(obj, name)\ndef softmax(z, dim=-1):\n    return _pick(z, 'softmax')(dim)\n"
    assert list(gated(code)) == ["softmax"]


def test_honest_uses_of_dunders_and_constant_names_pass():
    code = """
    import torch

    get_ipython().run_line_magic('matplotlib', 'inline')
    get_ipython().system('pip install torch')

    class Scaler(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.label = self.__class__.__name__ + type(self).__name__

    def softmax(z, dim=-1):
        if not isinstance(z, torch.Tensor) or not hasattr(z, "dim"):
            raise TypeError(f"{softmax.__name__} needs a tensor")
        e = getattr(torch, "exp")(z - getattr(z, "amax")(dim, keepdim=True))
        return e / e.sum(dim, keepdim=True)
    """
    assert gated(code) == {}


@pytest.mark.parametrize(
    "line",
    [
        "get_ipython().user_ns['softmax'] = torch.exp",
        "ip = get_ipython()",
        "globals()['helper'] = torch.exp",
        "setattr(torch, 'ex' + 'p', torch.exp)",
        "exec('x = 1')",
        "sys.modules['torch'].exp = torch.exp",
    ],
)
def test_dynamic_code_at_top_level_gates_every_exercise(line):
    code = f"import sys, torch\n{line}\ndef softmax(z, dim=-1):\n    return z.exp() / z.exp().sum(dim, keepdim=True)\n"
    assert set(gated(code)) == set(EXERCISES)


@pytest.mark.parametrize("lookup", ["z.__class__.__dict__['softmax'](z, dim)", "vars(type(z))['softmax'](z, dim)"])
def test_a_constant_key_in_the_namespace_of_an_unidentified_class_is_checked_by_name(lookup):
    assert list(gated(f"def softmax(z, dim=-1):\n    return {lookup}\n")) == ["softmax"]


def test_a_method_of_the_students_own_class_is_not_mistaken_for_a_banned_name():
    code = "import torch\nclass Ops:\n    @staticmethod\n    def stable_softmax(z, dim):\n        e = (z - z.amax(dim, keepdim=True)).exp()\n        return e / e.sum(dim, keepdim=True)\ndef softmax(z, dim=-1):\n    return Ops.stable_softmax(z, dim) + Ops().stable_softmax(z, dim) * 0\n"
    assert gated(code) == {}


def test_annotations_evaluated_from_text_gate_the_exercise():
    code = "import inspect, torch\ndef probe(x: 'torch.softmax'):\n    pass\ndef softmax(z, dim=-1):\n    return inspect.signature(probe, eval_str=True).parameters['x'].annotation(z, dim)\n"
    assert list(gated(code)) == ["softmax"]


def test_a_membership_test_on_a_namespace_and_timing_with_functions_are_honest():
    code = """
    import sys, timeit, torch
    from timeit import default_timer as timer

    IN_COLAB = "google.colab" in sys.modules
    if "history" not in globals():
        history = []

    def softmax(z, dim=-1):
        e = (z - z.amax(dim, keepdim=True)).exp()
        return e / e.sum(dim, keepdim=True)

    start = timer()
    x = torch.randn(3, 4)
    print(timeit.timeit(lambda: softmax(x), number=3), timeit.repeat(stmt=lambda: torch.softmax(x, -1), setup=lambda: None))
    print(timeit.Timer(lambda: softmax(x)).timeit(number=1), timer() - start)
    """
    assert gated(code) == {}


@pytest.mark.parametrize(
    "line",
    [
        "timeit.timeit('torch.softmax(x, -1)', number=1)",
        "timeit.timeit(stmt, number=1)",
        "timeit.timeit(lambda: None, setup='import torch')",
        "timeit.repeat(*arguments)",
        "timeit.Timer(**options).timeit()",
        "timer = timeit.Timer\ntimer(stmt).timeit()",
        "timeit.template = stmt",
        "box = [sys.modules]",
        "found = 'torch' in sys.modules in box",
        "found = sys.modules == box",
        "found = 'x' in globals() in box",
        "found = globals() in box",
        "found = 'x' in vars(box)",
        "found = box in sys.meta_path",
    ],
)
def test_text_timed_as_code_and_namespaces_used_beyond_a_membership_test_gate_every_exercise(line):
    setup = "import sys, timeit, torch\nstmt = 'torch.softmax(x, -1)'\narguments = [stmt]\noptions = {'stmt': stmt}\nbox = []\n"
    code = setup + line + "\ndef softmax(z, dim=-1):\n    return z.exp() / z.exp().sum(dim, keepdim=True)\n"
    assert set(gated(code)) == set(EXERCISES)


@pytest.mark.parametrize(
    "setup",
    [
        "from concurrent.futures import ThreadPoolExecutor\nRUN = ThreadPoolExecutor(1).submit",
        "import threading\nRUN = threading.Thread",
        "import torch\nRUN = torch._C._DisableTorchDispatch",
        "import torch\nRUN = torch._C._unset_dispatch_mode",
        "import subprocess\nRUN = subprocess.run",
        "from subprocess import check_output\nRUN = check_output(['true'])",
        "import os\nRUN = os.system",
        "import os\nRUN = os.posix_spawn",
        "import os\nRUN = os.execv",
        "import os\nRUN = os.spawnlp",
    ],
)
def test_code_the_record_of_dispatched_operations_cannot_see_gates_everything(setup):
    code = f"{setup}\ndef softmax(z, dim=-1):\n    e = (z - z.amax(dim, keepdim=True)).exp()\n    return e / e.sum(dim, keepdim=True)\n"
    report = StaticChecker(["torch.*softmax*"]).check([Chunk("m", "m.py", code)], ["softmax"])
    assert "softmax" in report.gating
