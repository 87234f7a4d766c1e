"""The assignment notebook, built with nbformat from the module and the config.

Cells: the intro, a set-up cell (the module's imports and otter's grader),
then per exercise its prose, its code, a `grader.check(...)` cell and, where
the config has one, a `try_it` cell that puts the function to use (a loss
curve to look at, say), as a lab would. Cell ids
are derived from the cell's place, so a release is byte-for-byte repeatable.
"""

from __future__ import annotations

import ast

import nbformat
from nbformat.notebooknode import NotebookNode

from autograder.config import AssignmentConfig

OTTER_SETUP = 'import otter\ngrader = otter.Notebook(tests_dir="tests")'


def _segments(source: str) -> tuple[str, list[tuple[str | None, str]]]:
    """The preamble (imports and constants, without the docstring) and each top-level definition."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]
    definitions = [n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    first_def = definitions[0] if definitions else None
    preamble_nodes = [n for n in body if first_def is None or n.lineno < first_def.lineno]
    preamble = "\n".join(
        "\n".join(lines[n.lineno - 1 : (n.end_lineno or n.lineno)]) for n in preamble_nodes
    )
    segments: list[tuple[str | None, str]] = []
    for node in definitions:
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        text = "\n".join(lines[start - 1 : node.end_lineno]).rstrip()
        segments.append((node.name, text))
    return preamble.strip(), segments


def build_notebook(config: AssignmentConfig, module_source: str, with_checks: bool) -> NotebookNode:
    preamble, segments = _segments(module_source)
    cells: list[NotebookNode] = [nbformat.v4.new_markdown_cell(f"# {config.title}\n\n{config.intro}")]
    setup = preamble + ("\n\n" + OTTER_SETUP if with_checks else "")
    cells.append(nbformat.v4.new_code_cell(setup.strip()))
    exercises = {e.name: e for e in config.exercises}
    for name, code in segments:
        exercise = exercises.get(name or "")
        if exercise is not None:
            cells.append(nbformat.v4.new_markdown_cell(f"## {exercise.title}\n\n{exercise.prose}"))
        cells.append(nbformat.v4.new_code_cell(code))
        if exercise is not None and with_checks:
            cells.append(nbformat.v4.new_code_cell(f'grader.check("{exercise.name}")'))
        if exercise is not None and exercise.try_it:
            cells.append(nbformat.v4.new_code_cell(exercise.try_it))
    if with_checks:
        cells.append(
            nbformat.v4.new_markdown_cell(
                "## Before you hand in\n\nRestart the kernel and run all cells, then run "
                f"`autograder check` in this folder for the score table. Hand in `{config.notebook_file}` "
                f"(or `{config.module_file}` if you worked in the module)."
            )
        )
    for index, cell in enumerate(cells):
        cell["id"] = f"{cell['cell_type']}-{index}"
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook
