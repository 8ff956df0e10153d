"""'In a network' in Chromium: a digit picked, a cell of a pooling layer clicked and explained,
on a desktop, a phone and a projector, in both languages (screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest

from harness.browser import GRID, click_cell, grid_geometry, screenshot, wait_for_alert, wait_for_app

pytestmark = pytest.mark.browser

CHANNEL = {"en": "Channel 1: ∂L/∂x[6, 2] = ", "zh": "通道 1：∂L/∂x[6, 2] = "}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_digit_picked_and_a_cell_explained(new_context, app_url, language):
    page = new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{app_url}/network?lang={language}&target=3&channel1=1")
    wait_for_app(page, fresh=True)
    page.locator(".st-key-digit button").nth(11).click()  # the second 5
    wait_for_app(page)
    assert "digit=11" in page.url
    click_cell(page, 8, 6, 2)  # ∂L/∂x1, channel 1
    explained = wait_for_alert(page, CHANNEL[language])
    assert "y[3, 1]" in explained  # its one share, from the output of its window
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"network-desktop-{language}")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_phone_and_a_projector_show_the_network(new_context, app_url, language):
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{app_url}/network?lang={language}")
    wait_for_app(phone, fresh=True)
    boxes = [phone.locator(GRID).nth(i).bounding_box() for i in range(phone.locator(GRID).count())]
    assert all(box["x"] + box["width"] <= 390 for box in boxes)  # nothing runs off the side
    screenshot(phone, f"network-phone-{language}")
    projector = new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(f"{app_url}/network?lang={language}&present=1")
    wait_for_app(projector, fresh=True)
    # Each pooling layer's four grids in one row, as tall as the screen allows.
    for first in (1, 5):
        row = [projector.locator(GRID).nth(first + i).bounding_box() for i in range(4)]
        assert len({round(box["y"]) for box in row}) == 1
        assert all(box["height"] <= 720 for box in row)
    assert grid_geometry(projector, 5)["cell"] >= 16  # 8x8 cells still readable
    screenshot(projector, f"network-projector-{language}")
