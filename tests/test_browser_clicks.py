"""Every grid explains its cells in a real Chromium: a click, a tap or the keyboard on every
page; small cells enlarged for a finger; the explanation brought into view on a phone; the
tooltip out of the way after a click."""

from __future__ import annotations

import pytest

from harness.browser import (
    GRID,
    cell_centre,
    click_cell,
    grid_geometry,
    grid_highlights,
    screenshot,
    wait_for_alert,
    wait_for_app,
)

pytestmark = pytest.mark.browser

BLACK = "#111111"


def _alerts(page) -> list[str]:
    return page.locator('[data-testid="stAlert"]').all_inner_texts()


@pytest.mark.parametrize(
    ("path", "grid", "cell", "expected"),
    [
        ("classic", 3, (1, 2), "∂L/∂x[1, 2] = 1/4 = 0.25"),
        ("step_by_step?kernel_h=3&stride_h=1&height=5&width=5&step=9", 3, (2, 2), "Shares arrived by step 9: 9 of 9"),
        ("average_vs_max?kernel_h=2&input=ones", 4, (0, 0), "is the largest in the windows of y[0, 0]"),
        ("presets", 0, (0, 0), "∂L/∂x[0, 0] = 1/4 = 0.25"),
        ("under_the_hood", 1, (0, 0), "x[0, 0] = 0."),
    ],
)
def test_every_page_explains_a_clicked_cell(page, app_url, path, grid, cell, expected):
    page.goto(f"{app_url}/{path}")
    wait_for_app(page, fresh=True)
    click_cell(page, grid, *cell)
    wait_for_alert(page, expected)
    assert [cell[0], cell[0] + 1, cell[1], cell[1] + 1, BLACK] in grid_highlights(page, grid)


def test_every_grid_is_reached_with_tab_and_explained_with_enter(page, app_url):
    page.goto(f"{app_url}/classic")
    wait_for_app(page, fresh=True)
    canvases = page.locator(GRID)
    assert canvases.evaluate_all("cs => cs.map(c => [c.tabIndex, c.getAttribute('role')])") == [[0, "application"]] * 6
    canvases.nth(1).focus()  # y
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    wait_for_app(page)
    assert any("y[0, 1] = mean of x[0:2, 2:4]" in text for text in _alerts(page)), _alerts(page)


def test_the_quiz_explains_a_cell_by_its_value_until_the_reveal(page, app_url):
    page.goto(f"{app_url}/quiz?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page, fresh=True)
    asked = page.get_by_text("What is ∂L/∂x[").inner_text()
    row, col = (int(n) for n in asked.split("∂L/∂x[")[1].split("]")[0].split(", "))
    click_cell(page, 0, row, col)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stAlert]')].length > 0")
    texts = _alerts(page)
    assert any(f"x[{row}, {col}] = " in text for text in texts), texts
    assert not any("share" in text or "∂L/∂x" in text for text in texts), texts
    assert [h for h in grid_highlights(page, 0) if h[4] != BLACK] == []  # no window lit up


def test_after_a_click_the_tooltip_leaves_the_cells_it_explains(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page, fresh=True)
    x, y = cell_centre(page, 3, 2, 2)
    page.mouse.move(x, y)
    tip = page.locator(".grids .tip").nth(3)
    assert tip.is_visible() and "∂L/∂x[2, 2]" in tip.inner_text()
    page.mouse.click(x, y)
    wait_for_app(page)
    page.mouse.move(x + 1, y + 1)  # the same cell: still hidden
    assert not tip.is_visible()
    step = grid_geometry(page, 3)["cell"]
    page.mouse.move(x + step, y)  # the next cell: shown again
    assert tip.is_visible() and "∂L/∂x[2, 3]" in tip.inner_text()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_phone_enlarges_small_cells_and_brings_the_explanation_into_view(new_context, app_url, language):
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/?height=24&width=24&input=random&lang={language}")
    wait_for_app(page, fresh=True)
    small = grid_geometry(page, 3)["cell"]
    assert small < 24
    page.locator(GRID).nth(3).scroll_into_view_if_needed()
    page.touchscreen.tap(*cell_centre(page, 3, 12, 12))
    # The first tap enlarges the grid around the tapped cell; nothing is selected yet.
    page.wait_for_function(
        "c => JSON.parse(c.dataset.geometry).cell >= 40", arg=page.locator(GRID).nth(3).element_handle()
    )
    plot = page.locator(".grids .plot").nth(3)
    box = plot.bounding_box()
    x, y = cell_centre(page, 3, 12, 12)
    assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    assert box["x"] + box["width"] <= 390
    # The second tap explains the cell, and the explanation is brought onto the screen.
    page.touchscreen.tap(x, y)
    wait_for_app(page)
    explanation = page.locator('[class*="st-key-playground_grids_explained_grad_input_12_12"]')
    explanation.wait_for()
    page.wait_for_function(
        # (scrolled to the bottom edge, it may end a fraction of a pixel past it)
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight + 1; }",
        arg=explanation.element_handle(),
    )
    assert "∂L/∂x[12, 12]" in explanation.inner_text()
    screenshot(page, f"phone-enlarged-{language}")
    # "Fit" shrinks the grid back.
    page.locator(".grids .zoom").nth(3).tap()
    page.wait_for_function(
        "c => JSON.parse(c.dataset.geometry).cell < 24", arg=page.locator(GRID).nth(3).element_handle()
    )
