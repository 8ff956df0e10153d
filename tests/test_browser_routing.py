"""A fresh server whose first request is a deep link still goes through app.py's router."""

from __future__ import annotations

import pytest

from tests.browser import wait_for_app

pytestmark = pytest.mark.browser


def test_first_request_to_a_deep_link_is_routed_by_app_py(page, app_url):
    # This module has its own server: this is the very first page it serves.
    page.goto(f"{app_url}/step-by-step?kernel_h=3")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Step by step"
    links = page.locator('[data-testid="stPageLink-NavLink"]')
    assert links.count() == 3  # our navigation, not Streamlit's legacy pages list
    assert page.locator(".st-key-kernel_h input[type='range']").input_value() == "3"


def test_an_old_style_address_points_to_the_start_page(page, app_url):
    # Streamlit says "Page not found" and opens the start page (or, on a server whose very first
    # request this is, our guard says where to go): never a half-working page.
    page.goto(f"{app_url}/step_by_step")
    page.wait_for_selector('[role="dialog"], [data-testid="stAlert"]', timeout=30_000)
    page.wait_for_timeout(1_000)
    texts = " ".join(page.locator('[role="dialog"], [data-testid="stAlert"]').all_inner_texts())
    assert "Page not found" in texts or "not one of the app's pages" in texts
    assert page.locator('[data-testid="stException"]').count() == 0


def test_page_links_carry_the_shared_settings(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page)
    page.locator('[data-testid="stPageLink-NavLink"]').nth(1).click()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Step by step"
    assert page.locator(".st-key-kernel_h input[type='range']").input_value() == "3"
    assert "kernel_h=3" in page.url
