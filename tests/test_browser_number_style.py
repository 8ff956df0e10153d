"""The browser writes numbers as Python does (docs/numbers.md): grids.js's hover texts mirror
scenario/numbers.py over one table of values, and on the Playground the hover, the colour
bars and the explanation of the issue's case (64x64 random, kernel 3, padding 1, square
loss, y[30, 30], whose value is 0) all write the same numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from figures.grids import gradient_grid, input_grid, value_grid
from harness.browser import GRID, REPO, cell_centre, click_cell, grid_geometry, wait_for_alert, wait_for_app
from scenario.compute import compute_scenario
from scenario.inputs import generated_input
from scenario.numbers import FLOAT32_TOLERANCE, NumberStyle, equals_text, exact_text, number_style
from scenario.params import PoolParams
from tests.test_number_style import TABLE

pytestmark = pytest.mark.browser

# Beyond the table: halves rounded away from zero (0.015625 -> 0.01563), digits, edges.
EXTRA = [
    [0.015625, -0.015625, 0.3],
    [1 / 64, 1 / 144, 7 / 6],
    [12345.5, -12344.5, 999999.7],
    [1e-4, 0.00012345, 9.99996],
    [3.14159e-9, -2.5e-300, 1e100],
    [0.0, -0.0, 1.0],
    # Negatives and negative exponents: the minus sign −, as Python writes it.
    [-0.0144444, -1 / 3, -2 / 45, -7 / 6],
    [-1.5e-5, -2.5e7, -3.245e-6, -123456.7],
    [-0.0075, -1e-4, -9.99996, -12344.5],
    [-1.0, -2.0, -0.5, -0.25],
]


def _mirror(page, grids: list[list[float]], styles: list[dict] | None = None) -> list[list[list[str]]]:
    """What grids.js writes for each value of each grid, in the style Python gives the grid."""
    source = (REPO / "figures" / "component" / "grids.js").read_text()
    start, end = source.index("const TOLERANCE"), source.index("const lookups")
    styles = styles or [number_style(np.array(values)).__dict__ for values in grids]
    return page.evaluate(
        f"""([grids, styles]) => {{ {source[start:end]};
            return grids.map((values, n) => values.map(v =>
                [writeValue(v, styles[n]), equalsValue(v, styles[n]), writeValue(v, styles[n], 2)])); }}""",
        [grids, styles],
    )


def test_the_browser_writes_every_value_as_python_does(page):
    grids = [values for _, values, *_ in TABLE if all(np.isfinite(values))] + EXTRA
    written = _mirror(page, grids)
    expected = [
        [
            [exact_text(v, style=(style := number_style(np.array(values)))), equals_text(v, style=style)]
            + [exact_text(v, 2, style)]
            for v in values
        ]
        for values in grids
    ]
    assert written == expected


def test_the_browser_writes_float32_values_as_python_does(page):
    """Grids above 32 x 32 travel as float32: the hover reads them with the grid's looser
    tolerance, as Python's clicked cell does (0.36, 1/9; not ≈0.36, ≈0.1111)."""
    grids = [[0.36, 0.415, -0.0317], [1 / 4, 1 / 6, 1 / 9], [1.0, -9.868649107779169e-17], [0.1 + 0.2, 7 / 6]]
    styles = [{**number_style(np.array(values)).__dict__, "tolerance": FLOAT32_TOLERANCE} for values in grids]
    rounded = [[np.float32(v).item() for v in values] for values in grids]
    written = _mirror(page, rounded, styles)
    expected = [
        [[exact_text(v, style=NumberStyle(**style)), equals_text(v, style=NumberStyle(**style))] for v in values]
        for values, style in zip(rounded, styles)
    ]
    assert [[cell[:2] for cell in values] for values in written] == expected
    cells = ["0.36", "0.415", "−0.0317", "1/4", "1/6", "1/9", "1", "0", "3/10", "7/6"]
    assert [cell[0] for values in written for cell in values] == cells


def _ticks(page, index: int) -> list[str]:
    return page.locator(".grids .colorbar").nth(index).locator(".ticks span").all_inner_texts()


def test_the_issues_case_reads_the_same_in_hover_colour_bars_and_sentence(page, app_url):
    x = generated_input("random", 64, 64, 0)
    computed = compute_scenario(x, PoolParams((3, 3), (1, 1), (1, 1)), "square")
    query = "input=random&height=64&width=64&kernel_h=3&stride_h=1&padding_h=1&loss=square"
    page.goto(f"{app_url}/?{query}")
    wait_for_app(page, fresh=True)
    grids = [
        input_grid(x, computed.windows, (1, 1)),
        value_grid(computed.y, "y", "y"),
        gradient_grid(computed.loss.grad_output, "g"),
        gradient_grid(computed.grad_input, "g"),
    ]
    for index, grid in enumerate(grids):
        assert _ticks(page, index) == grid["ticks"], index
    page.locator(GRID).nth(1).scroll_into_view_if_needed()
    page.mouse.move(*cell_centre(page, 1, 30, 30))
    tip = page.locator(".grids .tip").nth(1)
    assert re.match(r"y\[30, 30\] = 0 · ", tip.inner_text()), tip.inner_text()
    page.locator(GRID).nth(3).scroll_into_view_if_needed()
    page.mouse.move(*cell_centre(page, 3, 40, 41))
    written = equals_text(computed.grad_input[40, 41], style=number_style(computed.grad_input))
    assert page.locator(".grids .tip").nth(3).inner_text().startswith(f"∂L/∂x[40, 41] {written} · ")
    click_cell(page, 1, 30, 30)
    said = wait_for_alert(page, "y[30, 30] = mean of")
    assert "/ 9 = 0; its gradient 0 is split into 9 shares of 0." in said, said
    assert "e-17" not in said


# Every text the grids' canvases write, kept for the test to read: the grids on the page and
# the slide PNG's canvas (not on the page); not the data editor's cells (a canvas too: data).
RECORD_CANVAS_TEXT = """(() => {
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  window.canvasTexts = [];
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    if (!this.canvas.isConnected || this.canvas.closest("figure.grid")) window.canvasTexts.push(String(text));
    return fillText.call(this, text, ...rest);
  };
})();"""


def test_a_slide_png_writes_the_numbers_the_page_shows(page, app_url):
    """The PNG of a negative ∂L/∂x writes its colour bar's ticks as the page's colour bar does
    (scenario/numbers.py's, with the minus sign −), not digits of its own."""
    page.add_init_script(RECORD_CANVAS_TEXT)
    page.goto(f"{app_url}/?input=random&height=40&width=40&kernel_h=3&stride_h=1&loss=square")
    wait_for_app(page, fresh=True)
    figure = page.locator(".grids figure").nth(3)
    ticks = figure.locator(".colorbar .ticks span").all_text_contents()
    assert ticks[0].startswith("\u2212"), ticks
    page.evaluate("() => { window.canvasTexts = []; }")
    with page.expect_download():
        figure.locator("button.png").click()
    written = page.evaluate("() => window.canvasTexts")
    assert written[-3:] == ticks, written
    assert not any(re.search(r"(?<![\w\])])-(?=[\d.∞])|(?<=\de)-(?=\d)", text) for text in written), written


def test_a_padding_rows_index_and_hover_write_the_minus_sign(page, app_url):
    """Max pooling's padding ring on Average vs max: its row and column −1 are numbered −1
    on the axes and in the hover ("padding [−1, 0]: −∞ …"), as every number shown."""
    page.add_init_script(RECORD_CANVAS_TEXT)
    query = "kernel_h=3&stride_h=1&padding_h=1&height=3&width=3&input=custom&x=-1,-2,-3;-4,-5,-6;-7,-8,-9"
    page.goto(f"{app_url}/average_vs_max?{query}")
    wait_for_app(page, fresh=True)
    written = page.evaluate("() => window.canvasTexts")
    assert "\u22121" in written and "-1" not in written, sorted(set(written))
    index = [grid_geometry(page, n)["row0"] for n in range(page.locator(GRID).count())].index(-1)
    page.locator(GRID).nth(index).scroll_into_view_if_needed()
    page.mouse.move(*cell_centre(page, index, -1, 0))
    tip = page.locator(".grids .tip").nth(index)
    assert tip.inner_text().startswith("padding [\u22121, 0]"), tip.inner_text()
