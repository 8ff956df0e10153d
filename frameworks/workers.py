"""Where the frameworks run: a worker process per runtime, never the server's own process.

Two reasons, both measured. Streamlit ends every script run of every tab by calling
``keras.backend.clear_session()`` when ``keras`` is imported in its process
(``ScriptRunner._clean_problem_modules``): with Keras, JAX and TensorFlow loaded, that is a
full garbage collection of a ~1.3 GB heap, ~0.7 s added to each run of every page, for every
user of the server, once anyone had opened Across frameworks. And a framework's import, a
compile or a crash is then the worker's, not the server's: its CPU holds no lock of the
server's, its memory goes when it stops.

One worker per runtime, not per framework: the frameworks that share a runtime share its
import (torch eager and the ONNX export with ONNX Runtime need torch; Flax and Keras run on
JAX), and one process per framework cost 2.97 GB where grouped they cost ~1.7 GB
(docs/frameworks.md). torch.compile has a torch worker of its own: a compile takes seconds of
a core, and the other torch columns do not wait behind it. A worker starts on first use,
runs one snippet at a time, is replaced when a run leaves it larger than ``MEMORY_LIMIT`` or
when it dies, and stops after
``IDLE_SECONDS`` without work (``stop_idle``, driven by a clock in the tests).

Stopping a worker kills its process through ``ProcessPoolExecutor._processes`` (private: the
pool's public ``shutdown`` waits for a run, and a compile may take a minute). ``PRIVATE_PROCESSES``
names what is relied on; ``private_problem`` checks it, in ``tests/test_framework_workers.py``
and once per server when the first worker starts (an error in the log, then ``stop`` falls
back to ``shutdown``: a running compile finishes before its process goes).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

__all__ = [
    "IDLE_SECONDS",
    "MEMORY_LIMIT",
    "PRIVATE_PROCESSES",
    "RUNTIMES",
    "Outcome",
    "WorkerStopped",
    "private_problem",
    "run",
    "running",
    "stop_idle",
]

RUNTIMES = ("torch", "compile", "jax", "tensorflow")
IDLE_SECONDS = 600.0  # a worker with no run for this long stops (its memory returns)
MEMORY_LIMIT = 3 * 2**30  # bytes: a worker whose peak size passed this after a run is replaced
REAP_EVERY = 60.0  # how often the server looks for idle workers
NICENESS = 10  # a worker's CPU priority below the server's: pages redraw first while a framework computes


class WorkerStopped(Exception):
    """The runtime's worker process ended during a run (a crash, or killed for memory)."""


@dataclass(frozen=True)
class Outcome:
    """What a snippet's run in a worker gave: its numbers, or its error as text (a framework's
    own exception is never sent back as itself: unpickling it would import the framework here)."""

    y: np.ndarray | None = None
    grad_x: np.ndarray | None = None
    dtype: str | None = None
    error: str | None = None
    peak_bytes: int = 0  # the worker's largest size so far


# ---------------------------------------------------------------------------------------
# In the worker process.

_namespaces: dict[str, dict] = {}  # each snippet's definitions, by code text (compiled once)


def _start(runtime: str) -> None:
    os.nice(NICENESS)  # on a busy machine, the server's own runs (every tab's pages) come first
    _exit_with_parent()
    if runtime == "compile":
        from frameworks.torch_compile import prepare

        prepare()


def _exit_with_parent() -> None:
    """A server killed without stopping its pool (SIGKILL, the kernel's OOM killer, a crash)
    left its workers running, 0.5-0.8 GB each: the browser tests' killed servers left six. A
    thread of the worker waits on its parent's sentinel, ready once the parent is gone, and
    ends the worker then, whatever it is doing (a compile included)."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not started by a server (a direct call in a test)
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _run_here(code: str, x: np.ndarray, grad_y: np.ndarray) -> Outcome:
    """Run the snippet's ``run(x, grad_y)`` in this process (a worker's)."""
    try:
        if code not in _namespaces:
            if len(_namespaces) >= 64:
                _namespaces.pop(next(iter(_namespaces)))
            namespace: dict = {}
            exec(compile(code, "<framework snippet>", "exec"), namespace)  # our code, numbers from a checked PoolParams
            _namespaces[code] = namespace
        y, grad_x = _namespaces[code]["run"](x, grad_y)
        dtype = str(np.asarray(y).dtype)  # what the framework computed in, as it says
        y = np.asarray(y, dtype=np.float64)
        grad_x = None if grad_x is None else np.asarray(grad_x, dtype=np.float64)
        outcome = Outcome(y, grad_x, dtype)
    except Exception as error:  # a framework's own failure is a finding to show, not a crash
        outcome = Outcome(error=f"{type(error).__name__}: {error}"[:500])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux counts kB
    return Outcome(outcome.y, outcome.grad_x, outcome.dtype, outcome.error, peak)


# ---------------------------------------------------------------------------------------
# In the server.

# The private attribute ``stop`` kills through: a started pool's worker processes, by pid.
PRIVATE_PROCESSES = "concurrent.futures.ProcessPoolExecutor._processes: dict[int, multiprocessing.Process]"
_LOG = logging.getLogger(__name__)


def private_problem(pool: ProcessPoolExecutor) -> str | None:
    """What differs from ``PRIVATE_PROCESSES`` in a pool that has started its process (None: as
    tested)."""
    processes = getattr(pool, "_processes", None)
    if not isinstance(processes, dict):
        return f"the pool has no dict _processes (found {type(processes).__name__})"
    if not processes:
        return "the pool's _processes is empty after a submit"
    for pid, process in processes.items():
        if not isinstance(pid, int) or not callable(getattr(process, "kill", None)) or process.pid != pid:
            return f"_processes holds {type(pid).__name__} -> {type(process).__name__}, not pid -> Process"
    return None


_private_checked: list[str | None] = []  # once per server: the problem found, or None


def _check_private(pool: ProcessPoolExecutor) -> None:
    """``private_problem`` on the first pool started, logged as an error when there is one."""
    if _private_checked:
        return
    _private_checked.append(problem := private_problem(pool))
    if problem is not None:
        _LOG.error(
            "frameworks/workers.py: Python %s changed %s (%s), so a stopped worker's run (a long "
            "compile) is not killed but finishes first. Update _Worker.stop and PRIVATE_PROCESSES.",
            sys.version.split()[0],
            PRIVATE_PROCESSES,
            problem,
        )


class _Worker:
    def __init__(self, runtime: str) -> None:
        self.runtime = runtime
        self.pool: ProcessPoolExecutor | None = None
        self.last_used = 0.0

    def submit(self, code: str, x: np.ndarray, grad_y: np.ndarray, now: float):
        if self.pool is None:
            context = multiprocessing.get_context("spawn")  # nothing of the server's threads or locks
            self.pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start, initargs=(self.runtime,))
        self.last_used = now
        future = self.pool.submit(_run_here, code, x, grad_y)
        _check_private(self.pool)  # its process starts on the first submit
        return future

    def stop(self) -> None:
        if self.pool is not None:
            pool, self.pool = self.pool, None
            processes = getattr(pool, "_processes", None)  # PRIVATE_PROCESSES; None once shut down
            for process in list(processes.values()) if isinstance(processes, dict) else ():
                process.kill()  # a worker may be in a long compile: do not wait for it
            pool.shutdown(wait=False, cancel_futures=True)


_WORKERS = {runtime: _Worker(runtime) for runtime in RUNTIMES}
_lock = threading.Lock()


def run(runtime: str, code: str, x: np.ndarray, grad_y: np.ndarray, clock: Callable[[], float] = time.monotonic):
    """Run a snippet's code in ``runtime``'s worker (started if need be); its ``Outcome``.
    Raises ``WorkerStopped`` when the worker died during the run (the next run starts another)."""
    worker = _WORKERS[runtime]
    with _lock:
        future = worker.submit(code, np.array(x, dtype=np.float64), np.array(grad_y, dtype=np.float64), clock())
    _start_reaper()
    try:
        outcome = future.result()
    except BrokenProcessPool as error:
        with _lock:
            worker.stop()
        raise WorkerStopped(runtime) from error
    with _lock:
        worker.last_used = clock()
        if outcome.peak_bytes > MEMORY_LIMIT:
            worker.stop()
    return outcome


def running() -> set[str]:
    """The runtimes whose worker is up."""
    with _lock:
        return {runtime for runtime, worker in _WORKERS.items() if worker.pool is not None}


def stop_idle(now: float, idle: float = IDLE_SECONDS) -> set[str]:
    """Stop the workers that ran nothing since ``now - idle``; the runtimes stopped."""
    with _lock:
        stopped = {r for r, w in _WORKERS.items() if w.pool is not None and now - w.last_used >= idle}
        for runtime in stopped:
            _WORKERS[runtime].stop()
    return stopped


_reaper: list[threading.Thread] = []
_never = threading.Event()  # never set: the reaper's wait between looks


def _start_reaper() -> None:
    """Once per server: a thread that stops idle workers (it sleeps between looks)."""

    def reap() -> None:
        while not _never.wait(REAP_EVERY):
            stop_idle(time.monotonic())

    with _lock:
        if not _reaper:
            _reaper.append(threading.Thread(target=reap, name="frameworks-reaper", daemon=True))
            _reaper[0].start()
