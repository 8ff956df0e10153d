"""Each tab within its share of the server (ui/fairness.py): a tab past its CPU burst waits
before its next run, in its own thread; a tab within it does not."""

from __future__ import annotations

import time

from tests.conftest import open_app
from ui.fairness import BURST, RATE, Budget


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
