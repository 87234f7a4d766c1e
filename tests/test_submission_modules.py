"""A folder submission's own modules: importable in the worker, from memory, never in place of torch."""

import shutil
import textwrap

import nbformat
import pytest
import torch

from autograder.check import run_check
from autograder.config import Limits
from autograder.grading.grade import grade_source, suite_dirs
from autograder.intake.discover import read_entry
from autograder.intake.source import Chunk, ModuleFile, SubmissionSource
from autograder.runner.errors import StudentException
from autograder.runner.handle import RemoteSubmission

from conftest import COURSE

LIMITS = Limits(call_timeout_s=10, load_timeout_s=30)
MODULE = "classification"
HELPERS = {
    "helpers.py": "def shift_by_max(z, dim):\n    return z - z.amax(dim, keepdim=True)\n\ndef broken():\n    return [1, 2][5]\n",
    "mypkg/__init__.py": "from .ops import double\n",
    "mypkg/ops.py": "from . import scale\n\ndef double(x):\n    return scale.times(x, 2)\n",
    "mypkg/scale.py": "def times(x, k):\n    return x * k\n",
}
MAIN = """
import os
import torch
from helpers import shift_by_max
from mypkg import double
import mypkg.ops

def softmax(logits, dim=-1):
    e = shift_by_max(logits, dim).exp()
    return e / e.sum(dim, keepdim=True)

def doubled(x):
    return double(x) + mypkg.ops.double(x)

def fail():
    import helpers
    return helpers.broken()

def files_here():
    return sorted(os.listdir("."))

def helper_file():
    import helpers
    return helpers.__file__
"""


def write(root, files):
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))


def loaded(folder):
    entry = read_entry(folder, MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource), entry
    return RemoteSubmission(entry, MODULE, LIMITS)


def test_a_module_imports_its_helper_and_its_package_from_memory(tmp_path):
    write(tmp_path / "carol", {"classification.py": MAIN, **HELPERS})
    with loaded(tmp_path / "carol") as remote:
        logits = torch.tensor([[1.0, 2.0, 3.0]])
        assert torch.allclose(remote.softmax(logits), torch.softmax(logits, -1))
        assert remote.doubled(3) == 12
        assert remote.files_here() == []
        assert remote.helper_file() == "carol/helpers.py"
        assert remote.load_report().errors == ()


def test_a_notebook_beside_a_helper_imports_it(tmp_path):
    cells = ["from helpers import shift_by_max\nimport mypkg", "def doubled(x):\n    return mypkg.double(x)\n\ndef top(z):\n    return shift_by_max(z, 0)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    write(tmp_path / "dave", {"classification.ipynb": nbformat.writes(nb), **HELPERS})
    with loaded(tmp_path / "dave") as remote:
        assert remote.doubled(5) == 10
        assert torch.equal(remote.top(torch.tensor([1.0, 4.0])), torch.tensor([-3.0, 0.0]))
        assert remote.load_report().errors == ()


def test_an_error_in_a_helper_names_the_helpers_file_and_line(tmp_path):
    write(tmp_path / "carol", {"classification.py": MAIN, **HELPERS})
    with loaded(tmp_path / "carol") as remote:
        with pytest.raises(StudentException) as info:
            remote.fail()
    assert info.value.is_a(IndexError)
    assert "carol/helpers.py, line 5, in broken: return [1, 2][5]" in str(info.value)


def test_a_syntax_error_in_a_helper_is_reported_at_the_helper(tmp_path):
    write(tmp_path / "erin", {"classification.py": "from helpers import f\ndef g():\n    return 1\n", "helpers.py": "def f(:\n"})
    with loaded(tmp_path / "erin") as remote:
        assert remote.g() == 1
        errors = remote.load_report().errors
    assert [e.type_name for e in errors] == ["SyntaxError"]
    assert errors[0].where.startswith("erin/helpers.py, line 1")


def test_helpers_named_like_real_modules_never_replace_them():
    code = "import copy\nimport torch\ndef total():\n    return torch.ones(3).sum().item() + len(copy.copy([1]))\n"
    fake = "raise RuntimeError('a student module ran instead of the real one')\n"
    modules = (ModuleFile("torch", "fay/torch.py", fake, False), ModuleFile("copy", "fay/copy.py", fake, False))
    source = SubmissionSource("fay", "fay/classification.py", "module", (Chunk("c", "classification.py", code),), modules)
    with RemoteSubmission(source, MODULE, LIMITS) as remote:
        assert remote.total() == 4.0
        assert remote.load_report().errors == ()


def test_an_intake_notice_reaches_the_result(tmp_path, classification, reference_module):
    folder = tmp_path / "gus"
    shutil.copytree(classification.samples_dir / "correct_folder", folder)
    (folder / "notes.py").write_bytes(b"# caf\xe9\n")
    entry = read_entry(folder, MODULE, classification.exercise_names)
    assert isinstance(entry, SubmissionSource)
    result = grade_source(classification, entry, suite_dirs(classification, include_hidden=False), reference_module)
    assert any(n.startswith("only classification.py was loaded") and "gus/notes.py is not UTF-8" in n for n in result.notices)
    assert result.score == result.max_score


def test_check_loads_the_modules_beside_the_checked_file(tmp_path, capsys):
    folder = tmp_path / "02_classification"
    shutil.copytree(COURSE / "student_template" / "02_classification", folder)
    solution = (COURSE / "assignments" / "02_classification" / "samples" / "correct_module.py").read_text()
    (folder / "mine.py").write_text(solution)
    (folder / "classification.py").write_text("from mine import softmax, cross_entropy, accuracy\n")
    assert run_check(folder, None) == 0, capsys.readouterr().out
