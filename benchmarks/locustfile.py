"""Locust users that are students: each one is a browser tab's worth of Streamlit protocol
(``harness/client.py``'s ``SyncSession``, on Locust's gevent), so that load figures come in
Locust's standard form (requests, failures, p50/p95/p99, CSV and HTML reports).

Run it through ``benchmarks/bench_locust.py``, which starts the servers (nginx and replicas,
or one server) and Locust. Each student opens the Playground (64×64) and moves the kernel
slider back and forth with no pause, as in bench_class.py: harder than a real class. A
change counts as failed if the run shows an exception, the page does not show the new
kernel, or the protocol fails.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from locust import User, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.client import SyncSession

QUERY = "height=64&width=64"


class Student(User):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.kernel = 2
        self.tab = self._timed("open the Playground", lambda: SyncSession.open(self.host, QUERY))

    def on_stop(self) -> None:
        # The tab is left open: closing a websocket while its reader waits on it trips gevent's
        # event loop (libev) at shutdown. The server sees the tab go when the process ends.
        self.tab = None

    @task
    def change_the_kernel(self) -> None:
        if self.tab is None:
            return
        self.kernel = 3 if self.kernel == 2 else 2
        self._timed("kernel change", lambda: self.tab.slide("kernel_h", self.kernel), kernel=self.kernel)

    def _timed(self, name: str, action, kernel: int | None = None):
        """Run ``action`` and report it to Locust: its time, its bytes, and whether it failed."""
        start, result, failure, received = time.perf_counter(), None, None, 0
        try:
            result = action()
            tab = result if isinstance(result, SyncSession) else self.tab
            if isinstance(result, tuple):
                _, received, exception = result
                if exception:
                    failure = RuntimeError("an exception on the page")
            if kernel is not None and not any(f"kernel_size={kernel}" in text for text in tab.texts):
                failure = RuntimeError("the page does not show the new kernel")
        except Exception as error:  # every failure is reported, none ends the run
            failure = error
        self.environment.events.request.fire(
            request_type="streamlit",
            name=name,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=received,
            exception=failure,
            context={},
        )
        return result
