"""The "matches torch" badge every page shows under its numbers, and the one torch check
behind it: torch's autograd on the same numbers, in float64, within one tolerance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from pooling import avg_forward
from pooling.reference import finite_difference_grad, torch_avg_pool2d
from scenario.compute import Computed
from scenario.params import PoolParams
from ui.lang import tr
from ui.shared import Shared

__all__ = [
    "FINITE_DIFFERENCE_TOLERANCE",
    "TORCH_TOLERANCE",
    "largest_difference",
    "torch_avg_pool",
    "torch_badge",
    "view_agreement",
]

# float64 throughout: our sums and torch's may add the same numbers in another order, which
# changes the last bits only, relative to the size of the numbers (values up to 1e100 are
# allowed: their sums differ by ~1e84 in absolute terms). Anything larger is a bug.
TORCH_TOLERANCE = 1e-10
FINITE_DIFFERENCE_MAX_CELLS = 16 * 16
FINITE_DIFFERENCE_MAX_VALUE = 1e6  # the step (1e-6) must still change x
FINITE_DIFFERENCE_TOLERANCE = 1e-6  # step 1e-6: rounding errors of ~1e-10 / 1e-6 at most


@st.cache_data(max_entries=64, show_spinner=False)
def torch_avg_pool(x: np.ndarray, grad_output: np.ndarray, params: PoolParams) -> tuple[np.ndarray, np.ndarray]:
    """torch's y and x.grad for this view. Cached: a click or a language switch reruns the
    page with the same numbers."""
    return torch_avg_pool2d(x, grad_output, **params.kwargs())


def view_agreement(computed: Computed) -> tuple[float, float | None]:
    """(the largest difference from torch autograd's y and ∂L/∂x, ``largest_difference``; the
    largest from central finite differences of our forward pass, or None on inputs too large
    for them: one forward pass per cell and direction). Computed once per view for every
    session (a class's students rerun one view), by ``computed.key``: its every number."""
    return _AGREEMENTS.get(computed.key, lambda: _view_agreement(computed))


_AGREEMENTS: Shared[tuple[float, float | None]] = Shared(entries=64)


def _view_agreement(computed: Computed) -> tuple[float, float | None]:
    x, grad_output, grad_input = computed.x, computed.loss.grad_output, computed.grad_input
    difference = largest_difference(
        (computed.y, grad_input), torch_avg_pool2d(x, grad_output, **computed.params.kwargs())
    )
    if x.size > FINITE_DIFFERENCE_MAX_CELLS or np.abs(x).max() > FINITE_DIFFERENCE_MAX_VALUE:
        return difference, None  # too many cells, or values so large that the step vanishes in them
    numeric = finite_difference_grad(lambda v: avg_forward(v, computed.plan), x, grad_output)
    return difference, float(np.abs(numeric - grad_input).max())


def largest_difference(ours: Sequence[np.ndarray], theirs: Sequence[np.ndarray]) -> float:
    """The largest difference between matching arrays, relative to the size of torch's
    numbers when they are over 1 (0 for empty arrays; equal values, infinities included, differ
    by 0).

    >>> largest_difference([np.array([1e99, 2.0])], [np.array([1e99 + 1e84, 2.0])]) < 1e-14
    True
    >>> largest_difference([np.array([np.inf, 0.5])], [np.array([np.inf, 0.25])])
    0.25
    """
    return max(_relative_gap(np.asarray(a), np.asarray(b)) for a, b in zip(ours, theirs))


def _relative_gap(ours: np.ndarray, theirs: np.ndarray) -> float:
    if not ours.size:
        return 0.0
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    gap = np.where(same, 0.0, np.abs(ours - theirs))
    finite = np.abs(theirs[np.isfinite(theirs)])
    return float(gap.max() / max(1.0, finite.max() if finite.size else 1.0))


def torch_badge(difference: float, details: str, also_agrees: bool = True) -> None:
    """Green when our numbers are within ``TORCH_TOLERANCE`` of torch's (and ``also_agrees``,
    another check on the same numbers); red and loud when not: that is a bug."""
    if difference <= TORCH_TOLERANCE and also_agrees:
        st.success(tr("badge.match", details=details), icon=":material/verified:")
    else:
        st.error(tr("badge.mismatch", details=details), icon=":material/report:")
