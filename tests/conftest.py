"""Shared fixtures: AppTest helpers and the browser harness (see harness/browser.py)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from figures.grids import Selection, decode_values
from harness import browser

APP = str(browser.REPO / "app.py")
# A live class's store: a SQLite file of this test process's own, never the app's data/ folder
# (the servers the tests start inherit it; tests/test_classroom.py runs both stores itself).
os.environ.setdefault("CLASS_STORE", f"sqlite:///{browser.ARTIFACTS}/classes-{os.getpid()}.sqlite3")
# A following tab reruns within this many seconds of a pushed view (ui/classroom.RERUN_SPREAD:
# 2 s spreads a lecture hall's reruns). The tests' classes have a few tabs, and each change a
# test follows would wait up to 2 s for them.
os.environ.setdefault("CLASS_RERUN_SPREAD", "0.2")


@pytest.fixture(autouse=True)
def _no_rate_limit_spent_by_an_earlier_test():
    """Every AppTest of a test process asks from one address, and its servers share its store,
    so the class limits (ui/classroom.py: 30 classes started per address in 10 minutes, the
    typed codes) counted every earlier test's classes: in a full run, a worker's 32nd class
    was refused and the deck tests found no cockpit. Each test starts with none spent; the
    tests of the limits spend them themselves."""
    address = os.environ["CLASS_STORE"]
    path = Path(address.removeprefix("sqlite:///"))
    if address.startswith("sqlite:///") and path.exists():
        no_table_yet = contextlib.suppress(sqlite3.OperationalError)  # a file whose tables are not made yet
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db, db, no_table_yet:
            db.execute("DELETE FROM limits")
    yield


def pytest_configure(config):
    """Each new AppTest scans every installed distribution's metadata for Streamlit
    components (streamlit.components.v2.manifest_scanner: ~0.15 s of CPU with this project's
    ~175 packages, the frameworks among them), where a server scans once at start-up. The
    packages installed do not change during a test run, so the scan's answer is kept for the
    run: the same answer, computed once per test process rather than once per tab."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the files that run the frameworks in the test process as one
    unit of work, so they share one worker's warm framework workers (tests/scheduling.py)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import FrameworksTogether

    return FrameworksTogether(config, log)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    """No test may import Keras into the test process (TensorFlow's import brings it): from
    then on Streamlit ends every AppTest run there with ``keras.backend.clear_session()``, a
    full garbage collection of a ~1.3 GB heap (~0.5 s a run), and every later page test in that
    process is 2-4x slower. A framework called directly in a test is called in a subprocess
    (tests/test_frameworks.py); the app runs them in its workers (frameworks/workers.py)."""
    import sys

    assert "keras" not in sys.modules, f"{item.nodeid} imported keras into the test process"


# ---------------------------------------------------------------------------------------
# AppTest: the grid component comes back as an unknown element whose JSON is the data it was
# given ({"grids": [...], ...}); each grid's values travel as base64 floats (figures.grids).


def open_app(query: dict[str, str] | None = None, page: str | None = None):
    """Run the app as a link with these URL parameters opens it (on ``page``, if given)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def teachers_new_session(teacher, code: str):
    """The teacher's cockpit in a new session (a reload, a new tab, another replica), run once.
    AppTest has no cookies: the session is given the seat and the secret that the teacher's
    cookie gives a real browser."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["class_seat"] = teacher.session_state["class_seat"]
    at.session_state["class_secret"] = teacher.session_state["class_secret"]
    at.query_params["class"] = code
    at.switch_page("pages/live_class.py")
    at.run()
    assert not at.exception, at.exception
    return at


def settled(at):
    """Across frameworks once every framework's job it asked for is done (waited for, not slept
    on), run again: what its progress fragment shows when the last one finishes."""
    from frameworks import JOBS

    for job in JOBS.pending():
        job.future.exception(timeout=600)
    at.run()
    assert not at.exception, at.exception
    return at


def shown(markdown: str) -> str:
    """A message's Markdown as a reader sees it: backslash escapes (i18n.user_text) undone."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def alerts(at) -> list[str]:
    """Every error, warning, info and success on the page, as a reader sees it."""
    return [shown(item.value) for kind in ("error", "warning", "info", "success") for item in getattr(at, kind)]


def select_cell(at, key: str, kind: str, row: int, col: int, grid: str) -> None:
    """Select a cell of the grids drawn under ``key``, as a click on grid ``grid`` does
    (the browser tests click for real; AppTest cannot reach the component)."""
    cells = dict(at.session_state["selected_cells"]) if "selected_cells" in at.session_state else {}
    cells[key] = Selection(kind, row, col, grid)
    at.session_state["selected_cells"] = cells


def clear_cell(at, key: str) -> None:
    """Escape: nothing selected in the grids drawn under ``key``."""
    cells = dict(at.session_state["selected_cells"]) if "selected_cells" in at.session_state else {}
    cells.pop(key, None)
    at.session_state["selected_cells"] = cells


def grid_components(at) -> list[dict]:
    """The data of every grid component on the page, in order."""
    components = [json.loads(element.proto.json) for element in at.get("bidi_component")]
    # Streamlit falls back to sending str(data) when data is not plain JSON: the browser would get a string.
    assert all(isinstance(component, dict) for component in components), "grid data is not plain JSON"
    return [component for component in components if "grids" in component]  # not a class's cookie writer


def grids_on_page(at) -> list[dict]:
    """Every grid description drawn on the page, in order (all components, flattened)."""
    return [grid for component in grid_components(at) for grid in component["grids"]]


def grid_values(grid: dict) -> np.ndarray:
    """A grid's values as a float64 (rows, cols) array."""
    return decode_values(grid)


# ---------------------------------------------------------------------------------------
# Browser: one streamlit server and one Chromium for the whole run (a module may start its own).


@pytest.fixture(scope="session")
def chromium():
    path = browser.chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: in CI the browser tests must run")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=browser.CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def app_url():
    """One server for the browser tests (each test opens its own sessions in it)."""
    with browser.streamlit_server() as url:
        yield url


@pytest.fixture
def new_context(chromium):
    """Make browser contexts (a phone, a projector, a second student); all are closed when the
    test ends, failed or not."""
    contexts = []

    def make(**options):
        context = chromium.new_context(**options)
        context.set_default_timeout(browser.PATIENCE_MS)
        context.add_init_script(browser.RUN_COUNTER)  # wait_for_app waits for the run an action starts
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def desktop(chromium):
    """One desktop browser window for the whole run: each test gets its own tab (its own
    Streamlit session), and the tabs share the HTTP cache, so Streamlit's scripts load once."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(browser.PATIENCE_MS)
    context.add_init_script(browser.RUN_COUNTER)
    yield context
    context.close()


@pytest.fixture
def page(desktop):
    tab = desktop.new_page()
    yield tab
    tab.close()


def waits_for_lane(lane, at) -> bool:
    """Whether ``at``'s next run (an AppTest) waits while ``lane`` (ui/fairness.py) is held (the
    lane counts it among its waiting runs before the run ends), and ends once the lane is freed.
    Conditions, not times: a loaded machine only makes it slower."""
    with lane.taken():
        run = threading.Thread(target=at.run, kwargs={"timeout": 120})
        run.start()
        while run.is_alive() and not lane.waiting:
            run.join(timeout=0.01)
        waited = lane.waiting > 0
    run.join(timeout=300)  # freed, it goes on
    return waited and not run.is_alive()


class ManualClock:
    """A clock the test drives, put in place of ui/fairness.py's ``CLOCK`` (a ``Clock``): a tab's wait for
    its budget moves it on at once and is recorded, with what ``on_sleep`` saw at that moment."""

    def __init__(self, on_sleep: Callable[[], object] = lambda: None) -> None:
        self.at = time.monotonic()  # budgets made before the swap stay meaningful
        self.slept: list[float] = []
        self.seen: list[object] = []
        self._on_sleep = on_sleep

    def now(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.seen.append(self._on_sleep())
        self.at += seconds


@pytest.fixture
def manual_clock(monkeypatch) -> Callable[..., ManualClock]:
    """Put a ``ManualClock`` in ui/fairness.py's place for this test: ``manual_clock(on_sleep)``."""
    import ui.fairness

    def install(on_sleep: Callable[[], object] = lambda: None) -> ManualClock:
        clock = ManualClock(on_sleep)
        monkeypatch.setattr(ui.fairness, "CLOCK", clock)
        return clock

    return install
