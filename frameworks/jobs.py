"""The frameworks' runs as jobs the page can watch: each framework's verdict on a setup is
computed once per server, in its runtime's lane, and any tab may look at how far it got.

A ``Job`` is one framework on one setup: when it was asked for, when its run began and ended,
and its future. ``Jobs`` keeps them per setup for the server (a tab that asks for a setup
another tab started watches the same job), and each framework's recent run times, from which
the page estimates how long a run still takes. No Streamlit; the clock is injectable.

    jobs = Jobs(clock=lambda: 0.0)
    job = jobs.job(digest) or jobs.add(digest, Job("compile", cold=True, submitted=0.0))
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

__all__ = ["TYPICAL_SECONDS", "Job", "Jobs", "holder"]

# A run's typical seconds on a 2-core machine before this server has timed one of its own
# (docs/benchmarks.md, "Across frameworks"): (framework, its worker was not up) -> seconds.
TYPICAL_SECONDS = {("compile", True): 20.0, ("compile", False): 10.0}


@dataclass(eq=False)
class Job:
    """One framework's run on one setup; ``started`` and ``finished`` are set by its lane."""

    key: str
    cold: bool  # its worker was not up when it was asked for: the run starts it first
    submitted: float
    started: float | None = None
    finished: float | None = None
    future: Future = field(default_factory=Future)

    @property
    def done(self) -> bool:
        return self.future.done()

    def elapsed(self, now: float) -> float:
        """Seconds the run has taken (so far, or in all); 0 while it waits for its lane, and 0
        when ``now`` was read just before its lane started it (a page's clock, then a thread)."""
        if self.started is None:
            return 0.0
        return max(0.0, (self.finished if self.finished is not None else now) - self.started)


class Jobs:
    """The server's jobs, by setup (the last ``limit`` kept), and each framework's run times."""

    def __init__(self, limit: int = 512, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.clock = limit, clock
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._seconds: dict[tuple[str, bool], deque[float]] = {}
        self.lock = threading.Lock()

    def job(self, digest: str) -> Job | None:
        """The job for this setup, when one was asked for and did not fail."""
        with self.lock:
            job = self._jobs.get(digest)
            if job is not None:
                self._jobs.move_to_end(digest)
            return job

    def pending(self) -> list[Job]:
        """The jobs not done yet (waiting for their lane, or running)."""
        with self.lock:
            return [job for job in self._jobs.values() if not job.done]

    def add(self, digest: str, job: Job) -> Job:
        """Keep ``job`` for its setup (the oldest goes past ``limit``); a job that fails is dropped,
        so the next tab asks again."""
        with self.lock:
            self._jobs[digest] = job
            while len(self._jobs) > self.limit:
                self._jobs.popitem(last=False)

        def forget_failure(future: Future) -> None:
            if future.cancelled() or future.exception() is not None:
                with self.lock:
                    if self._jobs.get(digest) is job:
                        del self._jobs[digest]

        job.future.add_done_callback(forget_failure)
        return job

    def run(self, job: Job, function: Callable, *args):
        """``function(*args)`` as ``job``'s run (in its lane), timed into the framework's run times."""
        job.started = self.clock()
        try:
            return function(*args)
        finally:
            job.finished = self.clock()
            with self.lock:
                times = self._seconds.setdefault((job.key, job.cold), deque(maxlen=8))
                times.append(job.finished - job.started)

    def estimate(self, key: str, cold: bool) -> float | None:
        """Seconds a run of framework ``key`` takes: the median of this server's last runs, else
        the typical time (``TYPICAL_SECONDS``), else None (no guess).

        >>> jobs = Jobs()
        >>> jobs.estimate("compile", True), jobs.estimate("torch", False)
        (20.0, None)
        """
        with self.lock:
            times = self._seconds.get((key, cold))
            if times:
                return statistics.median(times)
        return TYPICAL_SECONDS.get((key, cold))


def holder(waiting: Job, pending: list[Job], runtimes: dict[str, str]) -> str | None:
    """The framework (key) whose run holds the worker ``waiting`` needs: a running job of
    another framework in the same runtime (``runtimes``: key -> runtime); None when there is
    none (the lane has just let go, or another setup's run of the same framework holds it).

    >>> running = Job("torch", cold=False, submitted=0.0, started=1.0)
    >>> holder(Job("onnx17", cold=False, submitted=0.0), [running], {"torch": "torch", "onnx17": "torch"})
    'torch'
    """
    runtime = runtimes[waiting.key]
    for job in pending:
        running = job.started is not None and job.finished is None and job.key != waiting.key
        if running and runtimes[job.key] == runtime:
            return job.key
    return None
