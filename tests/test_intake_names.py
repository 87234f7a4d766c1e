"""Student names come from file names students chose: each is shown safely, refused with a reason when it
cannot be told apart or collides with the grader's output, and gets an output folder of its own."""

import os
import re
import unicodedata

import pytest

from autograder.intake import discover as discover_module
from autograder.intake.discover import Candidate, Rejected, Skipped, discover, read_entry, scan
from autograder.intake.students import RESERVED_NAMES, clash_key, folder_for, printable

MODULE = "classification"
GOOD = "def softmax(z, dim=-1):\n    return z\n"
RENAME = "rename it with letters, digits, '-' and '_' only, and hand it in again"


def touch(folder, *names, text=GOOD):
    for name in names:
        path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else os.fsencode(name))
        with open(path, "w") as handle:
            handle.write(text)


def by_student(entries):
    return {e.student: e for e in entries}


def test_a_file_name_that_is_not_utf8_is_refused_under_a_printable_name(tmp_path):
    touch(tmp_path, b"caf\xe9.py", b"ok.py")
    entries, _ = scan(tmp_path)
    assert set(by_student(entries)) == {"caf\\xe9", "ok"}
    refused = by_student(entries)["caf\\xe9"]
    assert refused == Rejected("caf\\xe9", "caf\\xe9.py", f"the name of caf\\xe9.py is not valid UTF-8 text; {RENAME}")
    for text in (refused.student, refused.origin, refused.reason):
        text.encode("utf-8")


@pytest.mark.parametrize(
    ("name", "student", "shown"),
    [
        ("\x1b[31mred.py", "\\x1b[31mred", "\\x1b"),
        ("a\rb.py", "a\\x0db", "\\x0d"),
        ("a\nb.ipynb", "a\\x0ab", "\\x0a"),
        ("\u202egpj.py", "\\u202egpj", "\\u202e"),
        ("a\u200bb.py", "a\\u200bb", "\\u200b"),
        ("tab\there\x7f.py", "tab\\x09here\\x7f", "\\x09, \\x7f"),
    ],
)
def test_a_name_with_control_or_invisible_characters_is_refused_with_them_escaped(tmp_path, name, student, shown):
    touch(tmp_path, name)
    (entry,), _ = scan(tmp_path)
    assert entry.student == student and entry.student.isprintable()
    assert entry.reason == f"the name of {printable(name)} holds control or invisible characters ({shown}); {RENAME}"


def test_read_entry_names_and_refuses_students_as_scan_does(tmp_path):
    touch(tmp_path, "\x1bx.py", "alice.py")
    assert read_entry(tmp_path / "\x1bx.py", MODULE) == scan(tmp_path)[0][0]
    assert read_entry(tmp_path / "alice.py", MODULE).student == "alice"


def test_printable_escapes_are_one_to_one():
    names = ["a\x9b", "a" + os.fsdecode(b"\x9b"), "a\\x9b", "a\\\\x9b", "a\x1b", "a\\x1b", "a\u202e", "a\\u202e", "a b"]
    shown = [printable(n) for n in names]
    assert shown == ["a\\u009b", "a\\x9b", "a\\\\x9b", "a\\\\\\\\x9b", "a\\x1b", "a\\\\x1b", "a\\u202e", "a\\\\u202e", "a b"]
    assert len(set(shown)) == len(names)


@pytest.mark.parametrize("name", ["gradebook.csv.py", "Gradebook.CSV.ipynb", "report.md.zip", "REPORT.HTML.py", "class_report.md.py", "_grader"])
def test_a_student_named_like_the_graders_own_output_is_refused(tmp_path, name):
    (tmp_path / name).mkdir() if "." not in name else touch(tmp_path, name)
    (entry,), _ = scan(tmp_path)
    assert isinstance(entry, Rejected)
    assert entry.reason == f"{name} would be graded as {entry.student}, a name the grader uses for its own output; {RENAME}"
    assert folder_for(entry.student).casefold() not in RESERVED_NAMES


def test_names_that_differ_only_in_case_refuse_both_and_name_both(tmp_path):
    touch(tmp_path, "Victim.py", "victim.py", "alice.py")
    entries, _ = scan(tmp_path)
    reason = (
        "the names of Victim.py, victim.py differ only in letter case, Unicode form or surrounding spaces, so one "
        "student's results could be taken for another's; rename all but one and hand them in again"
    )
    assert entries == [Rejected("Victim", "Victim.py", reason), Candidate("alice", tmp_path / "alice.py"), Rejected("victim", "victim.py", reason)]


def test_names_that_differ_only_in_unicode_form_or_spaces_refuse_all_of_them(tmp_path):
    composed, decomposed = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")
    touch(tmp_path, f"{composed}.py", f"{decomposed}.ipynb", "JOSÉ .py", "ｊｏｓｅ.py")
    entries, _ = scan(tmp_path)
    assert len(entries) == 4 and all(isinstance(e, Rejected) and "differ only in letter case" in e.reason for e in entries[:3])
    assert entries[3] == Candidate("ｊｏｓｅ", tmp_path / "ｊｏｓｅ.py")  # fullwidth "jose", without the accent
    assert len({folder_for(e.student).casefold() for e in entries}) == 4


def test_a_case_clash_takes_precedence_over_a_plain_duplicate(tmp_path):
    touch(tmp_path, "bob.py", "bob.ipynb", "Bob.py")
    entries, _ = scan(tmp_path)
    assert [(e.student, e.origin) for e in entries] == [("Bob", "Bob.py"), ("bob", "bob.ipynb, bob.py")]
    assert all(isinstance(e, Rejected) and "Bob.py, bob.ipynb, bob.py differ only in letter case" in e.reason for e in entries)


def test_duplicates_by_name_are_refused_at_scan_time_without_reading(tmp_path):
    touch(tmp_path, "bob.py", "bob.ipynb", text="{ not a notebook")
    touch(tmp_path, "eve.ipynb", text="{ not a notebook")
    entries, _ = scan(tmp_path)
    assert entries == [
        Rejected("bob", "bob.ipynb, bob.py", "several submissions for bob (bob.ipynb, bob.py); keep exactly one"),
        Candidate("eve", tmp_path / "eve.ipynb"),
    ]


def test_scan_skips_what_is_not_a_submission_and_shows_its_name_safely(tmp_path):
    touch(tmp_path, "notes\x1b.txt", "alice.py")
    os.symlink(tmp_path / "alice.py", tmp_path / "link.py")
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "carol").mkdir()
    entries, skipped = scan(tmp_path)
    assert entries == [Candidate("alice", tmp_path / "alice.py"), Candidate("carol", tmp_path / "carol")]
    assert skipped == [
        Skipped("link.py", "symbolic links are not followed"),
        Skipped("notes\\x1b.txt", "not a submission (expected a .py, .ipynb, folder or .zip)"),
        Skipped("pipe.py", "not a regular file"),
    ]


def test_a_file_that_is_no_longer_regular_when_read_is_refused_not_waited_on(tmp_path):
    touch(tmp_path, "alice.py", "bob.zip")
    (alice, bob), _ = scan(tmp_path)
    for candidate in (alice, bob):
        os.remove(candidate.path)
        os.mkfifo(candidate.path)
        assert read_entry(candidate.path, MODULE) == Skipped(candidate.path.name, "not a regular file")
        # the same file read as it was when it was listed: opening never waits for a writer
        expected = f"{candidate.path.name} is not a regular file; hand in a .py, .ipynb or .zip file"
        assert discover_module._read(candidate.student, candidate.path, MODULE, ()) == Rejected(candidate.student, candidate.path.name, expected)


def test_discover_reads_every_candidate_in_name_order(tmp_path):
    touch(tmp_path, "bob.py", "alice.py", "Z.py")
    touch(tmp_path, "eve.ipynb", text="{")
    entries, _ = discover(tmp_path, MODULE)
    assert [type(e).__name__ for e in entries] == ["SubmissionSource", "SubmissionSource", "SubmissionSource", "Rejected"]
    assert [e.student for e in entries] == ["Z", "alice", "bob", "eve"]


@pytest.mark.parametrize("name", ["alice", "bob.smith", "a_b", "x@y.edu", "c+d", "a-b", "s123"])
def test_a_plain_lowercase_name_is_its_own_folder(name):
    assert folder_for(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "Alice", "a b", "../evil", "..", ".", ".hidden", "-rf", "a/b", "a\\\\b", "", "nul", "con.txt", "x.",
        "gradebook.csv", "_grader", "report.html", "José", "a" * 101, "alice-0123456789abcdef", "\\x1b[31m",
    ],
)
def test_any_other_name_gets_a_sanitised_folder_with_its_own_hash(name):
    folder = folder_for(name)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}-[0-9a-f]{16}", folder), folder
    assert folder not in (".", "..") and "/" not in folder and "\\" not in folder
    assert folder_for(name) == folder


def test_folders_depend_on_the_name_alone_and_differ_on_a_case_insensitive_file_system():
    names = ["victim", "Victim", "VICTIM", "victim-" + folder_for("Victim").rsplit("-", 1)[1], "a b", "a_b", "a?b"]
    folders = [folder_for(n) for n in names]
    assert folders[0] == "victim"
    assert len({f.casefold() for f in folders}) == len(names)


def test_the_clash_key_folds_case_unicode_form_and_spaces():
    assert clash_key("Victim") == clash_key("victim ") == clash_key("VICTIM")
    assert clash_key(unicodedata.normalize("NFC", "José")) == clash_key(unicodedata.normalize("NFD", "JOSÉ"))
    assert clash_key("Straße") == clash_key("STRASSE")
    assert clash_key("alice") != clash_key("alicia")


def test_the_output_folder_inside_the_submissions_folder_is_excluded_by_any_spelling(tmp_path, monkeypatch):
    touch(tmp_path, "alice.py")
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    assert scan(tmp_path, exclude=tmp_path / "out" / ".." / "out")[0] == [Candidate("alice", tmp_path / "alice.py")]
    assert scan(tmp_path, exclude=type(tmp_path)("out"))[0] == [Candidate("alice", tmp_path / "alice.py")]


def test_a_candidate_shows_its_origin_as_a_refusal_would(tmp_path):
    touch(tmp_path, "a\\b.py")
    (candidate,), _ = scan(tmp_path)
    assert candidate.student == "a\\\\b" and candidate.origin == "a\\\\b.py"
    assert read_entry(candidate.path, MODULE).origin == candidate.origin
