"""Every number a view draws, computed once from the input, the pooling and the loss.

The sidebar, the presets and the quiz all go through ``compute_scenario``: one plan (the
configuration checked once by the core), the forward pass, the loss at y, the backward pass.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pooling import PoolPlan, Window, avg_backward, avg_forward
from scenario.losses import Loss, loss_for
from scenario.params import PoolParams

__all__ = ["Computed", "compute_scenario", "running_gradient"]


@dataclass(frozen=True)
class Computed:
    """x, the pooling, y = AvgPool2d(x), the loss at y (hence ∂L/∂y) and ∂L/∂x."""

    x: np.ndarray
    params: PoolParams
    plan: PoolPlan
    y: np.ndarray
    loss: Loss
    grad_input: np.ndarray

    @cached_property
    def windows(self) -> list[Window]:
        return self.plan.windows()

    @cached_property
    def key(self) -> str:
        """Every number of this view in one short text (a digest), for what is computed once
        per view and shared between sessions (a class's students see one view): the pooling,
        the loss, x, y, ∂L/∂y and ∂L/∂x, exactly. Far cheaper than Streamlit's hashing of the
        arrays on every run."""
        setup = repr((self.params, self.loss.name))  # not a number written for people: a digest's input
        digest = hashlib.blake2b(setup.encode(), digest_size=16)
        for array in (self.x, self.y, self.loss.grad_output, self.grad_input):
            digest.update(repr((array.shape, array.dtype.str)).encode())  # not a number written for people
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def window_of(self, row: int, col: int) -> Window:
        """The window that y[row, col] averages (``windows`` runs over y row by row)."""
        return self.windows[row * self.y.shape[1] + col]


def compute_scenario(
    x: np.ndarray,
    params: PoolParams,
    loss_name: str = "sum",
    seed: int = 0,
    cell: tuple[int, int] = (0, 0),
    weights: np.ndarray | None = None,
    language: str = "en",
    plan: PoolPlan | None = None,
) -> Computed:
    """Pool x, apply the loss, and run the backward pass. ``plan`` is ``params.plan(x.shape)``
    when the caller has made it already (to check the configuration before drawing).

    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.arange(16.0).reshape(4, 4), PoolParams((2, 2)))
    >>> computed.y.tolist(), computed.grad_input[0].tolist()
    ([[2.5, 4.5], [10.5, 12.5]], [0.25, 0.25, 0.25, 0.25])
    """
    plan = plan or params.plan(x.shape)
    y = avg_forward(x, plan)
    loss = loss_for(loss_name, y, seed, cell, weights, language)
    return Computed(x, params, plan, y, loss, avg_backward(loss.grad_output, plan))


def running_gradient(computed: Computed, step: int) -> np.ndarray:
    """∂L/∂x after the first ``step`` outputs (row-major) have sent back their shares: the
    backward pass of the upstream gradient with every later output masked to zero."""
    done = np.arange(computed.y.size).reshape(computed.y.shape) < step
    return avg_backward(np.where(done, computed.loss.grad_output, 0.0), computed.plan)
