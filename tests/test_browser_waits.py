"""``harness.browser.wait_for_app`` against a server that starts the run a click asked for
late, as a busy machine does: the server process is stopped (SIGSTOP) while the click's
request waits in its socket, and continued (SIGCONT) on an event, never after a time."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from harness.browser import PATIENCE_MS, SCRIPT_DONE, wait_for_app
from harness.server import streamlit_process

pytestmark = pytest.mark.browser

# A page whose every click on "Next" shows a new count: which run the page shows is plain.
APP = """
import streamlit as st

st.title("Runs")
if st.button("Next"):
    st.session_state.clicks = st.session_state.get("clicks", 0) + 1
st.markdown(f"clicks: {st.session_state.get('clicks', 0)}")
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    script = tmp_path_factory.mktemp("waits") / "runs.py"
    script.write_text(APP)
    with streamlit_process(app=str(script)) as (url, pid):
        yield url, pid


@contextlib.contextmanager
def stopped(pid: int):
    """The server process stopped, as a machine too busy to schedule it; continued for sure
    at the end (or earlier by ``resume``)."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield lambda: os.kill(pid, signal.SIGCONT)
    finally:
        os.kill(pid, signal.SIGCONT)


def _clicks(page) -> str:
    return page.get_by_text("clicks:").inner_text()


def _wait_with_a_window(page) -> None:
    """The wait before this test: look 1 s for a run to start, then take the page as settled."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "() => window.__runs > window.__runsSeen || !!document.querySelector("
            '\'[data-testid="stApp"][data-test-script-state="running"]\')',
            timeout=1_000,
        )
    page.wait_for_selector(SCRIPT_DONE, timeout=PATIENCE_MS)
    page.evaluate("() => { window.__runsSeen = window.__runs; }")


def test_a_wait_that_looks_for_a_run_for_a_while_misses_a_late_one(new_context, server):
    """Why the wait changed: the run starts after the window has closed, and the page read
    after the wait is the one before the click."""
    url, pid = server
    page = new_context().new_page()
    page.goto(url)
    wait_for_app(page, fresh=True)
    assert _clicks(page) == "clicks: 0"
    with stopped(pid):
        page.get_by_role("button", name="Next").click()
        _wait_with_a_window(page)
        assert _clicks(page) == "clicks: 0"  # returned, on the page before the click
    wait_for_app(page)
    assert _clicks(page) == "clicks: 1"


def test_the_wait_returns_after_the_run_the_click_asked_for_however_late(new_context, server):
    """The server gets going again only once the wait has begun looking at the page (its first
    read of the page's protocol record), and the wait returns with the click's run drawn."""
    url, pid = server
    page = new_context().new_page()
    page.goto(url)
    wait_for_app(page, fresh=True)
    for expected in ("clicks: 1", "clicks: 2"):
        with stopped(pid) as resume:
            page.expose_binding(f"resume{expected[-1]}", lambda source: resume())
            # The first time the wait reads the page's record of the protocol, continue the server.
            page.evaluate(
                """name => {
                  const record = window.__protocol;
                  delete window.__protocol;
                  Object.defineProperty(window, '__protocol', { configurable: true, get() {
                    delete window.__protocol;
                    window.__protocol = record;
                    window[name]();
                    return record;
                  } });
                }""",
                f"resume{expected[-1]}",
            )
            page.get_by_role("button", name="Next").click()
            wait_for_app(page)
            assert _clicks(page) == expected


def test_an_interaction_that_asks_for_no_run_does_not_hang(new_context, server):
    """Focus moves, nothing is sent: the wait gives the browser its moment to send a request,
    then takes the page as it is."""
    url, _ = server
    page = new_context().new_page()
    page.goto(url)
    wait_for_app(page, fresh=True)
    page.get_by_role("button", name="Next").focus()
    wait_for_app(page)
    assert _clicks(page) == "clicks: 0"
