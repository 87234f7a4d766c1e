"""Autograd banned by keyword, attribute and namespace patterns; devices chosen by availability, not hard-coded."""

import textwrap

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

BANNED = [
    "torch.autograd",
    "torch.autograd.*",
    "torch.func",
    "torch.func.*",
    "Tensor.backward",
    "Tensor.requires_grad",
    "Tensor.requires_grad_",
    "requires_grad=",
]
EXERCISES = ["derivative"]
CANNOT_READ = "keyword arguments unpacked from a dict the check cannot read"


def gated(code: str, banned: list[str] = BANNED) -> dict[str, list[str]]:
    """The gated exercises with each violation as the student reads it (what, where, which line)."""
    report = StaticChecker(banned).check([Chunk("main", "calculus.py", textwrap.dedent(code))], EXERCISES)
    return {name: [v.describe() for v in uses] for name, uses in report.gating.items()}


def at(line: int, code: str) -> str:
    return f"at calculus.py line {line}: `{code}`"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("x.requires_grad_()\n    return x", "Tensor.requires_grad_ " + at(3, "x.requires_grad_()")),
        ("x.requires_grad = True\n    return x", "Tensor.requires_grad " + at(3, "x.requires_grad = True")),
        ("return x.requires_grad", "Tensor.requires_grad " + at(3, "return x.requires_grad")),
        ("del x.requires_grad\n    return x", "Tensor.requires_grad " + at(3, "del x.requires_grad")),
        ("setattr(x, 'requires_grad', True)\n    return x", "Tensor.requires_grad " + at(3, "setattr(x, 'requires_grad', True)")),
        ("return torch.ones(3, requires_grad=True)", "requires_grad= (a banned keyword argument) " + at(3, "return torch.ones(3, requires_grad=True)")),
        ("return torch.tensor(x.tolist(), requires_grad=True)", "requires_grad= (a banned keyword argument) " + at(3, "return torch.tensor(x.tolist(), requires_grad=True)")),
        ("return torch.nn.Parameter(x, requires_grad=True)", "requires_grad= (a banned keyword argument) " + at(3, "return torch.nn.Parameter(x, requires_grad=True)")),
        ("return x.clone().detach().requires_grad_(True)", "Tensor.requires_grad_ " + at(3, "return x.clone().detach().requires_grad_(True)")),
        ("return torch.ones(3, **{'requires_grad': True})", "requires_grad= (a banned keyword argument) " + at(3, "return torch.ones(3, **{'requires_grad': True})")),
        ("return torch.ones(3, **dict(requires_grad=True))", "requires_grad= (a banned keyword argument) " + at(3, "return torch.ones(3, **dict(requires_grad=True))")),
        ("y = (x ** 3).sum()\n    y.backward()\n    return x.grad", "Tensor.backward " + at(4, "y.backward()")),
        ("return torch.autograd.grad((x ** 3).sum(), x)[0]", "torch.autograd.grad " + at(3, "return torch.autograd.grad((x ** 3).sum(), x)[0]")),
        ("return torch.func.grad(lambda t: (t ** 3).sum())(x)", "torch.func.grad " + at(3, "return torch.func.grad(lambda t: (t ** 3).sum())(x)")),
        ("return torch.func.vmap(torch.sin)(x)", "torch.func.vmap " + at(3, "return torch.func.vmap(torch.sin)(x)")),
        ("return torch.vmap(torch.sin)(x)", "torch.vmap (torch.func.vmap) " + at(3, "return torch.vmap(torch.sin)(x)")),
        ("return torch.Tensor.backward(x.sum())", "torch.Tensor.backward " + at(3, "return torch.Tensor.backward(x.sum())")),
    ],
)
def test_each_use_of_autograd_gates_with_its_line(body, expected):
    found = gated(f"import torch\ndef derivative(x):\n    {body}")
    assert list(found) == ["derivative"] and expected in found["derivative"], found
    line = expected.split(" at calculus.py ")[1]
    assert all(use.endswith(line) for use in found["derivative"]), found


def test_importing_autograd_names_gates_at_the_import_and_the_use():
    code = "from torch.autograd import grad\ndef derivative(x):\n    return grad((x ** 3).sum(), x)[0]"
    assert gated(code) == {
        "derivative": [
            "torch.autograd.grad " + at(3, "return grad((x ** 3).sum(), x)[0]"),
            "torch.autograd.grad " + at(1, "from torch.autograd import grad"),
        ]
    }


def test_autograd_in_a_helper_gates_the_exercise_that_calls_it():
    code = """
    import torch
    def _leaf(x):
        return x.detach().requires_grad_(True)
    def _grad_of(f, x):
        y = f(_leaf(x)).sum()
        y.backward()
        return x.grad
    def derivative(x):
        return _grad_of(torch.sin, x)
    """
    assert sorted(gated(code)["derivative"]) == ["Tensor.backward " + at(7, "y.backward()"), "Tensor.requires_grad_ " + at(4, "return x.detach().requires_grad_(True)")]


@pytest.mark.parametrize(
    "body",
    [
        "return torch.ones(3, **options)",
        "return torch.ones(3, **{name: True})",
        "return x.new_ones(3, **options)",
    ],
)
def test_keyword_arguments_from_a_dict_the_check_cannot_read_gate(body):
    code = f"import torch\ndef derivative(x, name='requires_grad', **options):\n    {body}"
    found = gated(code)["derivative"]
    assert len(found) == 1 and found[0].startswith(CANNOT_READ) and found[0].endswith(at(3, body)), found


def test_a_keyword_pattern_bans_the_keyword_whatever_its_value_and_only_the_keyword():
    code = "import torch\ndef derivative(x):\n    x.requires_grad_(x.requires_grad)\n    return torch.ones(3, requires_grad=False)"
    assert gated(code, ["requires_grad="]) == {"derivative": ["requires_grad= (a banned keyword argument) " + at(4, "return torch.ones(3, requires_grad=False)")]}


def test_keyword_arguments_from_a_dict_are_free_where_no_keyword_is_banned():
    assert gated("import torch\ndef derivative(x, **options):\n    return torch.ones(3, **options)", ["Tensor.backward"]) == {}


@pytest.mark.parametrize(
    "code",
    [
        # names that only sound like autograd
        "def grad(f, x, h=1e-4):\n    return (f(x + h) - f(x - h)) / (2 * h)\ndef derivative(x):\n    g = grad(lambda t: t ** 3, x)\n    return g",
        "def derivative(x):\n    info = {'requires_grad': False, 'backward': 'by hand'}\n    grad = 3 * x ** 2\n    return grad",
        "def derivative(x):\n    print('no requires_grad=True, no .backward() here')\n    return 3 * x ** 2",
        # grad mode switches are public torch names, not autograd computations
        "import torch\ndef derivative(x):\n    with torch.no_grad():\n        return 3 * x ** 2",
        "import torch\n@torch.no_grad()\ndef derivative(x):\n    return 3 * x ** 2",
        "import torch\ndef derivative(x):\n    with torch.enable_grad():\n        return 3 * x ** 2",
        "import torch\ndef derivative(x):\n    with torch.inference_mode():\n        return 3 * x ** 2",
        "import torch\ndef derivative(x):\n    with torch.set_grad_enabled(False):\n        return 3 * x ** 2",
        "from torch import no_grad\ndef derivative(x):\n    with no_grad():\n        return 3 * x ** 2",
        # tensor operations torch implements in torch.functional, which `torch.func.*` does not name
        "import torch\ndef derivative(x):\n    return torch.einsum('i,i->i', x, x) * 3 / torch.norm(x) * torch.norm(x)",
        "def derivative(x):\n    return 3 * x.detach() ** 2",
        # the student's own keyword, parameter and method names
        "import torch\ndef scaled(x, requires_grad=False):\n    return x * 3\ndef derivative(x):\n    return scaled(x ** 2, requires_grad=True)",
        "class Cube:\n    def forward(self, x):\n        self.x = x\n        return x ** 3\n    def backward(self, upstream):\n        return upstream * 3 * self.x ** 2\n"
        "def derivative(x):\n    layer = Cube()\n    layer.forward(x)\n    return layer.backward(1.0)",
        "class Box:\n    def __init__(self):\n        self.requires_grad = False\ndef derivative(x):\n    box = Box()\n    box.requires_grad = True\n    return 3 * x ** 2",
    ],
)
def test_honest_code_is_not_gated(code):
    assert gated(code) == {}


def test_grad_mode_switches_stay_banned_where_a_pattern_names_them_exactly():
    code = "import torch\ndef derivative(x):\n    with torch.autograd.grad_mode.no_grad():\n        return 3 * x ** 2"
    assert gated(code, ["torch.no_grad"]) == {"derivative": ["torch.autograd.grad_mode.no_grad " + at(3, "with torch.autograd.grad_mode.no_grad():")]}


def test_grad_mode_switches_spelled_through_autograd_name_autograd():
    code = "import torch\ndef derivative(x):\n    with torch.autograd.no_grad():\n        return 3 * x ** 2"
    assert gated(code) == {"derivative": ["torch.autograd.no_grad " + at(3, "with torch.autograd.no_grad():")]}


def test_a_wildcard_on_autograd_leaves_the_grad_mode_switches_alone():
    code = "import torch\n@torch.no_grad()\ndef derivative(x):\n    with torch.enable_grad(), torch.inference_mode():\n        return 3 * x ** 2"
    assert gated(code, ["torch.autograd*", "torch.func*"]) == {}
    uses = gated(code.replace("3 * x ** 2", "torch.autograd.grad(x.sum(), x)"), ["torch.autograd*"])["derivative"]
    assert "torch.autograd.grad " + at(5, "return torch.autograd.grad(x.sum(), x)") in uses


# devices

CHOSEN = '"cuda" if torch.cuda.is_available() else "cpu"'
CHOSEN_DEVICE = 'torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")'


@pytest.mark.parametrize(
    "code",
    [
        f"import torch\ndef derivative(x):\n    return torch.zeros(3, device={CHOSEN})",
        f"import torch\ndef derivative(x):\n    device = torch.device({CHOSEN})\n    return torch.zeros(3, device=device) + x.to(device)",
        f"import torch\ndef derivative(x, device=None):\n    device = device or ({CHOSEN})\n    return x.to(device)",
        f"import torch\ndef derivative(x, device=None):\n    if device is None:\n        device = {CHOSEN}\n    return torch.ones(3, device=device) * x.to(device)",
        "import torch\ndef derivative(x):\n    if torch.cuda.is_available():\n        dev = 'cuda'\n    else:\n        dev = 'cpu'\n    return x.to(dev) * torch.ones(3, device=dev)",
        "import torch\ndef derivative(x):\n    dev = 'cuda'\n    if not torch.cuda.is_available():\n        dev = 'cpu'\n    return torch.ones(3, device=dev) * x.to(dev)",
        "import torch\ndef derivative(x):\n    use_gpu = torch.cuda.is_available()\n    dev = 'cpu'\n    if use_gpu:\n        dev = 'cuda:0'\n    return x.to(dev)",
        "def derivative(model, X, device):\n    model.to(device)\n    return model(X.to(device))",
        f"import torch\nDEVICE = torch.device({CHOSEN})\ndef derivative(x):\n    return x.to(DEVICE) * torch.ones(3, device=DEVICE)",
        "import torch\nif torch.cuda.is_available():\n    DEVICE = 'cuda'\nelse:\n    DEVICE = 'cpu'\ndef derivative(x):\n    return x.to(DEVICE)",
        "import torch\ndef derivative(x):\n    return torch.zeros(3, device=x.device) + x.to('cpu').to(x.device)",
        # a torch.device of a constant, chosen by availability (the lecture's spelling)
        f"import torch\ndef derivative(x):\n    device = {CHOSEN_DEVICE}\n    return torch.zeros(3, device=device) + x.to(device)",
        f"import torch\ndef derivative(x, device=None):\n    if device is None:\n        device = {CHOSEN_DEVICE}\n    return x.to(device)",
        f"import torch\ndef derivative(x):\n    return x.to({CHOSEN_DEVICE})",
        f"import torch\ndef derivative(x, device=None):\n    device = device or ({CHOSEN_DEVICE})\n    return x.to(device)",
        f"import torch\nDEVICE = {CHOSEN_DEVICE}\ndef derivative(x):\n    return x.to(DEVICE)",
        "import torch\ndef derivative(x):\n    return x.to(torch.device('cuda' if torch.cuda.is_available() else 'cpu'))",
        "import torch\ndef derivative(x):\n    gpu = torch.cuda.is_available()\n    return x.to(torch.device('cuda:0') if gpu else torch.device('cpu'))",
        "import torch\ndef derivative(x):\n    if torch.cuda.is_available():\n        dev = torch.device('cuda')\n    else:\n        dev = torch.device('cpu')\n    return x.to(dev)",
        "import torch\ndef derivative(x):\n    dev = torch.device('cuda')\n    if not torch.cuda.is_available():\n        dev = torch.device('cpu')\n    return x.to(dev)",
        "import torch\nif torch.cuda.is_available():\n    DEVICE = torch.device('cuda')\nelse:\n    DEVICE = torch.device('cpu')\ndef derivative(x):\n    return x.to(DEVICE)",
        # back to the CPU, as with .to('cpu')
        "def derivative(x):\n    import torch\n    return x.to(torch.device('cpu')) * 3",
        "def derivative(x):\n    return x.to(device='cpu') * 3",
    ],
)
def test_a_device_chosen_by_availability_or_given_is_accepted(code):
    assert gated(code) == {}


@pytest.mark.parametrize(
    "code, expected",
    [
        ("def derivative(x):\n    return x.to('cuda')", "a fixed device (.to('cuda')) " + at(2, "return x.to('cuda')")),
        ("def derivative(x):\n    return x.cuda()", "a fixed device (.cuda()) " + at(2, "return x.cuda()")),
        ("def derivative(x):\n    return x.to(device='cuda:1')", "a fixed device (device='cuda:1') " + at(2, "return x.to(device='cuda:1')")),
        ("import torch\ndef derivative(x):\n    return torch.zeros(3, device='cuda')", "a fixed device (device='cuda') " + at(3, "return torch.zeros(3, device='cuda')")),
        (
            "import torch\ndef derivative(x):\n    d = torch.device('cuda')\n    return torch.zeros(3, device=d)",
            "a fixed device (torch.device('cuda')) " + at(3, "d = torch.device('cuda')"),
        ),
        (
            "import torch\nDEVICE = torch.device('cuda')\ndef derivative(x):\n    return x.to(DEVICE)",
            "a fixed device (torch.device('cuda')) " + at(2, "DEVICE = torch.device('cuda')"),
        ),
        (
            "DEVICE = 'cuda'\ndef derivative(x):\n    return x.to(DEVICE)",
            "a fixed device (.to(DEVICE), set to 'cuda' at line 1) " + at(3, "return x.to(DEVICE)"),
        ),
        (
            "import torch\nDEVICE = 'cuda:0'\ndef derivative(x):\n    return torch.ones(3, device=DEVICE)",
            "a fixed device (device=DEVICE, set to 'cuda:0' at line 2) " + at(4, "return torch.ones(3, device=DEVICE)"),
        ),
        (
            "import torch\ndef derivative(x):\n    dev = 'cpu'\n    return torch.ones(3, device=dev) * x",
            "a fixed device (device=dev, set to 'cpu' at line 3) " + at(4, "return torch.ones(3, device=dev) * x"),
        ),
        (
            "import torch\nNAME = 'cuda'\ndef derivative(x):\n    return x * torch.ones(3, device=torch.device(NAME))",
            "a fixed device (torch.device(NAME), set to 'cuda' at line 2) " + at(4, "return x * torch.ones(3, device=torch.device(NAME))"),
        ),
        (
            "def derivative(x, device=None):\n    return x.to(device or 'cuda')",
            "a fixed device (.to('cuda')) " + at(2, "return x.to(device or 'cuda')"),
        ),
        (
            "def derivative(x, device=None):\n    if device is None:\n        device = 'cuda'\n    return x.to(device)",
            "a fixed device (.to(device), set to 'cuda' at line 3) " + at(4, "return x.to(device)"),
        ),
        (
            "import torch\nGPU = 'cuda'\nDEVICE = GPU\nif torch.cuda.is_available():\n    print('a GPU')\ndef derivative(x):\n    return x.to(DEVICE)",
            "a fixed device (.to(DEVICE), set to 'cuda' at line 2) " + at(7, "return x.to(DEVICE)"),
        ),
    ],
)
def test_a_hard_coded_device_is_refused(code, expected):
    assert gated(code) == {"derivative": [expected]}


@pytest.mark.parametrize(
    "code, expected",
    [
        (
            "import torch\ndef derivative(x, flag=True):\n    return x.to(torch.device('cuda') if flag else torch.device('cpu'))",
            "a fixed device (torch.device('cuda')) " + at(3, "return x.to(torch.device('cuda') if flag else torch.device('cpu'))"),
        ),
        (
            "import torch\ndef derivative(x):\n    dev = torch.device('cuda')\n    if torch.cuda.is_available():\n        print(dev)\n    return x.to(dev)",
            "a fixed device (torch.device('cuda')) " + at(3, "dev = torch.device('cuda')"),
        ),
        (
            "import torch\ndef derivative(x):\n    return x * torch.ones(3, device=torch.device('cpu'))",
            "a fixed device (torch.device('cpu')) " + at(3, "return x * torch.ones(3, device=torch.device('cpu'))"),
        ),
        (
            "import torch\ndef derivative(x):\n    return x.to(torch.device('cuda'))",
            "a fixed device (torch.device('cuda')) " + at(3, "return x.to(torch.device('cuda'))"),
        ),
    ],
)
def test_a_torch_device_of_a_constant_not_chosen_by_availability_is_refused(code, expected):
    assert gated(code) == {"derivative": [expected]}


SHUFFLE = "import torch\ndef derivative(x, seed=0):\n    {}\n    return x[idx] * 3"


@pytest.mark.parametrize(
    "body",
    [
        "g = torch.Generator(device='cpu').manual_seed(seed)\n    idx = torch.randperm(len(x), generator=g, device='cpu')",
        "g = torch.Generator(device='cpu')\n    g.manual_seed(seed)\n    idx = torch.randperm(x.shape[0], generator=g, device='cpu').to(x.device)",
        "g = torch.Generator(device=torch.device('cpu'))\n    idx = torch.randperm(len(x), generator=g, device=torch.device('cpu'))",
        "cpu = 'cpu'\n    g = torch.Generator(device=cpu)\n    idx = torch.randperm(len(x), generator=g, device=cpu)",
        "from torch import Generator, randperm\n    idx = randperm(len(x), generator=Generator(device='cpu'), device='cpu')",
    ],
)
def test_a_generator_and_an_index_order_drawn_on_the_cpu_are_accepted(body):
    assert gated(SHUFFLE.format(body)) == {}


@pytest.mark.parametrize(
    "body, expected",
    [
        ("g = torch.Generator(device='cuda')\n    idx = torch.randperm(len(x), generator=g, device=x.device)", "a fixed device (device='cuda') " + at(3, "g = torch.Generator(device='cuda')")),
        ("idx = torch.randperm(len(x), device='cuda')", "a fixed device (device='cuda') " + at(3, "idx = torch.randperm(len(x), device='cuda')")),
        ("idx = torch.randperm(len(x), device=torch.device('cuda:0'))", "a fixed device (torch.device('cuda:0')) " + at(3, "idx = torch.randperm(len(x), device=torch.device('cuda:0'))")),
        ("g = torch.Generator(device='mps')\n    idx = torch.randperm(len(x), generator=g)", "a fixed device (device='mps') " + at(3, "g = torch.Generator(device='mps')")),
        (
            "g = torch.Generator(device='cpu')\n    idx = torch.randint(0, len(x), (len(x),), generator=g, device='cpu')",
            "a fixed device (device='cpu') " + at(4, "idx = torch.randint(0, len(x), (len(x),), generator=g, device='cpu')"),
        ),
        ("draw = torch.zeros\n    idx = draw(len(x), device='cpu').long()", "a fixed device (device='cpu') " + at(4, "idx = draw(len(x), device='cpu').long()")),
        (
            "draw = torch.randperm if seed else torch.zeros\n    idx = draw(len(x), device='cpu').long()",
            "a fixed device (device='cpu') " + at(4, "idx = draw(len(x), device='cpu').long()"),
        ),
    ],
)
def test_other_tensors_on_the_cpu_and_anything_on_a_fixed_gpu_stay_refused(body, expected):
    assert gated(SHUFFLE.format(body)) == {"derivative": [expected]}


def test_a_fixed_device_outside_graded_code_is_only_reported():
    code = "import torch\nDEVICE = 'cuda'\ndef derivative(x):\n    return 3 * x ** 2\nprint(derivative(torch.ones(2).to(DEVICE)))"
    report = StaticChecker(BANNED).check([Chunk("main", "calculus.py", code)], EXERCISES)
    assert report.gating == {}
    assert [v.describe() for v in report.ungraded] == ["a fixed device (.to(DEVICE), set to 'cuda' at line 2) " + at(5, "print(derivative(torch.ones(2).to(DEVICE)))")]


def test_a_device_set_in_another_cell_names_that_cell():
    cells = ["import torch\nDEVICE = 'cuda'", "def derivative(x):\n    return x.to(DEVICE)"]
    report = StaticChecker(BANNED).check([Chunk(f"cell {i}", f"calculus.ipynb cell {i}", c) for i, c in enumerate(cells)], EXERCISES)
    assert [v.describe() for v in report.gating["derivative"]] == [
        "a fixed device (.to(DEVICE), set to 'cuda' at calculus.ipynb cell 0 line 2) at calculus.ipynb cell 1 line 2: `return x.to(DEVICE)`"
    ]


def test_devices_are_not_checked_when_switched_off():
    assert StaticChecker(BANNED, check_fixed_device=False).check([Chunk("main", "calculus.py", "DEVICE = 'cuda'\ndef derivative(x):\n    return x.to(DEVICE)")], EXERCISES).gating == {}


DICTS = """
import torch
from dataclasses import dataclass
from typing import NamedTuple, TypedDict

FACTORY = {"dtype": torch.float32}


class Grads(TypedDict):
    x: torch.Tensor


class Pair(NamedTuple):
    x: torch.Tensor


@dataclass
class Saved:
    x: torch.Tensor


class Parameter(torch.nn.Parameter):
    pass


class Open(torch.Tensor):
    pass


def fill(d):
    d["requires_grad"] = True


"""


@pytest.mark.parametrize(
    "body",
    [
        'factory = {"dtype": x.dtype, "device": x.device}\n    return torch.zeros(3, **factory)',
        'factory: dict = {"dtype": x.dtype}\n    return [torch.zeros(3, **factory) for _ in range(2)]',
        'factory = {"dtype": x.dtype}\n    if x.is_cuda:\n        factory = {"device": x.device, **factory}\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype, "device": x.device}\n    del factory["device"]\n    return torch.zeros(3, **{**factory, "layout": x.layout})',
        'factory = {"dtype": x.dtype}\n    def make(n):\n        return torch.zeros(n, **factory)\n    return make(3)',
        'grads = {"x": 3 * x ** 2}\n    return dict(**grads)',
        'return dict(**options)',
        'return torch.zeros(3, **dict(dtype=x.dtype, **{"device": x.device}))',
        'return Grads(**options)',
        'return Pair(**options)',
        'return Saved(**options)',
    ],
    ids=["named_dict", "annotated_used_twice", "rebound_to_dicts", "key_deleted", "read_by_a_closure", "dict_of_named_dict", "dict_of_options", "nested_dict_calls", "typed_dict", "named_tuple", "dataclass"],
)
def test_keyword_arguments_from_a_dict_written_out_or_given_to_a_dict_are_read(body):
    assert gated(DICTS + f"def derivative(x, name='requires_grad', **options):\n    {body}\n") == {}


@pytest.mark.parametrize(
    "body",
    [
        'factory = {"requires_grad": True}\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    if x.is_cuda:\n        factory = {"requires_grad": True}\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype, **{"requires_grad": True}}\n    return torch.zeros(3, **factory)',
        'return torch.zeros(3, **dict(**{"requires_grad": True}))',
        'return torch.zeros(3, **dict(dtype=x.dtype, requires_grad=True))',
        'return Parameter(x, **dict(requires_grad=True))',
        'return Parameter(x, requires_grad=True)',
        'factory = {"dtype": x.dtype}\n    factory = {**factory, "requires_grad": True}\n    return torch.zeros(3, **factory)',
    ],
    ids=["named_dict", "one_of_two_bindings", "unpacked_in_the_named_dict", "dict_of_a_dict", "dict_call", "library_base", "library_base_by_name", "grown_by_rebinding"],
)
def test_a_banned_keyword_in_a_dict_written_out_gates(body):
    found = gated(DICTS + f"def derivative(x, name='requires_grad', **options):\n    {body}\n").get("derivative")
    assert found and all(use.startswith("requires_grad= (a banned keyword argument)") for use in found), found


@pytest.mark.parametrize(
    "body",
    [
        'factory = {"dtype": x.dtype}\n    factory["requires_grad"] = True\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    factory.update(options)\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    factory.setdefault(name, True)\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    fill(factory)\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    other = factory\n    other["requires_grad"] = True\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    def add():\n        factory["requires_grad"] = True\n    add()\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    factory |= options\n    return torch.zeros(3, **factory)',
        'factory = {"dtype": x.dtype}\n    if x.is_cuda:\n        factory = options\n    return torch.zeros(3, **factory)',
        'factory = dict(options)\n    return torch.zeros(3, **factory)',
        'return torch.zeros(3, **FACTORY)',
        'return torch.zeros(3, **dict(**options))',
        'return torch.zeros(3, **dict(options))',
        'return Parameter(x, **options)',
        'return Open(x, **options)',
    ],
    ids=[
        "item_set", "updated", "setdefault", "to_helper", "alias", "closure_sets", "augmented", "rebound_to_argument",
        "copied_by_dict", "module_level", "dict_of_options", "dict_of_a_positional", "library_base", "unplain_class",
    ],
)
def test_keyword_arguments_from_a_dict_that_may_change_or_reach_a_library_cannot_be_read(body):
    found = gated(DICTS + f"def derivative(x, name='requires_grad', **options):\n    {body}\n").get("derivative")
    assert found and all(use.startswith(CANNOT_READ) for use in found), found
