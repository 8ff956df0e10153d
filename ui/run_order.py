"""Streamlit's runs delivered whole: a fragment's rerun no longer cuts off the run before it.

Each run of a session happens in a ScriptRunner's thread; what the run sends reaches the
browser through the server's event loop, in order, and the runner's last event ("shutdown")
comes after everything it sent. When a rerun request arrives, ``AppSession.request_rerun``
hands it to the current runner; a runner whose script has finished refuses it, and the
session makes a new runner at once. From then on, every event of the old runner still
waiting on the event loop is dropped ("Ignoring event from non-current ScriptRunner"): the
end of its run, its ``script_finished`` and the ``auto_rerun`` of every fragment on a timer.

On a busy server the event loop lags behind the script threads, and this happens: a live
class's student (ui/classroom.py) whose tick (a fragment's timer) arrives as the page's run
ends gets half a page, and, since the browser drops its timers when a whole run starts and
the ``auto_rerun`` that sets them again was dropped, the tab stops following the teacher for
good. benchmarks/bench_live_class.py saw it on 1-5 of 60 tabs (Streamlit 1.67; its comment in
``request_rerun`` names a sibling of this race, streamlit/streamlit#9921).

The fix: while the refusing runner's events are still on their way, the new runner waits for
the old one's "shutdown" event, which comes after them all; requests arriving meanwhile are
handed to the new runner as it starts, where Streamlit's own rules merge them. ``install()``
is called once per process (a second call changes nothing).
"""

from __future__ import annotations

import functools

from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.scriptrunner import ScriptRunnerEvent

__all__ = ["install"]

WAITING = "_avgpool_waiting_reruns"  # an AppSession's requests held for the old runner's end


def _after_the_last_run(create):
    """``AppSession._create_scriptrunner``, which waits while a finished runner still has
    events on their way (``request_rerun`` calls it with that runner still current only when
    the runner refused the request)."""

    @functools.wraps(create)
    def created(self: AppSession, initial_rerun_data) -> None:
        if self._scriptrunner is not None:
            self.__dict__.setdefault(WAITING, []).append(initial_rerun_data)
            return
        self.__dict__.pop(WAITING, None)  # a whole rerun that stopped the runner covers them
        create(self, initial_rerun_data)

    created.ordered = True
    return created


def _then_the_waiting(handle, create):
    """``AppSession._handle_scriptrunner_event_on_event_loop``, which starts the waiting
    requests once the old runner's last event has been handled."""

    @functools.wraps(handle)
    def handled(self: AppSession, sender, event, *args, **kwargs) -> None:
        handle(self, sender, event, *args, **kwargs)
        if event != ScriptRunnerEvent.SHUTDOWN or self._scriptrunner is not None or WAITING not in self.__dict__:
            return
        first, *later = self.__dict__.pop(WAITING)
        if self._state == AppSessionState.SHUTDOWN_REQUESTED:
            return
        create(self, first)
        for rerun_data in later:
            self._scriptrunner.request_rerun(rerun_data)

    handled.ordered = True
    return handled


def install() -> None:
    """Patch AppSession (once per process)."""
    if getattr(AppSession._create_scriptrunner, "ordered", False):
        return
    create = AppSession._create_scriptrunner
    AppSession._handle_scriptrunner_event_on_event_loop = _then_the_waiting(
        AppSession._handle_scriptrunner_event_on_event_loop, create
    )
    AppSession._create_scriptrunner = _after_the_last_run(create)
