"""Average, max and adaptive pooling of one input with one loss (scenario/versus.py), without
Streamlit, against torch; and the sidebar's loss choice carried to all three."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from scenario.compute import compute_scenario
from scenario.losses import LossChoice
from scenario.params import PoolParams
from scenario.versus import pool_three_ways
from tests.conftest import grid_values, grids_on_page, open_app

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


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
        weights = np.random.default_rng(7).standard_normal(pooled.y.shape).round(2)
        assert_allclose(pooled.grad_output, weights, err_msg=pooled.name)


def test_the_sidebar_hands_the_page_its_loss_choice():
    query = {"loss": "cell", "loss_row": "1", "loss_col": "0", "adaptive_h": "1", "adaptive_w": "1"}
    at = open_app(query, "pages/average_vs_max.py")
    grids = {grid["key"]: grid_values(grid) for grid in grids_on_page(at)}
    assert grids["max_grad_output"].tolist() == [[0, 0], [1, 0]]
    assert grids["adaptive_grad_output"].tolist() == [[1]]  # the cell, clamped into a 1x1 output
