"""Shared fixtures: AppTest helpers and the browser harness (see tests/browser.py)."""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import pytest

from tests import browser

APP = str(browser.REPO / "app.py")


# ---------------------------------------------------------------------------------------
# AppTest: figures come back as plotly JSON, with arrays as base64 ({"dtype", "bdata", "shape"}).


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


def decode_array(value) -> np.ndarray:
    """A plotly 7 JSON array (plain list or base64 typed array) as numpy."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            array = array.reshape([int(n) for n in str(shape).split(",")])
        return array
    return np.array([np.nan if v is None else v for v in value], dtype=float)


def chart_figures(at) -> list[dict]:
    """The figure JSON of every st.plotly_chart on the page, in order."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def heatmap_values(figure: dict) -> np.ndarray:
    """The z matrix of the figure's heatmap trace."""
    heatmap = next(trace for trace in figure["data"] if trace["type"] == "heatmap")
    return decode_array(heatmap["z"]).astype(np.float64)  # whole numbers travel as int16


# ---------------------------------------------------------------------------------------
# Browser: one streamlit server per test module, one Chromium per session.


@pytest.fixture(scope="session")
def chromium():
    path = browser.chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: in CI the browser tests must run")
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=browser.CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def app_url():
    with browser.streamlit_server() as url:
        yield url


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
