"""Presentation mode and the colour-blind-safe palette."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

from figures.grids import COLOR_SCALES, OUTLINE_COLOR
from harness.browser import REPO
from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d, torch_max_pool2d
from scenario.numbers import parse_number
from tests.conftest import grid_components, grids_on_page, open_app


def test_presentation_mode_draws_larger_charts_and_folds_rare_controls():
    normal = open_app()
    present = open_app({"present": "1"})
    assert not present.warning  # present is a known parameter
    # The component draws larger text and fits the grids to the screen height (checked in Chromium).
    assert grid_components(present)[0]["present"] and grid_components(present)[0]["fit_height"]
    assert not grid_components(normal)[0]["present"]
    assert any(expander.label == "More options" for expander in present.sidebar.expander)
    assert not any(expander.label == "More options" for expander in normal.sidebar.expander)
    assert present.toggle(key="present").value is True
    # Shorter text: no "click a cell" hint.
    assert not [info for info in present.info if "Click a cell" in info.value]
    assert [info for info in normal.info if "Click a cell" in info.value]


def test_presentation_toggle_keeps_every_control_value():
    at = open_app({"kernel_h": "3", "ceil_mode": "true", "height": "7", "width": "7"})
    at.toggle(key="present").set_value(True).run()
    assert at.slider(key="kernel_h").value == 3 and at.toggle(key="ceil_mode").value is True
    assert not at.exception


def test_colorblind_palette():
    at = open_app({"palette": "colorblind"})
    x, _, _, grad_input = grids_on_page(at)[:4]
    assert x["colors"][0][1] == "#00224e"  # cividis, not Blues
    assert grad_input["colors"][0][1] == "#5e3c99"  # purple-orange, centred at 0
    assert grad_input["zmin"] == -grad_input["zmax"]
    normal = open_app()
    assert grids_on_page(normal)[3]["colors"][0][1] == "#2166ac"


def test_every_grid_has_a_description_and_a_table_view():
    at = open_app({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "input": "ones"})
    descriptions = [grid["description"] for grid in grids_on_page(at)]
    assert descriptions[3] == "∂L/∂x, 5 by 5, from 1/9 to 1"
    assert not at.dataframe  # folded: the tables cost nothing
    at.session_state["playground_grids_tables"] = True
    at.run()
    assert [tab.label for tab in at.tabs] == [
        "x: input (5×5)",
        "y = AvgPool2d(x) (3×3)",
        "∂L/∂y (sum)",
        "∂L/∂x = x.grad",
    ]
    assert len(at.dataframe) == 1  # the tab shown is built, the others are not
    at.session_state["playground_grids_table_tabs"] = "∂L/∂x = x.grad"
    at.run()
    _, expected = torch_avg_pool2d(np.ones((5, 5)), np.ones((3, 3)), 3, 1)
    written = at.dataframe[0].value.to_numpy()  # in the app's style: 1/9, 2/9, ... (docs/numbers.md)
    assert written[0, 0] == "1/9" and written[2, 2] == "1"
    assert_allclose(np.vectorize(parse_number)(written), expected, rtol=1e-12)
    chinese = open_app({"lang": "zh"})
    chinese.session_state["playground_grids_tables"] = True
    chinese.run()
    assert chinese.expander[0].label == "以表格查看这些数字"
    assert "x，4 行 4 列，取值从 0 到 15" in [caption.value for caption in chinese.caption]


def test_one_view_s_grids_are_built_once_for_every_session_and_only_for_that_view():
    """A class of 60 following one teacher shows one view: its grid descriptions are built
    once (``shared_playground_grids``), and any number that differs is another view."""
    from figures.views import playground_grids
    from scenario.compute import compute_scenario
    from scenario.params import PoolParams
    from ui.display import shared_playground_grids

    x = np.arange(64.0 * 64).reshape(64, 64)
    first = compute_scenario(x, PoolParams((3, 3), (1, 1)), "mean")
    again = compute_scenario(x.copy(), PoolParams((3, 3), (1, 1)), "mean")  # another session's
    shared = shared_playground_grids(first, "en")
    assert shared_playground_grids(again, "en") is shared
    assert shared[0] == playground_grids(again, "en")
    others = [
        compute_scenario(x, PoolParams((3, 3), (1, 1)), "sum"),  # another loss
        compute_scenario(x, PoolParams((3, 3), (2, 2)), "mean"),  # another pooling
        compute_scenario(x + 1, PoolParams((3, 3), (1, 1)), "mean"),  # another x
    ]
    for other in others:
        assert shared_playground_grids(other, "en")[0] == playground_grids(other, "en")
        assert shared_playground_grids(other, "en")[0] != shared[0]
    assert shared_playground_grids(first, "zh")[0] == playground_grids(first, "zh")
    # The same loss with another ∂L/∂y (a random one, another seed; a typed one): another view.
    one, two = (compute_scenario(x, PoolParams((3, 3), (1, 1)), "random", seed=seed) for seed in (1, 2))
    assert shared_playground_grids(one, "en")[0] == playground_grids(one, "en")
    assert shared_playground_grids(two, "en")[0] == playground_grids(two, "en")


def test_each_gradient_of_average_vs_max_has_its_own_colour_scale():
    """On one shared scale max pooling's 4 washed the adaptive ∂L/∂x (1/9 to 25/36) out to
    near white: each ∂L/∂x now spans its own largest gradient, torch autograd's."""
    query = {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "input": "ones", "padding_h": "1"}
    at = open_app(query, "pages/average_vs_max.py")
    grids = {grid["key"]: grid for component in grid_components(at) for grid in component["grids"]}
    x, y = np.ones((5, 5)), np.ones((5, 5))
    expected = {
        "avg_grad_input": torch_avg_pool2d(x, y, 3, 1, 1)[1],
        "max_grad_input": torch_max_pool2d(x, y, 3, 1, 1)[1],
        "adaptive_grad_input": torch_adaptive_avg_pool2d(x, np.ones((3, 3)), (3, 3))[1],
    }
    for key, grad_input in expected.items():
        largest = np.abs(grad_input).max()
        assert_allclose([grids[key]["zmin"], grids[key]["zmax"]], [-largest, largest], rtol=1e-12, err_msg=key)
    assert_allclose(grids["adaptive_grad_input"]["zmax"], 25 / 36, rtol=1e-12)  # (1/2 + 1/3) squared


def _srgb_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of (..., 3) colours in 0-255."""
    s = rgb / 255
    linear = np.where(s <= 0.03928, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def _contrast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """WCAG contrast ratio, 1 to 21."""
    la, lb = _srgb_luminance(a), _srgb_luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _scale_colours(stops: list) -> np.ndarray:
    """The 256 colours grids.js draws a scale with (colorLookup: linear in sRGB between stops)."""
    positions = [position for position, _ in stops]
    colours = np.array([_hex(colour) for _, colour in stops])
    t = np.arange(256) / 255
    return np.round(np.stack([np.interp(t, positions, colours[:, n]) for n in range(3)], axis=-1))


def test_window_outlines_stand_out_on_every_gradient_colour_of_their_palette():
    """With palette=colorblind the orange window outline vanished on the orange ∂L/∂x. Each
    palette's outline colours, over grids.js's dark halo, keep a WCAG contrast of 3:1 (the
    minimum for graphics) with every colour its gradient scale draws: the halo against light
    cells, the colour against dark ones."""
    source = (REPO / "figures" / "component" / "grids.js").read_text()
    table = re.search(r"const WINDOW_COLORS = \{(.*?)\};", source, re.S).group(1)
    outlines = {name: re.findall(r"#[0-9a-f]{6}", colours) for name, colours in re.findall(r"(\w+): \[(.*?)\]", table)}
    halo = _hex(re.search(r'const HALO_COLOR = "(#[0-9a-f]{6})"', source).group(1))
    assert outlines.keys() == set(COLOR_SCALES)
    for palette, colours in outlines.items():
        cells = _scale_colours(COLOR_SCALES[palette]["gradient"])
        for colour in colours:
            seen = np.maximum(_contrast(_hex(colour), cells), _contrast(halo, cells))
            assert seen.min() >= 3, f"{palette} {colour}: {seen.min():.2f} on {cells[seen.argmin()]}"
    # The old outline, orange on the colour-blind palette's orange: under 3:1 even over the halo.
    cells = _scale_colours(COLOR_SCALES["colorblind"]["gradient"])
    assert np.maximum(_contrast(_hex("#ff8c00"), cells), _contrast(halo, cells)).min() < 3
    # The page tells the component which palette it draws.
    assert grid_components(open_app({"palette": "colorblind"}))[0]["palette"] == "colorblind"


def _copy_links(at) -> list[str]:
    """The "Copy link to this view" blocks on the page (plain HTML), as sent."""
    return [element.proto.body for element in at.get("html") if "copy-link" in element.proto.body]


@pytest.mark.parametrize(
    "page",
    [None, *(f"pages/{name}.py" for name in ("step_by_step", "under_the_hood", "average_vs_max", "quiz", "presets"))]
    + [f"pages/{name}.py" for name in ("classic", "network", "live_class")],
)
def test_every_page_offers_a_link_to_its_view(page):
    at = open_app({"lang": "zh"}, page)
    [block] = _copy_links(at)
    assert "复制此视图的链接" in block and "window.location.href" in block
    assert "上传的图片" not in block  # nothing uploaded: no note


def test_an_uploaded_picture_is_said_not_to_travel_in_the_link():
    """A link cannot carry an uploaded picture (it stays on the server that received it):
    opened elsewhere, it shows the sample picture. The link's offer says so, in words."""
    import io

    from PIL import Image

    at = open_app({"input": "image"})
    assert "cannot travel in a link" not in _copy_links(at)[0]  # the sample picture travels
    picture = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8), mode="L").save(picture, format="PNG")
    at.file_uploader(key="image_file").upload("photo.png", picture.getvalue(), "image/png").run()
    assert not at.exception
    assert "An uploaded picture cannot travel in a link" in _copy_links(at)[0]


def test_the_classic_pages_random_x_is_in_its_link():
    """ "Draw a new random x" changed x but not the link: a shared link showed another x."""
    at = open_app(page="pages/classic.py")
    assert "draw" not in at.query_params
    at.button(key="classic_new_x").click().run()
    at.button(key="classic_new_x").click().run()
    assert at.query_params["draw"] == "2"
    printed = [code.value for code in at.code if "x.grad" in code.value or "tensor" in code.value]
    assert any("seed 2" in caption.value for caption in at.caption) and len(printed) == 2  # its code, and its output
    opened = open_app({"draw": "2"}, "pages/classic.py")  # the link, opened by someone else
    assert [code.value for code in opened.code if "x.grad" in code.value or "tensor" in code.value] == printed
    assert not opened.warning
    for bad in ("abc", "-1", "1e3", "9" * 5000):
        warned = open_app({"draw": bad}, "pages/classic.py")
        assert len(warned.warning) == 1 and "draw is a whole number from 0 to 999999" in warned.warning[0].value


def test_one_view_s_torch_check_is_made_once_for_every_session_and_only_for_that_view():
    """The Playground's "matches torch" check is shared like its grids: made once for a view
    (``Computed.key``: its every number) whichever session shows it; any number that differs
    is another view, checked on its own, and a wrong ∂L/∂x is never passed by a right one's check."""
    from dataclasses import replace

    from scenario.compute import compute_scenario
    from scenario.params import PoolParams
    from ui.badges import TORCH_TOLERANCE, largest_difference, view_agreement

    x, params = np.arange(25.0).reshape(5, 5), PoolParams((3, 3), (1, 1))
    first, again = compute_scenario(x, params, "mean"), compute_scenario(x.copy(), params, "mean")  # two sessions
    assert again.key == first.key and view_agreement(again) is view_agreement(first)
    nudged = x.copy()
    nudged[4, 4] += 1e-12
    others = {
        "another x (one cell, by 1e-12)": compute_scenario(nudged, params, "mean"),
        "another pooling": compute_scenario(x, PoolParams((3, 3), (2, 2)), "mean"),
        "another loss": compute_scenario(x, params, "sum"),
        "another ∂L/∂y (a seed)": compute_scenario(x, params, "random", seed=1),
        "another typed ∂L/∂y": compute_scenario(x, params, "custom", weights=np.full((3, 3), 2.0)),
        "x as float32": compute_scenario(x.astype(np.float32), params, "mean"),
        "a wrong ∂L/∂x": replace(first, grad_input=first.grad_input * 2),
    }
    keys = {name: other.key for name, other in others.items()}
    assert len({first.key, *keys.values()}) == len(others) + 1, keys
    for name, other in others.items():
        torch_y, torch_grad = torch_avg_pool2d(other.x, other.loss.grad_output, **other.params.kwargs())
        difference, numeric = view_agreement(other)
        assert difference == largest_difference((other.y, other.grad_input), (torch_y, torch_grad)), name
        assert numeric is not None, name
    assert view_agreement(others["a wrong ∂L/∂x"])[0] > TORCH_TOLERANCE
    assert view_agreement(first)[0] <= TORCH_TOLERANCE


@pytest.mark.parametrize("palette", sorted(COLOR_SCALES))
def test_an_overlays_outline_stands_out_on_every_heat_colour(palette):
    """Grad-CAM over the digit: each cell in the heat colour its colour bar gives it, and the
    digit's outline over it as a dark line on a white halo (grids.js's drawOutline). On every
    heat colour the line or its halo keeps 3:1 (WCAG's minimum for graphics), and the line
    4.5:1 against its halo. The rule before the dots, the heat at 70 % over grey ink, read as
    brown: the hottest heat over the darkest ink was under 3:1 from the same heat over paper."""
    source = (REPO / "figures" / "component" / "grids.js").read_text()
    halo = _hex(re.search(r'const OUTLINE_HALO = "(#[0-9a-f]{6})"', source).group(1))
    line = _hex(OUTLINE_COLOR)
    cells = _scale_colours(COLOR_SCALES[palette]["heat"])
    seen = np.maximum(_contrast(line, cells), _contrast(halo, cells))
    assert seen.min() >= 3, f"{palette}: {seen.min():.2f} on {cells[seen.argmin()]}"
    assert _contrast(line, halo) >= 4.5
    muddy, clear = (np.round(under * 0.3 + cells[-1] * 0.7) for under in (_hex("#3c3c3c"), np.full(3, 255.0)))
    assert _contrast(muddy, clear) < 3


def test_a_shared_value_is_built_once_per_key_and_the_least_used_goes_first():
    """ui/shared.py: the torch check and the Playground's grids, built by the first of a class's
    tabs for a view and taken by the others; the one used longest ago dropped past ``entries``."""
    from ui.shared import Shared

    built: list[str] = []

    def build(key: str):
        return lambda: built.append(key) or key.upper()

    shared = Shared[str](entries=2)
    assert [shared.get(key, build(key)) for key in ("a", "a", "b", "a", "c", "a", "b")] == list("AABACAB")
    assert built == ["a", "b", "c", "b"]  # "b" was used longest ago when "c" came
