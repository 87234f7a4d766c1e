"""Running the checked definitions again after the student's code makes them the ones in force."""

import functools
import textwrap
import traceback

import pytest

from autograder.checks.static import StaticChecker
from autograder.intake.pin import pinned_definitions
from autograder.intake.source import Chunk

EXERCISES = ["softmax", "cross_entropy", "accuracy"]
BANNED_FIRST_TRY = """
import torch
def softmax(z, dim=-1):
    return torch.softmax(z, dim)
"""
FAILS_BEFORE_THE_FIX = """
raise RuntimeError("this cell stops here, as a failing notebook cell does")
def softmax(z, dim=-1):
    e = (z - z.amax(dim, keepdim=True)).exp()
    return e / e.sum(dim, keepdim=True)
"""


def cells(*sources: str) -> tuple[Chunk, ...]:
    return tuple(Chunk(f"nb.ipynb cell {i}", f"nb.ipynb, cell {i}", textwrap.dedent(s)) for i, s in enumerate(sources, start=1))


def run(chunks: tuple[Chunk, ...], namespace: dict) -> None:
    """Run chunks the way the worker runs notebook cells: the names a chunk clears removed, then the
    chunk whole, stopping at its first error."""
    for chunk in chunks:
        for name in chunk.clears:
            namespace.pop(name, None)
        try:
            exec(compile(chunk.source, chunk.filename, "exec"), namespace)
        except Exception:  # noqa: BLE001  (a failing cell is what the test is about)
            continue


def test_the_pinned_definition_replaces_an_earlier_one_left_in_force_by_a_failing_cell():
    chunks = cells(BANNED_FIRST_TRY, FAILS_BEFORE_THE_FIX)
    namespace: dict = {"functools": functools}
    run(chunks, namespace)
    assert namespace["softmax"].__code__.co_filename == "nb.ipynb, cell 1"
    assert StaticChecker(["torch.softmax"]).check(chunks, ["softmax"]).gating == {}

    run(pinned_definitions(chunks, EXERCISES), namespace)
    code = namespace["softmax"].__code__
    assert (code.co_filename, code.co_firstlineno) == ("nb.ipynb, cell 2", 3)


def test_one_chunk_per_cell_that_holds_a_definition_in_order_with_the_same_file_names():
    chunks = cells("def accuracy(o, t):\n    return 1.0\n", "x = 1\n", FAILS_BEFORE_THE_FIX, "def cross_entropy(l, t):\n    return l\n")
    pinned = pinned_definitions(chunks, EXERCISES)
    assert [c.filename for c in pinned] == ["nb.ipynb, cell 1", "nb.ipynb, cell 3", "nb.ipynb, cell 4"]
    assert pinned[0].clears == ("accuracy", "cross_entropy", "softmax") and pinned[1].clears == pinned[2].clears == ()
    assert pinned[1].source.splitlines()[2] == "def softmax(z, dim=-1):"
    assert pinned[1].source.splitlines()[:2] == ["", ""]


def test_a_definition_that_fails_to_run_again_leaves_its_exercise_missing_not_an_earlier_one():
    chunks = cells(BANNED_FIRST_TRY, "@not_defined_anywhere\ndef softmax(z, dim=-1):\n    return z\n")
    namespace: dict = {}
    run(chunks, namespace)
    assert namespace["softmax"].__code__.co_filename == "nb.ipynb, cell 1"
    run(pinned_definitions(chunks, EXERCISES), namespace)
    assert "softmax" not in namespace


def test_a_decorated_definition_nested_in_blocks_runs_again_with_its_decorators_and_lines():
    nested = """
    import functools
    1 / 0
    try:
        if True:
            @functools.lru_cache(maxsize=None)
            def accuracy(n):
                '''a docstring whose lines
    start at the margin'''
                return float(n)
        with open(__file__ if False else "/dev/null"):
            pass
    except ImportError:
        pass
    else:
        def cross_entropy(l, t):
            raise ValueError("boom")
    """
    chunks = cells("def accuracy(n):\n    return -1.0\ndef cross_entropy(l, t):\n    return 0\n", nested)
    namespace: dict = {}
    run(chunks, namespace)
    assert namespace["accuracy"](3) == -1.0
    pinned = pinned_definitions(chunks, EXERCISES)
    run(pinned, namespace)
    assert namespace["accuracy"](3) == 3.0
    assert namespace["accuracy"].cache_info().currsize == 1
    assert namespace["accuracy"].__wrapped__.__code__.co_firstlineno == 6
    with pytest.raises(ValueError) as raised:
        namespace["cross_entropy"](1, 2)
    last = traceback.extract_tb(raised.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == ("nb.ipynb, cell 2", 17)


def test_adjacent_definitions_in_one_block_share_its_header():
    source = "if 1 / 0:\n    def softmax(z):\n        return z\n    def accuracy(o, t):\n        return 1.0\n"
    pinned = pinned_definitions(cells(source), EXERCISES)
    assert pinned[0].source.splitlines() == ["if True:", "    def softmax(z):", "        return z", "    def accuracy(o, t):", "        return 1.0"]


def test_only_definitions_are_pinned():
    chunks = cells("import torch\ndef softmax(z, dim=-1):\n    return z\nsoftmax = torch.softmax\ncross_entropy = lambda l, t: l\n", "def broken(:\n")
    assert pinned_definitions(chunks, EXERCISES) == ()


def test_an_import_of_the_students_own_definition_is_run_again():
    chunks = cells("def softmax(z, dim=-1):\n    return z\n", "from helpers import softmax\n")
    pinned = pinned_definitions(chunks, EXERCISES)
    assert [(c.filename, c.source) for c in pinned] == [("nb.ipynb, cell 2", "from helpers import softmax\n")]


def test_a_module_submission_is_one_chunk_and_pins_each_last_definition():
    module = (Chunk("classification.py", "classification.py", "def softmax(z):\n    return 1\n\ndef softmax(z):\n    return 2\n"),)
    pinned = pinned_definitions(module, EXERCISES)
    namespace: dict = {}
    run(pinned, namespace)
    assert namespace["softmax"](0) == 2
    assert namespace["softmax"].__code__.co_firstlineno == 4
