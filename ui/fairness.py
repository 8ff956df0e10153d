"""A fair share of the server for each browser tab.

Streamlit runs every tab's script in its own thread of one process: a tab that reruns the
most expensive view back to back (0.2-0.3 CPU-seconds a run) takes the cores from the thirty
students beside it (docs/benchmarks.md, "A class"). So each tab has a budget of server CPU time, counted
by its script thread's own clock: it may spend ``BURST`` seconds at once, and ``RATE`` seconds
per second on average. A run that starts past its burst first waits, in its own thread, until
the tab is back within it; the other tabs do not wait. A student's usual change costs a few
hundredths of a second and never waits; a tab hammering the heaviest view waits its turn.

Within their bursts, five such tabs still ran at once: their threads and the server's event
loop (which sends every tab's messages) share one GIL, and every other tab's run waited on it
(a class of 30 on that server went from p95 0.03 s to 0.2-0.3 s; one heavy tab alone cost it
nothing). So a tab in debt runs in the server's one heavy lane (``HEAVY_LANE``): one such run
at a time, the others' threads asleep meanwhile.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace

import streamlit as st

__all__ = [
    "BURST",
    "HEAVY_DEBT",
    "HEAVY_LANE",
    "RATE",
    "TEACHER_RATE",
    "Account",
    "Budget",
    "Clock",
    "Lane",
    "account",
    "fair_share",
    "freeze_long_lived_objects",
    "set_rate",
    "wait_for_budget",
]

RATE = 0.04  # CPU-seconds per second a tab may use on average: 4 % of a core
# A class's teacher (one tab per class, behind its secret): the cockpit redraws the live count
# and chart on every answer, 20 answers a second from 200 students; at 4 % it ran out of its
# burst within one vote and the count came up to 1 s late (bench_live_class.py --deck --peer).
TEACHER_RATE = 0.25
BURST = 1.0  # CPU-seconds a tab may spend at once (a dozen of the heaviest runs) before it waits
KEY = "cpu_budget"  # the session's Account


class Clock:
    """Where a tab's debt drains and its thread waits: the process's monotonic clock. The
    server's is ``CLOCK``; a test puts in one it drives, so a wait is a number, not a time."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


CLOCK = Clock()


class Lane:
    """One run at a time on this server (a process), among the runs that take the lane; the
    others' threads sleep meanwhile. A run waits at most ``patience`` seconds, then goes anyway:
    a lane orders runs, it never stops a tab for good."""

    def __init__(self, patience: float) -> None:
        self.patience = patience
        self._lock = threading.Lock()
        self.waiting = 0  # runs waiting for the lane now: a test waits for one, not for a time
        self._count = threading.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    @contextmanager
    def taken(self) -> Iterator[None]:
        self._counted(+1)
        got = self._lock.acquire(timeout=self.patience)
        self._counted(-1)
        try:
            yield
        finally:
            if got:
                self._lock.release()

    def _counted(self, change: int) -> None:
        with self._count:
            self.waiting += change


# A tab this far in debt (one of the heaviest runs; a student's change costs ~0.015 s and drains
# in half a second) runs in the server's one heavy lane: one such run at a time.
HEAVY_DEBT = 0.05
HEAVY_LANE = Lane(patience=5.0)


@dataclass(frozen=True)
class Budget:
    """A tab's CPU debt (seconds) as of ``at`` (a monotonic clock); it drains at ``rate``."""

    debt: float = 0.0
    at: float = 0.0
    rate: float = RATE

    def now(self, clock: float) -> Budget:
        """The debt at ``clock``, drained since ``at``.

        >>> round(Budget(2.0, 10.0).now(15.0).debt, 6), round(Budget(2.0, 10.0, TEACHER_RATE).now(15.0).debt, 6)
        (1.8, 0.75)
        """
        return Budget(max(0.0, self.debt - (clock - self.at) * self.rate), clock, self.rate)

    def wait(self) -> float:
        """Seconds to wait before the next run, to be back within the burst.

        >>> round(Budget(1.2, 0.0).wait(), 6), Budget(0.5, 0.0).wait(), round(Budget(1.2, 0.0, TEACHER_RATE).wait(), 6)
        (5.0, 0.0, 0.8)
        """
        return max(0.0, (self.debt - BURST) / self.rate)


@dataclass
class Account:
    """A tab's budget as its session holds it: one object, changed in place. A run's cost is
    recorded when the run ends, and by then any ``st.session_state`` access may raise
    Streamlit's stop (a newer rerun stopped the run): writing to this object cannot.
    ``counted`` is False until the tab's first run is done: that run is not counted, since on
    a fresh server it carries the process's own warm-up (imports, first calls: ~1.3 CPU-s
    here), and a student whose first page paid for it waited half a minute for their next."""

    budget: Budget
    counted: bool = False

    def charge(self, seconds: float) -> None:
        if self.counted:
            self.budget = replace(self.budget, debt=self.budget.debt + seconds)
        self.counted = True


_counting = threading.local()  # ``active`` while this script thread's run is counted


def account() -> Account:
    """This tab's account (a new one, owing nothing, on its first run)."""
    found = st.session_state.get(KEY)
    if not isinstance(found, Account):
        found = st.session_state[KEY] = Account(Budget(0.0, CLOCK.now()))
    return found


def fair_share(run: Callable[[], None]) -> None:
    """Run ``run`` (a whole script run, or a fragment's) within this tab's budget; a fragment
    inside a counted run is counted with it, once."""
    if getattr(_counting, "active", False):
        run()
        return
    tab = account()
    budget = wait_for_budget(tab)
    _counting.active = True
    started = time.thread_time()
    try:
        with HEAVY_LANE.taken() if budget.debt > HEAVY_DEBT else nullcontext():
            run()
    finally:
        _counting.active = False
        tab.charge(time.thread_time() - started)


@st.cache_resource
def freeze_long_lived_objects() -> None:
    """Once per server (app.py, each run; defined here, not in app.py, which each run executes
    afresh: a cached function defined there was made again on every run): torch and plotly
    bring ~200 000 objects that live as long as the process. A full collection by Python's
    garbage collector walks them all (~150 ms here, holding up whichever run it lands in);
    frozen, the collector skips them."""
    import figures.plotly_figure  # noqa: F401
    import pooling.reference  # noqa: F401 - imports torch

    gc.freeze()


def set_rate(rate: float) -> None:
    """This tab's rate from now on (``TEACHER_RATE`` for a class's teacher, else ``RATE``); its
    debt so far drained at the old one."""
    tab = account()
    if tab.budget.rate != rate:
        tab.budget = replace(tab.budget.now(CLOCK.now()), rate=rate)


def wait_for_budget(tab: Account | None = None) -> Budget:
    """Wait, in this tab's thread only, until the tab is back within its burst; its budget
    then. Called before a run takes any lane: a tab that waits must not hold one."""
    tab = tab or account()
    budget = tab.budget.now(CLOCK.now())
    if budget.wait():
        CLOCK.sleep(budget.wait())
        budget = budget.now(CLOCK.now())
    tab.budget = budget
    return budget
