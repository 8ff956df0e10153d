"""Debian's Chromium driven by Playwright against a real server (``harness.server``): the
selectors and page helpers the browser tests and ``benchmarks/bench_browser.py`` share.

Playwright is imported only where a page is driven, so that importing this module (and the
test suite's conftest) works without it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

from harness.server import ARTIFACTS, REPO, free_port, streamlit_server

__all__ = [
    "ARTIFACTS",
    "CHROMIUM_ARGS",
    "GRID",
    "GRIDS_DRAWN",
    "REPO",
    "REQUESTED",
    "RUN_COUNTER",
    "cell_centre",
    "chromium_path",
    "click_cell",
    "free_port",
    "grid_cell_texts",
    "grid_geometry",
    "grid_highlights",
    "screenshot",
    "streamlit_server",
    "type_into_editor",
    "wait_for_alert",
    "wait_for_app",
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SCRIPT_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'


def chromium_path() -> str | None:
    """Debian's Chromium, where the machine has it (``playwright install`` cannot download here)."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


GRID = ".grids canvas"  # one canvas per grid, in page order (Playwright's CSS pierces shadow roots)
# Every grid component on the page has loaded (no skeleton left) and drawn every one of its grids.
GRIDS_DRAWN = """() => !document.querySelector('[data-testid="stElementContainer"] [data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .filter(host => !host.closest('.st-key-class_cookies'))  // the class's cookie writer draws nothing
    .every(host => {
    const root = host.shadowRoot && host.shadowRoot.querySelector('.grids');
    return root && root.dataset.drawn && [...root.querySelectorAll('canvas')].every(canvas => canvas.dataset.geometry);
})"""


# Installed in every test context (an init script). It keeps the page's DOM run counter
# (window.__runs: the runs React showed as running) and watches the app's websocket, where
# Streamlit's protocol says when the run an interaction asked for is over:
# - each BackMsg ``rerun_script`` (field 11) the browser sends is a request; an auto rerun (a
#   fragment's own timer, ClientState field 6) is not the test's and only counts while it runs;
# - right before each request the page sends a barrier the server answers in order, on the event
#   loop that then takes the request: ``set_run_on_save`` (field 6) true, then false (the default
#   it was). Every ``session_status_changed`` (ForwardMsg field 9) the server sends carries the
#   flag, so the flag's return to false in them says the server took the barrier; a run started
#   after that (``new_session``, field 4) is the request's or a later one. (An app_heartbeat's ack
#   would be simpler, but a run's start clears it from the queue unsent, and keeps these.)
# - ``script_finished`` (field 6) ends a run, except status 2 (FINISHED_EARLY_FOR_RERUN: the
#   same runner starts another one at once).
# Settled: the last request's run has started and the last run has finished, and the frontend
# has drawn every message received.
RUN_COUNTER = """
(() => {
window.__runs = 0;
window.__runsSeen = 0;
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.target.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-test-script-state'] });

const protocol = window.__protocol = {
  sent: 0, seen: 0,         // requests sent (auto reruns aside); how many the last wait saw
  barriers: 0, passed: 0,   // barriers sent; taken by the server (seen in its replies)
  flag: false,              // run_on_save in the server's last session status
  barrier: 0,               // the barrier sent right before the last request
  startedAfter: true,       // a run started after that barrier was taken
  running: false,           // a run started and has not finished
  received: 0, handed: 0,   // messages received; drawn by the frontend
};
const RUN_ON_SAVE = [new Uint8Array([0x30, 0x01]), new Uint8Array([0x30, 0x00])];  // BackMsg { set_run_on_save }

function fields(bytes) {  // a protobuf message's top-level fields: number -> varint or bytes
  const found = new Map();
  let at = 0;
  const varint = () => {
    let value = 0, scale = 1, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * scale; scale *= 128; } while (byte & 0x80 && at < bytes.length);
    return value;
  };
  while (at < bytes.length) {
    const tag = varint(), number = Math.floor(tag / 8), type = tag % 8;
    if (type === 0) found.set(number, varint());
    else if (type === 2) { const length = varint(); found.set(number, bytes.subarray(at, at + length)); at += length; }
    else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else break;
  }
  return found;
}

function asBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function watch(socket) {
  const send = socket.send.bind(socket);
  socket.send = (data) => {
    const bytes = asBytes(data);
    const message = bytes ? fields(bytes) : new Map();
    if (message.has(11) && !fields(message.get(11)).get(6)) {  // a rerun request, not a timer's
      RUN_ON_SAVE.forEach((barrier) => send(barrier));
      protocol.barriers += 1;
      protocol.barrier = protocol.barriers;
      protocol.startedAfter = false;
      protocol.sent += 1;
    }
    return send(data);
  };
  socket.addEventListener('message', (event) => {
    const bytes = asBytes(event.data);
    if (!bytes) return;
    const message = fields(bytes);
    if (message.has(9)) {  // session_status_changed: its run_on_save went true, then false again
      const flag = !!fields(message.get(9)).get(1);
      if (protocol.flag && !flag) protocol.passed += 1;
      protocol.flag = flag;
    }
    if (message.has(4)) {
      protocol.running = true;
      if (protocol.passed >= protocol.barrier) protocol.startedAfter = true;
    }
    if (message.has(6) && message.get(6) !== 2) protocol.running = false;
    // The frontend takes the message in this task's microtasks and React commits what it set
    // in a task of its own: a task, a frame and a task later, the page shows it.
    const index = ++protocol.received;
    const handed = () => { protocol.handed = Math.max(protocol.handed, index); };
    setTimeout(() => requestAnimationFrame(() => setTimeout(handed, 0)), 0);
  });
}

const Native = window.WebSocket;
function WatchedWebSocket(url, protocols) {
  const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
  if (String(url).includes('/_stcore/stream')) watch(socket);
  return socket;
}
WatchedWebSocket.prototype = Native.prototype;
Object.setPrototypeOf(WatchedWebSocket, Native);
window.WebSocket = WatchedWebSocket;
})();
"""

# The run the last request asked for has started, every run has finished, and the frontend
# has drawn every message (see RUN_COUNTER).
SETTLED = """() => {
  const p = window.__protocol;
  return p.sent > 0 && p.passed >= p.barrier && p.startedAfter && !p.running && p.handed >= p.received;
}"""
REQUESTED = "() => window.__protocol.sent > window.__protocol.seen"
SEEN = """() => {
  window.__runsSeen = window.__runs;
  if (window.__protocol) window.__protocol.seen = window.__protocol.sent;
}"""
# Without RUN_COUNTER (a context made elsewhere, e.g. benchmarks/bench_browser.py): a run that
# started since the last wait, or one running now.
RUN_STARTED = f"() => window.__runs > window.__runsSeen || !!document.querySelector({json.dumps(SCRIPT_RUNNING)})"


# How long a wait for a condition may last before the test fails. A passing run never waits
# this long; a machine busy with other work (a CI neighbour, a second suite) makes a run slow,
# not wrong, so the wait is generous rather than a measure of speed.
PATIENCE_MS = 90_000
# How long an interaction may take the browser to send its request: the frontend sends a
# widget's change from a 0 ms timer and the data editor's after a 150 ms debounce. Only an
# interaction that asks for no run waits this long.
REQUEST_GRACE_MS = 1_000


def wait_for_app(page, timeout: float = PATIENCE_MS, fresh: bool = False) -> None:
    """Wait until the run an interaction asked for, and any run after it, has finished (the
    app's websocket says so: ``RUN_COUNTER``), the page title is drawn, the app is idle and
    every grid on the page is drawn. ``fresh``: the page was just opened, so its first request
    is certain and no earlier request can be mistaken for it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if page.evaluate("() => typeof window.__protocol === 'object'"):
        if not fresh:  # the interaction's request, if it makes one, is sent by the browser's timers
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function(REQUESTED, timeout=REQUEST_GRACE_MS)
        page.wait_for_function(SETTLED, timeout=timeout)
    elif not fresh:
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(RUN_STARTED, timeout=1_000)
    page.wait_for_selector("h1", timeout=timeout)
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    # Grid components mount with the run's elements and draw in the next animation frame.
    page.wait_for_function(GRIDS_DRAWN, timeout=timeout)
    page.evaluate(SEEN)


def wait_for_alert(page, expected: str, timeout: float = PATIENCE_MS) -> str:
    """Wait until an alert box (info, warning, error, success) holds ``expected``; return its
    text. Sturdier than reading right after ``wait_for_app`` when the machine is loaded."""
    handle = page.wait_for_function(
        """expected => [...document.querySelectorAll('[data-testid=stAlert]')]
             .map(alert => alert.innerText).find(text => text.includes(expected))""",
        arg=expected,
        timeout=timeout,
    )
    return handle.json_value()


def wait_for_grids(page, count: int, timeout: float = PATIENCE_MS) -> None:
    """Wait until the page shows exactly ``count`` grids, every one drawn. A run streams its
    elements in order, so an alert above the grids can be on screen before they are."""
    page.wait_for_function(
        f"""count => [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
              .flatMap(host => host.shadowRoot ? [...host.shadowRoot.querySelectorAll('.grids canvas')] : [])
              .length === count && ({GRIDS_DRAWN})()""",
        arg=count,
        timeout=timeout,
    )


def grid_geometry(page, index: int) -> dict:
    """How the index-th grid on the page is drawn: margins, cell size (px), origin, extent."""
    return json.loads(page.locator(GRID).nth(index).get_attribute("data-geometry"))


def grid_cell_texts(page, index: int) -> list[str]:
    """The numbers printed in the cells of the index-th grid on the page (row by row)."""
    return json.loads(page.locator(GRID).nth(index).get_attribute("data-printed") or "[]")


def grid_highlights(page, index: int) -> list[list]:
    """The outlines drawn on the index-th grid: [row_start, row_stop, col_start, col_stop, colour]."""
    return json.loads(page.locator(GRID).nth(index).get_attribute("data-highlights") or "[]")


def cell_centre(page, index: int, row: int, col: int) -> tuple[float, float]:
    """Where on the page the centre of cell (row, col) of the index-th grid is."""
    box = page.locator(GRID).nth(index).bounding_box()
    geometry = grid_geometry(page, index)
    x = box["x"] + geometry["left"] + (col - geometry["col0"] + 0.5) * geometry["cell"]
    y = box["y"] + geometry["top"] + (row - geometry["row0"] + 0.5) * geometry["cell"]
    return x, y


def start_class(page, url: str) -> str:
    """A teacher's tab starts a live class on ``url`` (the app's page address, e.g.
    ``…/live_class?lang=zh``) and returns its 5-letter code, as the cockpit shows it."""
    page.goto(url)
    wait_for_app(page, fresh=True)
    page.locator(".st-key-class_start button").click()
    wait_for_app(page)
    return re.search(r"[A-Z]{5}", page.locator("h2").first.inner_text())[0]


def click_cell(page, index: int, row: int, col: int, wait: bool = True) -> None:
    """Click the centre of cell (row, col) of the index-th grid (scrolled into view first: a
    click off the screen reaches nothing), then wait for the rerun."""
    page.locator(GRID).nth(index).scroll_into_view_if_needed()
    page.mouse.click(*cell_centre(page, index, row, col))
    if wait:
        wait_for_app(page)


def screenshot(page, name: str) -> Path:
    """Full-page screenshot into test-artifacts/screenshots/."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # Streamlit scrolls inside its main container, not the document: grow the viewport to the
    # container's height so the screenshot holds the whole page, then restore it.
    viewport = page.viewport_size
    height = page.evaluate(
        """() => Math.max(0, ...[...document.querySelectorAll(
                 '[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"]')]
                 .map(element => element.scrollHeight))"""
    )
    if height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": int(height) + 40})
        # The grids redraw for the new size within a frame or two: wait for that, not a moment.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.wait_for_function(GRIDS_DRAWN)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    return path


def type_into_editor(page, index: int, row: int, col: int, typed: str, columns: int = 4) -> None:
    """Type ``typed`` into cell (row, col) of the index-th data editor on the page, as a person
    does (select it, Enter, type, Enter), then wait for the rerun. Rows and the header are 35 px,
    the index column ~52 px, and the ``columns`` number columns share the rest equally."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    grid = page.locator('[data-testid="stDataFrame"]').nth(index)
    box = grid.bounding_box()
    column_width = (box["width"] - 52) / columns
    x, y = box["x"] + 52 + (col + 0.5) * column_width, box["y"] + 35 + (row + 0.5) * 35
    # The grid's accessible table marks the selected cell (the index column is column 0); the
    # Enter that opens its editor must go to the grid, so the grid must hold the focus too.
    selected = """([grid, id]) => grid.querySelector(`[id="${id}"]`)?.getAttribute('aria-selected') === 'true'
      && grid.contains(document.activeElement)"""
    for attempt in range(4):  # a click right after a rerun may only give the grid the focus: again
        page.mouse.click(x, y)
        try:
            page.wait_for_function(selected, arg=[grid.element_handle(), f"glide-cell-{col + 1}-{row}"], timeout=2_500)
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
    page.keyboard.press("Enter")  # open the selected cell's editor
    editor = page.locator("textarea.gdg-input, input.gdg-input").first
    editor.fill(typed)
    editor.press("Enter")
    wait_for_app(page)
