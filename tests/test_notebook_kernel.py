"""The student notebook in a real Jupyter kernel: stubs filled in, every cell run."""

import shutil

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient", reason="nbclient is needed to run notebooks")
pytest.importorskip("ipykernel", reason="ipykernel is needed to run notebooks")

from conftest import COURSE  # noqa: E402

TEMPLATE = COURSE / "student_template" / "02_classification"
REFERENCE = COURSE / "reference" / "02_classification" / "classification.ipynb"


def _solved_notebook():
    student = nbformat.read(TEMPLATE / "classification.ipynb", as_version=4)
    solutions = {
        cell.source.split("(")[0]: cell.source
        for cell in nbformat.read(REFERENCE, as_version=4).cells
        if cell.cell_type == "code" and cell.source.startswith("def ")
    }
    for cell in student.cells:
        if cell.cell_type == "code" and cell.source.startswith("def "):
            cell.source = solutions[cell.source.split("(")[0]]
    return student


@pytest.mark.slow
def test_filled_in_notebook_runs_and_every_check_passes(tmp_path):
    folder = tmp_path / "02_classification"
    shutil.copytree(TEMPLATE, folder)
    notebook = _solved_notebook()
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    checks = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("grader.check(")]
    assert len(checks) == 3
    for cell in checks:
        text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert "All test cases passed" in text, text


@pytest.mark.slow
def test_untouched_notebook_fails_its_checks_with_the_stub_message(tmp_path):
    folder = tmp_path / "02_classification"
    shutil.copytree(TEMPLATE, folder)
    notebook = nbformat.read(folder / "classification.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    first_check = next(c for c in notebook.cells if c.source == 'grader.check("softmax")')
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in first_check.outputs)
    assert "softmax() is not written yet: it still raises NotImplementedError" in text
