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

SCREENS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
OVERLAY, MAP = 11, 10  # the page's grids: the digit, 4 + 4 pooling grids, α, the map, the overlay
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
    # Grad-CAM over the digit takes the phone's width: a fingertip per pixel, no Enlarge needed
    # (beside the 4x4 map its cells were 19.5 px, and a first tap only enlarged the grid).
    assert grid_geometry(phone, OVERLAY)["cell"] >= 40
    # Grad-CAM's titles on one line each (the weights' once left "7" alone on a second line).
    for key in ("weights", "map", "overlay"):
        title = phone.locator(f'figure.grid[data-key="{key}"] .title').first.bounding_box()
        assert title["height"] < 1.5 * 15 * 1.25, key  # grids.css: a 15 px font, line-height 1.25
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


# What a canvas shows in a cell, at its centre or ``at`` that fraction of its side from its top
# left corner: [r, g, b] (the canvas is drawn at devicePixelRatio).
PIXEL = """(canvas, [row, col, at = 0.5]) => {
  const g = JSON.parse(canvas.dataset.geometry), ratio = window.devicePixelRatio || 1;
  const x = (g.left + (col - g.col0 + at) * g.cell) * ratio, y = (g.top + (row - g.row0 + at) * g.cell) * ratio;
  return [...canvas.getContext("2d").getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)];
}"""


# The colours a canvas shows at points given in cells ([row, col], 0 = the first cell's top left corner).
POINTS = """(canvas, points) => {
  const g = JSON.parse(canvas.dataset.geometry), ratio = window.devicePixelRatio || 1;
  const context = canvas.getContext("2d");
  return points.map(([row, col]) => {
    const x = (g.left + (col - g.col0) * g.cell) * ratio, y = (g.top + (row - g.row0) * g.cell) * ratio;
    return [...context.getImageData(Math.floor(x), Math.floor(y), 1, 1).data.slice(0, 3)];
  });
}"""


def test_gradcam_is_drawn_over_the_digit_and_a_pixel_lights_its_block(new_context, app_url):
    """Each pixel in the colour its map cell has on the colour bar, the digit's outline a dark
    line over it (where its ink is 8, half of 16: every segment drawn, dark at its middle). A
    pixel clicked lights its 2x2 block and the map cell it copies, and is explained with the
    numbers. The digit picker holds two even rows of 10."""
    from figures.outline import iso_outline
    from scenario.network import load_digits_cnn

    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/network?lang=en&digit=0")
    wait_for_app(page, fresh=True)
    overlay = page.locator(GRID).nth(OVERLAY)
    # Digit 0·1: Grad-CAM[0, 0] is 0, its pixel paper: the heat's 0, #ffffb2.
    assert overlay.evaluate(PIXEL, [0, 0]) == [255, 255, 178]
    data = load_digits_cnn()
    outline = iso_outline(data.pixels[data.shown][0, 0], 8.0)
    assert int(overlay.get_attribute("data-outlined")) == len(outline) > 20
    middles = [[(r0 + r1) / 2, (c0 + c1) / 2] for r0, c0, r1, c1 in outline]
    assert max(max(rgb) for rgb in overlay.evaluate(POINTS, middles)) < 90  # the line, #141414 antialiased
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


# The share of each cell of a canvas that shows the colour ``colours[row][col]`` (within
# ``slack`` per channel), row by row: the cell's inside, its 1 px gap to the next left out.
HEAT_SHARE = """(canvas, [colours, slack]) => {
  const g = JSON.parse(canvas.dataset.geometry), ratio = window.devicePixelRatio || 1;
  const context = canvas.getContext("2d");
  return colours.map((row, r) => row.map((colour, c) => {
    const [x, y] = [g.left + (c - g.col0) * g.cell, g.top + (r - g.row0) * g.cell];
    const [x0, x1] = [Math.ceil((x + 1) * ratio), Math.floor((x + g.cell) * ratio)];
    const [y0, y1] = [Math.ceil((y + 1) * ratio), Math.floor((y + g.cell) * ratio)];
    const pixels = context.getImageData(x0, y0, x1 - x0, y1 - y0).data;
    let same = 0;
    for (let k = 0; k < pixels.length; k += 4) {
      if ([0, 1, 2].every((n) => Math.abs(pixels[k + n] - colour[n]) <= slack)) same += 1;
    }
    return same / (pixels.length / 4);
  }));
}"""
HEAT_SHARE_FLOOR = 2 / 3  # of every cell's area: the heat, whatever the digit's ink there


def _heat_colours(digit: int) -> list[list[list[int]]]:
    """The colour each pixel of Grad-CAM over ``digit`` has on its colour bar (grids.js's
    colorLookup: 256 steps, linear in sRGB between YlOrRd's stops, 0 to the map's largest)."""
    import numpy as np

    from figures.grids import HEAT
    from scenario.network import load_digits_cnn, network_pass

    data = load_digits_cnn()
    cam = network_pass(data.weights, data.pixels[data.shown], data.labels[data.shown]).gradcam.upsampled[digit]
    positions, stops = [p for p, _ in HEAT], np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for _, c in HEAT])
    levels = np.round(cam / cam.max() * 255) / 255
    return (
        np.round(np.stack([np.interp(levels, positions, stops[:, n]) for n in range(3)], axis=-1)).astype(int).tolist()
    )


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_gradcams_heat_shows_in_every_cell_of_the_digit(new_context, app_url, screen):
    """The digit's ink drawn as dark squares covered up to 7/8 of a cell's heat (the map was
    read only around them): in every pixel of the overlay, ink or paper, at least 2/3 of the
    cell is the colour its colour bar gives its Grad-CAM value (the digit's outline, the 2x2
    blocks' lines and the cells' gaps take the rest)."""
    options = SCREENS[screen]
    page = new_context(**options).new_page()
    page.goto(f"{app_url}/network?lang=en&digit=0")
    wait_for_app(page, fresh=True)
    overlay = page.locator(GRID).nth(OVERLAY)
    shares = overlay.evaluate(HEAT_SHARE, [_heat_colours(0), 2])
    worst = min((share, r, c) for r, row in enumerate(shares) for c, share in enumerate(row))
    assert worst[0] >= HEAT_SHARE_FLOOR, f"pixel [{worst[1]}, {worst[2]}]: {worst[0]:.0%} heat"


# Every text a canvas writes, in order (window.__written): what a slide PNG says, read in the browser.
WRITTEN = """(() => {
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  window.__written = [];
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    window.__written.push(String(text));
    return fillText.call(this, text, ...rest);
  };
})();"""


def test_gradcams_slide_png_carries_the_same_marks(new_context, app_url):
    """The overlay's PNG (a slide) is drawn by the same code as the page: its title, the heat
    in at least 2/3 of every cell, the digit's outline dark at every segment's middle, and the
    colour bar below, its ticks written as the page's."""
    import numpy as np
    from PIL import Image

    from figures.outline import iso_outline
    from scenario.network import load_digits_cnn

    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.add_init_script(WRITTEN)
    page.goto(f"{app_url}/network?lang=en&digit=0")
    wait_for_app(page, fresh=True)
    figure = page.locator('figure.grid[data-key="overlay"]').first
    cell = grid_geometry(page, OVERLAY)["cell"]  # no numbers to fit: the slide keeps the page's cells
    page.evaluate("() => { window.__written = []; }")
    with page.expect_download() as download:
        figure.locator("button.png").click()
    # The slide's colour bar says what the page's says (it wrote 1.513 and 3.027 beside 1.51 and 3.03).
    ticks = figure.locator(".colorbar .ticks span").all_inner_texts()
    assert page.evaluate("() => window.__written")[-3:] == ticks == ["0", "1.51", "3.03"]
    assert download.value.suggested_filename == "avgpool_network_gradcam_overlay.png"
    png = np.asarray(Image.open(download.value.path()).convert("RGB")).astype(int)
    # grids.js: PNG_SCALE 3; SLIDE's title band 34 px; ticks 14 px, so cells start 17 px in, 22 px down.
    scale, left, top = 3, 17, 34 + 22
    assert (png[: 34 * scale].max(axis=-1) < 60).sum() > 200  # the title is written

    def box(r: float, c: float) -> tuple[int, int]:
        return round((top + r * cell) * scale), round((left + c * cell) * scale)

    colours = np.array(_heat_colours(0))
    for r, c in np.ndindex(8, 8):
        (y0, x0), (y1, x1) = box(r, c), box(r + 1, c + 1)
        inside = png[y0 + scale : y1, x0 + scale : x1]
        share = (np.abs(inside - colours[r, c]).max(axis=-1) <= 2).mean()
        assert share >= HEAT_SHARE_FLOOR, f"pixel [{r}, {c}]: {share:.0%} heat in the PNG"
    data = load_digits_cnn()
    for r0, c0, r1, c1 in iso_outline(data.pixels[data.shown][0, 0], 8.0):
        y, x = box((r0 + r1) / 2, (c0 + c1) / 2)
        assert png[y, x].max() < 90, (r0, c0, r1, c1)  # the line, #141414
    bar = png[-44 * scale :]
    assert (np.abs(bar - [0xFF, 0xFF, 0xB2]).max(axis=-1) <= 6).sum() > 50
    assert (np.abs(bar - [0xBD, 0x00, 0x26]).max(axis=-1) <= 6).sum() > 50
