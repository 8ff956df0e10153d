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


# Counts the script runs a page has started (window.__runs), so that a wait can tell a run
# that began after an interaction from one that ended before it. Installed in every context.
RUN_COUNTER = """
window.__runs = 0;
window.__runsSeen = 0;
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    if (mutation.target.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-test-script-state'] });
"""


RUN_STARTED = f"() => window.__runs > window.__runsSeen || !!document.querySelector({json.dumps(SCRIPT_RUNNING)})"


# How long a wait for a condition may last before the test fails. A passing run never waits
# this long; a machine busy with other work (a CI neighbour, a second suite) makes a run slow,
# not wrong, so the wait is generous rather than a measure of speed.
PATIENCE_MS = 90_000


def wait_for_app(page, timeout: float = PATIENCE_MS, fresh: bool = False) -> None:
    """Wait until a script run has finished (the page title is drawn and the app is idle)
    and every grid on the page is drawn. After an interaction, first catch the run it
    started: seen by ``RUN_COUNTER`` since the last wait, or running now (a run short enough
    for React to skip its "running" state is waited for 1 s at most). ``fresh``: the page
    was just opened, so no earlier run can be mistaken for this one."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if not fresh:
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(RUN_STARTED, timeout=1_000)
    page.wait_for_selector("h1", timeout=timeout)
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    # Grid components mount with the run's elements and draw in the next animation frame.
    page.wait_for_function(GRIDS_DRAWN, timeout=timeout)
    page.evaluate("() => { window.__runsSeen = window.__runs; }")


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
    box = page.locator('[data-testid="stDataFrame"]').nth(index).bounding_box()
    column_width = (box["width"] - 52) / columns
    x, y = box["x"] + 52 + (col + 0.5) * column_width, box["y"] + 35 + (row + 0.5) * 35
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    editor = page.locator("textarea.gdg-input, input.gdg-input").first
    for attempt in range(4):  # a click right after a rerun may only give the grid the focus: retry
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
        page.keyboard.press("Enter")  # open the selected cell's editor
        try:
            editor.wait_for(timeout=2_500)
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            continue  # the Enter reached the grid before the selection did: select again
        box = editor.bounding_box()
        if box and box["x"] <= x <= box["x"] + box["width"] and box["y"] - 5 <= y <= box["y"] + box["height"] + 5:
            break  # the editor is the cell's
        page.keyboard.press("Escape")
        page.wait_for_timeout(150)
    editor.fill(typed)
    editor.press("Enter")
    wait_for_app(page)
