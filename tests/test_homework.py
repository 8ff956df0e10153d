"""A deck as homework (classroom/homework.py) as pure code, and kept in both stores
(classroom/homework_store.py): the embedded SQLite file and a real ``redis-server`` started here.
No Streamlit."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import pytest

from classroom import homework as hw
from classroom.deck import deck_to_json, question_of
from classroom.deck_library import BUILT_IN
from classroom.homework import HomeworkError, Progress
from classroom.homework_store import RedisHomework, SQLiteHomework, open_homework_store
from classroom.store import StoreUnavailable
from harness.server import ARTIFACTS, free_port, redis_server

NOW = 1_800_000_000.0
DECK = BUILT_IN["classic"]
QUESTIONS = [question_of(step) for step in DECK.steps]


@pytest.fixture(scope="module")
def redis_address():
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (apt-get install redis-server): in CI it must run")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(ARTIFACTS / f"redis-homework-{os.getpid()}") as (address, _):
        yield address


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteHomework(tmp_path / "classes.sqlite3")
    redis = RedisHomework(request.getfixturevalue("redis_address"))
    redis._redis.flushdb()
    return redis


def _assigned(store, code="HQCMTKMN", secret="teacher-secret", now=NOW) -> hw.Homework:
    homework = hw.assign(secret, deck_to_json(DECK), True, now, code)
    assert store.create(homework, now)
    return homework


# ---------------------------------------------------------------------------------------
# The pure model.


def test_a_homework_code_is_long_unambiguous_and_its_report_opens_only_with_its_secret():
    homework = hw.assign("s3cret", "{}", False, NOW)
    assert hw.normalized_code(homework.code) == homework.code and len(homework.code) == 8
    assert hw.teacher_may(homework, "s3cret")
    for guess in ("", "s3cre", "s3cret ", None, 7, "x" * 100_000):
        assert not hw.teacher_may(homework, guess), guess
    assert "s3cret" not in homework.to_json()
    assert hw.Homework.from_json(homework.to_json()) == homework
    assert [hw.normalized_code(text) for text in ("HQCMTKM", "HQCMTKMB", None, 12345678, "x" * 9)] == [None] * 5


def test_a_student_moves_by_next_and_previous_and_never_past_the_step_after_the_furthest():
    progress = Progress()
    for index in (1, 2, 1, 0, 1, 2, 3):
        progress = hw.go_to(progress, index, len(DECK.steps))
    assert (progress.step, progress.furthest) == (3, 3)
    for crafted, key in ((5, "step_ahead"), (-1, "step"), (6, "step"), (True, "step"), ("2", "step"), (2.0, "step")):
        with pytest.raises(HomeworkError) as error:
            hw.go_to(progress, crafted, len(DECK.steps))
        assert error.value.key == key, crafted


def test_answers_are_judged_with_the_misconception_named_and_bounded_per_step():
    question = QUESTIONS[1]  # ∂L/∂x[0, 0] of the classic 4×4: 1/4
    progress = hw.go_to(Progress(), 1, len(DECK.steps))
    progress, said = hw.answer(progress, 1, 1.0, question)
    assert (said.right, said.mistake) == (False, "divisor")
    progress, said = hw.answer(progress, 1, 7.0, question)
    assert (said.right, said.mistake) == (False, None)
    progress, said = hw.answer(progress, 1, 0.25, question)
    assert said.right and progress.answers[1] == (1.0, 7.0, 0.25) and progress.done(1, question)
    with pytest.raises(HomeworkError, match="already_right"):
        hw.answer(progress, 1, 0.25, question)
    with pytest.raises(HomeworkError, match="no_question"):
        hw.answer(progress, 0, 0.25, QUESTIONS[0])  # step 1 asks nothing
    with pytest.raises(HomeworkError, match="no_question"):
        hw.answer(progress, 3, 0.25, QUESTIONS[3])  # not the step on screen
    with pytest.raises(HomeworkError, match="not_finite"):
        hw.answer(progress, 1, float("nan"), question)
    wrong = hw.go_to(Progress(), 1, len(DECK.steps))
    for _ in range(hw.MAX_ATTEMPTS):
        wrong, _ = hw.answer(wrong, 1, 3.0, question)
    assert wrong.done(1, question) and not wrong.solved(1, question)
    with pytest.raises(HomeworkError, match="attempts"):
        hw.answer(wrong, 1, 0.25, question)


def test_a_nickname_is_optional_bounded_and_plain_text():
    assert hw.set_nickname(Progress(), "  李雷 ").nickname == "李雷"
    assert hw.set_nickname(Progress(), "   ").nickname is None
    assert hw.nickname_of("**[x](//e.vil)**") == "**[x](//e.vil)**"  # kept as typed: shown as plain text
    for crafted, key in (("x" * 41, "nickname_long"), ("a\u202eb", "nickname_text"), ("a\nb", "nickname_text"),
                         (None, "nickname_text"), (["x"], "nickname_text")):  # fmt: skip
        with pytest.raises(HomeworkError) as error:
            hw.nickname_of(crafted)
        assert error.value.key == key, crafted


def test_the_report_counts_reached_right_first_time_and_each_misconception_once_per_student():
    steps = len(DECK.steps)
    one = hw.go_to(hw.go_to(Progress(), 1, steps), 2, steps)
    one = replace(one, step=1)
    one, _ = hw.answer(one, 1, 1.0, QUESTIONS[1])  # divisor forgotten
    one, _ = hw.answer(one, 1, 1.0, QUESTIONS[1])  # again: counted once
    one, _ = hw.answer(one, 1, 0.25, QUESTIONS[1])
    two = hw.go_to(Progress(), 1, steps)
    two, _ = hw.answer(two, 1, 0.25, QUESTIONS[1])
    three = Progress()
    rows = hw.report(QUESTIONS, [one, two, three])
    assert [row.reached for row in rows] == [3, 2, 1, 0, 0, 0]
    assert (rows[1].answered, rows[1].right_first, rows[1].right, rows[1].mistakes) == (2, 1, 2, (("divisor", 1),))
    assert rows[0] == hw.StepReport(0, 3)
    text = hw.report_csv(rows, QUESTIONS, {"divisor": "the divisor was forgotten"})
    assert "2,∂L/∂x[0, 0]" not in text and '2,"∂L/∂x[0, 0]",0.25,2,2,1,2,,' in text
    assert "2,,,,,,,the divisor was forgotten,1" in text


# ---------------------------------------------------------------------------------------
# Both stores.


def test_a_homework_is_kept_for_its_retention_then_forgotten(store):
    homework = _assigned(store)
    assert not store.create(hw.assign("another", "{}", False, NOW, homework.code), NOW)  # the code is taken
    assert store.load(homework.code, NOW + hw.RETENTION - 1) == homework
    assert store.load(homework.code, NOW + hw.RETENTION + 1) is None
    assert store.load("HQCMTKMA", NOW) is None


def test_sqlite_forgets_an_expired_homework_on_a_read_not_only_when_another_is_assigned(tmp_path):
    import sqlite3

    store = SQLiteHomework(tmp_path / "classes.sqlite3")
    homework = _assigned(store)
    assert store.save_progress(homework.code, "student-a", replace(Progress(), nickname="Ada"), NOW)
    assert store.load("HQCMTKMA", NOW + hw.RETENTION + 1) is None  # any read, of any code
    with sqlite3.connect(tmp_path / "classes.sqlite3") as database:  # the rows left the disk
        left = [
            database.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("homework", "homework_progress")
        ]
    assert left == [0, 0]


def test_each_students_progress_is_kept_apart_and_counted_for_the_report(store):
    homework = _assigned(store)
    other = _assigned(store, "KMNPQRTU")
    first = replace(Progress(1, 1, {1: (1.0,)}), nickname="Ada")
    assert store.save_progress(homework.code, "student-a", first, NOW)
    assert store.save_progress(homework.code, "student-b", Progress(), NOW)
    assert store.save_progress(homework.code, "student-a", replace(first, step=0), NOW)
    assert store.progress(homework.code, "student-a") == replace(first, step=0)
    assert store.progress(other.code, "student-a") is None and store.progresses(other.code) == []
    assert sorted(p.furthest for p in store.progresses(homework.code)) == [0, 1]
    assert store.changes(homework.code) == 3 and store.changes(other.code) == 0
    assert not store.save_progress("HQCMTKMA", "student-a", first, NOW)  # no such homework


def test_a_homework_counts_at_most_max_students(store, monkeypatch):
    import classroom.homework_store as module

    monkeypatch.setattr(module, "MAX_STUDENTS", 3)
    homework = _assigned(store)
    assert all(store.save_progress(homework.code, f"s{n}", Progress(), NOW) for n in range(3))
    assert not store.save_progress(homework.code, "s3", Progress(), NOW)
    assert store.save_progress(homework.code, "s1", Progress(1, 1), NOW)  # one already counted goes on
    assert len(store.progresses(homework.code)) == 3


def test_a_store_holds_at_most_max_homeworks_and_expired_ones_make_room(store, monkeypatch):
    import classroom.homework_store as module

    monkeypatch.setattr(module, "MAX_HOMEWORKS", 2)
    _assigned(store, "HQCMTKMA")
    _assigned(store, "HQCMTKMC")
    assert not store.create(hw.assign("s", "{}", False, NOW, "HQCMTKMD"), NOW)
    later = NOW + hw.RETENTION + 1
    assert store.create(hw.assign("s", "{}", False, later, "HQCMTKMD"), later)


def test_an_unreachable_store_says_so(tmp_path):
    with pytest.raises(StoreUnavailable):
        open_homework_store(f"redis://127.0.0.1:{free_port()}/0").load("HQCMTKMN", NOW)
    (tmp_path / "a file").write_text("")
    with pytest.raises(StoreUnavailable):
        SQLiteHomework(tmp_path / "a file" / "classes.sqlite3")
