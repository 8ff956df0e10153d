"""The grids of a whole view, described once: the Playground's four (x with its padding and
windows, y, ∂L/∂y, ∂L/∂x), drawn by the Playground, its HTML export and a class's projector."""

from __future__ import annotations

from figures.grids import GridDescription, grad_input_grid, gradient_grid, input_grid, value_grid
from i18n import text
from scenario.compute import Computed
from scenario.numbers import shared_exponent

__all__ = ["playground_grids"]


def playground_grids(computed: Computed, language: str, image: bool = False) -> dict[str, GridDescription]:
    """x (with padding and windows), y, ∂L/∂y and ∂L/∂x; ``image``: x and y coloured as a picture.

    >>> import numpy as np
    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> grids = playground_grids(compute_scenario(np.zeros((4, 4)), PoolParams((2, 2))), "en")
    >>> list(grids), grids["y"]["title"]
    (['x', 'y', 'grad_output', 'grad_input'], 'y = AvgPool2d(x) (2×2)')
    """
    x, y, loss = computed.x, computed.y, computed.loss
    values_scale = "image" if image else "value"
    # x and its means, ∂L/∂y and its shares: each pair in one power of ten where both need one
    values, gradients = shared_exponent(x, y), shared_exponent(loss.grad_output, computed.grad_input)
    return {
        "x": input_grid(
            x, computed.windows, computed.params.padding, scale=values_scale, power=values, language=language
        ),
        "y": value_grid(
            y,
            text(language, "figure.output", rows=y.shape[0], cols=y.shape[1]),
            "y",
            link="output",
            scale=values_scale,
            power=values,
            language=language,
        ),
        "grad_output": gradient_grid(
            loss.grad_output,
            text(language, "figure.grad_output", loss=text(language, f"loss.short_{loss.name}")),
            "∂L/∂y",
            link="output",
            power=gradients,
            language=language,
        ),
        "grad_input": grad_input_grid(computed.grad_input, power=gradients, language=language),
    }
