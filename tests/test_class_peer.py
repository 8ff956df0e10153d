"""Peer instruction and the teacher's control of the answers (issue 30 §2, §3) as pure
transitions (classroom/model.py), against both stores (classroom/store.py): SQLite and a real
``redis-server``. No Streamlit."""

from __future__ import annotations

import sqlite3

import pytest

from classroom import model
from classroom.store import RedisStore, SQLiteStore
from tests.test_classroom import NOW, _lesson, _question


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    """Both stores, as tests/test_classroom.py makes them (its redis-server)."""
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "classes.sqlite3")
    redis = RedisStore(request.getfixturevalue("redis_address"))
    redis._redis.flushdb()
    return redis


@pytest.fixture(scope="module")
def redis_address():
    from tests.test_classroom import redis_address as started

    yield from started.__wrapped__()


def _asked(store):
    lesson = model.ask(_lesson(store), _question(kernel_size=(3, 3), stride=(1, 1)))  # truth 1, mistakes 9, 1/9
    assert store.save(lesson, 1, NOW)
    return lesson


def test_a_full_peer_instruction_cycle_keeps_both_votes_apart(store):
    lesson = _asked(store)
    question = lesson.question
    first = {"a": 9.0, "b": 9.0, "c": 1 / 9, "d": 1.0}
    for student, value in first.items():
        assert store.answer("HQCMT", 1, student, value, NOW, sure=student in "ab")
    discussing = model.discuss(lesson)
    assert discussing.question.discussing and model.answer_hidden(discussing)
    assert not model.accepting(discussing, NOW)
    second_vote = model.vote_again(discussing)
    assert second_vote.question.vote == 2 and model.accepting(second_vote, NOW)
    second = {"a": 1.0, "b": 9.0, "c": 1.0, "d": 1.0}
    for student, value in second.items():
        assert store.answer("HQCMT", 1, student, value, NOW, vote=2, sure=student != "b")
    assert store.answers("HQCMT", 1) == first and store.answers("HQCMT", 1, vote=2) == second
    assert (store.answer_count("HQCMT", 1), store.answer_count("HQCMT", 1, vote=2)) == (4, 4)
    assert store.confidences("HQCMT", 1) == {"a": True, "b": True, "c": False, "d": False}
    assert model.moves(question, first, second) == (("9", 1, "divisor"), ("1/9", 1, "one_share"))
    assert model.tally(question, second).right == 3
    sure = model.confidence(question, second, store.confidences("HQCMT", 1, vote=2))
    assert (sure.sure, sure.sure_right, sure.unsure, sure.unsure_right) == (3, 3, 1, 0)
    revealed = model.reveal(second_vote)
    assert revealed.question.revealed and not model.accepting(revealed, NOW)
    store.delete("HQCMT")  # every vote and confidence goes with the class
    assert store.answers("HQCMT", 1, vote=2) == {} and store.confidences("HQCMT", 1) == {}


def test_an_answer_without_confidence_replaces_one_with_it(store):
    _asked(store)
    store.answer("HQCMT", 1, "a", 1.0, NOW, sure=True)
    store.answer("HQCMT", 1, "a", 9.0, NOW)
    assert store.answers("HQCMT", 1) == {"a": 9.0} and store.confidences("HQCMT", 1) == {}


def test_answers_close_now_or_when_the_countdown_runs_out_by_the_stores_clock(store):
    lesson = _asked(store)
    now = store.clock()
    assert abs(now - __import__("time").time()) < 60  # the store's own clock, not the test's
    counting = model.close_answers(lesson, now, after=30)
    assert counting.question.closes_at == now + 30 and counting.version == lesson.version + 1
    assert model.accepting(counting, now + 29.99) and not model.accepting(counting, now + 30)
    closed = model.close_answers(lesson, now)
    assert closed.question.closed and not model.accepting(closed, now)
    assert model.close_answers(closed, now) == closed  # closing twice changes nothing
    assert model.close_answers(model.start("HQCMT", "s"), now).question is None  # no question: nothing


def test_show_answer_takes_only_a_wrong_answer_and_pause_resumes():
    lesson = model.ask(model.start("HQCMT", "s"), _question(kernel_size=(3, 3), stride=(1, 1)))
    shown = model.show_answer(lesson, "9", ("9", "1/9"))
    assert shown.question.shown == "9" and shown.version == lesson.version + 1
    assert model.show_answer(lesson, "<b>x</b>", ("9",)) == lesson  # a crafted label: nothing
    assert model.show_answer(shown, None, ()).question.shown is None
    assert model.reveal(shown).question.shown is None  # the reveal puts it away
    paused = model.pause(lesson, True)
    assert paused.paused and paused.version == lesson.version + 1 and model.pause(paused, True) == paused
    assert not model.pause(paused, False).paused


def test_the_new_state_round_trips_through_json():
    lesson = model.close_answers(model.discuss(model.ask(model.start("HQCMT", "s"), _question())), NOW)
    lesson = model.pause(model.show_answer(model.vote_again(lesson), None, ()), True)
    lesson = model.close_answers(lesson, NOW, after=10)
    assert model.Lesson.from_json(lesson.to_json()) == lesson
    assert lesson.question.vote == 2 and lesson.question.closes_at == NOW + 10


def test_a_file_from_before_the_votes_keeps_its_answers_as_vote_one(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE answers (code TEXT, question INTEGER, student TEXT, value REAL, "
                   "PRIMARY KEY (code, question, student))")  # fmt: skip
        db.execute("INSERT INTO answers VALUES ('HQCMT', 1, 'a', 0.25)")
    migrated = SQLiteStore(path)
    assert migrated.answers("HQCMT", 1) == {"a": 0.25} and migrated.answers("HQCMT", 1, vote=2) == {}
    assert migrated.answer("HQCMT", 1, "a", 1.0, NOW, vote=2)
    assert migrated.answers("HQCMT", 1) == {"a": 0.25}


def test_both_votes_and_their_confidences_survive_a_restart_of_redis(tmp_path):
    import shutil

    from classroom.store import StoreUnavailable
    from harness.server import free_port, redis_server

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    with redis_server(tmp_path, port) as (address, _):
        store = RedisStore(address)
        lesson = model.vote_again(model.discuss(_asked(store)))
        assert store.save(lesson, 2, NOW)
        store.answer("HQCMT", 1, "a", 9.0, NOW, sure=True)
        store.answer("HQCMT", 1, "a", 1.0, NOW, vote=2, sure=False)
    with pytest.raises(StoreUnavailable):
        store.answers("HQCMT", 1)
    with redis_server(tmp_path, port):
        assert store.load("HQCMT", NOW) == lesson
        assert (store.answers("HQCMT", 1), store.answers("HQCMT", 1, vote=2)) == ({"a": 9.0}, {"a": 1.0})
        assert (store.confidences("HQCMT", 1), store.confidences("HQCMT", 1, vote=2)) == ({"a": True}, {"a": False})
