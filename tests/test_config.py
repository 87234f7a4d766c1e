"""assignment.toml validation: every mistake names the file and the key."""

import pytest

from autograder.config import Limits, Sample, load_config
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
        ("modle = 'm'\n" + MINIMAL, r"assignment.toml: unknown keys \['modle'\]; known: \[.*'module'"),
        (MINIMAL.replace('"m"', "3"), r"assignment.toml module: must be a string, got 3"),
        (MINIMAL.replace('"m"', '"not-an-identifier"'), r"module: must be a Python name.*got 'not-an-identifier'"),
        (MINIMAL.replace('"m"', '"class"'), r"module: must be a Python name"),
        ("title = 1\n" + MINIMAL, r"assignment.toml title: must be a string, got 1"),
        ("intro = ['x']\n" + MINIMAL, r"assignment.toml intro: must be a string, got \['x'\]"),
        ("name = 2\n" + MINIMAL, r"assignment.toml name: must be a string, got 2"),
        ("name = '../elsewhere'\n" + MINIMAL, r"assignment.toml name: must be a plain folder name"),
        ("limits = 3\n" + MINIMAL, r"\[limits\]: must be a table, got 3"),
        (MINIMAL + "[limits]\ncall_timeout_s = 'ten'\n", r"\[limits\] call_timeout_s: must be a number of seconds > 0, got 'ten'"),
        (MINIMAL + "[limits]\ncall_timeout_s = {s = 1}\n", r"\[limits\] call_timeout_s: must be a number of seconds > 0, got \{'s': 1\}"),
        (MINIMAL + "[limits]\ncall_timeout_s = true\n", r"\[limits\] call_timeout_s: must be a number of seconds > 0, got True"),
        (MINIMAL + "[limits]\nload_timeout_s = 0\n", r"\[limits\] load_timeout_s: must be a number of seconds > 0, got 0"),
        (MINIMAL + "[limits]\nload_timeout_s = -1.5\n", r"\[limits\] load_timeout_s: must be a number of seconds > 0, got -1.5"),
        (MINIMAL + "[limits]\nload_timeout_s = inf\n", r"\[limits\] load_timeout_s: must be a number of seconds > 0, got inf"),
        (MINIMAL + "[limits]\nload_timeout_s = nan\n", r"\[limits\] load_timeout_s: must be a number of seconds > 0, got nan"),
        (MINIMAL + "[limits]\noutput_limit_bytes = 1.5\n", r"\[limits\] output_limit_bytes: must be a whole number > 0, got 1.5"),
        (MINIMAL + "[limits]\noutput_limit_bytes = true\n", r"\[limits\] output_limit_bytes: must be a whole number > 0, got True"),
        (MINIMAL + "[limits]\nmax_failures_per_function = 0\n", r"\[limits\] max_failures_per_function: must be a whole number > 0"),
        ('module = "m"\nexercises = {}\n[points]\n', r"\[exercises\]: no exercises"),
        ('module = "m"\nexercises = 1\n[points]\n', r"\[exercises\]: must be a table, got 1"),
        ('module = "m"\n[exercises]\nf = 1\n[points]\n', r"\[exercises.f\]: must be a table, got 1"),
        (MINIMAL.replace('title = "F"', "title = 2"), r"\[exercises.f\] title: must be a string, got 2"),
        (MINIMAL.replace('title = "F"', "prose = ['p']"), r"\[exercises.f\] prose: must be a string"),
        (MINIMAL.replace('title = "F"', "titel = 'F'"), r"\[exercises.f\]: unknown keys \['titel'\]; known: \['prose', 'title', 'try_it'\]"),
        (MINIMAL.replace("[exercises.f]", '[exercises."my-f"]'), r"\[exercises.my-f\]: must be a Python name"),
        ('module = "m"\npoints = 3\n[exercises.f]\n', r"\[points\]: must be a table, got 3"),
        (MINIMAL.replace("test_f = 1", "test_f = true"), r"`test_f` must be a number >= 0, got True"),
        (MINIMAL.replace("test_f = 1", "test_f = '1'"), r"`test_f` must be a number >= 0, got '1'"),
        (MINIMAL.replace("test_f = 1", "test_f = {p = 1}"), r"`test_f` must be a number >= 0, got \{'p': 1\}"),
        (MINIMAL.replace("test_f = 1", "test_f = nan"), r"`test_f` must be a number >= 0, got nan"),
        (MINIMAL.replace("test_f = 1", "test_f = inf"), r"`test_f` must be a number >= 0, got inf"),
        ("grading = 'hidden'\n" + MINIMAL, r"\[grading\]: must be a table, got 'hidden'"),
        (MINIMAL + "[grading]\nvisibility = 'hidden'\n", r"\[grading\]: unknown keys \['visibility'\]"),
        ("banned = ['torch.softmax']\n" + MINIMAL, r"\[banned\]: must be a table"),
        (MINIMAL + "[banned]\napis = 'torch.softmax'\n", r"\[banned\] apis: must be a list of strings, got 'torch.softmax'"),
        (MINIMAL + "[banned]\nexercises = [1]\n", r"\[banned\] exercises: must be a list of strings, got \[1\]"),
        (MINIMAL + "[banned]\napi = []\n", r"\[banned\]: unknown keys \['api'\]; known: \['apis', 'exercises'\]"),
        ("samples = 1\n" + MINIMAL, r"\[samples\]: must be a table, got 1"),
        (MINIMAL + "[samples]\ns = 's.py'\n", r"\[samples.s\]: must be a table, got 's.py'"),
        (MINIMAL + "[samples.s]\nfile = 's.py'\nlose = ['f']\n", r"\[samples.s\]: unknown keys \['lose'\]; known: .*'scores_zero'"),
        (MINIMAL + "[samples.s]\nloses = ['f']\n", r"\[samples.s\]: missing key `file`"),
        (MINIMAL + "[samples.s]\nfile = 1\n", r"\[samples.s\] file: must be a string, got 1"),
        (MINIMAL + "[samples.s]\nfile = 's.py'\nloses = 'f'\n", r"\[samples.s\] loses: must be a list of strings"),
        (MINIMAL + "[samples.s]\nfile = 's.py'\nscores_zero = 'f'\n", r"\[samples.s\] scores_zero: must be a list of strings"),
        (MINIMAL + "[samples.s]\nfile = 's.py'\nloses = ['f']\nscores_zero = ['g']\n", r"\[samples.s\]: unknown exercises \['g'\]"),
        (MINIMAL + "[samples.s]\nfile = 's.py'\nscores_zero = ['f']\n", r"\[samples.s\]: scores_zero \['f'\] must also be listed in loses"),
    ],
)
def test_mistakes_are_usage_errors_naming_the_file(tmp_path, text, message):
    with pytest.raises(UsageError, match=message) as info:
        load_config(write(tmp_path, text))
    assert "assignment.toml" in str(info.value)
    assert "\n" not in str(info.value), "a config mistake is reported in one line"


def test_limits_keep_the_values_as_written(tmp_path):
    config = load_config(write(tmp_path, MINIMAL + "[limits]\ncall_timeout_s = 2.5\nload_timeout_s = 30\noutput_limit_bytes = 100\n"))
    assert config.limits == Limits(call_timeout_s=2.5, load_timeout_s=30, output_limit_bytes=100, max_failures_per_function=2)
    assert isinstance(config.limits.load_timeout_s, int)


def test_sample_lists_the_exercises_it_must_score_zero_on(tmp_path):
    text = MINIMAL + "[exercises.g]\n[samples.s]\nfile = 's.py'\nloses = ['f', 'g']\nscores_zero = ['g']\n"
    config = load_config(write(tmp_path, text))
    assert config.samples["s"] == Sample(file="s.py", loses=("f", "g"), scores_zero=("g",))
    assert load_config(write(tmp_path, MINIMAL + "[samples.t]\nfile = 't.py'\n")).samples["t"].scores_zero == ()


def test_missing_points_for_a_test_is_explained(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    with pytest.raises(UsageError, match=r"no points for test `test_g`; add `test_g = <points>` under \[points\]"):
        config.points_for("test_g")


def test_folder_without_config_is_not_an_assignment(tmp_path):
    with pytest.raises(UsageError, match="not an assignment folder"):
        load_config(tmp_path)
