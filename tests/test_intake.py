"""Reading submissions: notebooks, folders, archives and everything that goes wrong."""

import json
import zipfile

import nbformat

from autograder.intake.discover import Rejected, Skipped, SubmissionSource, discover, read_entry
from autograder.intake.modules import MAX_HELPER_BYTES, MAX_HELPER_FILES
from autograder.intake.notebook import notebook_chunks

MODULE = "classification"
GOOD = "def softmax(z, dim=-1):\n    return z\n"


def notebook(*cells: str, markdown: str = "# notes") -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown), *map(nbformat.v4.new_code_cell, cells)])
    return nbformat.writes(nb)


def test_notebook_magics_and_shell_escapes_become_calls_not_commands():
    cells = ("%matplotlib inline\n!pip install torch\nx = 1", "files = !ls\nx?", "%%bash\nrm -rf ~")
    chunks = notebook_chunks(notebook(*cells), "hw.ipynb")
    assert [c.label for c in chunks] == ["hw.ipynb cell 2", "hw.ipynb cell 3", "hw.ipynb cell 4"]
    first, assigned, shell = (c.source for c in chunks)
    assert "run_line_magic('matplotlib', 'inline')" in first
    assert "system('pip install torch')" in first
    assert "getoutput('ls')" in assigned
    assert "run_cell_magic('bash', '', 'rm -rf ~\\n')" in shell
    for chunk in chunks:
        compile(chunk.source, chunk.filename, "exec")


def test_timed_and_written_python_cells_become_their_body_on_the_same_lines():
    cells = ("%%time\ndef f():\n    %timeit g()\n    return 1", "%%writefile helpers.py\ndef h():\n    return 2", "%%writefile notes.txt\nhello")
    timed, written, text = (c.source for c in notebook_chunks(notebook(*cells), "hw.ipynb"))
    assert timed.splitlines()[0] == "# %%time" and timed.splitlines()[1] == "def f():"
    assert "run_line_magic('timeit', 'g()')" in timed.splitlines()[2]
    assert written.rstrip() == "# %%writefile helpers.py\ndef h():\n    return 2"
    assert "run_cell_magic('writefile', 'notes.txt', 'hello\\n')" in text


def test_empty_cells_are_dropped_and_old_list_sources_joined():
    data = json.loads(notebook("", "a = 1"))
    data["cells"][2]["source"] = ["a = 1\n", "b = 2\n"]
    chunks = notebook_chunks(json.dumps(data), "hw.ipynb")
    assert [c.source for c in chunks] == ["a = 1\nb = 2\n"]


def test_unreadable_notebook_is_rejected_with_the_reason(tmp_path):
    (tmp_path / "eve.ipynb").write_text("{ not json")
    entry = read_entry(tmp_path / "eve.ipynb", MODULE)
    assert isinstance(entry, Rejected) and "not a valid notebook" in entry.reason


def test_non_utf8_module_is_rejected(tmp_path):
    (tmp_path / "fred.py").write_bytes(b"x = '\xff\xfe'\n")
    entry = read_entry(tmp_path / "fred.py", MODULE)
    assert entry == Rejected(
        "fred", "fred.py", "fred.py is not UTF-8 text (byte 0xff on line 1); save it as UTF-8, or name its encoding on its first line (# -*- coding: cp1252 -*-)"
    )


def test_folder_prefers_the_assignment_module(tmp_path):
    folder = tmp_path / "carol"
    (folder / "sub").mkdir(parents=True)
    (folder / "scratch.py").write_text("print('x')")
    (folder / "sub" / "classification.py").write_text(GOOD)
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "classification.py").write_text("broken(")
    entry = read_entry(folder, MODULE)
    assert isinstance(entry, SubmissionSource)
    assert entry.student == "carol" and entry.origin == "carol/sub/classification.py"


def test_folder_with_several_candidates_is_rejected(tmp_path):
    folder = tmp_path / "dan"
    folder.mkdir()
    (folder / "a.py").write_text(GOOD)
    (folder / "b.ipynb").write_text(notebook(GOOD))
    entry = read_entry(folder, MODULE, ("accuracy",))
    assert isinstance(entry, Rejected) and "several candidate files (a.py, b.ipynb) and none defines accuracy" in entry.reason


def test_zip_is_read_in_memory(tmp_path):
    archive = tmp_path / "dave.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("__MACOSX/._classification.ipynb", "junk")
        z.writestr("dave/classification.ipynb", notebook(GOOD))
        z.writestr("../../escape.py", "print('never written')")
    entry = read_entry(archive, MODULE)
    assert isinstance(entry, SubmissionSource) and entry.kind == "notebook"
    assert entry.origin == "dave.zip:dave/classification.ipynb"
    assert not (tmp_path.parent / "escape.py").exists()


def test_corrupt_zip_is_rejected(tmp_path):
    (tmp_path / "gil.zip").write_bytes(b"PK\x03\x04 not really")
    entry = read_entry(tmp_path / "gil.zip", MODULE)
    assert isinstance(entry, Rejected) and "not a readable zip" in entry.reason


def test_discover_names_students_skips_junk_and_rejects_duplicates(tmp_path):
    (tmp_path / "alice.py").write_text(GOOD)
    (tmp_path / "bob.ipynb").write_text(notebook(GOOD))
    (tmp_path / "bob.py").write_text(GOOD)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_text("")
    entries, skipped = discover(tmp_path, MODULE)
    assert [e.student for e in entries] == ["alice", "bob"]
    assert isinstance(entries[1], Rejected) and "several submissions for bob" in entries[1].reason
    assert skipped == [Skipped("notes.txt", "not a submission (expected a .py, .ipynb, folder or .zip)")]


def test_zip_of_the_whole_release_grades_the_notebook_not_the_stub(tmp_path):
    stub = 'def softmax(z, dim=-1):\n    raise NotImplementedError("softmax: write your solution here")\n'
    archive = tmp_path / "hana.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("02_classification/classification.py", stub)
        z.writestr("02_classification/classification.ipynb", notebook(GOOD))
        z.writestr("02_classification/tests/softmax.py", "name = 'softmax'")
    entry = read_entry(archive, MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource) and entry.origin.endswith("classification.ipynb")


def test_folder_with_an_oddly_named_notebook_is_found_by_its_definitions(tmp_path):
    folder = tmp_path / "ivan"
    folder.mkdir()
    (folder / "utils.py").write_text("def helper():\n    return 1\n")
    (folder / "Lab 2 (final).ipynb").write_text(notebook(GOOD))
    entry = read_entry(folder, MODULE, ("softmax", "accuracy"))
    assert isinstance(entry, SubmissionSource) and entry.origin == "ivan/Lab 2 (final).ipynb"


def test_the_output_folder_inside_submissions_is_not_a_student(tmp_path):
    (tmp_path / "alice.py").write_text(GOOD)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "old.py").write_text(GOOD)
    entries, _ = discover(tmp_path, MODULE, exclude=tmp_path / "results")
    assert [e.student for e in entries] == ["alice"]


def test_definitions_only_keeps_imports_definitions_and_cheap_assignments_in_place():
    from autograder.intake.definitions import definitions_only
    from autograder.intake.source import Chunk

    code = (
        "import torch\n"
        "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
        "def train(n):\n"
        "    return n\n"
        "losses = train(10)\n"
        "for epoch in range(100):\n"
        "    train(epoch)\n"
        "if True:\n"
        "    EPS = 1e-9\n"
        "print(losses)\n"
    )
    cells = (Chunk("c1", "c1", code), Chunk("c2", "c2", "def broken(:\n"))
    trimmed = definitions_only(SubmissionSource("s", "nb.ipynb", "notebook", cells))
    kept = trimmed.chunks[0].source.splitlines()
    assert len(kept) == len(code.splitlines())
    assert kept[:4] == code.splitlines()[:4] and kept[7:9] == ["if True:", "    EPS = 1e-9"]
    assert kept[4] == kept[5] == kept[6] == kept[9] == ""
    assert trimmed.chunks[1].source == ""


def write(root, files: dict):
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text if isinstance(text, bytes) else text.encode())


def modules_of(entry) -> dict:
    assert isinstance(entry, SubmissionSource), entry
    return {m.name: (m.filename, m.package) for m in entry.modules}


def test_folder_brings_its_helper_modules_and_packages_but_no_environment_or_cache(tmp_path):
    write(tmp_path / "carol", {
        "classification.py": "from helpers import shift\n" + GOOD,
        "helpers.py": "def shift(z):\n    return z\n",
        "mypkg/__init__.py": "from .ops import f\n",
        "mypkg/ops.py": "def f():\n    return 1\n",
        "plain/inner.py": "X = 1\n",
        "my-notes.py": "x = 1\n",
        "2023/old.py": "x = 1\n",
        "class.py": "x = 1\n",
        ".venv/pyvenv.cfg": "home = /usr\n",
        ".venv/lib/python3.11/site-packages/evil.py": "x = 1\n",
        "venv/pyvenv.cfg": "home = /usr\n",
        "venv/bin/activate_this.py": "x = 1\n",
        "libs/site-packages/six.py": "x = 1\n",
        "node_modules/pkg/gyp.py": "x = 1\n",
        "__pycache__/helpers.py": "x = 1\n",
        ".ipynb_checkpoints/helpers-checkpoint.py": "x = 1\n",
        "__MACOSX/._helpers.py": "x = 1\n",
    })
    entry = read_entry(tmp_path / "carol", MODULE, ("softmax",))
    assert modules_of(entry) == {
        "helpers": ("carol/helpers.py", False),
        "mypkg": ("carol/mypkg/__init__.py", True),
        "mypkg.ops": ("carol/mypkg/ops.py", False),
        "plain.inner": ("carol/plain/inner.py", False),
        "plain": ("carol/plain/", True),
    }
    assert entry.origin == "carol/classification.py" and entry.notices == ()
    assert {m.name: m.source for m in entry.modules}["mypkg"] == "from .ops import f\n"
    assert {m.name: m.source for m in entry.modules}["plain"] == ""


def test_zip_names_helpers_from_the_graded_files_folder_first_then_from_the_root(tmp_path):
    archive = tmp_path / "dave.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("lab/classification.ipynb", notebook("from helpers import shift", GOOD))
        z.writestr("lab/helpers.py", "def shift(z):\n    return z\n")
        z.writestr("helpers.py", "def shift(z):\n    return 'the root copy'\n")
        z.writestr("classification.py", "# an old copy of the graded module\n")
        z.writestr("__MACOSX/lab/._helpers.py", "junk")
    entry = read_entry(archive, MODULE, ("softmax",))
    assert modules_of(entry) == {
        "helpers": ("dave.zip:lab/helpers.py", False),
        "lab": ("dave.zip:lab/", True),
        "lab.helpers": ("dave.zip:lab/helpers.py", False),
    }
    assert entry.kind == "notebook" and entry.origin == "dave.zip:lab/classification.ipynb"


def test_too_many_helper_files_load_the_graded_file_alone_with_a_notice(tmp_path):
    write(tmp_path / "erin", {"classification.py": GOOD, **{f"copy_{i}.py": "x = 1\n" for i in range(MAX_HELPER_FILES + 1)}})
    entry = read_entry(tmp_path / "erin", MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource) and entry.modules == ()
    assert len(entry.notices) == 1
    assert entry.notices[0].startswith("only classification.py was loaded, without your other .py files")
    assert f"{MAX_HELPER_FILES + 1} files" in entry.notices[0]
    assert "hand in classification.py with only the .py files it imports" in entry.notices[0]


def test_too_much_helper_source_loads_the_graded_file_alone_with_a_notice(tmp_path):
    write(tmp_path / "erin", {"classification.py": GOOD, "data.py": "x = 1\n" * (MAX_HELPER_BYTES // 6 + 1)})
    entry = read_entry(tmp_path / "erin", MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource) and entry.modules == ()
    assert "5.0 MB" in entry.notices[0] and "at most 200 files and 5 MB" in entry.notices[0]


def test_a_helper_that_is_not_utf8_leaves_the_graded_file_alone_with_a_notice(tmp_path):
    write(tmp_path / "fred", {"classification.py": GOOD, "helpers.py": b"x = '\xff\xfe'\n", "ok.py": "y = 1\n"})
    entry = read_entry(tmp_path / "fred", MODULE, ("softmax",))
    assert isinstance(entry, SubmissionSource) and entry.modules == ()
    assert entry.notices == (
        "only classification.py was loaded, without your other .py files, because fred/helpers.py is not UTF-8 text "
        "(byte 0xff on line 1); save it as UTF-8, or name its encoding on its first line (# -*- coding: cp1252 -*-); "
        "importing your own modules from classification.py fails, so fix that file, or leave it out if "
        "classification.py does not import it",
    )


def test_helper_modules_travel_in_the_load_request(tmp_path):
    write(tmp_path / "gil", {"classification.py": GOOD, "helpers.py": "A = 1\n"})
    entry = read_entry(tmp_path / "gil", MODULE)
    assert isinstance(entry, SubmissionSource)
    assert entry.load_request(MODULE)["modules"] == [{"name": "helpers", "filename": "gil/helpers.py", "source": "A = 1\n", "package": False}]
