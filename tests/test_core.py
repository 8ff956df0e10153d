"""The numeric core against real torch autograd in float64.

Property-based over every AvgPool2d option (including invalid ones: we must raise exactly
when torch raises), then the hand-worked classic case, then named tricky cases.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from pooling import (
    PoolingError,
    adaptive_avg_pool2d,
    adaptive_avg_pool2d_backward,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_divisors,
    coverage,
    max_pool2d,
    max_pool2d_backward,
    output_size,
    pooling_matrix,
    window_sums,
    windows,
)
from pooling.reference import (
    finite_difference_grad,
    torch_adaptive_avg_pool2d,
    torch_avg_pool2d,
    torch_max_pool2d,
)

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _int_or_pair(draw, values: st.SearchStrategy[int]):
    """An int, or a (height, width) tuple, as torch accepts both."""
    height, width = draw(values), draw(values)
    return height if height == width and draw(st.booleans()) else (height, width)


@st.composite
def avg_configs(draw, valid_range: bool = False):
    """An input shape and AvgPool2d arguments; with valid_range False, also values torch rejects."""
    low = 1 if valid_range else -1
    height, width = draw(st.integers(1, 13)), draw(st.integers(1, 13))
    leading = draw(st.sampled_from([(1,), (2,), (1, 1), (2, 3), (0, 2)]))
    params = {
        "kernel_size": _int_or_pair(draw, st.integers(max(low, 0), 6)),
        "stride": draw(st.none() | st.just(()) | st.builds(lambda: None))
        if draw(st.booleans())
        else _int_or_pair(draw, st.integers(low if not valid_range else 1, 6)),
        "padding": _int_or_pair(draw, st.integers(-1 if not valid_range else 0, 3)),
        "ceil_mode": draw(st.booleans()),
        "count_include_pad": draw(st.booleans()),
        "divisor_override": draw(st.none() | st.integers(-3, 9)),
    }
    return (*leading, height, width), params


def _torch_raises(call) -> bool:
    try:
        call()
    except RuntimeError:
        return True
    return False


@PROPERTY_SETTINGS
@given(config=avg_configs(), seed=st.integers(0, 2**32 - 1))
def test_avg_pool2d_matches_torch_or_both_reject(config, seed):
    shape, params = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if _torch_raises(lambda: torch_avg_pool2d(x, None, **params)):
        with pytest.raises(PoolingError):
            avg_pool2d(x, **params)
        # The backward pass refuses the configuration itself, not the (unknowable) shape of
        # the gradient it is given.
        with pytest.raises(PoolingError) as refused:
            avg_pool2d_backward(np.zeros((1, 1)), shape, **params)
        assert refused.value.key != "grad_output_shape", refused.value
        return
    y = avg_pool2d(x, **params)
    grad_output = rng.standard_normal(y.shape)
    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, **params)
    assert y.dtype == np.float64
    assert_allclose(y, torch_y, **TOLERANCE, err_msg=f"forward {shape} {params}")
    grad_input = avg_pool2d_backward(grad_output, shape, **params)
    assert_allclose(grad_input, torch_grad_input, **TOLERANCE, err_msg=f"backward {shape} {params}")


@PROPERTY_SETTINGS
@given(config=avg_configs(valid_range=True), seed=st.integers(0, 2**32 - 1))
def test_geometry_agrees_with_torch(config, seed):
    """Divisors, coverage and the pooling matrix, each checked against torch itself."""
    shape, params = config
    size = shape[-2:]
    if _torch_raises(lambda: torch_avg_pool2d(np.ones(size)[None], None, **params)):
        return
    # avg_pool2d of all-ones gives (input cells of the window) / divisor, so torch tells
    # us its divisors.
    torch_y, _ = torch_avg_pool2d(np.ones(size), None, **params)
    input_cells = np.array([w.input_cells for w in windows(size, **params)]).reshape(torch_y.shape)
    assert_allclose(input_cells / avg_pool2d_divisors(size, **params), torch_y, **TOLERANCE)
    # The backward pass of ∂L/∂y = divisor counts, for each input cell, the windows covering it.
    shape_args = {k: params[k] for k in ("kernel_size", "stride", "padding", "ceil_mode")}
    _, torch_counts = torch_avg_pool2d(
        np.zeros(size), avg_pool2d_divisors(size, **params), **{**params, "divisor_override": None}
    )
    if params["divisor_override"] is None:
        assert_allclose(coverage(size, **shape_args), torch_counts, **TOLERANCE)
    # y = A x and grad_input = A^T grad_output.
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(size)
    grad_output = rng.standard_normal(torch_y.shape)
    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, **params)
    matrix = pooling_matrix(size, **params)
    assert_allclose(matrix @ x.ravel(), torch_y.ravel(), **TOLERANCE)
    assert_allclose(matrix.T @ grad_output.ravel(), torch_grad_input.ravel(), **TOLERANCE)


@PROPERTY_SETTINGS
@given(config=avg_configs(valid_range=True), seed=st.integers(0, 2**32 - 1), ties=st.booleans())
def test_max_pool2d_matches_torch(config, seed, ties):
    shape, params = config
    params = {k: params[k] for k in ("kernel_size", "stride", "padding", "ceil_mode")}
    rng = np.random.default_rng(seed)
    # Small integers make ties common: torch keeps the first maximum in row-major order.
    x = rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    if _torch_raises(lambda: torch_max_pool2d(x, None, **params)):
        with pytest.raises(PoolingError):
            max_pool2d(x, **params)
        return
    y, indices = max_pool2d(x, **params, return_indices=True)
    grad_output = rng.standard_normal(y.shape)
    torch_y, torch_grad_input = torch_max_pool2d(x, grad_output, **params)
    assert_array_equal(y, torch_y)
    _, torch_indices = torch.nn.functional.max_pool2d(torch.tensor(x), **params, return_indices=True)
    assert_array_equal(indices, torch_indices.numpy())
    assert_allclose(max_pool2d_backward(grad_output, x, **params), torch_grad_input, **TOLERANCE)


@PROPERTY_SETTINGS
@given(
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    output=st.tuples(st.integers(1, 14) | st.none(), st.integers(1, 14) | st.none()),
    seed=st.integers(0, 2**32 - 1),
)
def test_adaptive_avg_pool2d_matches_torch(height, width, output, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, height, width))
    y = adaptive_avg_pool2d(x, output)
    grad_output = rng.standard_normal(y.shape)
    torch_y, torch_grad_input = torch_adaptive_avg_pool2d(x, grad_output, output)
    assert_allclose(y, torch_y, **TOLERANCE)
    assert_allclose(adaptive_avg_pool2d_backward(grad_output, x.shape, output), torch_grad_input, **TOLERANCE)


# ---------------------------------------------------------------------------------------
# The classic example from the article: 4x4 input, kernel 2, stride 2, loss = y.sum().


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classic_example_every_gradient_is_one_quarter(seed):
    x = np.random.default_rng(seed).standard_normal((1, 1, 4, 4))
    y = avg_pool2d(x, kernel_size=2, stride=2)
    assert y.shape == (1, 1, 2, 2)
    # loss = y.sum(), so ∂L/∂y is all ones, whatever x is.
    grad_input = avg_pool2d_backward(np.ones_like(y), x.shape, kernel_size=2, stride=2)
    assert_array_equal(grad_input, np.full((1, 1, 4, 4), 0.25))
    _, torch_grad_input = torch_avg_pool2d(x, np.ones_like(y), 2, 2)
    assert_array_equal(torch_grad_input, grad_input)


# ---------------------------------------------------------------------------------------
# Named tricky cases, each against torch, each with the fact it is about.


def _check_against_torch(shape, grad_output=None, **params):
    x = np.random.default_rng(7).standard_normal(shape)
    y = avg_pool2d(x, **params)
    grad_output = np.random.default_rng(8).standard_normal(y.shape) if grad_output is None else grad_output
    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, **params)
    grad_input = avg_pool2d_backward(grad_output, shape, **params)
    assert_allclose(y, torch_y, **TOLERANCE)
    assert_allclose(grad_input, torch_grad_input, **TOLERANCE)
    return y, grad_input


def test_ceil_mode_drops_a_window_that_would_start_in_the_right_padding():
    # ceil((32 - 8) / 4) + 1 = 7; an 8th window would start at 28... no: 7 windows, as torch.
    assert output_size(32, 8, 4, ceil_mode=True) == 7
    y, _ = _check_against_torch((1, 32, 32), kernel_size=8, stride=4, ceil_mode=True)
    assert y.shape == (1, 7, 7)
    # A case where the rule bites: n=3, k=2, s=2, p=1: ceil gives 3 windows, the third would
    # start at cell 3 (past the input), so torch keeps 2.
    assert output_size(3, 2, 2, padding=1, ceil_mode=True) == 2
    y, _ = _check_against_torch((1, 3, 3), kernel_size=2, stride=2, padding=1, ceil_mode=True)
    assert y.shape == (1, 2, 2)


def test_ceil_mode_overhang_window_has_a_smaller_divisor():
    # 7x7, k=2, s=3, ceil_mode: windows start at 0, 3, 6; the last holds 1 cell per axis.
    divisors = avg_pool2d_divisors((7, 7), kernel_size=2, stride=3, ceil_mode=True)
    assert divisors.tolist() == [[4, 4, 2], [4, 4, 2], [2, 2, 1]]
    _check_against_torch((1, 7, 7), kernel_size=2, stride=3, ceil_mode=True)


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_padding_with_and_without_count_include_pad(count_include_pad):
    params = {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": count_include_pad}
    divisors = avg_pool2d_divisors((5, 5), **params)
    # The corner window holds 2x2 real cells and 5 padding cells.
    assert divisors[0, 0] == (9 if count_include_pad else 4)
    _, grad_input = _check_against_torch((1, 5, 5), grad_output=np.ones((1, 3, 3)), **params)
    assert grad_input[0, 0, 0] == pytest.approx(1 / 9 if count_include_pad else 1 / 4)


def test_divisor_override_one_is_sum_pooling():
    x = np.arange(16.0).reshape(1, 4, 4)
    y = avg_pool2d(x, 2, divisor_override=1)
    assert_array_equal(y, [[[0 + 1 + 4 + 5, 2 + 3 + 6 + 7], [8 + 9 + 12 + 13, 10 + 11 + 14 + 15]]])
    ones = np.ones((1, 2, 2))
    _, grad_input = _check_against_torch((1, 4, 4), grad_output=ones, kernel_size=2, divisor_override=1)
    assert_array_equal(grad_input, np.ones((1, 4, 4)))


def test_overlapping_windows_give_an_uneven_gradient():
    # k=3, s=1 on 5x5: the centre is in all 9 windows, a corner in 1.
    _, grad_input = _check_against_torch((1, 5, 5), grad_output=np.ones((1, 3, 3)), kernel_size=3, stride=1)
    assert grad_input[0, 2, 2] == pytest.approx(9 / 9)
    assert grad_input[0, 0, 0] == pytest.approx(1 / 9)
    assert_array_equal(coverage((5, 5), 3, 1)[0], [1, 2, 3, 2, 1])


def test_gaps_between_windows_get_zero_gradient():
    # k=2, s=3: every third row and column is skipped by all windows.
    _, grad_input = _check_against_torch((1, 8, 8), grad_output=np.ones((1, 3, 3)), kernel_size=2, stride=3)
    assert_array_equal(grad_input[0, 2], np.zeros(8))
    assert_array_equal(grad_input[0, :, 5], np.zeros(8))
    assert grad_input[0, 0, 0] == 0.25


def test_kernel_larger_than_input_is_allowed_by_ceil_mode_only():
    with pytest.raises(PoolingError, match="kernel 5 is larger than the padded input"):
        avg_pool2d(np.ones((4, 4)), 5, 2)
    # With ceil_mode torch rounds the one partial window up, and so do we.
    y, _ = _check_against_torch((1, 4, 4), kernel_size=5, stride=2, ceil_mode=True)
    assert y.shape == (1, 1, 1)


def test_non_finite_values_reach_only_their_windows():
    x = np.zeros((1, 6, 6))
    x[0, 0, 0], x[0, 5, 5], x[0, 3, 0] = np.nan, np.inf, -np.inf
    cases = (
        {"kernel_size": 2},
        {"kernel_size": 5, "stride": 1, "padding": 2},
        {"kernel_size": 3, "stride": 1},
    )
    for params in cases:
        y = avg_pool2d(x, **params)
        grad_output = np.ones(y.shape)
        grad_output[0, -1, 0] = np.inf
        torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, **params)
        assert_allclose(y, torch_y, **TOLERANCE, err_msg=str(params))
        assert_allclose(avg_pool2d_backward(grad_output, x.shape, **params), torch_grad_input, **TOLERANCE)


def test_two_dimensional_input_is_one_channel():
    x = np.random.default_rng(3).standard_normal((5, 6))
    assert_array_equal(avg_pool2d(x, 2), avg_pool2d(x[None], 2)[0])
    assert avg_pool2d_backward(np.ones((2, 3)), (5, 6), 2).shape == (5, 6)


def test_large_input_is_exact_to_float64_precision():
    """The prefix-sum path (large kernels) on a big, non-zero-mean input."""
    x = np.random.default_rng(5).standard_normal((1, 300, 257)) + 3.0
    _check_against_torch(x.shape, kernel_size=(15, 9), stride=(1, 2), padding=(7, 3), ceil_mode=True)


@pytest.mark.parametrize(
    ("shape", "params"),
    [
        ((1, 1, 256, 300), {"kernel_size": 3, "stride": 1, "padding": 1}),  # overlapping stripes
        ((2, 300, 301), {"kernel_size": 2}),  # stripes that tile
        ((1, 1, 520, 130), {"kernel_size": (5, 3), "stride": (3, 2), "padding": (2, 1), "ceil_mode": True}),
        ((1, 1, 600, 120), {"kernel_size": 9, "stride": 2, "padding": 4, "count_include_pad": False}),  # prefix sums
    ],
)
def test_large_inputs_in_stripes_match_torch(shape, params):
    """Inputs this large are summed in stripes of rows that stay in cache (window_sums.py)."""
    assert np.prod(shape) > window_sums.STRIPE_CELLS
    _check_against_torch(shape, **params)
    # A nan and an inf on a stripe's edge reach only the windows that contain them, as in torch.
    x = np.random.default_rng(3).standard_normal(shape)
    x[..., 63, 5], x[..., 64, 90] = np.nan, np.inf
    y = avg_pool2d(x, **params)
    grad_output = np.random.default_rng(4).standard_normal(y.shape)
    torch_y, _ = torch_avg_pool2d(x, grad_output, **params)
    assert_allclose(y, torch_y, **TOLERANCE)


def test_finite_differences_agree_with_torch():
    params = {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}
    x = np.random.default_rng(4).standard_normal((6, 5))
    grad_output = np.random.default_rng(5).standard_normal(avg_pool2d(x, **params).shape)
    numeric = finite_difference_grad(lambda v: avg_pool2d(v, **params), x, grad_output)
    _, torch_grad_input = torch_avg_pool2d(x, grad_output, **params)
    assert_allclose(numeric, torch_grad_input, atol=1e-8)


# ---------------------------------------------------------------------------------------
# Errors a learner reads: what is wrong, with the numbers, and the fix.


@pytest.mark.parametrize(
    ("shape", "params", "expected"),
    [
        ((4, 4), {"kernel_size": 3, "padding": 2}, "padding 2 (height) is more than half of kernel 3"),
        ((4, 4), {"kernel_size": 3, "padding": 2}, "use padding <= 1"),
        ((4, 4), {"kernel_size": 2, "stride": 0}, "stride 0 (height) must be at least 1"),
        ((4, 4), {"kernel_size": 0}, "kernel_size 0 (height) must be at least 1"),
        ((4, 4), {"kernel_size": 2, "padding": -1}, "padding -1 (height) is negative"),
        ((4, 4), {"kernel_size": 2, "divisor_override": 0}, "divisor_override 0 would divide by zero"),
        ((4, 3), {"kernel_size": (2, 4)}, "use kernel_size <= 3"),
        ((1, 2, 3, 4, 4), {"kernel_size": 2}, "got shape (1, 2, 3, 4, 4)"),
        ((0, 4, 4), {"kernel_size": 2}, "has an empty dimension"),
        ((4, 4), {"kernel_size": 2.5}, "kernel_size must be whole numbers, got 2.5"),
        ((4, 4), {"kernel_size": float("nan")}, "kernel_size must be whole numbers, got nan"),
        ((4, 4), {"kernel_size": (2, 2, 2)}, "one number or a pair"),
    ],
)
def test_errors_explain_what_is_wrong_and_the_fix(shape, params, expected):
    with pytest.raises(PoolingError) as error:
        avg_pool2d(np.zeros(shape), **params)
    assert expected in str(error.value)
    assert isinstance(error.value, ValueError)


def test_grad_output_of_the_wrong_shape_is_explained():
    expected = r"grad_output has shape \(3, 3\), but the pooling output has shape \(2, 2\)"
    with pytest.raises(PoolingError, match=expected):
        avg_pool2d_backward(np.ones((3, 3)), (4, 4), 2)


def test_pooling_matrix_refuses_huge_inputs():
    with pytest.raises(PoolingError, match="at most 32x32"):
        pooling_matrix((128, 128), 1)
