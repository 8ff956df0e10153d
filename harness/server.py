"""A real ``streamlit run`` server on a free localhost port, for the tests and the benchmarks."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "ARTIFACTS",
    "REPO",
    "free_port",
    "memory_mb",
    "nginx_proxy",
    "redis_server",
    "streamlit_process",
    "streamlit_replicas",
    "streamlit_server",
]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"  # server logs and screenshots


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_replicas(
    count: int, *options: str, timeout: float = 60.0, app: str = "app.py", env: dict[str, str] | None = None
) -> Iterator[list]:
    """Start ``count`` servers of ``streamlit run app.py`` (or another script, with more
    ``--option value`` pairs and ``env`` variables) at once, each on a free localhost port,
    and wait until every one answers its health check; yield [(base URL, process)]. Each
    one's output goes to ``test-artifacts/streamlit-<port>.log``."""
    ARTIFACTS.mkdir(exist_ok=True)
    started = []
    try:
        for _ in range(count):
            port = free_port()
            command = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true"]
            command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
            command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *options]
            log = (ARTIFACTS / f"streamlit-{port}.log").open("w")
            environment = {**os.environ, **(env or {})}
            process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT)
            started.append((f"http://127.0.0.1:{port}", process, log))
        for url, process, log in started:
            _wait_healthy(url, process, timeout, log.name)
        yield [(url, process) for url, process, _ in started]
    finally:
        for _, process, log in started:
            _stop(process, 20)
            log.close()


@contextmanager
def streamlit_process(
    *options: str, timeout: float = 60.0, app: str = "app.py", env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """One server (``streamlit_replicas``); yield (base URL, pid)."""
    with streamlit_replicas(1, *options, timeout=timeout, app=app, env=env) as [(url, process)]:
        yield url, process.pid


@contextmanager
def streamlit_server(*options: str, timeout: float = 60.0, app: str = "app.py") -> Iterator[str]:
    """``streamlit_process`` for callers that need only the base URL."""
    with streamlit_process(*options, timeout=timeout, app=app) as (url, _):
        yield url


def memory_mb(pid: int, peak: bool = False) -> float:
    """A process's resident memory now (VmRSS), or its peak so far (VmHWM), in MB (Linux)."""
    field = "VmHWM:" if peak else "VmRSS:"
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stop(process: subprocess.Popen, timeout: float) -> None:
    """Stop a server: politely, then for good after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float, log: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer its health check; see {log}")
        time.sleep(0.2)


@contextmanager
def nginx_proxy(replicas: list[str], folder: Path, timeout: float = 30.0) -> Iterator[str]:
    """``deploy/nginx.conf`` as an ordinary process on a free loopback port, in front of the
    ``replicas`` (base URLs) instead of its example ports; yields its base URL. Its logs and
    temporary files go to ``folder``."""
    port = free_port()
    config = (REPO / "deploy" / "nginx.conf").read_text()
    servers = "".join(
        f"        server {url.removeprefix('http://')} max_fails=1 fail_timeout=10s;\n" for url in replicas
    )
    config = re.sub(r"(?m)^ *server 127\.0\.0\.1:85\d\d .*\n", "", config)
    config = config.replace("hash $avgpool_route consistent;\n", "hash $avgpool_route consistent;\n" + servers)
    config = config.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    # Tests only: which replica answered (a school's proxy does not tell students its addresses).
    config = config.replace(
        "        location / {", "        add_header X-Avgpool-Replica $upstream_addr always;\n        location / {", 1
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nginx.conf").write_text(config)
    command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, timeout, str(folder / "error.log"))
        yield url
    finally:
        _stop(process, 10)
    # nginx cuts a response short or drops a connection with only a line in its log: say it.
    severe = [
        line for line in (folder / "error.log").read_text().splitlines() if re.search(r"\[(crit|alert|emerg)\]", line)
    ]
    if severe:
        raise RuntimeError(f"nginx logged {len(severe)} severe errors, the first: {severe[0]}")


@contextmanager
def redis_server(
    folder: Path, port: int | None = None, timeout: float = 20.0
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Debian's ``redis-server`` as an ordinary process on a loopback port, its append-only
    file in ``folder`` (persistence on, as deployed); yields (``redis://`` address, process).
    Started again on the same ``port`` and ``folder``, it reloads what it had."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    command += ["--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"]
    log = (folder / "redis.log").open("a")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {port} did not start; see {folder / 'redis.log'}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        _stop(process, 10)
        log.close()
