"""Reusable end-to-end harness: a real ``streamlit run app.py`` server and Debian's Chromium
driven by Playwright. Fixtures in ``conftest.py`` wrap these for the tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(timeout: float = 60.0, app: str = "app.py") -> Iterator[str]:
    """Start ``streamlit run app.py`` (or another script) on a free localhost port; yield its base URL."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = (ARTIFACTS / f"streamlit-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            app,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
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
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


GRID = ".grids canvas"  # one canvas per grid, in page order (Playwright's CSS pierces shadow roots)
# Every grid component on the page has loaded (no skeleton left) and drawn every one of its grids.
GRIDS_DRAWN = """() => !document.querySelector('[data-testid="stElementContainer"] [data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')].every(host => {
    const root = host.shadowRoot && host.shadowRoot.querySelector('.grids');
    return root && root.dataset.drawn && [...root.querySelectorAll('canvas')].every(canvas => canvas.dataset.geometry);
})"""


def wait_for_app(page, timeout: float = 30_000, fresh: bool = False) -> None:
    """Wait until a script run has finished (the page title is drawn and the app is idle)
    and every grid on the page is drawn. ``fresh``: the page was just opened, so no earlier
    run can be mistaken for this one."""
    if not fresh:
        # An interaction starts a run a moment later: catch it, if it is not over already.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_selector(SCRIPT_RUNNING, timeout=1_000)
    page.wait_for_selector("h1", timeout=timeout)
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    # Grid components mount with the run's elements and draw in the next animation frame.
    page.wait_for_function(GRIDS_DRAWN, timeout=timeout)
    page.wait_for_timeout(100)


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


def click_cell(page, index: int, row: int, col: int, wait: bool = True) -> None:
    """Click the centre of cell (row, col) of the index-th grid, then wait for the rerun."""
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
        page.wait_for_timeout(500)
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
    editor = page.locator("textarea.gdg-input, input.gdg-input").first
    for _ in range(3):  # a click right after a rerun may only give the grid the focus: retry
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
        page.keyboard.press("Enter")  # open the selected cell's editor
        editor.wait_for(timeout=5_000)
        box = editor.bounding_box()
        if box and box["x"] <= x <= box["x"] + box["width"] and box["y"] - 5 <= y <= box["y"] + box["height"] + 5:
            break  # the editor is the cell's
        page.keyboard.press("Escape")
        page.wait_for_timeout(150)
    editor.fill(typed)
    editor.press("Enter")
    wait_for_app(page)
