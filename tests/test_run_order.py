"""No page of this app ticks on a fragment timer while it is open, because of two races of
Streamlit 1.67 between a timer's tick and a whole run (replayed in Streamlit's own runtime,
in a process of its own, with the event loop held by hand at the moment a busy server's
lags: harness/runtime.py): a tick landing as a whole run ends drops that run's end and the
timer; a tick sent before a server-side page switch runs as a switch back. They cannot happen
here: a live class is pushed (ui/classroom.py), Step by step's Play is timed in the browser
and halted before a class's page switch (ui/replay_ticker.js, tests/test_browser_class.py),
and app.py's reconnect fragment never fires while a tab is open."""

from __future__ import annotations

import ast

from harness.runtime import replay
from harness.server import REPO


def test_streamlit_still_drops_the_end_of_a_run_a_tick_lands_on():
    """Streamlit 1.67. When this fails, Streamlit fixed the race, and a page may tick again."""
    seen = replay("race")
    assert seen["raced"] and seen["tick_ran"] and not seen["tick_waited"]
    assert not seen["whole_run_ended"] and not seen["timer_set_again"] and not seen["last_words"]


def test_streamlit_still_runs_a_tick_sent_before_a_switch_as_a_switch_back():
    """Streamlit 1.67. When this fails, Streamlit fixed it."""
    assert replay("stale-tick") == {"ticks_run_on": ["one", "two"]}


def test_a_student_playing_step_by_step_has_no_timer_to_tick():
    """This app, in Streamlit's own runtime: a following student taken to Step by step presses
    Play; its tab gets no fragment timer (Play's steps come from ui/replay_ticker.js)."""
    assert replay("replay-play") == {"timers": []}


def test_no_fragment_of_the_app_ticks_while_a_tab_is_open():
    """Every ``run_every`` in the app's code: app.py's reconnect fragment alone, 20 days."""
    found = []
    for path in [REPO / "app.py", *sorted((REPO / "ui").glob("*.py")), *sorted((REPO / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "run_every":
                found.append((path.name, ast.unparse(node.value)))
    assert found == [("app.py", "RECONNECT_TIMER")], found
