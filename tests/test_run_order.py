"""ui/run_order.py: a fragment's timer tick that reaches the server as a whole run ends no
longer cuts that run off (its end, its ``script_finished``, the timer's ``auto_rerun``), and a
tick sent from the page before a switch is skipped rather than run as a switch back.

The race is replayed in Streamlit's own runtime, in a process of its own, with the event
loop held by hand at the moment a busy server's lags (harness/runtime.py)."""

from __future__ import annotations

from harness.runtime import replay


def test_a_tick_arriving_as_a_whole_run_ends_leaves_that_run_whole():
    seen = replay("race")
    assert seen["raced"] and seen["tick_waited"]  # the race happened, and the tick's runner waited
    assert seen == {
        "raced": True,
        "whole_run_ended": True,
        "timer_set_again": True,
        "last_words": True,
        "tick_ran": True,
        "tick_waited": True,
    }


def test_without_the_fix_streamlit_drops_the_end_of_the_run():
    """Streamlit as it is (1.67): the run's end is lost. When this fails, Streamlit fixed the
    race itself, and ui/run_order.py can go."""
    seen = replay("race", "--unpatched")
    assert seen["raced"] and seen["tick_ran"] and not seen["tick_waited"]
    assert not seen["whole_run_ended"] and not seen["timer_set_again"] and not seen["last_words"]


def test_a_tick_sent_from_the_page_before_a_switch_is_skipped():
    """A following student's refresh ends in ``st.switch_page``; a tick sent meanwhile from the
    old page must not run (the browser would empty the new page); the next tick runs."""
    assert replay("stale-tick") == {"ticks_run_on": ["two"]}


def test_without_the_fix_streamlit_runs_that_tick_as_a_change_back_to_the_old_page():
    """Streamlit as it is (1.67). When this fails, Streamlit fixed it, and the second patch in
    ui/run_order.py can go."""
    assert replay("stale-tick", "--unpatched") == {"ticks_run_on": ["one", "two"]}


def test_a_replay_tick_behind_a_class_page_switch_is_skipped():
    """This repository's app: a following student plays Step by step (its replay ticks on a
    fragment timer, the one left) when the teacher moves the class to the Playground; a tick
    sent before the browser heard of the switch must not take the tab back."""
    assert replay("replay-switch") == {"runs": ["page step_by_step", "page playground"]}


def test_without_the_fix_that_tick_takes_the_student_back_to_step_by_step():
    """Streamlit as it is (1.67): the tick runs on Step by step after the switch, which is why
    ui/run_order.py stays while the replay ticks in the browser."""
    assert replay("replay-switch", "--unpatched") == {
        "runs": ["page step_by_step", "page playground", "tick on step_by_step"]
    }
