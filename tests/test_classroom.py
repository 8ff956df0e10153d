"""A live class's rules as pure code (classroom/model.py), run against both stores
(classroom/store.py): the embedded SQLite file and a real ``redis-server`` started here.
No Streamlit; the numbers a question is graded by are checked against torch autograd."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import replace

import numpy as np
import pytest

from classroom import model
from classroom import store as store_module
from classroom.model import Question, Setup
from classroom.store import IDLE_EXPIRY, RedisStore, SQLiteStore, StoreUnavailable, open_store
from harness.server import ARTIFACTS, free_port, redis_server
from pooling.reference import torch_avg_pool2d
from scenario.compute import compute_scenario
from scenario.params import PoolParams

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def redis_address():
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (apt-get install redis-server): in CI it must run")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(ARTIFACTS / f"redis-classroom-{os.getpid()}") as (address, _):
        yield address


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "classes.sqlite3")
    redis = RedisStore(request.getfixturevalue("redis_address"))
    redis._redis.flushdb()
    return redis


def _lesson(store, code="HQCMT", secret="teacher-secret") -> model.Lesson:
    lesson = model.start(code, secret)
    assert store.create(lesson, NOW)
    return lesson


def _question(shape=(5, 5), cell=(2, 2), kernel_size=(2, 2), **params) -> Question:
    """A question the way the cockpit asks it: the truth and mistakes from our core."""
    computed = compute_scenario(np.arange(float(shape[0] * shape[1])).reshape(shape), PoolParams(kernel_size, **params))
    return Question(0, Setup("", {"kernel_h": 3}), cell, float(computed.grad_input[cell]), {"en": "…"},
                    model.mistakes_for(computed, cell))  # fmt: skip


def test_codes_are_short_unambiguous_and_read_forgivingly():
    codes = {model.new_code() for _ in range(200)}
    assert all(len(code) == 5 and set(code) <= set(model.CODE_ALPHABET) for code in codes)
    assert not set(model.CODE_ALPHABET) & set("BILOSZ0125")
    assert model.normalized_code(" hq-cmt") == "HQCMT"
    assert [model.normalized_code(text) for text in ("HQCM", "HQCMTX", "HQ0MT", None, "x" * 1000)] == [None] * 5
    assert len(model.new_secret()) >= 22  # 128 bits in URL-safe base64


def test_a_class_is_created_once_loaded_by_its_code_and_no_other(store):
    lesson = _lesson(store)
    assert not store.create(model.start("HQCMT", "another teacher"), NOW)  # the code is taken
    assert store.load("HQCMT", NOW) == lesson
    assert store.load("HQCMA", NOW) is None and store.version("HQCMA") is None
    other = _lesson(store, "KMNPQ", "second teacher")
    store.save(model.publish(other, Setup("step_by_step", {"kernel_h": 5})), other.version, NOW)
    assert store.load("HQCMT", NOW).setup is None  # two teachers' classes never see each other
    assert store.load("KMNPQ", NOW).setup.page == "step_by_step"


def test_following_sees_a_new_version_only_when_the_setup_changes(store):
    lesson = _lesson(store)
    setup = Setup("", {"kernel_h": 3, "stride_h": 1}, {"x": "1,2;3,4"}, "x-1-1")
    changed = model.publish(lesson, setup)
    assert changed.version == lesson.version + 1
    assert store.save(changed, lesson.version, NOW)
    assert store.version("HQCMT") == changed.version
    assert model.publish(changed, Setup("", {"kernel_h": 3, "stride_h": 1}, {"x": "1,2;3,4"}, "x-1-1")) == changed
    assert store.load("HQCMT", NOW).setup == setup  # every field round-trips through the store


def test_only_the_teacher_may_drive_and_a_stale_save_is_refused(store):
    lesson = _lesson(store, secret="s3cret")
    assert model.teacher_may(lesson, "s3cret")
    assert not any(model.teacher_may(lesson, guess) for guess in ("", "S3CRET", None, 42, lesson.teacher))
    assert "s3cret" not in store.load("HQCMT", NOW).to_json()  # the store keeps a digest only
    first = model.publish(lesson, Setup("", {"kernel_h": 3}))
    second = model.publish(lesson, Setup("", {"kernel_h": 4}))  # read the same version
    assert store.save(first, lesson.version, NOW)
    assert not store.save(second, lesson.version, NOW)  # the first one's change is kept
    assert store.load("HQCMT", NOW).setup.controls == {"kernel_h": 3}


def test_a_question_is_graded_against_torch_and_its_mistakes_are_told(store):
    question = _question(kernel_size=(3, 3), stride=(1, 1))
    truth = torch_avg_pool2d(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), kernel_size=3, stride=1)[1][2, 2]
    assert question.truth == pytest.approx(truth, abs=1e-15)  # 9 shares of 1/9
    lesson = model.ask(_lesson(store), question)
    assert store.save(lesson, 1, NOW)
    answers = {"a": 1.0, "b": 1.0, "c": 1 / 9, "d": 9.0, "e": 0.5, "f": 1.001}
    for student, value in answers.items():
        assert store.answer("HQCMT", 1, student, value, NOW)
    assert store.answer("HQCMT", 1, "d", 1.0, NOW)  # a student changes their answer: still one each
    assert store.answer_count("HQCMT", 1) == 6
    result = model.tally(question, store.answers("HQCMT", 1))
    assert (result.total, result.right) == (6, 4)
    assert dict((label, key) for label, _, key in result.common_wrong) == {"1/9": "one_share", "0.5": None}


def test_reveal_next_and_end(store):
    lesson = _lesson(store)
    asked = model.ask(lesson, _question())
    revealed = model.reveal(asked)
    assert revealed.question.revealed and revealed.version == asked.version + 1
    assert model.reveal(revealed) == revealed
    following = model.next_question(revealed)
    assert following.question is None and following.asked == (revealed.question,)
    again = model.ask(following, _question(cell=(0, 0)))
    assert again.question.number == 2
    over = model.end(again)
    assert over.ended and [q.number for q in model.all_questions(over)] == [1, 2]
    assert store.save(over, lesson.version, NOW)
    store.answer("HQCMT", 2, "a", 0.25, NOW)
    store.delete("HQCMT")  # the class disappears, answers and all
    assert store.load("HQCMT", NOW) is None and store.answers("HQCMT", 2) == {}


def test_a_deck_is_stepped_through_left_for_a_live_setup_and_kept_in_the_store(store):
    from classroom.deck import deck_to_json
    from classroom.deck_library import BUILT_IN

    deck = BUILT_IN["overlap"]
    lesson = _lesson(store)
    opened = model.open_deck(lesson, deck_to_json(deck))
    assert (opened.step, opened.setup, opened.version) == (None, lesson.setup, lesson.version + 1)
    first = model.go_to_step(opened, 0, deck.steps[0].setup)
    assert (first.step, first.setup) == (0, deck.steps[0].setup) and first.version == opened.version + 1
    assert model.go_to_step(first, 0, deck.steps[0].setup) == first  # the same step: nothing for students
    assert store.save(first, lesson.version, NOW)
    assert store.load("HQCMT", NOW) == first  # a reload, a new tab, another replica: the same step
    # The teacher shows something live: the deck keeps its place; back to the step brings its setup.
    live = model.publish(first, Setup("", {"kernel_h": 5}))
    assert live.step == 0 and live.setup != deck.steps[0].setup
    back = model.go_to_step(live, 0, deck.steps[0].setup)
    assert back.setup == deck.steps[0].setup and back.version == live.version + 1
    # An open question holds the deck where it is; once revealed, the next step puts it away.
    asked = model.ask(back, _question())
    assert model.go_to_step(asked, 1, deck.steps[1].setup) == asked
    moved = model.go_to_step(model.reveal(asked), 1, deck.steps[1].setup)
    assert moved.question is None and moved.step == 1 and [q.number for q in moved.asked] == [1]
    # Nothing moves a deck that is not open, a negative step, or an ended class.
    assert model.go_to_step(lesson, 0, Setup()) == lesson
    assert model.go_to_step(first, -1, Setup()) == first
    assert model.open_deck(model.end(first), None).deck == first.deck
    closed = model.open_deck(moved, None)
    assert (closed.deck, closed.step, closed.setup) == (None, None, moved.setup)


def test_idle_classes_expire(store):
    _lesson(store)
    if isinstance(store, SQLiteStore):
        assert store.load("HQCMT", NOW + IDLE_EXPIRY + 1) is None
        assert store.create(model.start("KMNPQ", "x"), NOW + IDLE_EXPIRY + 1)  # which prunes the old one
        assert store.version("HQCMT") is None
    else:  # Redis expires the keys itself
        assert 0 < store._redis.ttl("avgpool:lesson:HQCMT") <= IDLE_EXPIRY


def test_presence_counts_who_follows(store):
    _lesson(store)
    store.seen("HQCMT", "a", True, NOW)
    store.seen("HQCMT", "b", True, NOW)
    store.seen("HQCMT", "b", False, NOW + 1)  # b explores now
    store.seen("HQCMT", "c", True, NOW - 60)  # c left a minute ago
    assert store.presence("HQCMT", NOW + 2) == (2, 1)


def test_presence_of_many_students_is_written_at_once(store):
    """The events route writes every open stream's "still here" in one call (classroom/events.py)."""
    _lesson(store)
    store.seen("HQCMT", "b", True, NOW)
    store.seen_all("HQCMT", {"a": True, "b": False, "c": True}, NOW + 1)  # b explores now
    store.seen_all("HQCMT", {}, NOW + 1)
    assert store.presence("HQCMT", NOW + 2) == (3, 2)
    store.seen_all("HQCMT", {"a": True}, NOW + 20)  # b and c left
    assert store.presence("HQCMT", NOW + 20) == (1, 1)


def test_bounds_answers_classes_and_joins(store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_ANSWERS", 3)
    monkeypatch.setattr(store_module, "MAX_CLASSES", 2)
    _lesson(store)
    assert [store.answer("HQCMT", 1, student, 1.0, NOW) for student in "abcd"] == [True, True, True, False]
    assert store.answer("HQCMT", 1, "a", 2.0, NOW)  # a student already counted may change
    assert store.create(model.start("KMNPQ", "x"), NOW)
    assert not store.create(model.start("RTUVW", "x"), NOW)  # the store is full
    for _ in range(3):
        store.attempt("join:1.2.3.4", 600, NOW)
    assert store.attempts("join:1.2.3.4", 600, NOW + 1) == 3
    assert store.attempts("join:5.6.7.8", 600, NOW) == 0  # another client


def test_only_a_configured_proxy_is_believed_about_the_client():
    """X-Forwarded-For is a header anyone can send: it names the client only when the
    connection comes from a proxy the deployment names (CLASS_TRUSTED_PROXIES)."""
    assert model.client_address("203.0.113.9", "6.6.6.6", ()) == "203.0.113.9"
    assert model.client_address("203.0.113.9", "6.6.6.6", {"10.0.0.2"}) == "203.0.113.9"
    assert model.client_address("10.0.0.2", "6.6.6.6, 203.0.113.9", {"10.0.0.2"}) == "203.0.113.9"
    assert model.client_address("10.0.0.2", "", {"10.0.0.2"}) == "10.0.0.2"
    assert model.client_address(None, "6.6.6.6", ()) == "127.0.0.1"  # Streamlit hides loopback
    assert model.client_address(None, "203.0.113.9", {"127.0.0.1"}) == "203.0.113.9"  # nginx on this host
    assert model.client_address("10.2.3.4", "203.0.113.9", {"10.0.0.0/8"}) == "203.0.113.9"  # a cluster's
    assert model.client_address("11.2.3.4", "203.0.113.9", {"10.0.0.0/8"}) == "11.2.3.4"


def test_sixty_students_answer_at_once(store):
    _lesson(store)
    threads = [threading.Thread(target=store.answer, args=("HQCMT", 1, f"s{n}", n / 7, NOW)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.answer_count("HQCMT", 1) == 60


def test_a_class_survives_a_restart_of_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    with redis_server(tmp_path, port) as (address, _):
        store = RedisStore(address)
        lesson = model.ask(_lesson(store), _question())
        store.save(lesson, 1, NOW)
        store.answer("HQCMT", 1, "a", 1.0, NOW)
    with pytest.raises(StoreUnavailable):
        store.version("HQCMT")  # down: said, not a crash
    with redis_server(tmp_path, port) as (address, _):
        assert store.load("HQCMT", NOW) == lesson  # the same client reconnects by itself
        assert store.answers("HQCMT", 1) == {"a": 1.0}


def test_the_store_is_chosen_by_one_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("CLASS_STORE", raising=False)
    assert isinstance(open_store(), SQLiteStore)
    assert isinstance(open_store(f"sqlite:///{tmp_path}/c.sqlite3"), SQLiteStore)
    assert isinstance(open_store("redis://127.0.0.1:1/0"), RedisStore)
    with pytest.raises(ValueError, match="CLASS_STORE"):
        open_store("postgres://x")
    with pytest.raises(StoreUnavailable):
        open_store("redis://127.0.0.1:1/0").ping()


def test_a_lesson_round_trips_through_json():
    lesson = model.ask(model.publish(model.start("HQCMT", "s"), Setup("", {"kernel_h": 3}, {}, None)), _question())
    lesson = replace(model.reveal(lesson), asked=(lesson.question,))
    assert model.Lesson.from_json(lesson.to_json()) == lesson


def test_a_handed_over_value_is_taken_once_and_not_after_it_expires(store):
    """The cookies on their way to a browser (classroom/cookies.py): one token, one taking."""
    store.hand_over("token-1", '{"a": "b"}', 60, NOW)
    assert store.take("token-1", NOW + 1) == '{"a": "b"}'
    assert store.take("token-1", NOW + 2) is None
    assert store.take("never-given", NOW) is None
    if isinstance(store, SQLiteStore):  # Redis expires by its own clock (the key's TTL)
        store.hand_over("token-2", "late", 60, NOW)
        assert store.take("token-2", NOW + 61) is None
