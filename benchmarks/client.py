"""A minimal Streamlit client: it speaks the app's websocket protocol (protobuf BackMsg /
ForwardMsg on ``/_stcore/stream``) like the browser does, without drawing anything. The
benchmarks use it to time the server and to load it with a whole class.

A change is timed from sending the new widget values to the server's "script finished"
message: the server's share of what a user waits for.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from pathlib import Path

import requests
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from harness.server import streamlit_process  # noqa: E402

_requests = itertools.count(1)


def server(*options: str):
    """``streamlit run app.py`` on a free localhost port (``harness.server``); yields (base URL,
    process id). XSRF protection is off so that the client can upload without a browser's cookies."""
    return streamlit_process("--server.enableXsrfProtection", "false", *options, timeout=120)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Session:
    """One browser tab's worth of protocol: open it with ``await Session.open(url, query)``."""

    def __init__(self, url: str, socket, query: str) -> None:
        self.url, self.socket, self.query = url, socket, query
        self.widgets: dict[str, str] = {}  # widget key (URL parameter or key) -> widget id
        self.kept: list[WidgetState] = []  # states sent with every rerun (an upload)
        self.texts: list[str] = []  # the markdown of the last run
        self.session_id = ""

    @classmethod
    async def open(cls, url: str, query: str) -> Session:
        socket = await websockets.connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            origin=url,
            max_size=None,
            open_timeout=120,
        )
        session = cls(url, socket, query)
        await session.rerun()
        return session

    async def close(self) -> None:
        await self.socket.close()

    async def rerun(self, *changed: WidgetState) -> tuple[float, int, bool]:
        """Rerun with these widget values; returns (seconds, bytes received, exception shown)."""
        message = BackMsg()
        message.rerun_script.query_string = self.query
        message.rerun_script.widget_states.widgets.extend([*self.kept, *changed])
        start = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        received, exception = 0, False
        self.texts = []
        while True:
            data = await asyncio.wait_for(self.socket.recv(), timeout=120)
            received += len(data)
            reply = ForwardMsg()
            reply.ParseFromString(data)
            kind = reply.WhichOneof("type")
            if kind == "new_session":
                self.session_id = reply.new_session.initialize.session_id
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                exception |= self._note(reply.delta.new_element)
            elif kind == "script_finished":
                return time.perf_counter() - start, received, exception

    def _note(self, element) -> bool:
        kind = element.WhichOneof("type")
        widget = getattr(element, kind)
        if getattr(widget, "query_param_key", ""):
            self.widgets[widget.query_param_key] = widget.id
        elif kind == "file_uploader":
            self.widgets[widget.id.rsplit("-", 1)[-1]] = widget.id
        if kind == "markdown":
            self.texts.append(element.markdown.body)
        return kind == "exception"

    async def slide(self, key: str, value: float) -> tuple[float, int, bool]:
        """Move the slider bound to URL parameter ``key`` to ``value``."""
        state = WidgetState(id=self.widgets[key])
        state.double_array_value.data[:] = [value]
        return await self.rerun(state)

    async def upload(self, key: str, name: str, data: bytes, mime: str) -> tuple[float, int, bool]:
        """Upload a file into the file uploader ``key``, as the browser does: ask for an upload
        URL over the websocket, PUT the file there, then rerun with the uploader's new state."""
        request_id = str(next(_requests))
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.file_names.append(name)
        message.file_urls_request.session_id = self.session_id
        await self.socket.send(message.SerializeToString())
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(self.socket.recv(), timeout=60))
            if reply.WhichOneof("type") == "file_urls_response" and reply.file_urls_response.response_id == request_id:
                urls = reply.file_urls_response.file_urls[0]
                break
        upload_url = urls.upload_url if urls.upload_url.startswith("http") else self.url + urls.upload_url
        response = await asyncio.to_thread(requests.put, upload_url, files={"file": (name, data, mime)}, timeout=60)
        response.raise_for_status()
        state = WidgetState(id=self.widgets[key])
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        self.kept.append(state)
        return await self.rerun()
