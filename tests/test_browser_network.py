"""'In a network' in Chromium: a digit picked, a cell of a pooling layer clicked and explained,
on a desktop, a phone and a projector, in both languages; Grad-CAM drawn over the digit and a
pixel's 2x2 block lit (screenshots in test-artifacts/)."""

from __future__ import annotations

import pytest

from harness.browser import (
    GRID,
    click_cell,
    grid_geometry,
    grid_highlights,
    screenshot,
    wait_for_alert,
    wait_for_app,
)

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


OVERLAY, MAP = 11, 10  # the page's grids: the digit, 4 + 4 pooling grids, α, the map, the overlay
# What a canvas shows in a cell, at its centre or ``at`` that fraction of its side from its top
# left corner: [r, g, b] (the canvas is drawn at devicePixelRatio).
PIXEL = """(canvas, [row, col, at = 0.5]) => {
  const g = JSON.parse(canvas.dataset.geometry), ratio = window.devicePixelRatio || 1;
  const x = (g.left + (col - g.col0 + at) * g.cell) * ratio, y = (g.top + (row - g.row0 + at) * g.cell) * ratio;
  return [...canvas.getContext("2d").getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)];
}"""


def test_gradcam_is_drawn_over_the_digit_and_a_pixel_lights_its_block(new_context, app_url):
    """Each pixel in the colour its map cell has on the colour bar, its ink a dark dot over it:
    where the map is large the heat is the bar's clear red around the dot (not brown, as heat
    over grey ink was). A pixel
    clicked lights its 2x2 block and the map cell it copies, and is explained with the
    numbers. The digit picker holds two even rows of 10."""
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/network?lang=en&digit=0")
    wait_for_app(page, fresh=True)
    overlay = page.locator(GRID).nth(OVERLAY)
    # Digit 0·1: Grad-CAM[0, 0] is 0 (clear over pixels (0, 0) = 0 and (1, 1) = 3); [1, 2] is the largest.
    paper, ink, hot_ink = (overlay.evaluate(PIXEL, cell) for cell in ([0, 0], [1, 1], [3, 5]))
    assert paper == [255, 255, 178] and len(set(ink)) == 1 and ink[0] < 100  # the heat's 0, #ffffb2; dark ink
    assert hot_ink == ink  # pixel (3, 5) holds ink too: its dot, the same grey, under any heat
    hot = overlay.evaluate(PIXEL, [3, 5, 0.08])  # beside the dot: the heat alone
    assert hot[0] > 180 and hot[0] > hot[1] + 120 and hot[0] > hot[2] + 120, hot  # the colour bar's red
    click_cell(page, OVERLAY, 3, 5)
    explained = wait_for_alert(page, "Pixel [3, 5] lies in the 2×2 block (rows 2–3, columns 4–5)")
    assert "ReLU(≈3.027) ≈ 3.027" in explained
    assert [2, 4, 4, 6] in [h[:4] for h in grid_highlights(page, OVERLAY)]  # its block
    assert [1, 2, 2, 3] in [h[:4] for h in grid_highlights(page, MAP)]  # the map cell it copies
    tops = [round(box["y"]) for box in (b.bounding_box() for b in page.locator(".st-key-digit button").all())]
    assert len(tops) == 20 and len(set(tops[:10])) == len(set(tops[10:])) == 1 and tops[10] > tops[0]
    screenshot(page, "network-gradcam-desktop-en")


def _rows(page, key: str) -> list[int]:
    """How many buttons of a picker sit in each row, top to bottom."""
    tops = [round(b.bounding_box()["y"]) for b in page.locator(f".st-key-{key} button").all()]
    return [tops.count(top) for top in sorted(set(tops))]


def test_the_pickers_rows_are_even_on_a_phone(new_context, app_url):
    """On a phone the digits sit in rows of 5, and so do the 10 classes the loss can be about
    (not 8 then 2 stretched across the screen)."""
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{app_url}/network?lang=en")
    wait_for_app(page, fresh=True)
    assert _rows(page, "digit") == [5, 5, 5, 5] and _rows(page, "target") == [5, 5]
