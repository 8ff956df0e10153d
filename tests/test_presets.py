"""Every preset's lesson, checked against torch on the view its link opens."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_avg_pool2d
from scenario.params import params_from_settings
from scenario.presets import PRESETS
from tests.conftest import APP, chart_figures, heatmap_values, open_app
from ui.controls import widget_values

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
    x, y, grad_output, grad_input = (heatmap_values(figure) for figure in chart_figures(at)[:4])
    kwargs = params_from_settings(widget_values(preset.settings)).kwargs()
    torch_y, torch_grad = torch_avg_pool2d(x, grad_output, **kwargs)
    assert_allclose(y, torch_y, rtol=1e-12, atol=1e-12)
    assert_allclose(grad_input, torch_grad, rtol=1e-12, atol=1e-12)
    assert CLAIMS[preset.name](torch_grad, torch_y), preset.lesson


def test_presets_page_previews_match_the_links():
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/presets.py").run()
    assert not at.exception
    previews = [heatmap_values(figure) for figure in chart_figures(at)]
    assert len(previews) == len(PRESETS)
    for preset, preview in zip(PRESETS, previews):
        linked = heatmap_values(chart_figures(_open_link(preset.settings))[3])
        assert_allclose(preview, linked, rtol=0, atol=0, err_msg=preset.name)
