"""Streamlit's runs delivered whole: a fragment's rerun no longer cuts off the run before it, nor
empties the page a switch just drew. Needed for Step by step's Play, the one fragment timer
left (a live class is pushed and has none: docs/decisions/0002-run-order-kept-for-step-by-step.md).

Each run of a session happens in a ScriptRunner's thread; what the run sends reaches the
browser through the server's event loop, in order, and the runner's last event ("shutdown")
comes after everything it sent. When a rerun request arrives, ``AppSession.request_rerun``
hands it to the current runner; a runner whose script has finished refuses it, and the
session makes a new runner at once. From then on, every event of the old runner still
waiting on the event loop is dropped ("Ignoring event from non-current ScriptRunner"): the
end of its run, its ``script_finished`` and the ``auto_rerun`` of every fragment on a timer.

On a busy server the event loop lags behind the script threads, and this happens: a tab
whose tick (a fragment's timer: Step by step's replay) arrives as the page's run ends gets
half a page, and, since the browser drops its timers when a whole run starts and the
``auto_rerun`` that sets them again was dropped, its timer stops for good. When a class's
students still polled, benchmarks/bench_live_class.py saw it on 1-5 of 60 tabs (Streamlit
1.67; its comment in ``request_rerun`` names a sibling of this race, streamlit/streamlit#9921).

The fix: while the refusing runner's events are still on their way, the new runner waits for
the old one's "shutdown" event, which comes after them all; requests arriving meanwhile are
handed to the new runner as it starts, where Streamlit's own rules merge them. A runner also
refuses once it has been told to stop (the browser's Stop, a closed tab): a request then waits
until the old run reaches its next yield point and ends, as a whole rerun already does.

A second defect of the same kind: a fragment's rerun carries the page the browser showed
when it was sent. If the session switched pages before that request runs (a following
student's rerun ends in ``st.switch_page`` when the teacher moves the class, and a tick of the
student's Step by step replay sent meanwhile waits its turn),
Streamlit runs the fragment as a page change back to the old page: it clears the widget state,
and the browser, whose ``new_session`` for the fragment's run comes right behind the new
page's, removes the whole page and draws only the fragment. (Naming the new page in that
run is not enough: the browser, still applying the switch, compares with the page it had.) A
class's student is left with the class bar over an empty page until the teacher's next
change; Chromium showed it in about one lesson in ten on a loaded machine. The fix: such a
stale request is skipped; the timer's next tick comes from the page the browser now shows.

``install()`` is called at every run of app.py; it patches once per process.
"""

from __future__ import annotations

import functools

from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.scriptrunner import ScriptRunner, ScriptRunnerEvent

__all__ = ["install"]

WAITING = "_avgpool_waiting_reruns"  # an AppSession's requests held for the old runner's end


def _wait_for_the_old_runner(create):
    """``AppSession._create_scriptrunner``, which holds the request while a runner that refused
    it is still current (``request_rerun`` calls it then only): its events are on their way."""

    @functools.wraps(create)
    def create_when_free(self: AppSession, initial_rerun_data) -> None:
        if self._scriptrunner is not None:
            self.__dict__.setdefault(WAITING, []).append(initial_rerun_data)
            return
        self.__dict__.pop(WAITING, None)  # a whole rerun that stopped the runner covers them
        create(self, initial_rerun_data)

    create_when_free.patched = True
    return create_when_free


def _start_the_waiting_on_shutdown(handle, create):
    """``AppSession._handle_scriptrunner_event_on_event_loop``, which starts the held requests
    once the old runner's last event ("shutdown") has been handled."""

    @functools.wraps(handle)
    def handle_then_start(self: AppSession, sender, event, *args, **kwargs) -> None:
        handle(self, sender, event, *args, **kwargs)
        if event != ScriptRunnerEvent.SHUTDOWN or self._scriptrunner is not None or WAITING not in self.__dict__:
            return
        first, *later = self.__dict__.pop(WAITING)
        if self._state == AppSessionState.SHUTDOWN_REQUESTED:
            return
        create(self, first)
        for rerun_data in later:
            if not self._scriptrunner.request_rerun(rerun_data):  # refused: it waits its turn
                AppSession._create_scriptrunner(self, rerun_data)

    return handle_then_start


def _fragments_of_the_current_page(run_script):
    """``ScriptRunner._run_script``, which skips a rerun of fragments alone sent from another
    page than the session's (sent before a page switch reached the browser): that page is
    gone, and a fragment's run is not a page change. A timer's next tick, sent from the page
    the browser now shows, runs as usual; so does a request that names no page."""

    @functools.wraps(run_script)
    def run_unless_stale(self: ScriptRunner, rerun_data) -> None:
        sent_from, current = rerun_data.page_script_hash, self._pages_manager.current_page_script_hash
        if rerun_data.fragment_id_queue and sent_from and current and sent_from != current:
            return
        run_script(self, rerun_data)

    return run_unless_stale


def install() -> None:
    """Patch AppSession and ScriptRunner (once per process: a second call changes nothing)."""
    if getattr(AppSession._create_scriptrunner, "patched", False):
        return
    ScriptRunner._run_script = _fragments_of_the_current_page(ScriptRunner._run_script)
    create = AppSession._create_scriptrunner
    AppSession._handle_scriptrunner_event_on_event_loop = _start_the_waiting_on_shutdown(
        AppSession._handle_scriptrunner_event_on_event_loop, create
    )
    AppSession._create_scriptrunner = _wait_for_the_old_runner(create)
