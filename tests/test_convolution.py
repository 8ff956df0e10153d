"""The convolution rule (scenario/convolution.py), without Streamlit, against torch: where it
says average pooling is conv2d and conv_transpose2d with one kernel, torch's convolutions give
torch's avg_pool2d exactly; where it says the equivalence breaks, they differ in exactly the
windows it names, for the reasons it gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pooling import PoolingError
from pooling.reference import conv_equivalent, torch_avg_pool2d
from scenario.convolution import conv_equivalence
from scenario.params import PoolParams

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


@st.composite
def configurations(draw) -> tuple[PoolParams, tuple[int, int]]:
    """A pooling torch accepts, and an input shape."""
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    params = PoolParams(
        kernel,
        draw(st.none() | st.tuples(st.integers(1, 4), st.integers(1, 4))),
        (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2))),
        ceil_mode=draw(st.booleans()),
        count_include_pad=draw(st.booleans()),
        divisor_override=draw(st.none() | st.integers(1, 9)),
    )
    return params, (draw(st.integers(1, 8)), draw(st.integers(1, 8)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configuration=configurations(), seed=st.integers(0, 2**32 - 1))
def test_the_rule_says_where_torch_convolutions_equal_its_pooling(configuration, seed):
    params, shape = configuration
    try:
        plan = params.plan(shape)
    except PoolingError:
        assume(False)
    rule = conv_equivalence(params, plan)
    # Positive numbers: every window's sum and every share is nonzero, so a divisor that is
    # not K's shows in y and in ∂L/∂x.
    rng = np.random.default_rng(seed)
    x, grad_output = rng.uniform(0.5, 2, shape), rng.uniform(0.5, 2, plan.output_shape)
    y, grad_input = torch_avg_pool2d(x, grad_output, **params.kwargs())
    y_conv, grad_conv = conv_equivalent(x, grad_output, rule.kernel_size, rule.stride, rule.padding, rule.divisor)
    if rule.holds:
        assert rule.reasons == () and rule.odd_windows == []
        assert_allclose(y_conv, y, **TOLERANCE)
        assert_allclose(grad_conv, grad_input, **TOLERANCE)
        return
    assert rule.reasons and params.divisor_override is None
    differ = ~np.isclose(y_conv, y, rtol=1e-12, atol=0)
    assert sorted(map(tuple, np.argwhere(differ).tolist())) == rule.odd_windows
    # ∂L/∂x differs in exactly the input cells that an odd window covers.
    covered = np.zeros(shape, dtype=bool)
    for window in plan.windows():
        if (window.out_row, window.out_col) in rule.odd_windows:
            covered[max(window.row_start, 0) : window.row_stop, max(window.col_start, 0) : window.col_stop] = True
    assert_allclose(grad_conv[~covered], grad_input[~covered], **TOLERANCE)
    assert not np.isclose(grad_conv[covered], grad_input[covered], rtol=1e-12, atol=0).any()


@pytest.mark.parametrize(
    ("params", "shape", "reasons", "odd"),
    [
        (PoolParams((2, 2)), (4, 4), (), 0),
        (PoolParams((3, 3), (2, 2), (1, 1)), (5, 5), (), 0),  # padding counted: still one divisor
        (PoolParams((3, 3), (2, 2), (1, 1), count_include_pad=False), (5, 5), ("padding",), 8),
        (PoolParams((2, 2), (3, 3), ceil_mode=True), (7, 7), ("ceil",), 5),
        (PoolParams((3, 3), (2, 2), (1, 1), True, False), (6, 6), ("padding", "ceil"), 12),
        (PoolParams((3, 3), (2, 2), (1, 1), True, False, divisor_override=2), (6, 6), (), 0),
    ],
)
def test_the_reasons_name_what_breaks_it(params, shape, reasons, odd):
    rule = conv_equivalence(params, params.plan(shape))
    assert (rule.reasons, len(rule.odd_windows)) == (reasons, odd)
    assert rule.divisor == (params.divisor_override or params.kernel_size[0] * params.kernel_size[1])
