"""'Across frameworks' in Chromium: TensorFlow's 'SAME' differs from torch's padding=1, its
differing cells are outlined on its grid, and a click on one says both numbers."""

from __future__ import annotations

import pytest

from harness.browser import PATIENCE_MS, click_cell, grid_highlights, screenshot, wait_for_alert, wait_for_app

pytestmark = pytest.mark.browser

# kernel 3, stride 1, padding 1 on 6x6: TensorFlow says 'SAME', which leaves padding out of the divisor.
# torch.compile off: its grids would come between torch's and ONNX Runtime's (and a compile first).
LINK = "frameworks?lang=en&kernel_h=3&stride_h=1&padding_h=1&height=6&width=6&compile=false"
# The page's grids in order: torch y, ∂L/∂x; ONNX Runtime y (two opsets); Flax y, ∂L/∂x;
# Keras y, ∂L/∂x, its port's two; then TensorFlow's y.
TORCH_Y, TENSORFLOW_Y = 0, 10


def wait_for_every_column(page) -> None:
    """The page opened on a setup: wait until its progress is gone (each framework's column is
    drawn as it finishes; the last one's full run removes the progress), then for that run."""
    page.locator(".st-key-frameworks_progress").wait_for(state="detached", timeout=4 * PATIENCE_MS)
    wait_for_app(page)


def test_a_differing_cell_is_outlined_and_explained(new_context, app_url):
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/{LINK}")
    wait_for_app(page, fresh=True)
    wait_for_every_column(page)
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


@pytest.mark.parametrize("width, phone", [(390, True), (700, False)])
def test_the_verdicts_fit_a_phone(new_context, app_url, width, phone):
    """On a 390 px phone, and in a 700 px window, the verdicts' five columns do not keep
    their words whole: each framework's row is a card, every verdict on a line of its own
    under its column's name, nothing cut off at the edge."""
    context = new_context(viewport={"width": width, "height": 844}, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(f"{app_url}/{LINK}")
    wait_for_app(page, fresh=True)
    wait_for_every_column(page)
    box = page.locator(".st-key-frameworks_verdicts")
    right = box.evaluate("box => box.getBoundingClientRect().right")
    cells = box.locator("tbody :is(th, td)")
    edges = cells.evaluate_all("cells => cells.map(cell => cell.getBoundingClientRect().right)")
    assert edges and max(edges) <= right <= width, (edges, right)
    displays = cells.evaluate_all("cells => cells.map(cell => getComputedStyle(cell).display)")
    assert set(displays) <= {"block", "flex"}, displays  # cards, not a squeezed table
    # No verdict runs past its card (the header row, hidden from sight, is clipped on purpose).
    wider = "cells => cells.filter(cell => cell.scrollWidth > cell.clientWidth + 1).length"
    assert cells.evaluate_all(wider) == 0
    labels = (
        page.locator(".st-key-frameworks_verdicts tbody tr")
        .first.locator("td")
        .evaluate_all("cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
    )
    assert labels == ['"y"', '"∂L/∂x"', '"known issue"', '"port"'], labels
    screenshot(page, f"frameworks-verdicts-{width}")


def _fonts_by_kind(page) -> dict[str, set[str]]:
    """The label font of every y grid and every ∂L/∂x grid on the page ("" where none prints)."""
    drawn = page.locator("figure.grid").evaluate_all(
        "figures => figures.map(f => [f.dataset.key, f.querySelector('canvas').dataset.font])"
    )
    return {kind: {font for key, font in drawn if key.endswith(kind)} for kind in ("_y", "_grad")}


@pytest.mark.parametrize(
    "name, viewport, phone",
    [("phone", (390, 844), True), ("desktop", (1440, 900), False), ("projector", (1280, 720), False)],
)
def test_the_grids_of_a_row_print_alike(new_context, app_url, name, viewport, phone):
    """Every framework's y is read beside torch's, and every ∂L/∂x beside torch's: each kind
    prints at one font, or none of it prints. On a phone, torch's ∂L/∂x printed its fractions
    while Keras' (longer ones) printed nothing beside it, and ONNX Runtime's y printed where
    torch's did not."""
    width, height = viewport
    context = new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.goto(f"{app_url}/{LINK}")
    wait_for_app(page, fresh=True)
    wait_for_every_column(page)
    fonts = _fonts_by_kind(page)
    assert len(fonts["_y"]) == 1 and len(fonts["_grad"]) == 1, fonts
    screenshot(page, f"frameworks-row-{name}-en")


# On a phone, setups whose grids are 4x4 to 8x8: the classic example (torch's randn x, kernel 2),
# ceil_mode's overhang with its fractions (6x6 and 8x8), and TensorFlow's 'SAME' whose cells differ.
CEIL = "kernel_h=3&stride_h=2&padding_h=1&ceil_mode=true&compile=false"
PHONE_SETUPS = {
    "classic": "frameworks?lang=en&input=classic&compile=false",
    "ceil_mode": f"frameworks?lang=en&height=6&width=6&{CEIL}",
    "ceil_mode_8x8": f"frameworks?lang=en&height=8&width=8&{CEIL}",
    "differing": LINK,
}


@pytest.mark.parametrize("setup", PHONE_SETUPS)
def test_a_phone_prints_every_grids_numbers(new_context, app_url, setup):
    """On a 390 px phone every grid of the comparison prints a number in each of its cells
    (on main, ceil_mode's ∂L/∂x rows printed none: colour bars and "Enlarge" instead), each
    kind at one font, and the cells that differ are still outlined."""
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/{PHONE_SETUPS[setup]}")
    wait_for_app(page, fresh=True)
    wait_for_every_column(page)
    drawn = page.locator("figure.grid").evaluate_all(
        """figures => figures.map(f => {
             const canvas = f.querySelector('canvas'), geometry = JSON.parse(canvas.dataset.geometry);
             return [f.dataset.key, JSON.parse(canvas.dataset.printed).length, geometry.rows * geometry.cols,
                     !f.querySelector('.colorbar').hidden, !f.querySelector('.zoom').hidden];
           })"""
    )
    assert len(drawn) >= 8, drawn
    unprinted = [key for key, printed, cells, bar, zoom in drawn if printed != cells or bar or zoom]
    assert unprinted == [], drawn
    fonts = _fonts_by_kind(page)
    assert len(fonts["_y"]) == 1 and len(fonts["_grad"]) == 1, fonts
    if setup == "differing":
        assert [0, 1, 0, 1] in [outline[:4] for outline in grid_highlights(page, TENSORFLOW_Y)]
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"frameworks-phone-numbers-{setup}-en")


def test_an_onnx_file_is_checked_from_the_keyboard(new_context, app_url, tmp_path):
    """The pre-flight in Chromium, reached by the keyboard: Tab to its heading, Enter opens it,
    Tab to the uploader's labelled button; a file chosen there lists its node and the verdict,
    whose link opens the page on the node's setting. x is 17x6, so no framework runs."""
    from tests.test_browser_accessibility import _serious
    from tests.test_onnx_preflight import _model

    model = tmp_path / "pool.onnx"
    model.write_bytes(_model({"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}))
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/frameworks?lang=en&height=17&width=6")
    wait_for_app(page, fresh=True)
    heading = page.locator("summary", has_text="Check an ONNX file (pre-flight)")
    heading.focus()
    page.keyboard.press("Enter")
    button = page.locator(".st-key-onnx_file").get_by_role(
        "button", name="Upload", exact=True
    )  # the uploader's, under its label
    button.wait_for()
    for _ in range(40):  # Tab from the heading until the uploader's button has the focus
        if button.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    assert button.evaluate("element => element === document.activeElement")
    assert page.get_by_label("ONNX model to check (.onnx, up to 10 MB)").count() == 1
    with page.expect_file_chooser() as chooser:
        button.press("Enter")
    chooser.value.set_files(str(model))
    said = wait_for_alert(page, "ONNX Runtime gives torch's numbers")
    assert "F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)" in said, said
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "frameworks-onnx-desktop-en")
    assert _serious(page) == []  # axe-core, WCAG 2.1 A and AA, with the uploader and a node's verdict open
    page.get_by_role("link", name="Open this setting on this page").click()
    page.wait_for_url("**/frameworks?*kernel_h=3*")
    # the page on that setting (4x4 is the sidebar's default size, so the URL leaves it out)
    call = "F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)"
    page.locator('[data-testid="stMarkdownContainer"]', has_text=call).filter(has_text="4×4 x").first.wait_for()
