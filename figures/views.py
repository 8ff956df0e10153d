"""The grids of a whole view, described once: the Playground's four (x with its padding and
windows, y, ∂L/∂y, ∂L/∂x), drawn by the Playground, its HTML export and a class's projector."""

from __future__ import annotations

from figures.grids import GridDescription, grad_input_grid, gradient_grid, input_grid, value_grid
from i18n import text
from scenario.compute import Computed

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
    return {
        "x": input_grid(x, computed.windows, computed.params.padding, scale=values_scale, language=language),
        "y": value_grid(
            y,
            f"y = AvgPool2d(x) ({y.shape[0]}×{y.shape[1]})",
            "y",
            link="output",
            scale=values_scale,
            language=language,
        ),
        "grad_output": gradient_grid(
            loss.grad_output,
            f"∂L/∂y ({text(language, f'loss.short_{loss.name}')})",
            "∂L/∂y",
            link="output",
            language=language,
        ),
        "grad_input": grad_input_grid(computed.grad_input, language=language),
    }
