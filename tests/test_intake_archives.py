"""Folders and archives built to hurt intake: each is read in linear time or refused with a reason."""

import io
import json
import os
import random
import struct
import zipfile

import nbformat
import pytest

from autograder.intake import archive as archive_module
from autograder.intake import discover as discover_module
from autograder.intake.archive import MAX_ZIP_MEMBERS
from autograder.intake.discover import (
    MAX_SOURCE_BYTES,
    Rejected,
    SubmissionSource,
    choose_file,
    read_entry,
)
from autograder.intake.files import SHRINK
from autograder.intake.tree import MAX_DEPTH

MODULE = "classification"
GOOD = "def softmax(z, dim=-1):\n    return z\n"
STUB = 'def softmax(z, dim=-1):\n    raise NotImplementedError("softmax: write your solution here")\n'


def notebook(*cells: str) -> str:
    return nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]))


def zipped(path, members: dict, **options) -> None:
    with zipfile.ZipFile(path, "w", **options) as archive:
        for name, text in members.items():
            archive.writestr(name if isinstance(name, zipfile.ZipInfo) else name, text)


def test_blank_line_padding_does_not_slow_the_choice_of_the_graded_file(tmp_path):
    """`^\\s*` in multiline mode re-reads every following blank line at each one: hours for this folder."""
    folder = tmp_path / "pat"
    folder.mkdir()
    padding = "\n" * 200_000 + " \n\t\n" * 20_000
    (folder / "scratch.py").write_text(padding + "x = 1\n" + padding)
    (folder / "work.py").write_text(padding + GOOD + padding)
    entry = read_entry(folder, MODULE, ("softmax", "accuracy"))
    assert isinstance(entry, SubmissionSource) and entry.origin == "pat/work.py"


def test_choose_file_finds_the_definitions_and_names_files_safely(tmp_path):
    (tmp_path / "classification.py").write_text(STUB)
    (tmp_path / "mine\x1b.py").write_text(GOOD)
    assert choose_file(tmp_path, sorted(tmp_path.iterdir()), MODULE, ("softmax",)) == tmp_path / "mine\x1b.py"


def test_inner_file_names_that_are_not_text_are_shown_escaped(tmp_path):
    folder = tmp_path / "carol"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"lab\xff\x1b[2J.py"), "w") as handle:
        handle.write(GOOD)
    entry = read_entry(folder, MODULE)
    assert isinstance(entry, SubmissionSource)
    assert entry.origin == "carol/lab\\xff\\x1b[2J.py" and entry.chunks[0].label == "lab\\xff\\x1b[2J.py"
    entry.origin.encode("utf-8")


def test_candidate_names_in_a_refusal_are_shown_escaped(tmp_path):
    zipped(tmp_path / "dan.zip", {"a\x1b[2J.py": "x = 1\n", "b\u202e.py": "y = 2\n"})
    entry = read_entry(tmp_path / "dan.zip", MODULE, ("softmax",))
    assert isinstance(entry, Rejected)
    assert "several candidate files (a\\x1b[2J.py, b\\u202e.py) and none defines softmax" in entry.reason


def test_a_zip_member_dated_month_zero_is_read(tmp_path):
    member = zipfile.ZipInfo("classification.py", date_time=(1980, 1, 1, 0, 0, 0))
    zipped(tmp_path / "dee.zip", {member: GOOD, "other.py": "x = 1\n"})
    data = bytearray((tmp_path / "dee.zip").read_bytes())
    # the DOS date (day 0, month 0, year 1980) of the first member's local header and directory entry
    for at in (12, data.find(b"PK\x01\x02") + 14):
        data[at : at + 2] = struct.pack("<H", 0)
    (tmp_path / "dee.zip").write_bytes(bytes(data))
    entry = read_entry(tmp_path / "dee.zip", MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource) and entry.origin == "dee.zip:classification.py"


def test_a_zip_whose_directory_lists_too_many_files_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    zipped(tmp_path / "eli.zip", {f"f{i}.py": "" for i in range(MAX_ZIP_MEMBERS + 1)})

    def never(*args, **kwargs):
        raise AssertionError("the archive's directory was parsed")

    monkeypatch.setattr(archive_module.zipfile, "ZipFile", never)
    entry = read_entry(tmp_path / "eli.zip", MODULE)
    assert entry == Rejected("eli", "eli.zip", f"eli.zip holds more than {MAX_ZIP_MEMBERS} files; zip only your assignment folder")


def zip64(path, members: dict, monkeypatch) -> None:
    """An archive with a zip64 end record, its ordinary end record saying to look there (as for 65536+ files)."""
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 0)
        zipped(path, members)
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 16] = struct.pack("<2HL", 0xFFFF, 0xFFFF, 0xFFFFFFFF)
    path.write_bytes(bytes(data))


def test_a_zip64_archive_is_read_and_counted_from_its_zip64_record(tmp_path, monkeypatch):
    zip64(tmp_path / "fay.zip", {"lab/classification.py": GOOD}, monkeypatch)
    entry = read_entry(tmp_path / "fay.zip", MODULE)
    assert isinstance(entry, SubmissionSource) and entry.origin == "fay.zip:lab/classification.py"
    zip64(tmp_path / "gus.zip", {f"f{i}.py": "" for i in range(MAX_ZIP_MEMBERS + 1)}, monkeypatch)
    assert "holds more than" in read_entry(tmp_path / "gus.zip", MODULE).reason


def test_paths_too_deep_to_be_a_students_work_are_passed_over_quickly(tmp_path):
    """Every ancestor of every member was compared: quadratic in the depth, for each member."""
    deep = {("d/" * 3000) + f"x{i}.py": "x = 1\n" for i in range(300)}
    zipped(tmp_path / "hal.zip", {**deep, "lab/classification.py": GOOD})
    entry = read_entry(tmp_path / "hal.zip", MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource) and entry.origin == "hal.zip:lab/classification.py" and entry.modules == ()
    folder = tmp_path / "ida"
    (folder / os.path.join(*["d"] * (MAX_DEPTH + 1))).mkdir(parents=True)
    (folder / os.path.join(*["d"] * (MAX_DEPTH + 1)) / "helpers.py").write_text("x = 1\n")
    (folder / os.path.join(*["d"] * MAX_DEPTH) / "near.py").write_text("x = 1\n")
    (folder / "classification.py").write_text(GOOD)
    entry = read_entry(folder, MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource)
    assert [m.filename.count("/") for m in entry.modules if m.filename.endswith(".py")] == [MAX_DEPTH + 1]  # near.py


def test_a_huge_file_is_refused_without_being_read(tmp_path):
    with open(tmp_path / "jon.py", "wb") as handle:
        handle.truncate(64 * 2**30)  # sparse: reading it would need 64 GB of memory
    entry = read_entry(tmp_path / "jon.py", MODULE)
    assert entry == Rejected("jon", "jon.py", f"jon.py is larger than {MAX_SOURCE_BYTES // 2**20} MB; {SHRINK}")


def test_too_much_code_to_search_for_the_students_work_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(discover_module, "MAX_RANKED_BYTES", 100)
    zipped(tmp_path / "kim.zip", {"a.py": "x = 1\n" * 10, "b.py": "y = 2\n" * 10})
    entry = read_entry(tmp_path / "kim.zip", MODULE)
    assert entry == Rejected(
        "kim", "kim.zip",
        "kim.zip holds 2 .py and .ipynb files of 0 MB in all, more than the 0 MB the grader searches for your work; "
        "hand in classification.py or classification.ipynb",
    )


def test_a_zip_whose_names_are_not_utf8_is_refused_as_unreadable(tmp_path):
    zipped(tmp_path / "lea.zip", {"classification.py": GOOD})
    data = (tmp_path / "lea.zip").read_bytes()
    flagged = data.replace(b"classification.py", b"classificati\xff\xfe.py")
    # mark the names as UTF-8 (general purpose flag bit 11) in both headers
    flagged = flagged.replace(b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x00\x08", 1)
    at = flagged.find(b"PK\x01\x02")
    flagged = flagged[: at + 8] + struct.pack("<H", 0x800) + flagged[at + 10 :]
    (tmp_path / "lea.zip").write_bytes(flagged)
    entry = read_entry(tmp_path / "lea.zip", MODULE)
    assert isinstance(entry, Rejected) and entry.reason.startswith("lea.zip is not a readable zip archive (")


def mutations(data: bytes, count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(mutated))
            choice = rng.random()
            if choice < 0.6:
                mutated[at] = rng.randrange(256)
            elif choice < 0.8:
                del mutated[at : at + rng.randint(1, 64)]
            else:
                mutated[at:at] = rng.choice([b"[", b"{", b'"', b"\\u", b"\xff", b"PK\x05\x06", b"\x00" * 8, b'"source": 5,'])
        yield bytes(mutated)


@pytest.mark.parametrize("suffix", [".ipynb", ".zip"])
def test_no_damage_to_a_file_makes_reading_it_raise(tmp_path, suffix):
    source = tmp_path / f"orig{suffix}"
    if suffix == ".zip":
        zipped(source, {"lab/classification.ipynb": notebook("%time x = 1", GOOD), "lab/helpers.py": "A = 1\n"}, compression=zipfile.ZIP_DEFLATED)
    else:
        source.write_text(notebook("%%time\n!ls\n" + GOOD, "x?"))
    path = tmp_path / f"max{suffix}"
    kinds = set()
    for data in mutations(source.read_bytes(), 400, seed=7):
        path.write_bytes(data)
        entry = read_entry(path, MODULE, ("softmax",))
        assert isinstance(entry, (SubmissionSource, Rejected)) and entry.student == "max"
        json.dumps([entry.origin, getattr(entry, "reason", ""), [c.source for c in getattr(entry, "chunks", ())]], ensure_ascii=False).encode()
        kinds.add(type(entry).__name__)
    assert kinds == {"SubmissionSource", "Rejected"}


def test_a_damaged_member_is_refused_as_unreadable(tmp_path):
    buffer = io.BytesIO()
    zipped(buffer, {"classification.py": GOOD * 50}, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(buffer.getvalue())
    data[60:70] = b"\xff" * 10
    (tmp_path / "mo.zip").write_bytes(bytes(data))
    entry = read_entry(tmp_path / "mo.zip", MODULE)
    assert isinstance(entry, Rejected) and entry.reason.startswith("mo.zip:classification.py could not be read (Error -3 while decompressing")
    assert entry.reason.endswith("); zip your folder again with your system's own zip tool")


def test_a_zip_whose_directory_is_too_large_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_ZIP_DIRECTORY_BYTES", 1000)
    zipped(tmp_path / "ned.zip", {f"{'long_name' * 10}{i}.py": "" for i in range(20)})
    monkeypatch.setattr(archive_module.zipfile, "ZipFile", None)
    assert read_entry(tmp_path / "ned.zip", MODULE).reason == "ned.zip lists its files in more than 0 MB; zip only your assignment folder"
