"""Each tab within its share of the server (ui/fairness.py): a tab past its CPU burst waits
before its next run, in its own thread; a tab within it does not."""

from __future__ import annotations

import threading
import time

from tests.conftest import open_app, waits_for_lane
from ui.fairness import BURST, HEAVY_LANE, RATE, Account, Budget, Lane


def test_a_tab_past_its_burst_waits_and_others_do_not():
    heavy, light = open_app(), open_app()
    # The heavy tab has spent its burst and one more second of its rate's worth.
    heavy.session_state["cpu_budget"] = Account(Budget(BURST + RATE * 1.0, time.monotonic()), counted=True)
    started = time.monotonic()
    heavy.run()
    assert time.monotonic() - started >= 0.9
    started = time.monotonic()
    light.run()
    assert time.monotonic() - started < 0.9
    assert heavy.session_state["cpu_budget"].budget.debt > 0  # its runs are counted


def test_a_tab_in_debt_runs_in_the_one_heavy_lane_and_a_student_does_not():
    """Five tabs rerunning the heaviest view at once slowed a class of 30 on their server from
    p95 0.03 s to 0.2-0.3 s (benchmarks/bench_class.py); one at a time, they do not. With the
    lane taken, a tab in debt waits (its thread sleeps) and a student's run goes at once.
    (One AppTest runs at a time: they share the process's runtime.)"""
    heavy, light = open_app(), open_app()
    light.session_state["cpu_budget"] = Account(Budget(0.0, time.monotonic()), counted=True)
    with HEAVY_LANE.taken():
        light.run()  # a student's change: no debt, no lane
        assert not light.exception
    heavy.session_state["cpu_budget"] = Account(Budget(BURST * 0.9, time.monotonic()), counted=True)
    assert waits_for_lane(HEAVY_LANE, heavy), "the tab in debt did not wait for the heavy lane"
    assert not heavy.exception


def test_a_lane_orders_runs_but_never_stops_one_for_good():
    lane, entered = Lane(patience=0.3), []

    def run() -> None:
        with lane.taken():
            entered.append(time.monotonic())

    with lane.taken():
        assert lane.busy
        started = time.monotonic()
        other = threading.Thread(target=run)
        other.start()
        other.join(timeout=5)
    assert entered and 0.25 <= entered[0] - started < 2  # it waited its patience, then went
    assert not lane.busy


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
