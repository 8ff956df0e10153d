"""ui/run_order.py: a fragment's timer tick that reaches the server as a whole run ends no
longer cuts that run off (its end, its ``script_finished``, the timer's ``auto_rerun``).

The race is replayed in Streamlit's own runtime, in a process of its own, with the event
loop held by hand at the moment a busy server's lags (harness/runtime.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from harness.browser import REPO


def _race(*options: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "harness.runtime", *options], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_tick_arriving_as_a_whole_run_ends_leaves_that_run_whole():
    seen = _race()
    assert seen == {"whole_run_ended": True, "timer_set_again": True, "last_words": True, "tick_ran": True}


def test_without_the_fix_streamlit_drops_the_end_of_the_run():
    """Streamlit as it is (1.67): the run's end is lost. When this fails, Streamlit fixed the
    race itself, and ui/run_order.py can go."""
    seen = _race("--unpatched")
    assert seen["tick_ran"]
    assert not seen["whole_run_ended"] and not seen["timer_set_again"] and not seen["last_words"]
