"""A fresh server whose first request is a deep link still goes through app.py's router."""

from __future__ import annotations

import pytest

from harness.browser import streamlit_server, wait_for_app
from ui.router import PAGES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url():
    """This module's own server (not the shared one): its first request is the deep link."""
    with streamlit_server() as url:
        yield url


def test_first_request_to_a_deep_link_is_routed_by_app_py(page, app_url):
    # This module has its own server: this is the very first page it serves, the case where
    # Streamlit's legacy pages/ router would answer without app.py.
    page.goto(f"{app_url}/average_vs_max?kernel_h=3&input=ones")
    wait_for_app(page, fresh=True)
    assert page.locator("h1").first.inner_text() == "Average vs max"
    assert page.locator('[role="dialog"]').count() == 0  # no "Page not found"
    links = page.locator('[data-testid="stPageLink-NavLink"]')
    assert links.count() == len(PAGES)  # our navigation, not Streamlit's list of files
    assert page.locator(".st-key-kernel_h input[type='range']").input_value() == "3"
    assert page.locator('[data-testid="stException"]').count() == 0


def test_every_page_has_its_own_address(page, app_url):
    for path, title in [
        ("", "Playground"),
        ("step_by_step", "Step by step"),
        ("under_the_hood", "Under the hood"),
        ("average_vs_max", "Average vs max"),
        ("quiz", "Predict, then reveal"),
        ("presets", "Presets"),
        ("classic", "The classic example"),
    ]:
        page.goto(f"{app_url}/{path}")
        wait_for_app(page, fresh=True)
        assert page.locator("h1").first.inner_text() == title
        assert page.locator('[role="dialog"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0


def test_an_unknown_address_opens_the_start_page(page, app_url):
    page.goto(f"{app_url}/no_such_page")
    page.wait_for_selector('[role="dialog"]', timeout=30_000)
    assert "Page not found" in page.locator('[role="dialog"]').inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_another_page_keeps_the_view_the_sliders_made(page, app_url):
    """The page links carry the display settings; the view itself (here a kernel changed by
    the slider, which reruns only the pooling fragment) goes along with the session."""
    page.goto(f"{app_url}/?stride_h=1&height=5&width=5&palette=colorblind")
    wait_for_app(page, fresh=True)
    page.locator(".st-key-kernel_h input[type='range']").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    link = page.locator('[data-testid="stPageLink-NavLink"]').nth(1)
    href = link.get_attribute("href")
    # Display settings only: the full run that drew the link knew kernel 2, not the slider's 3.
    assert "palette=colorblind" in href and "kernel_h" not in href and "height" not in href
    link.click()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Step by step"
    assert page.locator(".st-key-kernel_h input[type='range']").input_value() == "3"
    assert "kernel_h=3" in page.url and "palette=colorblind" in page.url
