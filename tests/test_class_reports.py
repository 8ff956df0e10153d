"""A class's report kept after the class (issue 30 §6): built from the lesson (pure), kept
in both stores for its retention by a driven clock, deleted, read only by its owner, and found
again on the Live class page ("Your class reports", AppTest). The route and the printed page
through a real server and Chromium: tests/test_browser_class_reports.py."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import sqlite3
import time
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from classroom import model
from classroom.model import Lesson, Mistake, Question, Setup
from classroom.report_store import KEPT, RedisReports, SQLiteReports
from classroom.reports import (
    MAX_REPORT_BYTES,
    MAX_REPORTS_PER_TEACHER,
    RETENTION,
    ClassReport,
    new_report,
    report_csv,
)
from classroom.setups import class_report
from tests import test_class_report
from tests.conftest import APP, alerts, open_app

DAY = 24 * 3600.0


def _run(coroutine):
    """``asyncio.run`` in a thread of its own: a browser test run before this one in the same
    worker leaves Playwright's event loop running in this thread (then asyncio.run refuses)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _lesson(secret: str = "s" * 22) -> Lesson:
    """A lesson of two questions: one with peer instruction's two votes, times stamped as the
    cockpit stamps them (by the transitions, on a driven clock)."""
    lesson = model.start("HQCMT", secret)
    first = Question(0, Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5}), (2, 2), 1.0,
                     {"en": "nine shares"}, (Mistake(9.0, "divisor"), Mistake(1 / 9, "one_share")))  # fmt: skip
    second = Question(0, Setup("step_by_step", {"kernel_h": 2}), (0, 1), 0.25)
    steps = [
        (lambda lesson: model.ask(lesson, first), 100.0),
        (model.discuss, 160.0),
        (model.vote_again, 170.0),  # vote 2, revealed without a close: it took until the reveal
        (model.reveal, 230.0),
        (lambda lesson: model.ask(lesson, second), 300.0),
        (lambda lesson: model.close_answers(lesson, 310.0, after=30), 310.0),  # a countdown: closed at 340
        (model.reveal, 345.0),
    ]
    for change, now in steps:
        lesson = model.stamped(lesson, change(lesson), now)
    return lesson


ANSWERS = {1: {"ann": 9.0, "bo": 1 / 9, "cy": 1.0}, 2: {"ann": 0.25, "dee": 1.0}}
SECOND = {1: {"ann": 1.0, "bo": 1.0, "cy": 1.0}}
SURE = {(1, 1): {"ann": True, "bo": False}, (1, 2): {"ann": True, "bo": True, "cy": False}}


def _report(secret: str = "s" * 22, ended_at: float = 1_000.0) -> ClassReport:
    return new_report(_lesson(secret), ANSWERS, SECOND, SURE, ended_at, "en")


# ---------------------------------------------------------------------------------------
# Pure: the report from a lesson.


def test_the_report_keeps_each_question_both_votes_confidence_and_times_and_no_identity():
    report = ClassReport.from_json(_report().to_json())  # as the store gives it back
    assert [q.target for q in report.questions] == ["∂L/∂x[2, 2]", "∂L/∂x[0, 1]"]
    assert report.students == 4 and report.code == "HQCMT" and report.owner == model.teacher_digest("s" * 22)
    assert [model.took(q) for q in report.questions] == [130.0, 40.0]  # ask -> reveal of vote 2; ask -> countdown
    votes = report.votes(0)
    assert sorted(votes.first.values()) == sorted(ANSWERS[1].values())
    assert sorted(votes.second.values()) == [1.0, 1.0, 1.0]
    assert sorted(votes.sure_second.values()) == [False, True, True]
    assert model.moves(report.questions[0], votes.first, votes.second) == (("9", 1, "divisor"), ("1/9", 1, "one_share"))
    kept = report.to_json()
    assert not any(student in kept for student in ("ann", "bo", "cy", "dee"))  # no student's identity

    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    first = [
        tuple(r[k] for k in ("vote", "answer", "count", "sure", "not_sure", "seconds"))
        for r in rows
        if r["question"] == "1"
    ]
    assert sorted(first) == [("1", "1", "1", "0", "0", "130"), ("1", "1/9", "1", "0", "1", "130"),
                             ("1", "9", "1", "1", "0", "130"), ("2", "1", "3", "2", "1", "130")]  # fmt: skip
    assert {r["date"] for r in rows} == {"1970-01-01 00:16 UTC"}
    assert {r["asked_as"] for r in rows} == {"number"}


def test_the_kept_reports_csv_links_open_the_same_setups():
    """The round trip through the store: a report of test_class_report's three questions (typed
    grids, a rectangular kernel with ceil_mode, another page), kept as JSON and read back; its
    CSV's links open each question's setup, checked as that test checks the class's CSV."""
    lesson = Lesson("HQCMT", model.teacher_digest("s" * 22), asked=test_class_report.QUESTIONS)
    report = ClassReport.from_json(new_report(lesson, {}, {}, {}, 0.0, "en").to_json())
    test_class_report.check_links(report_csv(report))


def test_the_csv_says_how_each_question_was_asked():
    typed = Question(1, Setup(), (0, 1), 0.25)
    picked = replace(typed, number=2, choices=(0.25, 1.0, 0.5))
    lesson = Lesson("HQCMT", "digest", asked=(typed, picked))
    rows = csv.DictReader(io.StringIO(class_report(lesson, {1: {"a": 0.25}, 2: {"a": 1.0}})))
    assert {row["question"]: row["asked_as"] for row in rows} == {"1": "number", "2": "choice"}


def test_a_which_cells_question_is_kept_with_its_sets_both_votes_and_who_moved():
    """A "which cells" question's answers are sets (masks): kept per student and vote, counted
    by set in the CSV and on the page to print, its misconception named, who moved counted."""
    from classroom.cells import cells_label, encode_mask
    from classroom.report_page import report_html
    from classroom.setups import question_for

    question = question_for(Setup("", {"kernel_h": 2, "stride_h": 3, "height": 5, "width": 5}), (1, 1), "feeds")
    lesson = model.ask(model.start("HQCMT", "s" * 22), question)
    lesson = model.vote_again(model.discuss(lesson))
    truth, same_index = set(question.cells), {(1, 1)}  # y's own indices taken for x's
    mask = lambda cells: encode_mask(cells, question.grid)  # noqa: E731
    cells = {(1, 1): {"ann": mask(same_index), "bo": mask(truth)}, (1, 2): {"ann": mask(truth), "bo": mask(truth)}}
    sure = {(1, 2): {"ann": True, "bo": False}}
    stored = {1: {"ann": 0.0, "bo": 0.0}}  # a cells answer's number is a placeholder
    report = ClassReport.from_json(new_report(lesson, stored, stored, sure, 0.0, "en", cells).to_json())
    rows = [r for r in csv.DictReader(io.StringIO(report_csv(report))) if r["vote"] == "1"]
    assert {r["asked_as"] for r in rows} == {"cells"}
    assert sorted((r["answer"], r["count"], r["answer_is_right"]) for r in rows) == [
        ("[1, 1]", "1", "no"), (cells_label(truth), "1", "yes")]  # fmt: skip
    assert [r["mistake"][:30] for r in rows if r["answer"] == "[1, 1]"] == ["the cell at the same indices: "]
    page = report_html(report, "en")
    assert f"Right answer: {cells_label(truth)}" in page
    assert "Vote 1 · 1 of 2 right" in page and "Vote 2 · 2 of 2 right" in page
    assert "from [1, 1]: 1" in page  # who moved, by the set they left
    assert page.count("the cell at the same indices") == 1  # vote 1's wrong set, named
    assert "Sure: 1 (1 right) · not sure: 1 (1 right)" in page


# ---------------------------------------------------------------------------------------
# Both stores: retention by a driven clock, delete, the owner's alone, limits.


@pytest.fixture(params=["sqlite", "redis"])
def reports(request, tmp_path):
    if request.param == "sqlite":
        return SQLiteReports(tmp_path / "reports.sqlite3")
    reports = RedisReports(request.getfixturevalue("redis_address"))
    reports._redis.flushdb()
    return reports


@pytest.fixture(scope="module")
def redis_address():
    """A real redis-server, as tests/test_classroom.py starts one (skipped when not installed)."""
    from tests.test_classroom import redis_address as started

    yield from started.__wrapped__()


def test_a_report_is_kept_for_its_retention_then_gone(reports):
    ended = time.time()  # Redis expires the key by its own clock: the report's end is now
    report = _report(ended_at=ended)
    owner = report.owner
    assert reports.keep(report, ended) == KEPT
    assert reports.load(owner, report.id, ended + RETENTION - 1) == report
    assert [kept.id for kept in reports.owned(owner, ended + RETENTION - 1)] == [report.id]
    assert reports.load(owner, report.id, ended + RETENTION + 1) is None
    assert reports.owned(owner, ended + RETENTION + 1) == []
    if isinstance(reports, RedisReports):  # the key itself expires at the end of the retention
        assert RETENTION - 60 < reports._redis.ttl(reports._key(report.id)) <= RETENTION
    else:  # the sweep forgets it for good
        assert reports.sweep(ended + RETENTION + 1) == 1 or reports.owned(owner, ended) == []
        assert reports.load(owner, report.id, ended) is None


def test_only_the_owner_reads_or_deletes_a_report(reports):
    now = time.time()
    mine, theirs = _report("m" * 22, now), _report("t" * 22, now + 1)
    assert reports.keep(mine, now) == KEPT and reports.keep(theirs, now) == KEPT
    assert reports.load(theirs.owner, mine.id, now) is None  # another teacher's: as absent as none
    assert reports.delete(theirs.owner, mine.id) is False
    assert [r.id for r in reports.owned(mine.owner, now)] == [mine.id]
    assert reports.load(mine.owner, "x" * 22, now) is None  # a crafted id
    assert reports.delete(mine.owner, mine.id) is True
    assert reports.load(mine.owner, mine.id, now) is None and reports.owned(mine.owner, now) == []
    assert reports.delete(mine.owner, mine.id) is False  # deleted already
    assert reports.load(theirs.owner, theirs.id, now) == theirs


def test_a_teacher_keeps_at_most_the_limit_and_a_report_at_most_its_size(reports, monkeypatch):
    now = time.time()
    monkeypatch.setattr("classroom.report_store.MAX_REPORTS_PER_TEACHER", 2)
    assert [reports.keep(_report("m" * 22, now + n), now) for n in range(3)] == [KEPT, KEPT, "teacher_full"]
    assert reports.keep(_report("t" * 22, now), now) == KEPT  # another teacher is not held back
    big = _report("b" * 22, now)
    huge = replace(big.questions[0], explanation={"en": "x" * MAX_REPORT_BYTES})
    assert reports.keep(replace(big, questions=(huge,), rows=big.rows[:1]), now) == "too_large"
    assert MAX_REPORTS_PER_TEACHER == 50


def test_the_sqlite_sweep_runs_at_server_start_without_any_write(tmp_path, monkeypatch):
    """``sweeping`` (the server's lifespan) forgets expired reports at once, not on a later
    write (a real server's start: tests/test_browser_class_reports.py)."""

    from classroom import report_store

    store = SQLiteReports(tmp_path / "reports.sqlite3")
    now = time.time()
    old, new = _report(ended_at=now - RETENTION - 10), _report(ended_at=now)
    assert store.keep(new, now) == KEPT and store.keep(old, old.ended_at) == KEPT  # each keep sweeps at its time
    monkeypatch.setattr(report_store, "process_reports", lambda: store)

    async def start_and_stop():
        async with report_store.sweeping(every=3600, clock=lambda: now):
            pass

    _run(start_and_stop())
    with sqlite3.connect(tmp_path / "reports.sqlite3") as db:
        assert [row[0] for row in db.execute("SELECT id FROM class_reports")] == [new.id]


# ---------------------------------------------------------------------------------------
# The Live class page: the list, Open, Download CSV, Delete (AppTest).


def _end_a_class_with_an_answer() -> AppTest:
    teacher = open_app(page="pages/live_class.py")
    teacher.button(key="class_start").click().run()
    teacher.button(key="class_use_default").click().run()
    teacher.button(key="class_ask_pick").click().run()
    code = teacher.session_state["class_seat"].code
    student = open_app({"class": code})
    student.text_input(key="class_answer").set_value("1/4")
    student.button(key="FormSubmitter:class_answer_form-Send").click().run()
    teacher.button(key="class_end").click().run()
    assert not teacher.exception, teacher.exception
    return teacher


def _report_rows(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown if " UTC** · " in element.value]


def test_the_teacher_finds_the_report_again_and_another_browser_sees_none():
    teacher = _end_a_class_with_an_answer()
    assert any("kept for 30 days" in text for text in alerts(teacher)), alerts(teacher)
    assert teacher.get("download_button")  # the CSV of the class just ended
    assert any(sub.value == "Your class reports" for sub in teacher.subheader)
    secret = teacher.session_state["class_secret"]
    [kept] = [key for key in (b.key for b in teacher.button) if key and key.startswith("report_delete_")]
    report_id = kept.removeprefix("report_delete_")
    opened = [element.proto.url for element in teacher.get("link_button") if report_id in element.proto.url]
    assert opened and opened[0].endswith(f"/class/report/{report_id}?lang=en")
    [row] = _report_rows(teacher)  # its date, code, questions and students who answered
    assert row.endswith("· 1 questions · 1 students answered") and teacher.session_state["class_report"][0] in row

    # The teacher's new session (a reload: the cookie gives the secret) lists it too.
    again = _reloaded(secret)
    assert f"report_delete_{report_id}" in [b.key for b in again.button]

    # Another browser: no cookie, no list.
    other = open_app(page="pages/live_class.py")
    assert not [b for b in other.button if b.key and b.key.startswith("report_delete_")]
    assert not any(sub.value == "Your class reports" for sub in other.subheader)

    # Delete, after its confirmation: gone, said so.
    again.button(key=f"report_delete_{report_id}").click().run()
    assert not again.exception
    assert any("was deleted" in text for text in alerts(again)), alerts(again)
    assert f"report_delete_{report_id}" not in [b.key for b in again.button]

    # The same teacher's next class keeps their secret (their next report is found by it), with
    # a join key of its own.
    first_key = model.join_key(model.start(teacher.session_state["class_report"][0], secret))
    again.button(key="class_start").click().run()
    assert again.session_state["class_secret"] == secret
    assert again.session_state["class_seat"].key != first_key


def test_a_crafted_or_anothers_report_id_is_refused_with_a_message():
    """A delete naming a report this teacher does not own (crafted, or another's) deletes
    nothing and says so (the callback as a crafted widget message would reach it)."""
    from ui import class_reports

    mine = _end_a_class_with_an_answer()
    other = _end_a_class_with_an_answer()
    theirs = next(b.key for b in other.button if b.key and b.key.startswith("report_delete_"))
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from ui import class_reports\n"
        f"st.session_state['class_secret'] = {mine.session_state['class_secret']!r}\n"
        f"class_reports._delete({theirs.removeprefix('report_delete_')!r}, 'HQCMT')\n"
        "class_reports._delete('../../etc', 'HQCMT')\n"
        "class_reports.reports_list()\n",
        default_timeout=30,
    ).run()
    assert not at.exception, at.exception
    assert any("not one of yours" in text for text in alerts(at)), alerts(at)
    assert class_reports  # imported in the script as the page imports it
    assert theirs in [b.key for b in _reloaded(other.session_state["class_secret"]).button]  # still there


def _reloaded(secret: str) -> AppTest:
    """The teacher's Live class page in a new session: AppTest has no cookies, so the session
    is given the secret that the teacher's cookie gives a real browser."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["class_secret"] = secret
    at.switch_page("pages/live_class.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_store_outage_is_said_by_the_list_the_end_of_a_class_and_the_route(monkeypatch):
    """The store down: the list says so, a class ended meanwhile says its report was not kept
    (its CSV stays on the page), and the report's page answers 503 with a message."""

    from starlette.requests import Request

    from classroom import report_page
    from classroom.store import StoreUnavailable
    from ui import class_reports

    down = StoreUnavailable("down")
    monkeypatch.setattr(class_reports, "process_reports", lambda: down)
    monkeypatch.setattr(report_page, "process_reports", lambda: down)
    teacher = _end_a_class_with_an_answer()
    assert any("this report is not kept" in text for text in alerts(teacher)), alerts(teacher)
    assert any("cannot be read just now" in text for text in alerts(teacher)), alerts(teacher)
    assert teacher.get("download_button")  # the CSV of the class just ended: the only copy

    secret = teacher.session_state["class_secret"]
    scope = {"type": "http", "method": "GET", "path": f"/class/report/{'a' * 22}", "query_string": b"lang=zh",
             "headers": [(b"cookie", f"avgpool_teacher=HQCMT:{secret}".encode())],
             "path_params": {"report_id": "a" * 22}}  # fmt: skip
    response = _run(report_page.class_report_page(Request(scope)))
    assert response.status_code == 503 and "暂时无法连接课堂存储" in response.body.decode()
    assert response.headers["cache-control"] == "no-store"
