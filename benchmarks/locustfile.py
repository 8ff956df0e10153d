"""Locust users that are students: each one is a browser tab's worth of Streamlit protocol
(``harness/client.py``'s messages over a blocking websocket, ``SyncSession`` below, on
Locust's gevent), so that load figures come in Locust's standard form (requests, failures,
p50/p95/p99, CSV and HTML reports).

Run it through ``benchmarks/bench_locust.py``, which starts the servers and Locust.

* ``Student`` (a class): opens the Playground (64×64) and moves the kernel slider back and
  forth with no pause, as in bench_class.py: harder than a real class.
* ``Visitor`` (a day of use, the soak): each task is a whole tab's life: open one of several
  views (every 10th uploads a CSV first, every 50th an image), two kernel changes, close;
  Locust stops after ``SOAK_TABS`` tabs (1000 unless set).

A change counts as failed if the run shows an exception, the page does not show the new
kernel, or the protocol fails.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
import time
from pathlib import Path

import gevent
import numpy as np
from locust import User, constant, task
from locust.exception import StopUser
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.client import Tab

QUERY = "height=64&width=64"
VIEWS = [
    "height=16&width=16&kernel_h=3&stride_h=1",
    "height=64&width=64&input=random",
    "input=classic",
    "height=8&width=8&loss=random&padding_h=1&kernel_h=3",
]
_visits = itertools.count()


class SyncSession(Tab):
    """The protocol of harness/client.py over a blocking websocket (websocket-client, which
    Locust brings), so that gevent can run many of them: one tab per Locust user."""

    @classmethod
    def open(cls, url: str, query: str) -> SyncSession:
        import requests
        import websocket

        http = requests.Session()
        headers = cls._load_page(url, query, http)
        socket = websocket.create_connection(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            origin=url,
            header=[f"{name}: {value}" for name, value in headers.items()],
            timeout=120,
        )
        session = cls(url, query, http, socket.getheaders().get("x-avgpool-replica", url))
        session.socket = socket
        session.rerun()
        return session

    def close(self) -> None:
        self.socket.close()

    def rerun(self, *changed) -> tuple[float, int, bool]:
        start = time.perf_counter()
        self.socket.send_binary(self._rerun_message(changed))
        received, exception = 0, False
        while True:
            data = self.socket.recv()
            received += len(data)
            finished, shown = self._read(data)
            exception |= shown
            if finished:
                return time.perf_counter() - start, received, exception

    def slide(self, key: str, value: float) -> tuple[float, int, bool]:
        return self.rerun(self._slider(key, value))

    def upload(self, key: str, name: str, data: bytes, mime: str) -> tuple[float, int, bool]:
        request_id, message = self._file_urls_request(name)
        self.socket.send_binary(message)
        while (urls := self._file_urls(self.socket.recv(), request_id)) is None:
            pass
        self._put_and_keep(key, urls, name, data, mime)
        return self.rerun()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


class _TabUser(User):
    """A Locust user with a Streamlit tab, reporting every protocol step to Locust."""

    abstract = True
    wait_time = constant(0)
    tab: SyncSession | None = None

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


class Student(_TabUser):
    def on_start(self) -> None:
        self.kernel = 2
        self.tab = self._timed("open the Playground", lambda: SyncSession.open(self.host, QUERY))

    def on_stop(self) -> None:
        if self.tab is not None:
            self.tab.close()

    @task
    def change_the_kernel(self) -> None:
        if self.tab is None:
            return
        self.kernel = 3 if self.kernel == 2 else 2
        self._timed("kernel change", lambda: self.tab.slide("kernel_h", self.kernel), kernel=self.kernel)


class Visitor(_TabUser):
    @task
    def visit(self) -> None:
        number = next(_visits)
        if number >= int(os.environ.get("SOAK_TABS", "1000")):  # the day is over: stop Locust
            gevent.spawn(self.environment.runner.quit)  # from outside this user, which it stops
            raise StopUser
        if number % 50 == 0:
            tab = self._timed("open a tab", lambda: SyncSession.open(self.host, "input=image"))
            upload = ("image_file", "photo.png", _png(), "image/png")
        elif number % 10 == 0:
            tab = self._timed("open a tab", lambda: SyncSession.open(self.host, "input=csv"))
            upload = ("csv_file", "grid.csv", b"1,2,3,4\n5,6,7,8\n9,10,11,12\n", "text/csv")
        else:
            tab, upload = (
                self._timed("open a tab", lambda: SyncSession.open(self.host, VIEWS[number % len(VIEWS)])),
                None,
            )
        if tab is None:
            return
        self.tab = tab
        if upload is not None:
            self._timed("upload", lambda: tab.upload(*upload))
        for kernel in (3, 2):
            self._timed("kernel change", lambda kernel=kernel: tab.slide("kernel_h", kernel), kernel=kernel)
        self._timed("close the tab", tab.close)
        self.tab = None
