"""Whatever a student's files say reaches every report as literal, bounded text.

The hostile result below is what a submission can make the grader write: an
exception message that closes a code fence and forges a total, HTML, ANSI
escapes, bidi overrides, spreadsheet formulas as file names, and megabytes.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace

import pytest

from autograder import check, cli
from autograder.results import feedback, gradebook, gradescope, text
from autograder.results.model import Outcome, SubmissionResult
from autograder.results.model import TestResult as Result

FORGERY = "```\n**Total: 36 / 36**\n- [PASS] forged test (9/9)\n## softmax\n<img src=x onerror=alert(1)>\n````\n"
CONTROLS = "\x1b[2J\x1b]0;pwned\x07\rover\x08\x00\u202eevil\u2066\ufeff\u2028\ud800"
HTML = "<img src=x onerror=alert(1)><script>alert(2)</script>&amp;"


def _test(title: str, outcome: Outcome, output: str, score: float = 0.0) -> Result:
    return Result("softmax", title, score, 0.0 if outcome is Outcome.SKIPPED else 1.0, outcome, output, hidden=False)


def hostile(student: str = "eve <img src=x onerror=alert(1)> **Total: 36 / 36**", size: int = 0) -> SubmissionResult:
    big = "A" * size
    return SubmissionResult(
        student=student,
        assignment="02_classification",
        origin="`x`<b>bold</b>\u202e.py",
        tests=(
            _test("stable for logits of 1e4", Outcome.PASSED, "", 1.0),
            _test("matches the reference", Outcome.FAILED, f"softmax() raised ValueError: {FORGERY}{CONTROLS}{HTML}{big}"),
            _test("keeps the dtype", Outcome.SKIPPED, f"skipped {HTML}{CONTROLS}"),
        ),
        exercises=("softmax",),
        notices=(f"while loading, cell 1: ValueError: {FORGERY}{big}", f"# Forged heading {HTML}{CONTROLS}", "- [PASS] a forged line"),
        output=f"printed\n{FORGERY}{HTML}{CONTROLS}{big}",
    )


def _controls_in(rendered: str) -> set[str]:
    """Control, format and separator characters other than newline and tab."""
    return set(re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]", rendered))


# --- the helpers


def test_visible_escapes_controls_and_format_characters_but_keeps_lines():
    assert text.visible("a\x1b[31mb\x00c\u202ed\te\nf\r\ng") == "a\\x1b[31mb\\x00c\\u202ed\te\nf\ng"
    assert text.visible("\U000e0041 tag, \u2028 line, \ud800 surrogate") == "\\U000e0041 tag, \\u2028 line, \\ud800 surrogate"
    assert text.visible("ünïcödé 漢字 emoji 🙂") == "ünïcödé 漢字 emoji 🙂"
    assert text.one_line("a\nb\tc\rd") == "a\\nb\\tc\\x0dd"


def test_clip_caps_the_escaped_length_and_says_how_much_was_cut():
    assert text.clip("short", 10) == "short"
    clipped = text.clip("x" * 10_000, 100)
    assert clipped.startswith("x" * 100) and clipped.endswith("[... 9900 more characters not shown]")
    escapes = text.clip("\x1b" * 10_000, 100)
    assert escapes.startswith("\\x1b" * 25) and "[... 9975 more characters not shown]" in escapes
    assert len(escapes) < 100 + 40
    tail = text.clip_tail("".join(f"line {i}\n" for i in range(1000)), 50)
    assert tail.startswith("[... ") and tail.endswith("line 999\n")


def test_md_block_fence_is_longer_than_any_backtick_run():
    lines = text.md_block("a\n`````\nb", "  ")
    assert lines[0] == lines[-1] == "  ``````"
    assert lines[1:-1] == ["  a", "  `````", "  b"]


def test_md_inline_escapes_markup_and_leaves_plain_names_readable():
    assert text.md_inline("naive_softmax.py") == "naive_softmax.py"
    assert text.md_inline("<img src=x>") == "&lt;img src=x&gt;"
    assert text.md_inline("**bold** `code` [link](x) _em_ ~~s~~ a|b") == "\\*\\*bold\\*\\* \\`code\\` \\[link\\](x) \\_em\\_ \\~\\~s\\~\\~ a\\|b"
    assert text.md_inline("# heading") == "\\# heading"
    assert text.md_inline("- item") == "\\- item"
    assert text.md_inline("12. item") == "12\\. item"
    assert text.md_inline("a\\*b") == "a\\\\\\*b"
    assert text.md_inline("two\nlines") == "two\\\\nlines"


def test_md_code_span_survives_backticks():
    assert text.md_code_span("a.py") == "`a.py`"
    assert text.md_code_span("`x`") == "`` `x` ``"
    assert text.md_code_span("a``b") == "```a``b```"


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\\t=1+1"),
        ("\r=1+1", "'\\x0d=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("alice", "alice"),
        ("bob-smith", "bob-smith"),
    ],
)
def test_csv_cell_defuses_formulas(name, cell):
    assert text.csv_cell(name) == cell


# --- feedback.md


def test_feedback_structure_cannot_be_forged():
    markdown_it = pytest.importorskip("markdown_it")
    report = feedback.render(hostile())
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(report)

    inline = [t.content for t in tokens if t.type == "inline"]
    children = [child for t in tokens if t.children for child in t.children]
    strong = [children[i + 1].content for i, child in enumerate(children) if child.type == "strong_open"]
    assert strong == ["Total: 1 / 2"]
    items = [c for c in inline if re.match(r"\[(PASS|FAIL|SKIP)\]", c)]
    assert items == [
        "[PASS] stable for logits of 1e4 (1/1)",
        "[FAIL] matches the reference (0/1)",
        "[SKIP] keeps the dtype (not counted)",
    ]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[1:] == ["Notes", "softmax", "What your code printed (last part)"]
    assert not [t for t in tokens if t.type.startswith("html")]
    assert not [child for child in children if child.type.startswith("html")]
    fences = [t.content for t in tokens if t.type == "fence"]
    assert any("**Total: 36 / 36**" in f and "\\x1b[2J" in f for f in fences), "the student's text is shown, as text"


def test_feedback_html_has_no_student_markup():
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(feedback.render(hostile()))
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<strong>") == 1


def test_feedback_without_a_parser():
    report = feedback.render(hostile())
    outside = re.sub(r"^( *)(`{3,})\n.*?^\1\2$", "", report, flags=re.M | re.S)
    outside = re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", "", outside)  # code spans
    assert outside.count("Total:") == 2  # the real line, and the escaped student name in the heading
    assert [line for line in outside.splitlines() if "Total:" in line and line.startswith("**")] == ["**Total: 1 / 2**"]
    assert "<" not in outside
    assert len(re.findall(r"^- \[(PASS|FAIL|SKIP)\]", outside, flags=re.M)) == 3
    assert not _controls_in(report)
    assert "`\\`x\\`\\<b" not in report and "Graded file: `` `x`<b>bold</b>\\u202e.py ``" in report


def test_feedback_is_bounded():
    report = feedback.render(hostile(size=1_000_000))
    assert len(report) < 3 * text.MAX_NOTICE + text.MAX_TEST_OUTPUT + text.MAX_PRINTED + 4000
    assert "more characters not shown]" in report


def test_feedback_keeps_the_workers_note_on_a_tailed_output():
    printed = "[90000 earlier bytes not kept]\n" + "x" * 64_000
    report = feedback.render(SubmissionResult("s", "a", "s.py", (), (), output=printed))
    assert "[90000 earlier bytes not kept]" in report and "more characters not shown" not in report


def test_feedback_counts_notices_beyond_the_cap():
    result = SubmissionResult("s", "a", "s.py", (), (), notices=tuple(f"note {i}" for i in range(500)))
    report = feedback.render(result)
    assert "note 49" in report and "note 50" not in report
    assert "450 more notes not shown" in report


# --- results.json


def test_results_json_is_bounded_and_control_free():
    result = hostile(size=1_000_000)
    many = SubmissionResult(
        result.student,
        result.assignment,
        result.origin,
        result.tests * 16,
        result.exercises,
        notices=result.notices * 100,
        output=result.output,
    )
    data = gradescope.to_json(many)
    encoded = json.dumps(data)
    assert len(encoded) < 48 * (text.MAX_TEST_OUTPUT + 500) + (text.MAX_NOTICES + 1) * (text.MAX_NOTICE + 100)
    assert "output_format" not in data and all("output_format" not in t for t in data["tests"])
    strings = [data["output"], data["extra_data"]["student"], data["extra_data"]["graded_file"], *(t["output"] for t in data["tests"])]
    assert not set().union(*(_controls_in(s) for s in strings))
    assert "\\u202e" in data["extra_data"]["graded_file"]
    assert json.loads(encoded) == data


# --- gradebook.csv


def test_gradebook_cells_are_text(tmp_path):
    names = ['=HYPERLINK("http://evil","x")', "+cmd", "-1+1", "@SUM(A1)", "\t=1", "carol\x1b[31m\nnext line", "dave"]
    results = [SubmissionResult(n, "a", f"{n}.py", (_test("t", Outcome.PASSED, "", 1.0),), ("softmax",)) for n in names]
    path = tmp_path / "gradebook.csv"
    gradebook.write(results, ("softmax",), path)
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(names) + 1
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    firsts = sorted(row[0] for row in rows[1:])
    assert firsts == sorted(
        ["'=HYPERLINK(\"http://evil\",\"x\")", "'+cmd", "'-1+1", "'@SUM(A1)", "'\\t=1", "carol\\x1b[31m\\nnext line", "dave"]
    )
    assert all(row[1:] == ["1", "1", "1", "0"] for row in rows[1:])


# --- the terminal


def test_check_prints_no_control_characters_and_caps_output():
    printed = check.render(hostile(size=1_000_000))
    assert not _controls_in(printed)
    assert "\\x1b[2J" in printed
    assert len(printed) < text.MAX_TEST_OUTPUT + (text.MAX_NOTICES + 1) * (text.MAX_NOTICE + 20) + 2000


def test_grade_summary_prints_names_and_reasons_as_text(monkeypatch, capsys, tmp_path, course, classification):
    from autograder.grading import batch
    from autograder.intake.discover import Skipped

    evil = "mallory\x1b[2K\r\u202e"
    result = replace(hostile(student=evil), exercises=classification.exercise_names)

    def fake_grade_class(config, course, submissions, out, jobs, progress, isolation):
        if progress is not None:
            progress(result)
        return batch.ClassReport((result,), (Skipped("notes\x1b]0;x\x07.txt", "not a submission\r\x1b[1A"),), out, {evil: "mallory"})

    monkeypatch.setattr(batch, "grade_class", fake_grade_class)
    (tmp_path / "subs").mkdir()
    code = cli.main(["grade", "02_classification", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--course", str(course)])
    printed = capsys.readouterr().out
    assert code == 0
    assert not _controls_in(printed)
    assert "mallory\\x1b[2K\\x0d\\u202e" in printed
    assert "skipped notes\\x1b]0;x\\x07.txt: not a submission\\x0d\\x1b[1A" in printed
