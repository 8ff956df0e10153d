"""Each tab within its share of the server (ui/fairness.py): a tab past its CPU burst waits
before its next run, in its own thread; a tab within it does not."""

from __future__ import annotations

import threading
import time

from tests.conftest import open_app
from ui.fairness import BURST, HEAVY_DEBT, HEAVY_LANE, RATE, Budget


def test_a_tab_past_its_burst_waits_and_others_do_not():
    heavy, light = open_app(), open_app()
    # The heavy tab has spent its burst and one more second of its rate's worth.
    heavy.session_state["cpu_budget"] = Budget(BURST + RATE * 1.0, time.monotonic())
    started = time.monotonic()
    heavy.run()
    assert time.monotonic() - started >= 0.9
    started = time.monotonic()
    light.run()
    assert time.monotonic() - started < 0.9
    assert heavy.session_state["cpu_budget"].debt > 0  # its runs are counted


def test_a_tab_in_debt_runs_in_the_one_heavy_lane_and_a_student_does_not():
    """Five tabs rerunning the heaviest view at once slowed a class of 30 on their server from
    p95 0.03 s to 0.2-0.3 s (benchmarks/bench_class.py); one at a time, they do not. With the
    lane taken, a tab in debt waits (its thread sleeps) and a student's run goes at once.
    (One AppTest runs at a time: they share the process's runtime.)"""
    heavy, light = open_app(), open_app()
    heavy.session_state["cpu_budget"] = Budget(HEAVY_DEBT * 2, time.monotonic())
    light.session_state["cpu_budget"] = Budget(0.0, time.monotonic())
    with HEAVY_LANE:
        light.run()  # a student's change: no debt, no lane
        assert not light.exception
        rerun = threading.Thread(target=heavy.run, kwargs={"timeout": 60})
        rerun.start()
        rerun.join(timeout=2)
        waited = rerun.is_alive()
    rerun.join(timeout=60)
    assert waited, "the tab in debt did not wait for the heavy lane"
    assert not heavy.exception
