"""Presets: one-click scenarios, each a shareable link with its one-line lesson."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from figures import chart_config, grad_input_heatmap
from pooling import avg_pool2d, avg_pool2d_backward
from scenario.inputs import generated_input, sample_image
from scenario.losses import loss_for
from scenario.params import DEFAULTS, params_from_settings, widget_values
from scenario.presets import PRESETS, Preset
from ui.display import chart
from ui.router import require_router

COLUMNS = 3


def preset_gradient(preset: Preset) -> np.ndarray:
    """dL/dx of a preset, computed by the core (the same numbers its link opens)."""
    settings = {**DEFAULTS, **widget_values(preset.settings)}
    if settings["input"] == "image":
        x = sample_image()
    else:
        x = generated_input(settings["input"], settings["height"], settings["width"], settings["seed"])
    kwargs = params_from_settings(settings).kwargs()
    y = avg_pool2d(x, **kwargs)
    grad_output = loss_for(settings["loss"], y, settings["seed"]).grad_output
    return avg_pool2d_backward(grad_output, x.shape, **kwargs)


def presets_page() -> None:
    for start in range(0, len(PRESETS), COLUMNS):
        for column, preset in zip(st.columns(COLUMNS), PRESETS[start : start + COLUMNS]):
            with column.container(border=True):
                st.subheader(preset.title)
                st.markdown(preset.lesson)
                chart(
                    st,
                    grad_input_heatmap(preset_gradient(preset), height=300, title="∂L/∂x"),
                    key=f"preset_{preset.name}",
                    config=chart_config(f"avgpool_preset_{preset.name.replace(' ', '_')}"),
                )
                links = st.columns(2)
                links[0].page_link(
                    "pages/playground.py",
                    label="Playground",
                    icon=":material/grid_on:",
                    query_params=preset.settings,
                )
                links[1].page_link(
                    "pages/step_by_step.py",
                    label="Step by step",
                    icon=":material/play_circle:",
                    query_params=preset.settings,
                )
                st.code(f"/?{urlencode(preset.settings)}", language=None)


require_router()
st.title("Presets")
st.caption("One click to a scenario that makes one point. Each link can be shared: it opens the same view.")
presets_page()
