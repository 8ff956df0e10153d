"""The frameworks run in worker processes (frameworks/workers.py), never in the server's."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

import numpy as np
import pytest

from frameworks import workers
from frameworks.base import Snippet, run_snippet
from harness.browser import REPO

X = np.arange(16.0).reshape(4, 4)
# A snippet that needs no framework, in the runtime whose worker starts with nothing to prepare.
ECHO = Snippet("def run(x, grad_y):\n    return x * 2, grad_y\n", "echo", runtime="tensorflow")
CRASH = Snippet("import os\n\n\ndef run(x, grad_y):\n    os._exit(3)\n", "crash", runtime="tensorflow")


def test_keras_runs_in_its_worker_and_never_in_the_servers_process():
    """Streamlit ends every script run with keras.backend.clear_session() when keras is
    imported in its process (~0.7 s a run with the frameworks loaded, for every tab of the
    server): the Keras column is computed, and keras is not imported in the process that asked
    (a fresh one: other tests here import TensorFlow, which may bring keras in)."""
    script = """import sys
import numpy as np
from frameworks import check
from scenario.params import PoolParams

verdict = check("keras", PoolParams((2, 2)), np.arange(16.0).reshape(4, 4), np.ones((2, 2)))
print(verdict.native.agrees, verdict.native.attempt.error, "keras" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[-3:] == ["True", "None", "False"], done.stdout + done.stderr[-2000:]


def test_a_worker_that_dies_is_a_message_and_the_next_run_starts_another():
    attempt = run_snippet(CRASH, X, X)
    assert attempt.y is None and "worker process stopped" in attempt.error
    assert "tensorflow" not in workers.running()
    again = run_snippet(ECHO, X, X)
    assert again.error is None
    np.testing.assert_array_equal(again.y, X * 2)


def test_an_idle_worker_stops_and_a_busy_one_does_not():
    def at(now):
        return lambda: now

    workers.run("tensorflow", ECHO.code, X, X, clock=at(1000.0))
    assert workers.stop_idle(1000.0 + workers.IDLE_SECONDS - 1) == set()
    assert "tensorflow" in workers.running()
    assert workers.stop_idle(1000.0 + workers.IDLE_SECONDS) == {"tensorflow"}
    assert "tensorflow" not in workers.running()


def test_a_worker_grown_past_its_memory_limit_is_replaced(monkeypatch):
    monkeypatch.setattr(workers, "MEMORY_LIMIT", 0)  # any worker is larger than this
    outcome = workers.run("tensorflow", ECHO.code, X, X)
    np.testing.assert_array_equal(outcome.y, X * 2)  # the run's answer still counts
    assert outcome.peak_bytes > 0
    assert "tensorflow" not in workers.running()


HANG_CODE = "import threading\n\n\ndef run(x, grad_y):\n    threading.Event().wait()\n"  # never returns
HANG = Snippet(HANG_CODE, "hang", runtime="tensorflow")


def test_the_private_processes_attribute_stop_kills_through_is_as_tested():
    """Contract: ``_Worker.stop`` kills a worker in the middle of a run (a long compile) through
    ``ProcessPoolExecutor._processes``, private to Python's concurrent.futures. When a Python
    release changes it, this fails and says what to update; the server logs it once at start-up."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        assert pool.submit(abs, -1).result(timeout=300) == 1
        problem = workers.private_problem(pool)
        assert problem is None, (
            f"Python {sys.version.split()[0]} changed {workers.PRIVATE_PROCESSES}: {problem}. "
            "frameworks/workers.py's _Worker.stop can no longer kill a running worker; update it and PRIVATE_PROCESSES."
        )
    finally:
        pool.shutdown()
    assert workers.private_problem(object()) == "the pool has no dict _processes (found NoneType)"


def test_the_start_up_check_logs_a_changed_attribute_once(monkeypatch, caplog):
    """The first pool a server starts is checked against PRIVATE_PROCESSES: a change is an error
    in the log, once per process, naming what to update; an unchanged one says nothing."""
    monkeypatch.setattr(workers, "_private_checked", [])

    class Changed:  # what a Python that renamed the attribute would hand over
        _workers = None

    with caplog.at_level("ERROR", logger=workers.__name__):
        workers._check_private(Changed())
        workers._check_private(Changed())
    assert [record.getMessage() for record in caplog.records] == [
        f"frameworks/workers.py: Python {sys.version.split()[0]} changed {workers.PRIVATE_PROCESSES} (the pool has"
        " no dict _processes (found NoneType)), so a stopped worker's run (a long compile) is not killed but finishes"
        " first. Update _Worker.stop and PRIVATE_PROCESSES."
    ]
    monkeypatch.setattr(workers, "_private_checked", [])
    caplog.clear()
    workers.run("tensorflow", ECHO.code, X, X)  # a real pool, started: as tested
    assert workers._private_checked == [None] and not caplog.records


def test_stopping_a_worker_kills_its_run_at_once():
    """A run that never ends (a runaway compile) is killed by ``stop``, not waited for: its
    future says the pool broke (``run`` turns that into WorkerStopped), its process is gone, and
    the next run starts another."""
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing.connection import wait

    worker = workers._WORKERS["tensorflow"]
    with workers._lock:
        future = worker.submit(HANG.code, X, X, 0.0)  # its process is started by the submit
        process = next(iter(worker.pool._processes.values()))
        worker.stop()
    assert isinstance(future.exception(timeout=60), BrokenProcessPool)
    # Its sentinel closes when it exits. Not ``join`` then ``is_alive``: the pool's own thread
    # may reap the process between the two, and ``is_alive`` then reads ECHILD as alive.
    assert wait([process.sentinel], timeout=60), "the worker's process is still running"
    assert run_snippet(ECHO, X, X).error is None


def test_workers_run_below_the_servers_priority():
    """A framework's import or compile takes a core for seconds: its worker runs at a lower CPU
    priority than the server (``NICENESS``), so every tab's pages redraw first on a busy machine."""
    import os

    code = "import os\n\n\ndef run(x, grad_y):\n    return x * 0 + os.nice(0), grad_y\n"  # its niceness
    niceness = Snippet(code, "nice", runtime="jax")
    outcome = workers.run("jax", niceness.code, X, X)
    assert outcome.error is None and outcome.y[0, 0] == min(19, os.nice(0) + workers.NICENESS)


@pytest.fixture(autouse=True)
def _no_worker_left_running():
    yield
    workers.stop_idle(float("inf"), idle=0.0)


def test_a_worker_ends_when_its_server_is_killed():
    """A server killed outright (SIGKILL: no shutdown of its pools) must not leave its workers
    behind: the worker's exit is awaited through a pidfd, an event, not a polled sleep."""
    script = """import sys
import numpy as np
from frameworks import workers

code = "import os\\n\\n\\ndef run(x, grad_y):\\n    return x * 0 + os.getpid(), None\\n"
print(int(workers.run("tensorflow", code, np.zeros((1, 1)), np.zeros((1, 1))).y[0, 0]), flush=True)
sys.stdin.read()  # the server runs until the test kills it
"""
    server = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    worker = int(server.stdout.readline())
    worker_exit = os.pidfd_open(worker)  # readable once the worker has ended
    ended = []
    try:
        server.kill()
        server.wait()
        ended, _, _ = select.select([worker_exit], [], [], 60)
        assert ended, "the worker still runs 60 s after its server was killed"
    finally:
        if not ended:
            os.kill(worker, signal.SIGKILL)  # not left behind by this test either
        os.close(worker_exit)
        server.stdin.close()
        server.stdout.close()
