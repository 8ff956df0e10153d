"""The loss L(y) the learner picks, which fixes the upstream gradient ∂L/∂y.

Backward through pooling only ever sees ∂L/∂y: the loss matters only through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from i18n import text

__all__ = ["LOSSES", "Loss", "LossChoice", "loss_for"]


@dataclass(frozen=True)
class Loss:
    """A loss: its value at y, its gradient ∂L/∂y, and its formula in LaTeX and in torch.
    ``torch_code`` works on y as a view computes it, (H, W) or (1, 1, H, W); a weighted
    loss's ``weights_code`` makes its weights ``w`` in torch ("" when they were typed)."""

    name: str
    value: float
    grad_output: np.ndarray
    latex: str
    torch_code: str
    weights_code: str = ""


LOSSES = ("sum", "mean", "square", "random", "cell", "custom")
# The random loss draws its weights from a stream of its own: the random input draws x from
# default_rng(seed) with the same seed, and ∂L/∂y would otherwise repeat x's first numbers.
RANDOM_LOSS_STREAM = 1


@dataclass(frozen=True)
class LossChoice:
    """The loss picked in the sidebar, to apply to any output: its name, the output cell of
    the ``cell`` loss and the seed of the ``random`` one (the typed weights of ``custom``
    are the sidebar's grid, given with y).

    >>> LossChoice("cell", cell=(1, 0)).loss(np.arange(4.0).reshape(2, 2)).grad_output.tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """

    name: str
    cell: tuple[int, int] = (0, 0)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.name not in LOSSES:
            raise ValueError(f"unknown loss {self.name!r}: use one of {', '.join(LOSSES)}")

    def loss(self, y: np.ndarray, weights: np.ndarray | None = None, language: str = "en") -> Loss:
        """This loss at output y (``weights``: the typed ∂L/∂y of ``custom``)."""
        return loss_for(self.name, y, self.seed, self.cell, weights, language)


def loss_for(
    name: str,
    y: np.ndarray,
    seed: int = 0,
    cell: tuple[int, int] = (0, 0),
    weights: np.ndarray | None = None,
    language: str = "en",
) -> Loss:
    """The loss ``name`` at output y (``language`` for the words in its formula).

    >>> loss_for("mean", np.ones((2, 2))).grad_output.tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    >>> loss_for("square", np.array([[3.0]])).value
    4.5
    """
    if name == "sum":  # each output counts once
        return Loss(
            name,
            float(y.sum()),
            np.ones_like(y),
            r"L = \sum_{i,j} y_{ij},\quad \frac{\partial L}{\partial y_{ij}} = 1",
            "loss = y.sum()",
        )
    if name == "mean":  # each output counts 1/n
        return Loss(
            name,
            float(y.mean()),
            np.full_like(y, 1.0 / y.size),
            rf"L = \frac{{1}}{{{y.size}}} \sum_{{i,j}} y_{{ij}},\quad "
            rf"\frac{{\partial L}}{{\partial y_{{ij}}}} = \frac{{1}}{{{y.size}}}",
            "loss = y.mean()",
        )
    if name == "square":  # d/dy of y^2 / 2 is y: now the gradient depends on x
        return Loss(
            name,
            float(0.5 * (y**2).sum()),
            y.copy(),
            r"L = \tfrac12 \sum_{i,j} y_{ij}^2,\quad \frac{\partial L}{\partial y_{ij}} = y_{ij}",
            "loss = 0.5 * (y ** 2).sum()",
        )
    if name == "cell":
        return _cell_loss(y, cell, language)
    if name in ("random", "custom"):
        return _weighted_loss(name, y, seed, weights, language)
    raise ValueError(f"unknown loss {name!r}: use one of {', '.join(LOSSES)}")


def _cell_loss(y: np.ndarray, cell: tuple[int, int], language: str) -> Loss:
    """L = y[row, col]: one output's gradient is 1, every other output's 0."""
    row, col = cell
    otherwise = text(language, "formula.otherwise")
    grad = np.zeros_like(y)
    grad[row, col] = 1.0
    return Loss(
        "cell",
        float(y[row, col]),
        grad,
        # Two lines: one is wider than the sidebar.
        rf"\begin{{aligned}}L &= y_{{{row},{col}}}\\ \frac{{\partial L}}{{\partial y_{{ij}}}} &= "
        rf"\begin{{cases}}1 & (i,j) = ({row},{col})\\ 0 & \text{{{otherwise}}}\end{{cases}}\end{{aligned}}",
        f"loss = y[..., {row}, {col}]",  # y as (H, W) or as torch's (1, 1, H, W)
    )


def _weighted_loss(name: str, y: np.ndarray, seed: int, weights: np.ndarray | None, language: str) -> Loss:
    """L = sum of w * y: the gradient is w, seeded (``random``) or typed (``custom``)."""
    if name == "random":  # seeded weights, two decimals to stay readable
        weights = np.random.default_rng((seed, RANDOM_LOSS_STREAM)).standard_normal(y.shape).round(2)
        source = text(language, "formula.w_random", seed=seed)
        rng = f"np.random.default_rng(({seed}, {RANDOM_LOSS_STREAM}))"
        weights_code = f"w = torch.tensor({rng}.standard_normal({y.shape}).round(2))"
    else:
        source, weights_code = text(language, "formula.w_typed"), ""
    weights = np.asarray(weights, dtype=np.float64)
    return Loss(
        name,
        float((weights * y).sum()),
        weights,
        rf"L = \sum_{{i,j}} w_{{ij}}\, y_{{ij}},\quad \frac{{\partial L}}{{\partial y_{{ij}}}} = w_{{ij}}"
        rf"\quad (w \text{{ {source}}})",
        "loss = (w * y).sum()",
        weights_code,
    )
