"""Every preset's lesson, checked against torch on the view its link opens."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_avg_pool2d
from scenario.params import params_from_settings, widget_values
from scenario.presets import PRESETS
from tests.conftest import APP, grid_values, grids_on_page, open_app

CLAIMS = {
    # name: a check on (torch's x.grad, y) for the view the preset's link opens
    "classic": lambda grad, y: np.allclose(grad, 0.25),
    "overlap": lambda grad, y: np.isclose(grad[2, 2], 1.0) and np.isclose(grad[0, 0], 1 / 9),
    "gaps": lambda grad, y: (grad[2] == 0).all() and (grad[:, 2] == 0).all() and np.isclose(grad[0, 0], 0.25),
    "padding": lambda grad, y: np.isclose(grad[0, 0], 1 / 4),
    "padding counted": lambda grad, y: np.isclose(grad[0, 0], 1 / 9),
    "ceil_mode": lambda grad, y: y.shape == (3, 3) and np.isclose(grad[4, 4], 1.0) and np.isclose(grad[0, 0], 0.25),
    "sum pooling": lambda grad, y: np.allclose(grad, 1.0),
    "mean loss": lambda grad, y: np.allclose(grad, 1 / 16),
    "image": lambda grad, y: y.shape == (24, 32) and np.allclose(grad, 1 / 16),
}


def _open_link(settings: dict[str, str]) -> AppTest:
    return open_app(settings)


def test_every_preset_has_a_checked_claim():
    assert {preset.name for preset in PRESETS} == set(CLAIMS)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_preset_link_opens_a_view_that_teaches_its_lesson(preset):
    at = _open_link(preset.settings)
    assert not at.warning and not at.error
    x, y, grad_output, grad_input = (grid_values(figure) for figure in grids_on_page(at)[:4])
    kwargs = params_from_settings(widget_values(preset.settings)).kwargs()
    torch_y, torch_grad = torch_avg_pool2d(x, grad_output, **kwargs)
    assert_allclose(y, torch_y, rtol=1e-12, atol=1e-12)
    assert_allclose(grad_input, torch_grad, rtol=1e-12, atol=1e-12)
    assert CLAIMS[preset.name](torch_grad, torch_y), preset.lesson()


def test_presets_page_previews_match_the_links():
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/presets.py").run()
    assert not at.exception
    previews = [grid_values(figure) for figure in grids_on_page(at)]
    assert len(previews) == len(PRESETS)
    for preset, preview in zip(PRESETS, previews):
        linked = grid_values(grids_on_page(_open_link(preset.settings))[3])
        assert_allclose(preview, linked, rtol=0, atol=0, err_msg=preset.name)


def _link(preset) -> dict[str, str]:
    return {**preset.settings, "preset": preset.key}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_a_preset_link_shows_its_lesson_until_the_view_changes(preset):
    at = open_app(_link(preset))
    assert not at.warning
    assert [info.value for info in at.info][:1] == [f"**{preset.title()}:** {preset.lesson()}"]
    at.slider(key="kernel_h").set_value(at.slider(key="kernel_h").value + 1).run()
    assert not any(preset.lesson() in info.value for info in at.info)
    assert "preset" not in at.query_params


def test_a_preset_link_followed_inside_the_app_replaces_the_sidebar_settings():
    """Settings changed earlier in the session must not leak into the preset's view."""
    at = open_app({"kernel_h": "5", "height": "8", "width": "8", "ceil_mode": "true"})
    at.switch_page("pages/presets.py").run()
    overlap = next(preset for preset in PRESETS if preset.name == "overlap")
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in _link(overlap).items():
        at.query_params[key] = value
    at.switch_page("pages/playground.py").run()
    assert not at.exception
    assert at.slider(key="kernel_h").value == 3 and at.slider(key="height").value == 5
    assert at.toggle(key="ceil_mode").value is False
    assert overlap.lesson() in at.info[0].value


def test_presets_page_links_carry_the_preset_language_and_presentation_mode():
    at = open_app({"lang": "zh"}, "pages/presets.py")
    links = [code.value for code in at.code]
    assert len(links) == len(PRESETS)
    for preset, link in zip(PRESETS, links):
        assert f"preset={preset.key}" in link and "lang=zh" in link
    # On a projector the links are the buttons alone (no address to copy from a wall).
    at = open_app({"lang": "zh", "present": "1"}, "pages/presets.py")
    assert not at.code
    buttons = [link.proto.query_string for link in at.get("page_link") if "preset=" in link.proto.query_string]
    assert len(buttons) == 2 * len(PRESETS)
    assert all("lang=zh" in query and "present=1" in query for query in buttons)


def test_an_unknown_preset_is_named():
    at = open_app({"preset": "zebra"})
    assert any("preset=zebra" in warning.value for warning in at.warning)
    assert "preset" not in at.query_params
