"""What torch does beyond the input, drawn in a real Chromium: ceil_mode's kernel that
overhangs the padding (drawn whole, dashed, its cells hatched and hovered as such) and max
pooling's padding of −∞ (issue 28's two links)."""

from __future__ import annotations

import json

import pytest

from harness.browser import GRID, cell_centre, click_cell, wait_for_alert, wait_for_app
from i18n import text

pytestmark = pytest.mark.browser

ORANGE = "#ff8c00"
CEIL_LINK = "/?height=6&width=6&kernel_h=3&stride_h=2&padding_h=1&ceil_mode=true"
MAX_LINK = (
    "/average_vs_max?kernel_h=3&stride_h=1&padding_h=1&height=3&width=3&input=custom&x=-1,-2,-3;-4,-5,-6;-7,-8,-9"
)


def _kernels(page, index: int) -> list[list]:
    """The dashed whole kernels drawn on the index-th grid: [row_start, row_reach, col_start, col_reach, colour]."""
    return json.loads(page.locator(GRID).nth(index).get_attribute("data-kernels") or "[]")


def _hover(page, index: int, row: int, col: int) -> str:
    """The hover text of cell (row, col) of the index-th grid (padding and overhang included)."""
    page.locator(GRID).nth(index).scroll_into_view_if_needed()
    page.mouse.move(*cell_centre(page, index, row, col))
    tip = page.locator(".grids .tip").nth(index)
    tip.wait_for(state="visible")
    return tip.inner_text()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_clicked_window_shows_its_whole_kernel_past_the_padding(page, app_url, language):
    """y[3, 3] reads x[5:7, 5:7] (one cell, three padding) of a 3×3 kernel that reaches row and
    column 7: the window is outlined [5, 7), its kernel dashed to 8, the cells past the padding
    hovered as the overhang, and the explanation counts them."""
    page.goto(f"{app_url}{CEIL_LINK}&lang={language}")
    wait_for_app(page, fresh=True)
    geometry = json.loads(page.locator(GRID).nth(0).get_attribute("data-geometry"))
    assert (geometry["row0"], geometry["rows"], geometry["cols"]) == (-1, 9, 9)  # padding, and row/column 7
    click_cell(page, 1, 3, 3)
    said = wait_for_alert(page, "3×3")
    assert "5" in said and ("ceil_mode's overhang" in said or "ceil_mode 的越界部分" in said), said
    highlights = json.loads(page.locator(GRID).nth(0).get_attribute("data-highlights"))
    assert [5, 7, 5, 7, ORANGE] in highlights
    assert _kernels(page, 0) == [[5, 8, 5, 8, ORANGE]]
    assert _kernels(page, 3) == []  # ∂L/∂x ends at the input's edge: nothing past it to draw
    overhang = text(language, "figure.overhang_hover").replace("{row}", "7").replace("{col}", "6")
    assert _hover(page, 0, 7, 6) == overhang
    assert "−∞" not in _hover(page, 0, -1, 0)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_max_poolings_padding_is_hovered_as_minus_infinity(page, app_url, language):
    page.goto(f"{app_url}{MAX_LINK}&lang={language}")
    wait_for_app(page, fresh=True)
    assert "−∞" in _hover(page, 1, -1, -1)  # x as max_pool2d pads it
    assert "−∞" not in _hover(page, 0, -1, -1)  # x as avg_pool2d pads it: 0
