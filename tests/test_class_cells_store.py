"""'Which cells' answers in both stores (classroom/store.py, SQLite and a real redis-server): one
mask per student, question and vote, counted with the numbers' answers, its confidence kept, a
mask longer than any grid's refused, a question asked as cells kept in the lesson. No Streamlit."""

from __future__ import annotations

import sqlite3

import pytest

from classroom import model
from classroom.cells import CellsError, encode_mask, read_mask
from classroom.model import Setup
from classroom.setups import question_for
from classroom.store import MAX_ANSWERS, MAX_MASK, SQLiteStore
from tests import test_class_peer
from tests.test_classroom import NOW, _lesson

store = test_class_peer.store  # both stores, as tests/test_class_peer.py makes them
redis_address = test_class_peer.redis_address

GAPS = Setup("", {"kernel_h": 2, "stride_h": 3, "height": 5, "width": 5})


def _asked(store, kind="feeds", cell=(1, 1)):
    lesson = model.ask(_lesson(store), question_for(GAPS, cell, kind))
    assert store.save(lesson, 1, NOW)
    return lesson


def test_one_mask_per_student_and_vote_with_its_confidence(store):
    lesson = _asked(store)
    question = lesson.question
    right, wrong = encode_mask(question.cells, question.grid), encode_mask({(1, 1)}, question.grid)
    assert store.answer_cells("HQCMT", 1, "a", wrong, NOW, sure=True)
    assert store.answer_cells("HQCMT", 1, "a", right, NOW, sure=False)  # a later one replaces it
    assert store.answer_cells("HQCMT", 1, "b", wrong, NOW)
    assert store.answer_cells("HQCMT", 1, "a", wrong, NOW, vote=2)
    assert store.cell_answers("HQCMT", 1) == {"a": right, "b": wrong}
    assert store.cell_answers("HQCMT", 1, vote=2) == {"a": wrong}
    assert read_mask(store.cell_answers("HQCMT", 1)["a"], question.grid) == set(question.cells)
    # counted as answers are: "N answered", both votes, the confidences
    assert store.answer_count("HQCMT", 1) == 2 and store.answer_count("HQCMT", 1, vote=2) == 1
    assert store.confidences("HQCMT", 1) == {"a": False}
    assert store.load("HQCMT", NOW).question == question  # the set, its mistakes and grid kept
    store.delete("HQCMT")
    assert store.cell_answers("HQCMT", 1) == {} and store.cell_answers("HQCMT", 1, vote=2) == {}


@pytest.mark.parametrize("mask", ["A" * (MAX_MASK + 1), None, 7, b"kA=="])
def test_a_mask_longer_than_any_grid_is_refused(store, mask):
    _asked(store)
    with pytest.raises(CellsError):
        store.answer_cells("HQCMT", 1, "a", mask, NOW)
    assert store.cell_answers("HQCMT", 1) == {} and store.answer_count("HQCMT", 1) == 0


def test_masks_stop_at_the_answers_limit(store):
    _asked(store)
    mask = encode_mask(set(), (5, 5))
    for number in range(MAX_ANSWERS):
        store.answer("HQCMT", 1, f"s{number}", 0.0, NOW)
    assert not store.answer_cells("HQCMT", 1, "late", mask, NOW)
    assert "late" not in store.cell_answers("HQCMT", 1)
    assert store.answer_cells("HQCMT", 1, "s3", mask, NOW)  # one already in changes their answer


def test_a_file_from_before_cells_gets_its_mask_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE answers (code TEXT, question INTEGER, student TEXT, value REAL, vote INTEGER "
                   "NOT NULL DEFAULT 1, sure INTEGER, PRIMARY KEY (code, question, vote, student))")  # fmt: skip
        db.execute("INSERT INTO answers VALUES ('HQCMT', 1, 'a', 0.25, 1, NULL)")
    migrated = SQLiteStore(path)
    assert migrated.answers("HQCMT", 1) == {"a": 0.25}
    assert migrated.answer_cells("HQCMT", 2, "a", "kA==", NOW)
    assert migrated.cell_answers("HQCMT", 2) == {"a": "kA=="}
