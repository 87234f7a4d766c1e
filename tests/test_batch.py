"""Class-level bookkeeping that does not need a grading run."""

from autograder.grading.batch import student_folders


def test_student_folders_are_safe_and_distinct():
    folders = student_folders(["alice", "a b", "a_b", "../evil", "A_B", ""])
    assert folders == {"alice": "alice", "a b": "a_b", "a_b": "a_b-2", "../evil": "_evil", "A_B": "A_B-3", "": "unnamed"}
