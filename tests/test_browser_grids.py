"""The heatmap-grid component in a real Chromium: clicks without a round trip, the keyboard,
phones (touch, swipes, one tap), projectors (presentation mode) and honest legends."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from harness.browser import (
    GRID,
    cell_centre,
    click_cell,
    grid_highlights,
    screenshot,
    wait_for_alert,
    wait_for_app,
)
from scenario.numbers import parse_number
from scenario.presets import PRESETS_BY_KEY

pytestmark = pytest.mark.browser

ORANGE, BLACK = "#ff8c00", "#111111"


def _alerts(page) -> list[str]:
    return page.locator('[data-testid="stAlert"]').all_inner_texts()


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def _fonts(page) -> list[str]:
    """The label font size (px) of every grid on the page; "" where no values are printed."""
    return page.locator(GRID).evaluate_all("canvases => canvases.map(canvas => canvas.dataset.font)")


def test_a_click_lights_its_window_in_the_same_task_then_python_explains(page, app_url):
    """The highlight is drawn by the click handler itself: it is there before any message
    could have gone to the server and back (one JavaScript task, no await)."""
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page, fresh=True)
    x, y = cell_centre(page, 1, 1, 1)  # y[1, 1]
    canvas = page.locator(GRID).nth(1)
    highlights = canvas.evaluate(
        """(canvas, [x, y]) => {
            canvas.dispatchEvent(new MouseEvent("click", {clientX: x, clientY: y, bubbles: true}));
            const root = canvas.getRootNode().querySelector(".grids");
            return [...root.querySelectorAll("canvas")].map(c => JSON.parse(c.dataset.highlights));
        }""",
        [x, y],
    )
    assert highlights[0] == [[1, 4, 1, 4, ORANGE]]  # its window on x
    assert highlights[3] == [[1, 4, 1, 4, ORANGE]]  # and on ∂L/∂x
    assert highlights[1] == [[1, 2, 1, 2, BLACK]]  # the cell itself on y
    wait_for_app(page)
    assert any("y[1, 1] = mean of x[1:4, 1:4]" in text for text in _alerts(page)), _alerts(page)


def test_a_cell_explained_with_the_keyboard_only(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    dl_dx = page.locator(GRID).nth(3)
    dl_dx.focus()
    assert "∂L/∂x, 5 by 5" in dl_dx.get_attribute("aria-label")
    for key in ("ArrowDown", "ArrowDown", "ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
    assert "∂L/∂x[2, 2] = 1" in page.locator(".grids .live").nth(3).inner_text()  # read out to a screen reader
    page.keyboard.press("Enter")
    wait_for_app(page)
    assert any("∂L/∂x[2, 2] = 1/9 + 1/9" in text for text in _alerts(page)), _alerts(page)
    screenshot(page, "grids-keyboard")
    # The address bar now names the cell: that link opens with the same explanation, lit up.
    page.wait_for_url("**explain=x-2-2**")
    page.goto(page.url)
    wait_for_app(page, fresh=True)
    assert any("∂L/∂x[2, 2] = 1/9 + 1/9" in text for text in _alerts(page)), _alerts(page)
    assert len(grid_highlights(page, 0)) == 9 + 1  # the nine windows covering x[2, 2], and the cell


def test_overlapping_windows_of_a_clicked_cell_are_told_apart(page, app_url):
    page.goto(f"{app_url}/?kernel_h=2&stride_h=1&height=4&width=4")
    wait_for_app(page, fresh=True)
    click_cell(page, 0, 1, 1)  # x[1, 1]: in four windows
    windows = [h for h in grid_highlights(page, 0) if h[4] != BLACK]
    assert sorted(h[:4] for h in windows) == [[0, 2, 0, 2], [0, 2, 1, 3], [1, 3, 0, 2], [1, 3, 1, 3]]
    assert len({h[4] for h in windows}) == 4  # one colour per window
    # The same colours mark the four outputs those windows feed, on y and ∂L/∂y.
    outputs = {(h[0], h[2]): h[4] for h in grid_highlights(page, 1)}
    assert set(outputs) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    colour_of_window = {(h[0], h[2]): h[4] for h in windows}  # window (i, j) starts at row i, column j
    assert outputs == colour_of_window


def test_large_grids_get_a_colour_bar_instead_of_values(page, app_url):
    page.goto(f"{app_url}/?height=64&width=64&input=random")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert _fonts(page) == ["", "", "", ""]  # 64x64 and 32x32: too small to print
    bars = page.locator(".grids .colorbar")
    assert [bars.nth(i).is_visible() for i in range(4)] == [True] * 4
    ticks = bars.nth(3).locator(".ticks span").all_inner_texts()
    assert parse_number(ticks[0]) == -parse_number(ticks[2]) and ticks[1] == "0"  # ∂L/∂x: centred at zero
    assert ticks[0].startswith("−")  # the minus sign every number shown writes (docs/numbers.md)
    # Clicks work at any size: x[40, 17] lights its window.
    click_cell(page, 0, 40, 17)
    assert [h for h in grid_highlights(page, 0) if h[4] == ORANGE] == [[40, 42, 16, 18, ORANGE]]
    assert any("∂L/∂x[40, 17]" in text for text in _alerts(page))
    screenshot(page, "grids-64x64")


# The darkest colour a canvas shows within a pixel of a ring of ``radius`` CSS px around the
# centre of cell (row, col), at eight points: [[r, g, b], ...] (drawn at devicePixelRatio).
RING = """(canvas, [row, col, radius]) => {
  const g = JSON.parse(canvas.dataset.geometry), ratio = window.devicePixelRatio || 1;
  const x = g.left + (col - g.col0 + 0.5) * g.cell, y = g.top + (row - g.row0 + 0.5) * g.cell;
  const at = (r, k) => [...canvas.getContext("2d").getImageData(
    Math.round((x + r * Math.cos(k * Math.PI / 4)) * ratio),
    Math.round((y + r * Math.sin(k * Math.PI / 4)) * ratio), 1, 1).data.slice(0, 3)];
  const sum = (c) => c[0] + c[1] + c[2];
  return [...Array(8).keys()].map(k => [radius - 1, radius, radius + 1].map(r => at(r, k))
    .reduce((a, b) => (sum(a) <= sum(b) ? a : b)));
}"""


def test_a_clicked_cell_shows_at_any_grid_size(page, app_url):
    """On 64x64 grids a cell is a few pixels wide, and its black outline alone is lost in the
    colours around it: a highlight that small is also ringed (dark on a white halo), wide
    enough to find at a glance; on the grids where cells are large, no ring."""
    page.goto(f"{app_url}/?height=64&width=64&input=random&kernel_h=3&stride_h=1&padding_h=1")
    wait_for_app(page, fresh=True)
    cell = json.loads(page.locator(GRID).nth(1).get_attribute("data-geometry"))["cell"]
    assert cell < 10, cell
    click_cell(page, 1, 30, 30)  # y[30, 30]
    marks = json.loads(page.locator(GRID).nth(1).get_attribute("data-marks"))
    assert [mark[:4] for mark in marks] == [[30, 31, 30, 31]] and marks[0][4] >= cell / 2 + 5, marks
    ring = page.locator(GRID).nth(1).evaluate(RING, [30, 30, marks[0][4]])
    assert all(max(colour) < 60 for colour in ring), ring  # dark all the way round
    screenshot(page, "grids-64x64-clicked")
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page, fresh=True)
    click_cell(page, 1, 1, 1)
    assert json.loads(page.locator(GRID).nth(1).get_attribute("data-marks")) == []


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_phone_scrolls_with_a_swipe_and_explains_with_one_tap(new_context, app_url, language):
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5&lang={language}")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    # Two grids per row: x above-left of ∂L/∂x, both on one screen.
    boxes = [page.locator(GRID).nth(i).bounding_box() for i in range(4)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[2]["y"] == boxes[3]["y"] > boxes[0]["y"]
    assert boxes[3]["y"] + boxes[3]["height"] - boxes[0]["y"] < 844
    assert all(box["x"] + box["width"] <= 390 for box in boxes)
    # Labels fit or hide: never below 10 px. At 5×5 they fit.
    assert all(font == "" or int(font) >= 10 for font in _fonts(page))
    assert all(font != "" for font in _fonts(page)), _fonts(page)
    # A vertical swipe that starts on a grid scrolls the page: the grid moves up the screen.
    page.locator(GRID).nth(3).scroll_into_view_if_needed()
    x, y = cell_centre(page, 3, 2, 2)
    session = context.new_cdp_session(page)  # a finger: touch start, ten moves up, touch end
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 25 * step}]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    top = page.locator(GRID).nth(3)
    page.wait_for_function(
        "([canvas, y]) => canvas.getBoundingClientRect().top < y", arg=[top.element_handle(), y - 150]
    )
    assert cell_centre(page, 3, 2, 2)[1] < y - 100
    # One tap on a cell: its explanation, no tooltip first.
    page.locator(GRID).nth(3).scroll_into_view_if_needed()
    page.touchscreen.tap(*cell_centre(page, 3, 2, 2))
    wait_for_alert(page, "∂L/∂x[2, 2] = 1/9")
    screenshot(page, f"phone-{language}")
    # Under the hood on a phone: the matrix's labels fit or hide.
    page.goto(f"{app_url}/under_the_hood?lang={language}")
    wait_for_app(page, fresh=True)
    assert all(font == "" or int(font) >= 10 for font in _fonts(page))
    _formulas_fit(page)
    screenshot(page, f"phone-under-the-hood-{language}")
    page.goto(f"{app_url}/classic?lang={language}")  # the other page with display formulas
    wait_for_app(page, fresh=True)
    _formulas_fit(page)


def _formulas_fit(page) -> None:
    """The page's display formulas fit the screen: one does not wrap, and a cut one hides its end."""
    formulas = '[data-testid="stMain"] .katex-display'  # the sidebar's is folded away
    page.locator(formulas).first.wait_for()
    widths = page.eval_on_selector_all(formulas, "all => all.map(e => [e.scrollWidth, e.clientWidth])")
    assert widths and all(scrolled <= shown + 2 for scrolled, shown in widths), widths  # 2 px: KaTeX's rounding


def _fills_the_screen(page, height: int, least: float = 0.35) -> None:
    """Four grids in one row, all on screen, at least ``least`` of the screen's height tall,
    with no printed number under 16 px."""
    boxes = [page.locator(GRID).nth(i).bounding_box() for i in range(4)]
    assert len({round(box["y"]) for box in boxes}) == 1  # one row
    assert all(box["y"] + box["height"] <= height for box in boxes), boxes  # every row on screen
    assert boxes[0]["height"] >= least * height
    assert all(font == "" or int(font) >= 16 for font in _fonts(page))  # fewer labels rather than tiny ones


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_presentation_mode_fills_the_screen_with_large_numbers(page, app_url, width, height, language):
    page.set_viewport_size({"width": width, "height": height})
    # A preset link: its lesson banner takes room too.
    overlap = urlencode({**PRESETS_BY_KEY["overlap"].settings, "preset": "overlap", "present": "1", "lang": language})
    page.goto(f"{app_url}/?{overlap}")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"
    assert any(PRESETS_BY_KEY["overlap"].title(language) in text for text in _alerts(page))
    _fills_the_screen(page, height)
    assert _fonts(page)[3]  # 5x5 at this size: ∂L/∂x's values are printed
    # An 8x8 input with padding: the cells are smaller, the numbers are not.
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&padding_h=1&height=8&width=8&present=1&lang={language}")
    wait_for_app(page, fresh=True)
    _fills_the_screen(page, height)
    click_cell(page, 3, 0, 0)
    explanation = page.locator("[class*=_explained_] p").first
    assert float(explanation.evaluate("p => getComputedStyle(p).fontSize")[:-2]) >= 20
    screenshot(page, f"presentation-{width}x{height}-{language}")
    # 24x24 (two grids per row on a laptop): still one row of four, on screen.
    page.goto(f"{app_url}/?height=24&width=24&input=random&present=1&lang={language}")
    wait_for_app(page, fresh=True)
    _fills_the_screen(page, height)
    # Step by step: its step slider joins Play and the speed in one row, so its grids fit too
    # (below the controls they are a little smaller than the Playground's).
    page.goto(f"{app_url}/step_by_step?height=6&width=6&present=1&lang={language}")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    _fills_the_screen(page, height, least=0.3)
    screenshot(page, f"presentation-step-{width}x{height}-{language}")


def test_colour_blind_palette_reaches_the_canvas(page, app_url):
    page.goto(f"{app_url}/?palette=colorblind&input=ones")
    wait_for_app(page, fresh=True)
    # The centre pixel of ∂L/∂x[0, 0] (0.25 of a [-0.25, 0.25] range: the top of PuOr).
    x, y = cell_centre(page, 3, 0, 0)
    pixel = (
        page.locator(GRID)
        .nth(3)
        .evaluate(
            """(canvas, [x, y]) => {
            const box = canvas.getBoundingClientRect(), ratio = canvas.width / box.width;
            const at = [(x - box.left) * ratio + 8, (y - box.top) * ratio + 8];
            const data = canvas.getContext("2d").getImageData(at[0], at[1], 1, 1).data;
            return [data[0], data[1], data[2]];
        }""",
            [x, y],
        )
    )
    assert pixel == [0xE6, 0x61, 0x01]


def _near(pixels, colour, tolerance: int = 24) -> int:
    """How many of ``pixels`` (an RGB array) are within ``tolerance`` of ``colour`` on each channel."""
    import numpy as np

    return int((np.abs(pixels.astype(int) - np.array(colour)).max(axis=-1) <= tolerance).sum())


def test_a_slide_png_carries_its_title_numbers_and_colour_bar(new_context, app_url):
    """On a projector the adaptive ∂L/∂x (1/9 to 25/36) is too small for its numbers: Enlarge
    is offered and prints them, and its PNG (a slide: no hover there) has its title above, its
    numbers in the cells and its colour bar below."""
    import numpy as np
    from PIL import Image

    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    query = "kernel_h=3&stride_h=1&height=5&width=5&input=ones&padding_h=1&present=1"
    page.goto(f"{app_url}/average_vs_max?{query}")
    wait_for_app(page, fresh=True)
    figure = page.locator('figure.grid[data-key="adaptive_grad_input"]')
    canvas = figure.locator("canvas")
    assert json.loads(canvas.get_attribute("data-printed")) == []  # no room for 25/36 at 16 px
    page_height = canvas.bounding_box()["height"]
    with page.expect_download() as download:
        figure.locator("button.png").click()
    png = np.asarray(Image.open(download.value.path()).convert("RGB"))
    scale, title, bar = 3, 34 * 3, 44 * 3  # grids.js: PNG_SCALE and SLIDE's title and bar heights
    assert png.shape[0] > scale * page_height + title + bar - 6  # taller than the grid alone
    dark = (17, 17, 17)  # the title's and the light cells' text
    assert _near(png[:title], dark) > 200  # the title is written
    cells = png[title + 22 * scale : -bar, 17 * scale :]  # below the ticks, right of them
    assert _near(cells, dark) > 500  # numbers in the cells
    assert (
        _near(png[-bar:], (0x21, 0x66, 0xAC), 6) > 50 and _near(png[-bar:], (0xD6, 0x60, 0x4D), 6) > 50
    )  # the bar's ends
    # Enlarge: the numbers the projector had no room for.
    assert figure.locator("button.zoom").is_visible()
    figure.locator("button.zoom").click()
    page.wait_for_function(
        "canvas => JSON.parse(canvas.dataset.printed || '[]').includes('25/36')", arg=canvas.element_handle()
    )
    # The average's y prints its numbers: nothing to enlarge.
    assert json.loads(page.locator('figure.grid[data-key="avg_y"] canvas').get_attribute("data-printed"))
    assert not page.locator('figure.grid[data-key="avg_y"] button.zoom').is_visible()


# How many lines (distinct tops) one part of a grid's title spans, over the title's text nodes.
TITLE_LINES = """(canvas, part) => {
  const title = [...canvas.getRootNode().querySelectorAll('.title')].find(node => node.textContent.includes(part));
  if (!title) return -1;
  const nodes = [], walker = document.createTreeWalker(title, NodeFilter.SHOW_TEXT), tops = new Set();
  while (walker.nextNode()) nodes.push(walker.currentNode);
  let at = nodes.map(node => node.data).join('').indexOf(part);
  for (const node of nodes) {
    for (let i = 0; i < node.data.length; i++, at--) {
      if (at > 0 || at <= -part.length) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.top));
    }
  }
  return tops.size;
}"""


def test_a_phones_titles_keep_identifiers_and_groups_whole(new_context, app_url):
    """Playground, phone, Chinese, 64×64: "y = AvgPool2d(x)（32×32）" broke as "AvgPool2" /
    "d(x)" and "∂L/∂y（求和）" as "（求" / "和）": a title breaks between its words, never
    inside an identifier or a bracketed group."""
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/?height=64&width=64&lang=zh")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    canvas = page.locator(GRID).first
    for part in ("AvgPool2d(x)", "（求和）", "x.grad", "（64×64）"):
        assert canvas.evaluate(TITLE_LINES, part) == 1, part
    buttons = "c => [...c.getRootNode().querySelectorAll('.png')].map(b => b.getBoundingClientRect().right)"
    rights = canvas.evaluate(buttons)
    assert max(rights) <= 390, rights  # a whole word that does not fit beside the buttons moves them down
    screenshot(page, "phone-zh-titles")
