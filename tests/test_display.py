"""Presentation mode and the colour-blind-safe palette."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from pooling.reference import torch_avg_pool2d
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
