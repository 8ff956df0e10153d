"""'Across frameworks' in Chromium: TensorFlow's 'SAME' differs from torch's padding=1, its
differing cells are outlined on its grid, and a click on one says both numbers."""

from __future__ import annotations

import pytest

from harness.browser import click_cell, grid_highlights, screenshot, wait_for_alert, wait_for_app

pytestmark = pytest.mark.browser

# kernel 3, stride 1, padding 1 on 6x6: TensorFlow says 'SAME', which leaves padding out of the divisor.
LINK = "frameworks?lang=en&kernel_h=3&stride_h=1&padding_h=1&height=6&width=6"
# The page's grids in order: torch y, ∂L/∂x; ONNX Runtime y (two opsets); Flax y, ∂L/∂x;
# Keras y, ∂L/∂x, its port's two; then TensorFlow's y.
TORCH_Y, TENSORFLOW_Y = 0, 10


def test_a_differing_cell_is_outlined_and_explained(new_context, app_url):
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/{LINK}")
    wait_for_app(page, fresh=True)
    assert grid_highlights(page, TORCH_Y) == []
    outlined = grid_highlights(page, TENSORFLOW_Y)
    assert [0, 1, 0, 1] in [outline[:4] for outline in outlined]  # the corner: 4 cells of x, 9 of the window
    click_cell(page, TENSORFLOW_Y, 0, 0)
    explained = wait_for_alert(page, "y[0, 0]: this framework gives")
    # TensorFlow's corner window holds 4 cells of x and 5 of padding: it divides by 4, torch by 9.
    assert "torch (and the exact core)" in explained
    assert explained.endswith(
        "TensorFlow divided the padded window y[0, 0] (the sum of x[0:2, 0:2]) by 4; torch divides it by 9."
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "frameworks-desktop-en")


def test_the_verdicts_fit_a_phone(new_context, app_url):
    """On a 390 px phone the verdicts' five columns do not fit: each framework's row is a card,
    every verdict on a line of its own under its column's name, nothing cut off at the edge."""
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/{LINK}")
    wait_for_app(page, fresh=True)
    cells = page.locator(".st-key-frameworks_verdicts tbody :is(th, td)")
    edges = cells.evaluate_all("cells => cells.map(cell => cell.getBoundingClientRect().right)")
    assert edges and max(edges) <= 390, edges
    labels = (
        page.locator(".st-key-frameworks_verdicts tbody tr")
        .first.locator("td")
        .evaluate_all("cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
    )
    assert labels == ['"y"', '"∂L/∂x"', '"known issue"', '"port"'], labels
    screenshot(page, "frameworks-phone-verdicts")
