"""Under the hood and Average vs max through AppTest; numbers checked against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d, torch_max_pool2d
from tests.conftest import grid_values, grids_on_page, open_app, select_cell

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


def _open(page: str, query: dict[str, str] | None = None) -> AppTest:
    return open_app(query, page)  # opened on the page itself, as a shared link does


# ---------------------------------------------------------------------------------------
# Under the hood.


def test_the_matrix_reproduces_torch_forward_and_backward():
    at = _open(
        "pages/under_the_hood.py",
        {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "height": "5", "width": "5", "loss": "random"},
    )
    figures = grids_on_page(at)
    matrix, x = grid_values(figures[0]), grid_values(figures[1])
    assert matrix.shape == (9, 25)
    # torch's own Jacobian of avg_pool2d is A: row o is d y_o / d x.
    jacobian = torch.autograd.functional.jacobian(
        lambda t: F.avg_pool2d(t[None], 3, 2, 1)[0].reshape(-1), torch.tensor(x)
    ).reshape(9, 25)
    assert_allclose(matrix, jacobian.numpy(), **TOLERANCE)
    assert "A x equals torch's y" in at.success[0].value
    assert "Every window divides by 9" in at.success[1].value


def test_clicking_a_row_of_the_matrix_names_its_window():
    at = _open("pages/under_the_hood.py")
    select_cell(at, "hood_matrix", "matrix", 2, 5, "matrix")
    at.run()
    assert "Row 2 of A is y[1, 0]: 0.25 in columns 8, 9, 12, 13." in at.info[0].value
    matrix, x = grids_on_page(at)[:2]
    assert matrix["windows"] == [[2, 3, 0, 16]]  # row 2 of A outlined
    assert x["windows"] == [[2, 4, 0, 2]]  # and its window on x


def test_the_matrix_row_and_the_kernel_weight_read_as_the_matrix_prints_them():
    """A of 0.25 (kernel 2): K is filled with "1/4 = 0.25"; A of ninths (kernel 3, stride 1):
    "1/9"; an A of 1/4, 1/6 and 1/9 (padding not counted) prints 1/4, and so does its row."""
    at = _open("pages/under_the_hood.py")
    assert any("kernel K with 1/4 = 0.25." in item.value for item in at.markdown)
    at = _open("pages/under_the_hood.py", {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5"})
    assert any("kernel K with 1/9." in item.value for item in at.markdown)
    query = {"kernel_h": "3", "stride_h": "1", "padding_h": "1", "count_include_pad": "false"}
    at = _open("pages/under_the_hood.py", query)
    matrix = grids_on_page(at)[0]
    assert matrix["labels"][0] == "1/4"  # y[0, 0]: the corner window holds 4 real cells
    select_cell(at, "hood_matrix", "matrix", 0, 0, "matrix")
    at.run()
    assert "Row 0 of A is y[0, 0]: 1/4 in columns 0, 1, 4, 5." in at.info[0].value, at.info[0].value


def test_the_matrix_view_asks_for_a_small_input():
    at = _open("pages/under_the_hood.py", {"height": "9", "width": "9"})
    assert "at most 8×8" in at.warning[0].value
    assert "Every window divides by 4" in at.success[0].value  # the convolution part still runs


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (
            {
                "kernel_h": "3",
                "stride_h": "2",
                "padding_h": "1",
                "count_include_pad": "false",
                "height": "5",
                "width": "5",
            },
            "count_include_pad is off",
        ),
        ({"stride_h": "3", "ceil_mode": "true", "height": "7", "width": "7"}, "ceil_mode adds partial windows"),
    ],
)
def test_the_convolution_breaks_when_divisors_differ(query, reason):
    at = _open("pages/under_the_hood.py", query)
    warning = next(w.value for w in at.warning if "equivalence breaks" in w.value)
    assert reason in warning
    # The difference maps are torch's conv results minus torch's avg_pool2d.
    figures = grids_on_page(at)
    divisors, forward_gap = grid_values(figures[2]), grid_values(figures[3])
    x = grid_values(figures[1])
    params = {
        "kernel_size": int(query.get("kernel_h", 2)),
        "stride": int(query["stride_h"]),
        "padding": int(query.get("padding_h", 0)),
        "ceil_mode": query.get("ceil_mode") == "true",
        "count_include_pad": query.get("count_include_pad") != "false",
    }
    torch_y, _ = torch_avg_pool2d(x, None, **params)
    nominal = params["kernel_size"] ** 2
    assert (forward_gap != 0).any()
    assert_allclose(forward_gap[divisors == nominal], 0, atol=1e-12)
    assert_allclose(forward_gap + torch_y, torch_y * divisors / nominal, **TOLERANCE)


def test_divisor_override_is_still_a_convolution():
    at = _open("pages/under_the_hood.py", {"divisor_override": "1"})
    assert any("Every window divides by 1" in s.value for s in at.success)


# ---------------------------------------------------------------------------------------
# Average vs max.


def test_three_poolings_each_match_torch():
    query = {
        "input": "random",
        "height": "6",
        "width": "5",
        "kernel_h": "3",
        "stride_h": "2",
        "padding_h": "1",
        "loss": "square",
        "adaptive_h": "4",
        "adaptive_w": "3",
    }
    at = _open("pages/average_vs_max.py", query)
    figures = {
        figure["key"]: grid_values(figure) for figure in grids_on_page(at)
    }  # by name: x is drawn twice when padded
    x, (y_avg, grad_avg), (y_max, grad_max), (y_adaptive, grad_adaptive) = (
        figures["x"],
        *((figures[f"{name}_y"], figures[f"{name}_grad_input"]) for name in ("avg", "max", "adaptive")),
    )
    grad_outputs = [figures[f"{name}_grad_output"] for name in ("avg", "max", "adaptive")]
    # square loss: ∂L/∂y = y for each pooling.
    for y, grad_output in zip((y_avg, y_max, y_adaptive), grad_outputs):
        assert_allclose(grad_output, y, **TOLERANCE)
    for (y, grad_input), (torch_y, torch_grad) in [
        ((y_avg, grad_avg), torch_avg_pool2d(x, y_avg, 3, 2, 1)),
        ((y_max, grad_max), torch_max_pool2d(x, y_max, 3, 2, 1)),
        ((y_adaptive, grad_adaptive), torch_adaptive_avg_pool2d(x, y_adaptive, (4, 3))),
    ]:
        assert_allclose(y, torch_y, **TOLERANCE)
        assert_allclose(grad_input, torch_grad, **TOLERANCE)
    assert y_adaptive.shape == (4, 3)
    assert len([s for s in at.success if "Matches torch" in s.value]) == 3


def test_max_pooling_routes_to_the_first_maximum_on_ties():
    at = _open("pages/average_vs_max.py", {"input": "ones"})
    grad_max = grid_values(grids_on_page(at)[4])
    # All ones: every window ties; torch keeps the first cell of each window.
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    assert_allclose(grad_max, expected, **TOLERANCE)
    assert sorted(grids_on_page(at)[4]["cells"]) == [[0, 0], [0, 2], [2, 0], [2, 2]]  # the winners outlined


def test_bad_adaptive_size_in_the_url_warns():
    at = _open("pages/average_vs_max.py", {"adaptive_h": "0"})
    assert any("adaptive_h=0" in w.value for w in at.warning)


@pytest.mark.parametrize("page", ["pages/classic.py", "pages/presets.py"])
def test_an_unknown_url_parameter_is_reported_on_the_pages_without_a_sidebar(page):
    at = open_app({"colour": "red", "kernel_h": "3"}, page)  # kernel_h: a shared setting, known
    assert [item.value for item in at.warning] == ["URL parameters this page does not know were ignored: “colour”."]
    assert "colour" not in at.query_params and not at.error
