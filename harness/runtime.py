"""Streamlit's server runtime in this process, driven one message at a time: the order of
events on its event loop, which a real server leaves to chance, is set here by hand.

``python -m harness.runtime`` replays the race that ui/run_order.py fixes and prints, as JSON,
what the browser received of the whole run that the race hits:

1. a whole run of a small app (one fragment on a timer) ends, as usual;
2. the browser asks for another whole run; once the run has begun (its ``new_session`` has
   arrived), the event loop is held until the run's thread has finished (a busy server's
   event loop lags behind its script threads like this), and only then does a fragment's
   timer tick arrive;
3. the loop goes on: does the browser get the end of that whole run, its ``script_finished``
   and the fragment's ``auto_rerun``?

``--unpatched`` runs the same without ui/run_order.py (Streamlit as it is: none of the three
arrive). Run it in a process of its own: the runtime is one per process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime import Runtime, RuntimeConfig
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

REPO = Path(__file__).resolve().parents[1]
LAST_WORDS = "the end of the whole run"
APP = f"""
import sys, time
import streamlit as st
sys.path.insert(0, {str(REPO)!r})
from ui import run_order
if {{patched}}:
    run_order.install()
st.markdown("a whole run begins")
time.sleep(0.3)  # time for the test to see it begin


@st.fragment(run_every=60)
def timer():
    st.markdown("a tick")


timer()
st.markdown({LAST_WORDS!r})
"""


class Browser:
    """A session's client: keeps every message the server sends."""

    def __init__(self) -> None:
        self.received: list[ForwardMsg] = []

    def write_forward_msg(self, msg: ForwardMsg) -> None:
        self.received.append(msg)

    def kinds(self, since: int = 0) -> list[str]:
        return [message.WhichOneof("type") for message in self.received[since:]]


def _rerun(fragment_id: str = "") -> BackMsg:
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.fragment_id = fragment_id
    message.rerun_script.is_auto_rerun = bool(fragment_id)
    return message


async def _until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not answer")
        await asyncio.sleep(0.01)


async def race(app: Path) -> dict:
    runtime = Runtime(
        RuntimeConfig(
            script_path=str(app),
            media_file_storage=MemoryMediaFileStorage("/media"),
            uploaded_file_manager=MemoryUploadedFileManager("/upload"),
        )
    )
    await runtime.start()
    browser = Browser()
    session_id = runtime.connect_session(client=browser, user_info={})
    try:
        # 1. A whole run, to its end and its runner's.
        runtime.handle_backmsg(session_id, _rerun())
        await _until(lambda: "script_finished" in browser.kinds())
        timer_id = next(m.auto_rerun.fragment_id for m in browser.received if m.HasField("auto_rerun"))
        await asyncio.sleep(0.5)
        # 2. Another whole run; once it has begun, hold the event loop until its thread ends.
        begun = len(browser.received)
        runtime.handle_backmsg(session_id, _rerun())
        await _until(lambda: "new_session" in browser.kinds(begun))
        for thread in threading.enumerate():
            if thread.name == "ScriptRunner.scriptThread":
                thread.join(timeout=10)  # the loop is held: the run's events wait on it
        runtime.handle_backmsg(session_id, _rerun(timer_id))  # the tick, handled first
        # 3. The loop goes on.
        await asyncio.sleep(1.5)
        after = browser.received[begun:]
        texts = [m.delta.new_element.markdown.body for m in after if m.delta.new_element.HasField("markdown")]
        return {
            "whole_run_ended": any(
                m.HasField("script_finished") and m.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY for m in after
            ),
            "timer_set_again": any(m.HasField("auto_rerun") for m in after),
            "last_words": LAST_WORDS in texts,
            "tick_ran": "a tick" in texts[texts.index(LAST_WORDS) + 1 :] if LAST_WORDS in texts else "a tick" in texts,
        }
    finally:
        runtime.stop()
        await runtime.stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unpatched", action="store_true", help="without ui/run_order.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = Path(folder) / "timer_app.py"
        app.write_text(APP.format(patched=not args.unpatched))
        print(json.dumps(asyncio.run(race(app))))


if __name__ == "__main__":
    main()
