"""One input and one loss through three poolings: average, max and adaptive average.

The Average vs max page draws these side by side; everything here is numpy (the page checks
each against torch).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pooling import PoolPlan, adaptive_plan, avg_backward, avg_forward, max_backward, max_forward
from scenario.compute import Computed
from scenario.losses import LossChoice

__all__ = ["Pooled", "pool_three_ways"]


@dataclass(frozen=True)
class Pooled:
    """One pooling of the shared input: its plan, output, upstream gradient and input gradient."""

    name: str  # "avg", "max" or "adaptive"
    plan: PoolPlan
    y: np.ndarray
    grad_output: np.ndarray
    grad_input: np.ndarray
    winners: list[tuple[int, int]]  # max pooling: the input cells that won a window
    custom_misfit: bool  # the typed ∂L/∂y does not fit this output, so ∂L/∂y = 1 was used

    @property
    def windows_overlap(self) -> bool:
        rows, cols = self.plan.rows, self.plan.cols
        return bool((rows.start[1:] < rows.stop[:-1]).any() or (cols.start[1:] < cols.stop[:-1]).any())

    @property
    def window_sizes(self) -> list[int]:
        """The distinct window lengths along either axis (adaptive windows vary)."""
        return sorted({int(n) for n in self.plan.rows.lengths(False)} | {int(n) for n in self.plan.cols.lengths(False)})


def _upstream(y: np.ndarray, loss_choice: LossChoice, weights: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """The scenario's loss applied to another pooling's output (the loss fixes ∂L/∂y); a cell
    loss keeps to the output, and typed weights that do not fit fall back to the sum."""
    row, col = loss_choice.cell
    cell = (min(row, y.shape[0] - 1), min(col, y.shape[1] - 1))
    misfit = loss_choice.name == "custom" and (weights is None or weights.shape != y.shape)
    choice = replace(loss_choice, name="sum" if misfit else loss_choice.name, cell=cell)
    return choice.loss(y, weights).grad_output, misfit


def pool_three_ways(
    computed: Computed, loss_choice: LossChoice, weights: np.ndarray | None, adaptive_size: tuple[int, int]
) -> list[Pooled]:
    """Average pooling (the scenario itself), max pooling with the same windows, and adaptive
    average pooling to ``adaptive_size``, each with the scenario's loss.

    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.arange(16.0).reshape(4, 4), PoolParams((2, 2)))
    >>> [pooled.grad_input[1, 1] for pooled in pool_three_ways(computed, LossChoice("sum"), None, (3, 3))]
    [np.float64(0.25), np.float64(1.0), np.float64(1.0)]
    """
    x = computed.x
    average = Pooled("avg", computed.plan, computed.y, computed.loss.grad_output, computed.grad_input, [], False)

    y_max, indices = max_forward(x, computed.plan)
    grad_max, misfit = _upstream(y_max, loss_choice, weights)
    winners = sorted({divmod(int(index), x.shape[1]) for index in indices.ravel()})
    maximum = Pooled("max", computed.plan, y_max, grad_max, max_backward(grad_max, x, computed.plan), winners, misfit)

    plan = adaptive_plan(x.shape, adaptive_size)
    y_adaptive = avg_forward(x, plan)
    grad_adaptive, misfit = _upstream(y_adaptive, loss_choice, weights)
    adaptive = Pooled("adaptive", plan, y_adaptive, grad_adaptive, avg_backward(grad_adaptive, plan), [], misfit)
    return [average, maximum, adaptive]
