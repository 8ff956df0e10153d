"""The step-by-step replay through AppTest: every step checked against torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_avg_pool2d
from tests.conftest import grid_values, grids_on_page, open_app

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


def _open(query: dict[str, str]) -> AppTest:
    """The step-by-step page opened from a link with these URL parameters."""
    return open_app(query, "pages/step_by_step.py")


@pytest.fixture
def at() -> AppTest:
    return _open({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "loss": "random"})


def _charts(at: AppTest) -> list[np.ndarray]:
    return [grid_values(figure) for figure in grids_on_page(at)]


@pytest.mark.parametrize("step", [0, 1, 4, 9])
def test_running_gradient_is_torchs_gradient_of_the_first_outputs(at, step):
    at.slider(key="step").set_value(step).run()
    x, y_so_far, grad_output, running = _charts(at)
    # torch: backward of an upstream gradient that keeps only the first `step` outputs.
    mask = np.arange(9).reshape(3, 3) < step
    torch_y, torch_running = torch_avg_pool2d(x, np.where(mask, grad_output, 0.0), 3, 1)
    assert_allclose(running, torch_running, **TOLERANCE)
    assert_allclose(y_so_far[mask], torch_y[mask], **TOLERANCE)
    assert np.isnan(y_so_far[~mask]).all()
    assert at.markdown[0].value.startswith(f"**Step {step} of 9:**")


def test_the_last_step_equals_the_playgrounds_gradient(at):
    at.slider(key="step").set_value(9).run()
    x, _, grad_output, running = _charts(at)
    _, torch_grad_input = torch_avg_pool2d(x, grad_output, 3, 1)
    assert_allclose(running, torch_grad_input, **TOLERANCE)
    assert "exactly the Playground's" in at.success[0].value
    at.switch_page("pages/playground.py").run()
    playground_grad_input = grid_values(grids_on_page(at)[3])
    assert_allclose(running, playground_grad_input, rtol=0, atol=0)


def test_the_step_line_names_the_numbers(at):
    at.selectbox(key="loss").set_value("sum").run()
    at.slider(key="step").set_value(4).run()
    line = at.markdown[0].value
    assert line.startswith("**Step 4 of 9:** ∂L/∂y[1, 0] = 1, divisor 9, adds 1/9 to x[1:4, 0:3].")


def test_play_button_toggles_and_restarts_from_the_end(at):
    at.slider(key="step").set_value(9).run()
    at.button(key="step_play").click().run()
    assert at.session_state["step_playing"] is True
    assert at.slider(key="step").value in (0, 1)  # restarted from the beginning
    at.button(key="step_play").click().run()
    assert at.session_state["step_playing"] is False


def test_padding_windows_say_their_padding_gets_nothing():
    at = _open({"kernel_h": "3", "stride_h": "2", "padding_h": "1", "height": "4", "width": "4"})
    at.slider(key="step").set_value(1).run()
    assert "(its 5 padding cells get nothing)" in at.markdown[0].value
