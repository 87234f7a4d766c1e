"""assignment.toml validation: every mistake names the file and the key."""

import pytest

from autograder.config import load_config
from autograder.errors import UsageError

MINIMAL = """
module = "m"
[exercises.f]
title = "F"
[points]
test_f = 1
"""


def write(tmp_path, text):
    (tmp_path / "assignment.toml").write_text(text)
    return tmp_path


def test_minimal_config_has_sensible_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.module_file == "m.py" and config.exercise_names == ("f",)
    assert config.banned_in == ("f",) and config.limits.call_timeout_s == 10
    assert config.points_for("test_f") == 1.0


@pytest.mark.parametrize(
    "text, message",
    [
        ("module = ", "not valid TOML"),
        ("[exercises.f]\n[points]\n", "missing key `module`"),
        (MINIMAL + "[limits]\ncpu = 3\n", r"\[limits\]: unknown keys \['cpu'\]"),
        (MINIMAL.replace("test_f = 1", "test_f = -1"), "`test_f` must be a number >= 0"),
        (MINIMAL + "[banned]\nexercises = ['g']\n", r"\[banned\]: unknown exercises \['g'\]"),
        (MINIMAL + "[samples.s]\nfile = 's.py'\nloses = ['g']\n", r"\[samples.s\]: unknown exercises"),
        (MINIMAL + "[grading]\nhidden_visibility = 'sometimes'\n", "hidden_visibility must be one of"),
    ],
)
def test_mistakes_are_usage_errors_naming_the_file(tmp_path, text, message):
    with pytest.raises(UsageError, match=message) as info:
        load_config(write(tmp_path, text))
    assert "assignment.toml" in str(info.value)


def test_missing_points_for_a_test_is_explained(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    with pytest.raises(UsageError, match=r"no points for test `test_g`; add `test_g = <points>` under \[points\]"):
        config.points_for("test_g")


def test_folder_without_config_is_not_an_assignment(tmp_path):
    with pytest.raises(UsageError, match="not an assignment folder"):
        load_config(tmp_path)
