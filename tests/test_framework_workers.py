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
