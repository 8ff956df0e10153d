"""Average pooling, forward and backward, as torch computes it (numpy only).

Forward:  ``y[o, q] = (sum of x over window (o, q)) / divisor[o, q]``.
Backward: ``grad_input[r, c] = sum over windows (o, q) covering (r, c) of grad_output[o, q] / divisor[o, q]``
(each output's gradient is shared equally by the cells of its window; overlaps add up).

The windows and divisors come from a checked ``PoolPlan`` (``pooling.plan``); the window
sums and their adjoint from ``pooling.window_sums``. ``avg_pool2d`` and friends take torch's
arguments and make the plan; ``avg_forward``/``avg_backward`` take a plan made once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pooling.plan import PoolPlan, adaptive_plan, float_array, pool_plan
from pooling.window_sums import as_batch, box_spread, box_sums

__all__ = [
    "adaptive_avg_pool2d",
    "adaptive_avg_pool2d_backward",
    "avg_backward",
    "avg_forward",
    "avg_pool2d",
    "avg_pool2d_backward",
]


def avg_forward(x: np.ndarray, plan: PoolPlan) -> np.ndarray:
    """y: the sum of each window of x divided by its divisor (padding cells add 0 to a sum)."""
    means = box_sums(as_batch(plan.check_input(x)), plan.rows, plan.cols) / plan.divisor
    return means.reshape(plan.output_shape)


def avg_backward(grad_output: np.ndarray, plan: PoolPlan) -> np.ndarray:
    """∂L/∂x from ∂L/∂y: each output's gradient is shared equally (1/divisor each) by the
    cells of its window; a cell in several windows adds up its shares. Padding cells
    receive nothing."""
    shares = as_batch(plan.check_grad_output(grad_output)) / plan.divisor
    return box_spread(shares, plan.rows, plan.cols).reshape(plan.input_shape)


# ---------------------------------------------------------------------------------------
# In torch's vocabulary.


def avg_pool2d(
    x: np.ndarray,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """2D average pooling of ``x`` (H, W), (C, H, W) or (N, C, H, W), as ``F.avg_pool2d``.

    >>> avg_pool2d(np.arange(16.0).reshape(4, 4), kernel_size=2).tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    x = float_array(x, "x")
    plan = pool_plan(x.shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return avg_forward(x, plan)


def avg_pool2d_backward(
    grad_output: np.ndarray,
    input_shape: Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Gradient of the loss with respect to the input of ``avg_pool2d``, given ∂L/∂y.

    With ``loss = y.sum()`` (∂L/∂y all ones), kernel 2 and stride 2, every cell gets 1/4:

    >>> avg_pool2d_backward(np.ones((2, 2)), (4, 4), kernel_size=2)[0].tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    plan = pool_plan(input_shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return avg_backward(grad_output, plan)


def adaptive_avg_pool2d(x: np.ndarray, output_size: int | Sequence[int | None]) -> np.ndarray:
    """Adaptive average pooling to ``output_size``, as ``F.adaptive_avg_pool2d``.

    >>> adaptive_avg_pool2d(np.arange(5.0).reshape(1, 5), (1, 3)).tolist()
    [[0.5, 2.0, 3.5]]
    """
    x = float_array(x, "x")
    return avg_forward(x, adaptive_plan(x.shape, output_size))


def adaptive_avg_pool2d_backward(
    grad_output: np.ndarray, input_shape: Sequence[int], output_size: int | Sequence[int | None]
) -> np.ndarray:
    """Gradient with respect to the input of ``adaptive_avg_pool2d``, given ∂L/∂y.

    Windows of 2, 3 and 2 cells that overlap: shared cells collect 1/2 + 1/3.

    >>> adaptive_avg_pool2d_backward(np.ones((1, 3)), (1, 5), (1, 3)).round(3).tolist()
    [[0.5, 0.833, 0.333, 0.833, 0.5]]
    """
    return avg_backward(grad_output, adaptive_plan(input_shape, output_size))
