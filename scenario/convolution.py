"""When average pooling is a convolution: with one divisor for every window, y = conv2d(x, K)
with one kernel K filled with 1/divisor, and ∂L/∂x = conv_transpose2d(∂L/∂y, K).

Under the hood draws this beside the pooling and checks it live with torch
(``pooling.reference.conv_equivalent``); this module holds the rule: which divisor K has,
whether every window divides by it, and where and why the equivalence breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pooling import PoolPlan
from scenario.params import PoolParams

__all__ = ["ConvEquivalence", "conv_equivalence", "window_bounds"]


@dataclass(frozen=True)
class ConvEquivalence:
    """Average pooling as a convolution: its arguments (per axis, as (height, width)), K's one
    divisor, the pooling's own divisor of every window, and why they differ (``reasons``:
    "padding", "ceil", or "differ"; empty while the equivalence holds)."""

    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    divisor: int  # K = 1/divisor: divisor_override, else the kernel's cell count
    divisors: np.ndarray  # the pooling's divisor of each window, shape of y
    reasons: tuple[str, ...]

    @property
    def holds(self) -> bool:
        """Whether every window divides by K's divisor: then pooling is exactly the convolution."""
        return bool((self.divisors == self.divisor).all())

    @property
    def odd_windows(self) -> list[tuple[int, int]]:
        """The windows (by output cell) whose divisor is not K's: where y and ∂L/∂x differ."""
        return [(int(row), int(col)) for row, col in np.argwhere(self.divisors != self.divisor)]


def conv_equivalence(params: PoolParams, plan: PoolPlan) -> ConvEquivalence:
    """The convolution that average pooling with ``params`` is, and where it is not (``plan``:
    ``params``' checked plan for the input).

    >>> params = PoolParams((3, 3), (2, 2), (1, 1), count_include_pad=False)
    >>> equivalence = conv_equivalence(params, params.plan((5, 5)))
    >>> equivalence.divisor, equivalence.holds, equivalence.reasons, equivalence.odd_windows[:2]
    (9, False, ('padding',), [(0, 0), (0, 1)])
    >>> params = PoolParams((2, 2), ceil_mode=True)  # no partial window on a 4x4 input
    >>> conv_equivalence(params, params.plan((4, 4))).holds
    True
    """
    (kh, kw), stride, padding = params.kernel_size, params.effective_stride, params.padding
    divisor = params.divisor_override or kh * kw
    divisors = plan.divisors
    reasons: list[str] = []
    if not (divisors == divisor).all():
        # Only torch's own divisors differ: padding cells left uncounted, and ceil_mode's
        # partial windows at the end (divisor_override replaces both).
        if params.padding != (0, 0) and not params.count_include_pad and params.divisor_override is None:
            reasons.append("padding")
        if params.ceil_mode and params.divisor_override is None:
            reasons.append("ceil")
        reasons = reasons or ["differ"]
    return ConvEquivalence(params.kernel_size, stride, padding, divisor, divisors, tuple(reasons))


def window_bounds(stride: int, padding: int, kernel: int, index: str) -> tuple[str, str]:
    """First and last cell of window ``index`` along one axis, as LaTeX.

    >>> window_bounds(2, 1, 3, "i"), window_bounds(1, 0, 2, "j"), window_bounds(1, 1, 2, "j")
    (('2i-1', '2i+1'), ('j', 'j+1'), ('j-1', 'j'))
    """
    start = f"{stride if stride > 1 else ''}{index}"
    first = start + (f"-{padding}" if padding else "")
    offset = kernel - 1 - padding
    last = start + (f"+{offset}" if offset > 0 else f"-{-offset}" if offset < 0 else "")
    return first, last
