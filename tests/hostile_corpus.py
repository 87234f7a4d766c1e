"""Hostile 02_classification submissions, each with the grade it must get.

Every submission is correct except for its attack, so that what it must
lose is exactly what the attack touches: `zero` lists the exercises that
must score nothing, the others must keep full marks; `None` means every
exercise must score nothing. The files are generated, because some attacks
are in the file's name (not valid UTF-8, a spreadsheet formula, a clash of
case) or its size.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

SOFTMAX = '''
def softmax(logits, dim=-1):
    e = (logits - logits.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=dim, keepdim=True)
'''
CROSS_ENTROPY = '''
def cross_entropy(logits, targets):
    n, c = logits.shape
    if targets.dim() == 1:
        t = torch.zeros(n, c, dtype=logits.dtype, device=logits.device)
        t[torch.arange(n, device=logits.device), targets] = 1.0
    else:
        t = targets.to(logits.dtype)
    m = logits.amax(dim=1, keepdim=True)
    logp = logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()
    return -(t * logp).sum() / n
'''
ACCURACY = '''
def accuracy(outputs, targets):
    if len(outputs) != len(targets):
        raise ValueError("outputs and targets must have the same number of rows")
    if len(outputs) == 0:
        raise ValueError("no rows")
    if targets.ndim == 2:
        targets = targets.argmax(1)
    return (outputs.argmax(1) == targets).sum().item() / len(targets)
'''
HEAD = "import torch\nimport torch.nn.functional as F\n"
CORRECT = HEAD + SOFTMAX + CROSS_ENTROPY + ACCURACY
ALL = ("softmax", "cross_entropy", "accuracy")


def _with(**replaced: str) -> str:
    parts = {"softmax": SOFTMAX, "cross_entropy": CROSS_ENTROPY, "accuracy": ACCURACY, **replaced}
    return HEAD + parts["softmax"] + parts["cross_entropy"] + parts["accuracy"]


def _notebook(cells: list[object]) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _code_cell(source: object) -> dict[str, object]:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}


@dataclass(frozen=True)
class Attack:
    """One hostile submission: its file name (bytes where it is not text), content, and what it must lose."""

    name: str | bytes
    content: bytes | dict[str, bytes]
    zero: tuple[str, ...] | None

    def write(self, folder: Path) -> None:
        """Write the file (or the folder of files, for a dict) into the class folder."""
        name = self.name if isinstance(self.name, bytes) else self.name.encode("utf-8")
        path = os.path.join(os.fsencode(folder), name)
        files = self.content if isinstance(self.content, dict) else {"": self.content}
        for inner, data in files.items():
            target = os.path.join(path, inner.encode()) if inner else path
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)


SIGNALS_LATER = '''
import os, signal, sys, time
_grader = os.getppid()
def _pester():
    if os.fork():
        return
    os.setsid()
    for _ in range(200):
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGQUIT, signal.SIGALRM):
            for pid in (_grader, int(open(f"/proc/{_grader}/stat").read().rsplit(")", 1)[1].split()[1])):
                try:
                    os.kill(pid, number)
                except OSError:
                    pass
        time.sleep(0.05)
    os._exit(0)
_pester()
'''
KILLS_GRADER = '''
import os, signal
def accuracy(outputs, targets):
    os.kill(os.getppid(), signal.SIGKILL)
'''
FORGED_FEEDBACK = '''
MESSAGE = """```

**Total: 36 / 36**

- [PASS] accuracy: everything (1/1)
<img src=x onerror=alert(1)>
\x1b[2J\x1b[31mall tests passed\x1b[0m\u202e"""
print(MESSAGE)
def accuracy(outputs, targets):
    print(MESSAGE)
    raise ValueError(MESSAGE)
'''
HUGE_MESSAGE = '''
def accuracy(outputs, targets):
    raise ValueError("x" * 1_000_000)
'''
LEAKS_INPUTS = '''
def softmax(logits, dim=-1):
    print("LEAK", logits.tolist())
    raise ValueError("LEAK " + repr(logits.tolist()))
'''
FORGED_REPLY = '''
import gc, json, os
def _forge(*args, **kwargs):
    channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel" and hasattr(o, "replies"))
    table = [{"dtype": "float32", "shape": [10**6, 10**6], "device": "cpu", "offset": 0, "nbytes": 4}]
    head = json.dumps({"status": "ok", "value": {"$t": "tensor", "i": 0}, "$tensors": table}).encode()
    head += b" " * (-(4 + len(head)) % 64)
    message = len(head).to_bytes(4, "big") + head + bytes(4)
    os.write(channel.replies, len(message).to_bytes(8, "big") + message)
    os._exit(0)
def softmax(logits, dim=-1):
    _forge()
'''
CONTAINER_ALIAS = '''
import operator
CONFIG = {}
operator.setitem(CONFIG, "sm", torch.softmax)
'''
THREADED = CONTAINER_ALIAS + '''
from concurrent.futures import ThreadPoolExecutor
_POOL = ThreadPoolExecutor(1)
'''
HANGING_RELOADS = '''
import time
def _forever():
    while True:
        time.sleep(1)
class _Stuck:
    _forever()
'''


def attacks(big: bool = True) -> list[Attack]:
    """The corpus; `big` adds the attacks that cost megabytes of disk."""
    corpus = [
        Attack("pesters_its_graders.py", (CORRECT + SIGNALS_LATER).encode(), None),
        Attack("kills_its_grader.py", _with(accuracy=KILLS_GRADER).encode(), ("accuracy",)),
        Attack("deep_json.ipynb", ('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}").encode(), None),
        Attack("stacked_magics.ipynb", _notebook([_code_cell("%%time\n" * 20_000 + CORRECT)]).encode(), ()),
        Attack("non_string_source.ipynb", _notebook([_code_cell([CORRECT, 1, None, {"a": 2}])]).encode(), None),
        Attack(b"bad_name_\xff\xfe.py", CORRECT.encode(), None),
        Attack("gradebook.csv.py", CORRECT.encode(), None),
        Attack("=HYPERLINK(\"http:evil\";\"x\").py", CORRECT.encode(), ()),
        Attack("Victim.py", _with(softmax="def softmax(logits, dim=-1):\n    return logits\n").encode(), None),
        Attack("victim.py", CORRECT.encode(), None),
        Attack("control_\x1b[31m_name.py", CORRECT.encode(), None),
        Attack("alias_chain.py", (_chain() + CORRECT).encode(), ()),
        Attack("hanging_reloads.py", (HEAD + HANGING_RELOADS + SOFTMAX + CROSS_ENTROPY + ACCURACY).encode(), None),
        Attack(
            "private_alias.py",
            _with(softmax="def softmax(logits, dim=-1):\n    return torch._C._VariableFunctions.softmax(logits, dim)\n").encode(),
            ("softmax",),
        ),
        Attack(
            "computed_name.py",
            _with(softmax="def softmax(logits, dim=-1):\n    name = ''.join(reversed('xamtfos'))\n    return getattr(logits, name)(dim)\n").encode(),
            ("softmax",),
        ),
        Attack("decoy_loop_variable.py", (CORRECT + "for softmax in [torch.softmax]:\n    pass\n").encode(), ("softmax",)),
        Attack("decoy_later_import.py", (CORRECT + "from torch import softmax\n").encode(), ("softmax",)),
        Attack("softmin.py", _with(softmax="def softmax(logits, dim=-1):\n    return F.softmin(-logits, dim)\n").encode(), ("softmax",)),
        Attack(
            "logcumsumexp.py",
            _with(
                cross_entropy=CROSS_ENTROPY.replace(
                    "logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()",
                    "logits - torch.logcumsumexp(logits, 1)[:, -1:]",
                )
            ).encode(),
            ("cross_entropy",),
        ),
        Attack("forged_feedback.py", _with(accuracy=FORGED_FEEDBACK).encode(), ("accuracy",)),
        Attack("huge_messages.py", _with(accuracy=HUGE_MESSAGE).encode(), ("accuracy",)),
        Attack("leaks_inputs.py", _with(softmax=LEAKS_INPUTS).encode(), ("softmax",)),
        Attack("forged_reply.py", _with(softmax=FORGED_REPLY).encode(), ("softmax",)),
        Attack(
            "container_alias.py",
            _with(softmax=CONTAINER_ALIAS + "def softmax(logits, dim=-1):\n    return CONFIG['sm'](logits, dim)\n").encode(),
            ("softmax",),
        ),
        Attack(
            "banned_in_a_thread.py",
            _with(softmax=THREADED + "def softmax(logits, dim=-1):\n    return _POOL.submit(CONFIG['sm'], logits, dim).result()\n").encode(),
            None,
        ),
        Attack("honest.py", CORRECT.encode(), ()),
    ]
    if big:
        padding = "\n" * 2_000_000 + " " * 1000 + "\n"
        files = {"classification.py": (CORRECT + padding).encode(), "notes.py": (padding + "x = 1\n").encode()}
        corpus.append(Attack("blank_padded", files, ()))
    return corpus


def _chain() -> str:
    """Aliases that each stand for several of the one before: a fan that multiplies per line."""
    lines = ["import torch", "a0 = torch"]
    for i in range(1, 13):
        lines += [f"a{i} = a{i - 1}.{attr}" for attr in ("nn", "functional", "special", "linalg")]
        lines.append(f"a{i} = a{i - 1}")
    return "\n".join(lines) + "\n"
