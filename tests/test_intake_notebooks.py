"""Notebooks no student could have saved from Jupyter: each is read, or refused with a reason, never a crash."""

import json

import pytest

from autograder.intake import notebook as nb_module
from autograder.intake.discover import Rejected, SubmissionSource, read_entry
from autograder.intake.notebook import MAX_CELLS, NotebookError, notebook_chunks

MODULE = "classification"


def cell(source, cell_type="code"):
    return {"cell_type": cell_type, "metadata": {}, "source": source, "outputs": [], "execution_count": None}


def notebook_text(*cells, **extra) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **extra})


def rejected(tmp_path, text: str) -> str:
    (tmp_path / "eve.ipynb").write_text(text)
    entry = read_entry(tmp_path / "eve.ipynb", MODULE)
    assert isinstance(entry, Rejected), entry
    assert entry.student == "eve" and entry.origin == "eve.ipynb"
    return entry.reason


def test_json_nested_past_the_recursion_limit_is_not_a_valid_notebook(tmp_path):
    reason = rejected(tmp_path, '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert reason == "eve.ipynb is not a valid notebook (its JSON is nested too deeply); open it in Jupyter and save it again"


def test_a_number_too_long_to_convert_is_not_a_valid_notebook(tmp_path):
    reason = rejected(tmp_path, '{"cells": [], "nbformat": ' + "9" * 10_000 + "}")
    assert reason == "eve.ipynb is not a valid notebook (it holds a number too long to read); open it in Jupyter and save it again"


@pytest.mark.parametrize("source", [5, None, {"a": 2}, [1, None, {"a": 2}], ["x = 1\n", 2]])
def test_a_code_cell_whose_source_is_not_text_rejects_the_notebook_naming_the_cell(tmp_path, source):
    reason = rejected(tmp_path, notebook_text(cell("# notes", "markdown"), cell(source)))
    assert reason == "eve.ipynb cell 2 has a source that is not text; re-create that cell in Jupyter and save the notebook again"


def test_text_that_is_not_valid_unicode_rejects_the_notebook(tmp_path):
    reason = rejected(tmp_path, notebook_text(cell("x = '\ud800'\n")))
    assert reason == "eve.ipynb cell 1 holds text that is not valid Unicode; re-create that cell in Jupyter and save the notebook again"


def test_cells_that_cannot_hold_code_are_passed_over_and_the_rest_is_read():
    cells = [1, None, "x = 1", ["y = 2"], {"cell_type": ["code"], "source": "z = 3"}, cell(7, "markdown"), {"cell_type": "code"}, cell("a = 1\n")]
    chunks = notebook_chunks(notebook_text(*cells, metadata=[1, 2]), "hw.ipynb")
    assert [(c.label, c.source) for c in chunks] == [("hw.ipynb cell 8", "a = 1\n")]


@pytest.mark.parametrize(
    "data",
    [[1, 2], "cells", {"cells": {"a": 1}}, {"worksheets": [1]}, {"worksheets": [{"cells": 5}]}, {"worksheets": "x"}, {"worksheets": []}],
)
def test_a_notebook_without_a_list_of_cells_is_rejected(tmp_path, data):
    assert rejected(tmp_path, json.dumps(data)) == "eve.ipynb has no list of cells; save it again from Jupyter"


def test_an_old_worksheet_notebook_is_read_from_its_input_fields():
    old = {
        "nbformat": 3,
        "worksheets": [
            {"cells": [{"cell_type": "markdown", "source": "# notes"}, {"cell_type": "code", "input": ["%matplotlib inline\n", "a = 1\n"]}]},
            {"cells": [{"cell_type": "code", "input": "def softmax(z):\n    return z\n"}]},
        ],
    }
    chunks = notebook_chunks(json.dumps(old), "old.ipynb")
    assert [c.label for c in chunks] == ["old.ipynb cell 2", "old.ipynb cell 3"]
    assert "run_line_magic('matplotlib', 'inline')" in chunks[0].source
    assert chunks[1].source == "def softmax(z):\n    return z\n"


def test_more_cells_than_the_grader_reads_rejects_the_notebook(tmp_path):
    reason = rejected(tmp_path, notebook_text(*[cell("")] * (MAX_CELLS + 1)))
    assert reason == f"eve.ipynb has {MAX_CELLS + 1} cells, more than the {MAX_CELLS} the grader reads; hand in a shorter notebook"


def test_thousands_of_stacked_timing_magics_are_read_in_one_pass_on_the_same_lines():
    source = "%%time\n" * 5000 + "%%capture out\ndef softmax(z):\n    return z\n"
    (chunk,) = notebook_chunks(notebook_text(cell(source)), "hw.ipynb")
    lines = chunk.source.splitlines()
    assert len(lines) == 5003 and lines[:2] == ["# %%time", "# %%time"] and lines[5000] == "# %%capture out"
    assert lines[5001:] == ["def softmax(z):", "    return z"]
    compile(chunk.source, chunk.filename, "exec")


def test_rewriting_stops_at_the_budget_and_later_cells_are_kept_as_written(monkeypatch):
    """IPython re-reads the whole cell for each magic: this notebook would take minutes without a budget."""
    monkeypatch.setattr(nb_module, "TRANSFORM_BUDGET", 100_000)
    heavy = "!ls\n" * 600 + "x = 1\n" * 20_000
    first, big, last = notebook_chunks(notebook_text(cell("%time y = 2\n"), cell(heavy), cell("%matplotlib inline\n")), "hw.ipynb")
    assert "run_line_magic('time', 'y = 2')" in first.source
    assert big.source == heavy and last.source == "%matplotlib inline\n"


def test_notebook_errors_are_value_errors_with_the_reason():
    with pytest.raises(NotebookError, match="hw.ipynb is not a valid notebook"):
        notebook_chunks("[" * 50_000, "hw.ipynb")


def test_a_notebook_of_many_ordinary_cells_is_read_whole(tmp_path):
    cells = [cell(f"%time x{i} = {i}\n") for i in range(2000)]
    (tmp_path / "ann.ipynb").write_text(notebook_text(*cells))
    entry = read_entry(tmp_path / "ann.ipynb", MODULE)
    assert isinstance(entry, SubmissionSource) and len(entry.chunks) == 2000
    assert all("run_line_magic('time'" in c.source for c in entry.chunks)
