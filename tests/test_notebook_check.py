"""The notebook's `grader.check(...)` cells: otter runs our public tests in the student's session."""

import importlib.util
import os
import shutil

import otter
import pytest

from conftest import COURSE

SAMPLES = COURSE / "assignments" / "02_classification" / "samples"


def namespace_of(path):
    spec = importlib.util.spec_from_file_location(f"sample_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


@pytest.fixture
def student_folder(tmp_path, monkeypatch):
    folder = tmp_path / "02_classification"
    shutil.copytree(COURSE / "student_template" / "02_classification", folder)
    monkeypatch.chdir(folder)
    return folder


def test_correct_work_passes_every_check(student_folder):
    grader = otter.Notebook(tests_dir="tests")
    env = namespace_of(SAMPLES / "correct_module.py")
    for exercise in ("softmax", "cross_entropy", "accuracy"):
        assert grader.check(exercise, global_env=env).grade == 1.0, exercise


def test_a_mistake_fails_its_check_with_the_teaching_message(student_folder):
    grader = otter.Notebook(tests_dir="tests")
    result = grader.check("accuracy", global_env=namespace_of(SAMPLES / "accuracy_returns_tensor.py"))
    assert result.grade < 1.0
    text = repr(result)
    assert "should return a Python float, but returned a Tensor" in text
    assert "convert a 0-dim tensor with .item()" in text


def test_undefined_function_says_which_cell_to_run(student_folder):
    grader = otter.Notebook(tests_dir="tests")
    result = grader.check("softmax", global_env={})
    assert "run the cell that defines it first" in repr(result)


def test_running_outside_the_assignment_folder_is_explained(student_folder, tmp_path):
    grader = otter.Notebook(tests_dir=str(student_folder / "tests"))
    os.chdir(tmp_path)
    result = grader.check("softmax", global_env={})
    assert "run the notebook from its assignment folder" in repr(result)
