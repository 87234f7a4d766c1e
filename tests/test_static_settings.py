"""Changes to library state: settings are honest, a change a graded function can reach is not."""

from __future__ import annotations

import textwrap

from autograder.checks.static import StaticChecker
from autograder.intake.source import Chunk

BANNED = ("torch.*softmax*", "torch.*logsumexp*", "Tensor.softmax")
EXERCISES = ("softmax", "accuracy")
CLEAN = """
def softmax(z, dim=-1):
    e = (z - z.amax(dim, keepdim=True)).exp()
    return e / e.sum(dim, keepdim=True)

def accuracy(outputs, targets):
    return (outputs.argmax(1) == targets).float().mean().item()
"""


def gated(top: str, body: str = CLEAN) -> set[str]:
    code = "import torch\nimport numpy as np\nimport pandas as pd\n" + textwrap.dedent(top) + body
    return set(StaticChecker(BANNED).check([Chunk("hw.py", "hw.py", code)], EXERCISES).gating)


def test_a_torch_setting_set_from_a_variable_is_honest():
    assert gated("use_fast = torch.cuda.is_available()\ntorch.backends.cudnn.benchmark = use_fast\n") == set()


def test_a_display_option_of_another_library_is_honest():
    assert gated("pd.options.display.float_format = '{:.2f}'.format\n") == set()


def test_replacing_a_torch_function_gates_everything():
    assert gated("def fast_exp(z):\n    return z.exp()\ntorch.exp = fast_exp\n") == set(EXERCISES)
    assert gated("def fast_exp(z):\n    return z.exp()\ntorch.Tensor.exp = fast_exp\n") == set(EXERCISES)


def test_replacing_a_function_of_another_library_gates_the_code_that_uses_it():
    body = CLEAN.replace("e = (z - z.amax(dim, keepdim=True)).exp()", "e = np.exp(z - z.amax(dim, keepdim=True))")
    top = "def shortcut(z):\n    return torch.softmax(z, -1)\nnp.exp = shortcut\n"
    assert gated(top, body) == {"softmax"}
