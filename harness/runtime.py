"""Streamlit's server runtime in this process, driven one message at a time: the order of
events on its event loop, which a real server leaves to chance, is set here by hand. Run it in
a process of its own (the runtime is one per process); it prints what it saw as JSON.

``python -m harness.runtime race`` replays a race of Streamlit 1.67 between a fragment's timer
and a whole run, the reason no page of this app ticks on a timer while it is open (the
live class is pushed; Step by step's Play is timed in the browser, ui/replay_ticker.js):

1. a whole run of a small app (one fragment on a timer) ends, as usual;
2. the browser asks for another whole run; once the run has begun (its ``new_session`` has
   arrived), the event loop is held, the run let go, and the loop stays held until the run's
   thread has finished (a busy server's event loop lags behind its script threads like this);
   only then does a fragment's timer tick arrive;
3. the loop goes on: does the browser get the end of that whole run, its ``script_finished``
   and the fragment's ``auto_rerun``? (Streamlit 1.67: none of the three arrive.)

``python -m harness.runtime stale-tick``: a two-page app with a fragment on a timer in its main
script; a whole run switches to page two (``st.switch_page``), and while page two runs, the
timer's tick sent from page one arrives (the browser had not heard of the switch yet), and
then the next tick, sent from page two. Which pages do the ticks' runs name? (Streamlit 1.67
runs the stale tick as a change back to page one, and the browser drops page two to draw it.)

``python -m harness.runtime stopped-run``: a run that burns 0.2 s of CPU inside
``ui.fairness.fair_share`` is stopped by the browser's next whole rerun (Streamlit stops the
old run at its next yield point, and every ``st.session_state`` access is one); is its CPU
still charged to the tab?

``python -m harness.runtime class-follow``: this repository's app; a student follows a class
and the teacher's setup changes: does the student's tab get a fragment timer (it must not:
it listens to the class's events instead, ui/classroom.py)?

``python -m harness.runtime replay-play``: this repository's app; a following student is taken
to Step by step and plays it: which fragment timers does its tab get (none: Play's steps are
asked for by a timer in the browser, which the class's listener halts before a page switch)?
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime import Runtime, RuntimeConfig
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

from harness.server import REPO

# Set by the harness while it holds the event loop: the app's run goes on then. The app runs in
# this process and imports it from here (``main`` registers this module under its own name).
HELD = threading.Event()
SEEN: dict[str, float] = {}  # what the app's run wrote down for the harness
LAST_WORDS = "the end of the whole run"
# The top of the small apps below: the harness's HELD.
TOP = f"""
import sys
import streamlit as st
sys.path.insert(0, {str(REPO)!r})
from harness.runtime import HELD
"""
APP = (
    TOP
    + f"""st.markdown("a whole run begins")
HELD.wait(timeout=30)


@st.fragment(run_every=60)
def timer():
    st.markdown("a tick")


timer()
st.markdown({LAST_WORDS!r})
"""
)


class Browser:
    """A session's client: keeps every message the server sends; no headers, no cookies."""

    client_context = SimpleNamespace(headers=[], cookies={}, remote_ip=None)  # what st.context reads

    def __init__(self) -> None:
        self.received: list[ForwardMsg] = []

    def write_forward_msg(self, msg: ForwardMsg) -> None:
        self.received.append(msg)

    def kinds(self, since: int = 0) -> list[str]:
        return [message.WhichOneof("type") for message in self.received[since:]]


def _rerun(fragment_id: str = "", query: str = "", page: str = "") -> BackMsg:
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_script_hash = page
    message.rerun_script.fragment_id = fragment_id
    message.rerun_script.is_auto_rerun = bool(fragment_id)
    return message


def _fragment_run_begins(message: ForwardMsg) -> bool:
    """A run of fragments alone begins: its ``new_session`` names them."""
    return message.HasField("new_session") and bool(message.metadata.run.fragment_ids)


async def _until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not answer")
        await asyncio.sleep(0.01)


def _runs_done() -> bool:
    """No script thread is running: every run the server had queued has been run or skipped
    (a rerun asked for during a run is taken up by that run's own thread when it ends)."""
    return not any(thread.name == "ScriptRunner.scriptThread" for thread in threading.enumerate())


async def _started(app: Path) -> tuple[Runtime, Browser, str]:
    runtime = Runtime(
        RuntimeConfig(
            script_path=str(app),
            media_file_storage=MemoryMediaFileStorage("/media"),
            uploaded_file_manager=MemoryUploadedFileManager("/upload"),
        )
    )
    await runtime.start()
    browser = Browser()
    return runtime, browser, runtime.connect_session(client=browser, user_info={})


async def race(app: Path) -> dict:
    runtime, browser, session_id = await _started(app)
    try:
        # 1. A whole run, to its end and its runner's.
        HELD.set()
        runtime.handle_backmsg(session_id, _rerun())
        await _until(lambda: "script_finished" in browser.kinds())
        timer_id = next(m.auto_rerun.fragment_id for m in browser.received if m.HasField("auto_rerun"))
        await _until(_runs_done)
        # 2. Another whole run; once it has begun, hold the event loop until its thread ends.
        HELD.clear()
        begun = len(browser.received)
        runtime.handle_backmsg(session_id, _rerun())
        await _until(lambda: "new_session" in browser.kinds(begun))
        HELD.set()  # from here on this thread, the loop's, does not yield to the loop
        threads = [thread for thread in threading.enumerate() if thread.name == "ScriptRunner.scriptThread"]
        for thread in threads:
            thread.join(timeout=30)  # the run's events wait on the loop
        # The race: the run's thread has ended, and its end has not reached the browser.
        raced = not any(thread.is_alive() for thread in threads) and "script_finished" not in browser.kinds(begun)
        runtime.handle_backmsg(session_id, _rerun(timer_id))  # the tick, handled first
        # 3. The loop goes on, until the tick's run has ended (with or without the fix, it runs).
        tick_done = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
        await _until(lambda: any(m.script_finished == tick_done for m in browser.received[begun:]))
        await _until(_runs_done)
        after = browser.received[begun:]
        texts = [m.delta.new_element.markdown.body for m in after if m.delta.new_element.HasField("markdown")]
        kinds = [m.WhichOneof("type") for m in after]
        tick_begun = next(  # the tick's run: a new_session naming its fragment
            (i for i, m in enumerate(after) if _fragment_run_begins(m)), len(after)
        )
        return {
            "raced": raced,
            "whole_run_ended": any(
                m.HasField("script_finished") and m.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY for m in after
            ),
            "timer_set_again": any(m.HasField("auto_rerun") for m in after),
            "last_words": LAST_WORDS in texts,
            "tick_ran": "a tick" in texts[texts.index(LAST_WORDS) + 1 :] if LAST_WORDS in texts else "a tick" in texts,
            # The tick's run began after the whole run's end reached the browser (the fix at work).
            "tick_waited": "script_finished" in kinds[:tick_begun],
        }
    finally:
        runtime.stop()
        await runtime.stopped


TWO_PAGES_APP = (
    TOP
    + """

def one():
    st.markdown("page one")
    if st.query_params.get("go"):
        st.switch_page(page_two)


def two():
    st.markdown("page two begins")
    HELD.wait(timeout=30)
    st.markdown("page two ends")


@st.fragment(run_every=60)
def timer():
    st.markdown("a tick")


page_one = st.Page(one, title="one", default=True)
page_two = st.Page(two, title="two", url_path="two")
bar = st.container()  # the timer's place is the same on both pages, as app.py's class bar
st.navigation([page_one, page_two]).run()
with bar:
    timer()
"""
)


async def stale_tick(app: Path) -> dict:
    runtime, browser, session_id = await _started(app)
    try:
        HELD.set()
        runtime.handle_backmsg(session_id, _rerun())  # page one, to its end
        await _until(lambda: "script_finished" in browser.kinds())
        pages = {page.page_name: page.page_script_hash for m in browser.received for page in m.navigation.app_pages}
        timer_id = next(m.auto_rerun.fragment_id for m in browser.received if m.HasField("auto_rerun"))
        HELD.clear()
        begun = len(browser.received)
        runtime.handle_backmsg(session_id, _rerun(query="go=1", page=pages["one"]))  # ends on page two
        await _until(lambda: any(m.navigation.page_script_hash == pages["two"] for m in browser.received[begun:]))
        runtime.handle_backmsg(session_id, _rerun(timer_id, query="go=1", page=pages["one"]))  # sent from one
        HELD.set()
        finished = ForwardMsg.FINISHED_SUCCESSFULLY
        await _until(
            lambda: any(
                m.HasField("script_finished") and m.script_finished == finished for m in browser.received[begun:]
            )
        )
        await _until(_runs_done)  # the tick sent from one: run (Streamlit as it is) or skipped
        named = {page_hash: name for name, page_hash in pages.items()}

        def ticks() -> list[str]:  # the page each fragment's run since the switch names
            return [
                named.get(m.new_session.page_script_hash, m.new_session.page_script_hash)
                for m in browser.received[begun:]
                if _fragment_run_begins(m)
            ]

        runtime.handle_backmsg(session_id, _rerun(timer_id, page=pages["two"]))  # the next tick, from two
        await _until(lambda: "two" in ticks())
        await _until(_runs_done)
        return {"ticks_run_on": ticks()}
    finally:
        runtime.stop()
        await runtime.stopped


STOPPED_APP = f"""
import sys, time
import streamlit as st
sys.path.insert(0, {str(REPO)!r})
from harness.runtime import HELD, SEEN
from ui.fairness import account, fair_share


def page():
    st.markdown("a run begins")
    if st.query_params.get("burn"):
        HELD.wait(timeout=30)  # the next rerun is asked for meanwhile
        started = time.thread_time()
        while time.thread_time() - started < 0.2:
            pass
    st.markdown("a run ends")  # a yield point: a stopped run stops here


try:
    fair_share(page)
finally:
    SEEN["ended"] = SEEN.get("ended", 0) + 1  # a run's thread is past its charge, stopped or not
SEEN["debt"] = account().budget.debt  # what the tab owes, for the harness
"""


async def stopped_run(app: Path) -> dict:
    runtime, browser, session_id = await _started(app)
    try:
        runtime.handle_backmsg(session_id, _rerun())  # the tab's first run (not counted)
        await _until(lambda: "script_finished" in browser.kinds())
        HELD.clear()
        begun = len(browser.received)
        runtime.handle_backmsg(session_id, _rerun(query="burn=1"))
        await _until(lambda: "new_session" in browser.kinds(begun))
        runtime.handle_backmsg(session_id, _rerun())  # stops the burning run (fastReruns)
        HELD.set()
        finished = len(browser.received)
        await _until(lambda: "script_finished" in browser.kinds(finished))
        # The stopped run's thread ends (it overlaps the next run): the first run, the burning
        # one and the one that stopped it have all been charged.
        await _until(lambda: SEEN.get("ended", 0) >= 3)
        finished = len(browser.received)
        runtime.handle_backmsg(session_id, _rerun())  # one more run writes down what the tab owes
        await _until(lambda: "script_finished" in browser.kinds(finished))
        return {"debt": SEEN["debt"]}
    finally:
        runtime.stop()
        await runtime.stopped


async def class_follow(_app: Path) -> dict:
    """This repository's app: a student follows a class, and the teacher's setup changes (in
    the store, as the teacher's tab would save it). Which fragment timers does the student's tab
    get (the server's ``auto_rerun``), besides app.py's reconnect fragment (which never fires
    while a tab is open)? A tab without a timer has no tick to race its runs: the races of
    ``race`` and ``stale-tick`` cannot happen to it."""
    import os

    os.environ["CLASS_STORE"] = f"sqlite:///{_app.parent / 'classes.sqlite3'}"
    from classroom import model
    from classroom.store import open_store

    store, now = open_store(), time.time()
    lesson = model.start("HQCMT", "a-teachers-secret-of-enough-length")
    store.create(model.publish(lesson, model.Setup("", {"kernel_h": 2})), now)
    runtime, browser, session_id = await _started(REPO / "app.py")
    try:
        runtime.handle_backmsg(session_id, _rerun(query="class=HQCMT"))
        await _until(lambda: "script_finished" in browser.kinds(), timeout=120)
        current = store.load("HQCMT", time.time())
        store.save(model.publish(current, model.Setup("", {"kernel_h": 3})), current.version, time.time())
        finished = len(browser.received)
        runtime.handle_backmsg(session_id, _rerun(query="class=HQCMT"))  # as the listener's trigger asks
        await _until(lambda: "script_finished" in browser.kinds(finished), timeout=120)
        timers = sorted({m.auto_rerun.interval for m in browser.received if m.HasField("auto_rerun")})
        return {"timers": [interval for interval in timers if interval < 24 * 3600]}
    finally:
        runtime.stop()
        await runtime.stopped


def _widget_id(browser: Browser, key: str) -> str:
    """The id of the widget ``key`` the server drew last (a button's: ``step_play``)."""
    ids = [
        getattr(element, element.WhichOneof("type")).id
        for m in browser.received
        if m.HasField("delta") and m.delta.HasField("new_element")
        for element in [m.delta.new_element]
        if element.WhichOneof("type") == "button"
    ]
    return next(found for found in reversed(ids) if found.endswith(key))


def _pressed(widget_id: str, query: str, page: str) -> BackMsg:
    message = _rerun(query=query, page=page)
    state = message.rerun_script.widget_states.widgets.add()
    state.id, state.trigger_value = widget_id, True
    return message


async def replay_play(_app: Path) -> dict:
    """This repository's app: a following student is taken to Step by step and presses Play.
    Which fragment timers does its tab get, besides app.py's reconnect fragment (which never
    fires while a tab is open)? None: no tick can race its runs or a page switch."""
    import os

    os.environ["CLASS_STORE"] = f"sqlite:///{_app.parent / 'classes.sqlite3'}"
    from classroom import model
    from classroom.store import open_store

    lesson = model.start("HQCMT", "a-teachers-secret-of-enough-length")
    open_store().create(model.publish(lesson, model.Setup("step_by_step", {"kernel_h": 2})), time.time())
    runtime, browser, session_id = await _started(REPO / "app.py")
    try:
        runtime.handle_backmsg(session_id, _rerun(query="class=HQCMT"))  # joins: taken to Step by step
        await _until(lambda: "script_finished" in browser.kinds(), timeout=120)
        await _until(_runs_done)
        pages = {page.url_pathname: page.page_script_hash for m in browser.received for page in m.navigation.app_pages}
        begun = len(browser.received)
        play = _pressed(_widget_id(browser, "step_play"), "class=HQCMT", pages["step_by_step"])
        runtime.handle_backmsg(session_id, play)
        finished = ForwardMsg.FINISHED_SUCCESSFULLY
        await _until(lambda: any(m.script_finished == finished for m in browser.received[begun:]), timeout=120)
        timers = sorted({m.auto_rerun.interval for m in browser.received if m.HasField("auto_rerun")})
        return {"timers": [interval for interval in timers if interval < 24 * 3600]}
    finally:
        runtime.stop()
        await runtime.stopped


SCENARIOS = {
    "race": (APP, race),
    "stale-tick": (TWO_PAGES_APP, stale_tick),
    "stopped-run": (STOPPED_APP, stopped_run),
    "class-follow": ("", class_follow),
    "replay-play": ("", replay_play),
}


def replay(*arguments: str) -> dict:
    """Run a scenario in a process of its own (``replay("race")``); what it saw."""
    done = subprocess.run(
        [sys.executable, "-m", "harness.runtime", *arguments], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    args = parser.parse_args()
    source, scenario = SCENARIOS[args.scenario]
    sys.modules.setdefault("harness.runtime", sys.modules[__name__])  # one HELD for the app too
    with tempfile.TemporaryDirectory() as folder:
        app = Path(folder) / "app.py"
        app.write_text(source)
        print(json.dumps(asyncio.run(scenario(app))))


if __name__ == "__main__":
    main()
