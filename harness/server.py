"""A real ``streamlit run`` server on a free localhost port, for the tests and the benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ARTIFACTS", "REPO", "free_port", "streamlit_process", "streamlit_server"]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"  # server logs and screenshots


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_process(*options: str, timeout: float = 60.0, app: str = "app.py") -> Iterator[tuple[str, int]]:
    """Start ``streamlit run app.py`` (or another script, with more ``--option value`` pairs)
    on a free localhost port, wait until it answers its health check; yield (base URL, pid).
    Its output goes to ``test-artifacts/streamlit-<port>.log``."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *options]
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / f"streamlit-{port}.log").open("w")
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def streamlit_server(*options: str, timeout: float = 60.0, app: str = "app.py") -> Iterator[str]:
    """``streamlit_process`` for callers that need only the base URL."""
    with streamlit_process(*options, timeout=timeout, app=app) as (url, _):
        yield url
