"""Each tab within its share of the server (ui/fairness.py): a tab past its CPU burst waits
before its next run, in its own thread; a tab within it does not."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import open_app, waits_for_lane
from ui.fairness import BURST, HEAVY_LANE, RATE, TEACHER_RATE, Account, Budget, Lane, wait_for_budget


def test_a_tab_past_its_burst_waits_and_others_do_not(manual_clock):
    """The server's clock is one the test drives (ui/fairness.py ``CLOCK``): how long a tab
    waited is what it asked the clock for, whatever the machine's load."""
    clock = manual_clock()
    heavy, light = open_app(), open_app()
    # The heavy tab has spent its burst and one more second of its rate's worth.
    heavy.session_state["cpu_budget"] = Account(Budget(BURST + RATE * 1.0, clock.now()), counted=True)
    heavy.run()
    assert not heavy.exception and clock.slept == [pytest.approx(1.0)]
    light.run()
    assert not light.exception and clock.slept == [pytest.approx(1.0)]  # the light tab did not wait
    assert heavy.session_state["cpu_budget"].budget.debt > 0  # its runs are counted


def test_a_budget_drains_by_the_clock_it_is_given(manual_clock):
    """``wait_for_budget``: a tab owing 0.5 s past its burst waits 12.5 s at 4 % of a core; the
    same tab 12.5 s later (by the clock) does not wait."""
    clock = manual_clock()
    tab = Account(Budget(BURST + 0.5, clock.now()), counted=True)
    assert wait_for_budget(tab).debt == pytest.approx(BURST)
    assert clock.slept == [pytest.approx(0.5 / RATE)]
    tab = Account(Budget(BURST + 0.5, clock.now() - 0.5 / RATE), counted=True)
    assert wait_for_budget(tab).debt == pytest.approx(BURST)
    assert len(clock.slept) == 1


def test_a_tab_in_debt_runs_in_the_one_heavy_lane_and_a_student_does_not(manual_clock):
    """Five tabs rerunning the heaviest view at once slowed a class of 30 on their server from
    p95 0.03 s to 0.2-0.3 s (benchmarks/bench_class.py); one at a time, they do not. With the
    lane taken, a tab in debt waits (its thread sleeps) and a student's run goes at once.
    (One AppTest runs at a time: they share the process's runtime.)"""
    clock = manual_clock()  # the debts below drain only as the test says
    heavy, light = open_app(), open_app()
    light.session_state["cpu_budget"] = Account(Budget(0.0, clock.now()), counted=True)
    with HEAVY_LANE.taken():
        light.run()  # a student's change: no debt, no lane
        assert not light.exception
    heavy.session_state["cpu_budget"] = Account(Budget(BURST * 0.9, clock.now()), counted=True)
    assert waits_for_lane(HEAVY_LANE, heavy), "the tab in debt did not wait for the heavy lane"
    assert not heavy.exception


def test_a_lane_orders_runs_but_never_stops_one_for_good():
    """A run that finds the lane taken waits for it (the lane counts it), and goes once it is
    freed; past its patience it goes with the lane still taken. Conditions, not times."""
    lane, order = Lane(patience=600.0), []

    def run() -> None:
        with lane.taken():
            order.append("entered")

    with lane.taken():
        assert lane.busy
        other = threading.Thread(target=run)
        other.start()
        while other.is_alive() and not lane.waiting:
            other.join(timeout=0.01)
        assert lane.waiting == 1 and not order  # it waits for the lane
        order.append("freed")
    other.join(timeout=300)
    assert order == ["freed", "entered"] and not lane.busy and not lane.waiting

    impatient = Lane(patience=0.05)

    def go_anyway() -> None:
        with impatient.taken():
            order.append("went anyway")

    with impatient.taken():
        other = threading.Thread(target=go_anyway)
        other.start()
        other.join(timeout=300)  # it ends while the lane is still taken
        assert not other.is_alive() and order[-1] == "went anyway"
    assert not impatient.busy


def test_a_tabs_first_run_is_not_counted():
    """On a fresh server the first run carries the process's warm-up (~1.3 CPU-s): the tab that
    happens to open first must not wait for it afterwards. Its later runs are counted."""
    tab = open_app()
    assert tab.session_state["cpu_budget"].budget.debt == 0
    tab.run()
    assert tab.session_state["cpu_budget"].budget.debt > 0


def test_a_run_stopped_by_the_next_rerun_is_still_charged():
    """A run that burnt 0.2 s of CPU, then was stopped by the tab's next rerun (Streamlit raises
    its stop at every ``st.session_state`` access from then on), is charged all the same: the
    account is changed in place, and the nesting flag lives in the thread, not the session."""
    from harness.runtime import replay

    assert replay("stopped-run")["debt"] >= 0.1


def test_a_class_refresh_waits_for_the_refresh_lane_and_an_explorers_run_does_not(manual_clock, monkeypatch):
    """A following tab's rerun asked for by its listener (the callback marks it a refresh,
    ui/classroom.py ``_heard``) waits for the server's refresh lane; a lone explorer's run beside
    the class goes at once. 200 refreshes at once made a lone explorer's p95 6.0 s (0.1 s alone)."""
    from ui.classroom import REFRESH, REFRESH_LANE

    manual_clock()
    monkeypatch.setattr(REFRESH_LANE, "patience", 600.0)  # a run that waited for it would time out
    refresh, explorer = open_app(), open_app()
    refresh.session_state[REFRESH] = "2"  # what the listener's callback leaves for its run: the state heard
    assert waits_for_lane(REFRESH_LANE, refresh), "the class's refresh did not wait for the refresh lane"
    assert not refresh.exception and REFRESH not in refresh.session_state  # one refresh, one wait
    with REFRESH_LANE.taken():
        explorer.run()
        assert not explorer.exception


def test_a_class_teacher_drains_at_the_teachers_rate_and_a_student_at_the_usual_one(manual_clock):
    """The cockpit redraws its live count on every answer (20 a second from 200 students): at a
    student's 4 % its count came up to 1 s late, so the teacher's tab drains at TEACHER_RATE.
    A student (who could open any view) keeps RATE."""
    clock = manual_clock()
    teacher = open_app(page="pages/live_class.py")
    teacher.button(key="class_start").click()
    teacher.run()
    teacher.run()
    assert not teacher.exception and teacher.session_state["cpu_budget"].budget.rate == TEACHER_RATE
    code = teacher.session_state["class_seat"].code
    student = open_app({"class": code})
    student.run()
    assert not student.exception and student.session_state["cpu_budget"].budget.rate == RATE
    # A teacher 0.5 s past the burst waits 2 s, not the student's 12.5 s.
    teacher.session_state["cpu_budget"] = Account(Budget(BURST + 0.5, clock.now(), TEACHER_RATE), counted=True)
    assert wait_for_budget(teacher.session_state["cpu_budget"]).debt == pytest.approx(BURST)
    assert clock.slept[-1] == pytest.approx(0.5 / TEACHER_RATE)
