"""Presentation mode and the colour-blind-safe palette."""

from __future__ import annotations

from tests.conftest import chart_figures, open_app


def _heatmaps(figure: dict) -> list[dict]:
    return [trace for trace in figure["data"] if trace["type"] == "heatmap" and trace.get("name") != "padding"]


def test_presentation_mode_draws_larger_charts_and_folds_rare_controls():
    normal = open_app()
    present = open_app({"present": "1"})
    assert not present.warning  # present is a known parameter
    assert chart_figures(present)[0]["layout"]["height"] > chart_figures(normal)[0]["layout"]["height"]
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
    x, _, _, grad_input = (_heatmaps(figure)[0] for figure in chart_figures(at)[:4])
    assert x["colorscale"][0][1] != "rgb(247,251,255)"  # not Blues
    assert grad_input["colorscale"][0][1] == "#5e3c99"  # purple-orange, centred at 0
    normal = open_app()
    assert _heatmaps(chart_figures(normal)[3])[0]["colorscale"][0][1] == "#2166ac"
