"""End to end: a real `streamlit run app.py` server, driven in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser import chart_cell_texts, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_classic_example_draws_one_quarter_in_every_input_gradient_cell(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 6
    # The fourth chart is dL/dx: 16 cells, each printed as 0.25.
    assert chart_cell_texts(page, 3) == ["0.25"] * 16
    assert chart_cell_texts(page, 2) == ["1"] * 4
    screenshot(page, "classic-example")
