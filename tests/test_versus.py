"""Average, max and adaptive pooling of one input with one loss (scenario/versus.py), without
Streamlit, against torch; and the sidebar's loss choice carried to all three."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from i18n import text
from pooling import reference
from scenario.compute import compute_scenario
from scenario.losses import RANDOM_LOSS_STREAM, LossChoice
from scenario.params import PoolParams
from scenario.versus import pool_three_ways
from tests.conftest import grid_values, grids_on_page, open_app

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}
CASES = {
    # name: (x's shape, the average pooling, the loss, the adaptive output size)
    "tiles": ((4, 4), PoolParams((2, 2)), LossChoice("sum"), (3, 3)),
    "overlap, padded": ((6, 5), PoolParams((3, 3), (2, 2), (1, 1)), LossChoice("square"), (3, 2)),
    "padding not counted": (
        (5, 5),
        PoolParams((3, 2), (1, 2), (1, 1), count_include_pad=False),
        LossChoice("mean"),
        (2, 2),
    ),
    "ceil_mode": ((7, 6), PoolParams((2, 3), (3, 2), ceil_mode=True), LossChoice("random", seed=4), (5, 4)),
    "divisor_override": ((6, 6), PoolParams((3, 3), divisor_override=2), LossChoice("cell", (1, 1)), (1, 1)),
}


def _three_ways(name: str, language: str = "en"):
    shape, params, choice, size = CASES[name]
    x = np.random.default_rng(len(name)).standard_normal(shape)
    computed = compute_scenario(x, params, choice.name, choice.seed, choice.cell)
    return x, pool_three_ways(computed, choice, None, size, language)


@pytest.mark.parametrize("name", CASES)
def test_each_pooling_is_the_torch_call_it_names(name):
    """torch's function with the pooling's arguments, and its call as written on the page, give
    its y and ∂L/∂x (torch autograd, float64)."""
    x, pooled = _three_ways(name)
    assert [result.function for result in pooled] == ["avg_pool2d", "max_pool2d", "adaptive_avg_pool2d"]
    for result in pooled:
        torch_function = getattr(reference, f"torch_{result.function}")
        y, grad_input = torch_function(x, result.grad_output, **result.arguments)
        assert_allclose(result.y, y, err_msg=f"{name}: {result.name}", **TOLERANCE)
        assert_allclose(result.grad_input, grad_input, err_msg=f"{name}: {result.name}", **TOLERANCE)
        written = eval(result.call, {"F": F, "x": torch.tensor(x)[None, None]})  # the code on screen runs
        assert_allclose(written[0, 0].numpy(), result.y, err_msg=f"{name}: {result.call}", **TOLERANCE)


def test_max_pooling_outlines_and_explains_the_cells_that_won():
    x = np.array([[1.0, 5.0, 0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 3.0, 0.0, 4.0]])
    average, maximum, _ = pool_three_ways(compute_scenario(x, PoolParams((2, 2))), LossChoice("sum"), None, (1, 1))
    assert maximum.winners == [(0, 1), (1, 3), (1, 5)] and average.winners == []
    assert "x[0, 1] = 5; its whole gradient 1 goes to x[0, 1]" in maximum.explain("output", 0, 0, x)
    assert "mean of x[0:2, 0:2] = (1 + 5 + 2 + 0) / 4 = 2" in average.explain("output", 0, 0, x)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_note_says_what_its_gradient_does(language):
    def note(key: str, **params) -> str:
        return text(language, f"versus.{key}", **params)

    _, (average, maximum, _) = _three_ways("tiles", language)
    assert (average.note, maximum.note) == (note("note_avg"), note("note_max"))
    _, (_, maximum, _) = _three_ways("ceil_mode", language)
    assert maximum.note == note("note_max")
    _, (_, maximum, _) = _three_ways("padding not counted", language)
    # max pooling pads with −∞, and has no count_include_pad
    assert maximum.note == note("note_max") + note("note_max_padding") + note("note_max_ignored")
    _, (_, maximum, _) = _three_ways("divisor_override", language)
    assert maximum.note == note("note_max") + note("note_max_ignored")


ADAPTIVE_NOTES = {
    # (x's shape, output size): the note's window sizes in English and Chinese (the ", " of
    # the overlapping ones continues with "overlapping", "且相互重叠")
    ((4, 4), (4, 4)): ("windows 1 cell tall and wide, side by side.", "窗口高和宽都是 1 个格子，彼此并排。"),
    ((4, 4), (3, 3)): ("windows 2 cells tall and wide,", "窗口高和宽都是 2 个格子，"),
    ((5, 5), (3, 3)): ("windows 2 or 3 cells tall and wide,", "窗口高和宽都是 2 或 3 个格子，"),
    ((6, 5), (3, 2)): ("windows 2 cells tall and 3 cells wide,", "窗口高 2 个格子、宽 3 个格子，"),
    ((4, 4), (3, 4)): ("windows 2 cells tall and 1 cell wide,", "窗口高 2 个格子、宽 1 个格子，"),
    ((7, 6), (5, 4)): ("windows 2 or 3 cells tall and 2 cells wide,", "窗口高 2 或 3 个格子、宽 2 个格子，"),
    ((6, 6), (1, 1)): ("one window, the whole 6×6 x, to hit a 1×1", "一个窗口、即整个 6×6 的 x，得到 1×1"),
}


@pytest.mark.parametrize(("shape", "size"), ADAPTIVE_NOTES)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_adaptive_note_names_window_sides_as_people_write_them(shape, size, language):
    """Singular for one cell, "2 or 3" for a list, heights and widths apart when they differ
    (never "window sides of 1 cells", nor "2 or 3" for windows all 2 tall and 3 wide)."""
    computed = compute_scenario(np.arange(float(shape[0] * shape[1])).reshape(shape), PoolParams((2, 2)))
    adaptive = pool_three_ways(computed, LossChoice("sum"), None, size, language)[2]
    expected = ADAPTIVE_NOTES[shape, size][language == "zh"]
    assert expected in adaptive.note, (shape, size, adaptive.note)


def test_typed_weights_that_do_not_fit_an_output_are_replaced_and_said():
    x = np.arange(16.0).reshape(4, 4)
    weights = np.full((2, 2), 3.0)
    computed = compute_scenario(x, PoolParams((2, 2)), "custom", weights=weights)
    _, maximum, adaptive = pool_three_ways(computed, LossChoice("custom"), weights, (3, 3))
    assert not maximum.custom_misfit and maximum.grad_output.tolist() == weights.tolist()
    assert adaptive.custom_misfit and adaptive.grad_output.tolist() == np.ones((3, 3)).tolist()
    assert adaptive.note.endswith(" " + text("en", "versus.custom_misfit"))
    assert not maximum.note.endswith(text("en", "versus.custom_misfit"))


def test_a_loss_choice_names_a_known_loss():
    with pytest.raises(ValueError, match="unknown loss 'sums': use one of sum, mean"):
        LossChoice("sums")


def test_the_loss_choice_reaches_every_pooling():
    """A cell loss keeps to each output (clamped into a smaller one); a random loss keeps its seed."""
    x = np.random.default_rng(3).standard_normal((6, 6))
    computed = compute_scenario(x, PoolParams((2, 2)), "cell", cell=(2, 1))
    average, maximum, adaptive = pool_three_ways(computed, LossChoice("cell", (2, 1)), None, (2, 2))
    for pooled, cell in ((average, (2, 1)), (maximum, (2, 1)), (adaptive, (1, 1))):
        expected = np.zeros(pooled.y.shape)
        expected[cell] = 1.0
        assert_allclose(pooled.grad_output, expected, err_msg=pooled.name)
    choice = LossChoice("random", seed=7)
    computed = compute_scenario(x, PoolParams((2, 2)), "random", seed=7)
    for pooled in pool_three_ways(computed, choice, None, (3, 2)):
        weights = np.random.default_rng((7, RANDOM_LOSS_STREAM)).standard_normal(pooled.y.shape).round(2)
        assert_allclose(pooled.grad_output, weights, err_msg=pooled.name)


def test_the_sidebar_hands_the_page_its_loss_choice():
    query = {"loss": "cell", "loss_row": "1", "loss_col": "0", "adaptive_h": "1", "adaptive_w": "1"}
    at = open_app(query, "pages/average_vs_max.py")
    grids = {grid["key"]: grid_values(grid) for grid in grids_on_page(at)}
    assert grids["max_grad_output"].tolist() == [[0, 0], [1, 0]]
    assert grids["adaptive_grad_output"].tolist() == [[1]]  # the cell, clamped into a 1x1 output


# The link: all-negative values, kernel 3, stride 1, padding 1.
NEGATIVE_X = -np.arange(1.0, 10.0).reshape(3, 3)
NEGATIVE_LINK = {"kernel_h": "3", "stride_h": "1", "padding_h": "1", "height": "3", "width": "3", "input": "custom"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_max_pooling_pads_with_minus_infinity_and_says_so(language):
    """torch's max_pool2d of all-negative values never returns a padding 0: y[0, 0] = −1. Our max
    agrees, its explanation says the window's 5 padding cells hold −∞, and its note says why."""
    params = PoolParams((3, 3), (1, 1), (1, 1))
    computed = compute_scenario(NEGATIVE_X, params)
    _, maximum, _ = pool_three_ways(computed, LossChoice("sum"), None, (3, 3), language)
    torch_y, torch_grad = reference.torch_max_pool2d(
        NEGATIVE_X, np.ones((3, 3)), kernel_size=3, stride=1, padding=1, ceil_mode=False
    )
    assert_allclose(maximum.y, torch_y, **TOLERANCE)
    assert_allclose(maximum.grad_input, torch_grad, **TOLERANCE)
    assert torch_y.max() == -1 and (torch_y < 0).all()  # no padding 0 ever wins
    told = maximum.explain("output", 0, 0, NEGATIVE_X, language)
    assert "x[0, 0] = −1" in told and text(language, "explain.max_padding", count=5) in told
    assert text(language, "explain.max_padding", count=5).count("−∞") == 1
    assert text(language, "versus.note_max_padding") in maximum.note and "−∞" in maximum.note
    centre = maximum.explain("output", 1, 1, NEGATIVE_X, language)
    assert "−∞" not in centre  # the centre window holds no padding


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_draws_max_poolings_padding_as_minus_infinity(language):
    at = open_app({**NEGATIVE_LINK, "x": "-1,-2,-3;-4,-5,-6;-7,-8,-9", "lang": language}, "pages/average_vs_max.py")
    grids = {grid["key"]: grid for grid in grids_on_page(at)}
    assert grids["x"]["padding_label"] == "0" and grids["x_max"]["padding_label"] == "−∞"
    assert "−∞" in grids["x_max"]["padding_hover"] and "−∞" not in grids["x"]["padding_hover"]
    assert grids["x_max"]["title"] == text(language, "versus.x_max")
    assert_allclose(grid_values(grids["x_max"]), NEGATIVE_X)
    assert grid_values(grids["max_y"]).max() == -1
    # Without padding there is one x, nothing to tell apart.
    at = open_app({"lang": language}, "pages/average_vs_max.py")
    assert [key for key in (grid["key"] for grid in grids_on_page(at)) if key.startswith("x")] == ["x"]
