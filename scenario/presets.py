"""One-click scenarios, each a shareable link with a one-line lesson.

``settings`` are URL parameters (the sidebar's keys); the quiz also uses ``cell``, the input
cell whose gradient makes the point. Each lesson is checked against torch in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from i18n import text
from scenario.compute import Computed, compute_scenario
from scenario.inputs import generated_input, sample_image
from scenario.params import DEFAULTS, params_from_settings, square_setting, widget_values

__all__ = ["PRESETS", "PRESETS_BY_KEY", "Preset"]


@dataclass(frozen=True)
class Preset:
    """An instructive setup: its name, the URL parameters that build it, and the input cell
    that shows its lesson best. Its title and lesson are in the catalogue (``preset.<name>``)."""

    name: str
    settings: dict[str, str]
    cell: tuple[int, int]

    def title(self, language: str = "en") -> str:
        return text(language, f"preset.{self.key}.title")

    def lesson(self, language: str = "en") -> str:
        """The one-line lesson.

        >>> PRESETS[0].lesson()
        'Kernel 2, stride 2, `loss = y.sum()`: every cell gets 1/4 = 0.25, whatever x is.'
        """
        return text(language, f"preset.{self.key}.lesson")

    @property
    def key(self) -> str:
        """The name as it goes in a URL: ``preset=padding_counted``."""
        return self.name.replace(" ", "_")

    def values(self) -> dict:
        """Every sidebar control's value in this preset: its settings, the defaults elsewhere
        ("same for height and width" as its link sets it: ``square_setting``).

        >>> PRESETS[1].values()["kernel_h"], PRESETS[1].values()["loss"]
        (3, 'sum')
        """
        settings = widget_values(self.settings)
        return {**DEFAULTS, **settings, "square": square_setting(settings)}

    def compute(self) -> Computed:
        """The numbers its link opens, computed by the core.

        >>> PRESETS[1].compute().grad_input[2, 2]
        np.float64(1.0)
        """
        settings = self.values()
        if settings["input"] == "image":
            x = sample_image()
        else:
            x = generated_input(settings["input"], settings["height"], settings["width"], settings["seed"])
        cell = (settings["loss_row"], settings["loss_col"])  # the output cell of the "cell" loss
        return compute_scenario(x, params_from_settings(settings), settings["loss"], settings["seed"], cell)


PRESETS = (
    Preset(
        "classic",
        {"input": "classic"},
        (0, 0),
    ),
    Preset(
        "overlap",
        {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "input": "ones"},
        (2, 2),
    ),
    Preset(
        "gaps",
        {"kernel_h": "2", "stride_h": "3", "height": "5", "width": "5"},
        (2, 2),
    ),
    Preset(
        "padding",
        {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "count_include_pad": "false", "height": "5", "width": "5"},
        (0, 0),
    ),
    Preset(
        "padding counted",
        {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "height": "5", "width": "5"},
        (0, 0),
    ),
    Preset(
        "ceil_mode",
        {"kernel_h": "2", "ceil_mode": "true", "height": "5", "width": "5"},
        (4, 4),
    ),
    Preset(
        "sum pooling",
        {"divisor_override": "1", "height": "6", "width": "6"},
        (0, 0),
    ),
    Preset(
        "mean loss",
        {"loss": "mean"},
        (1, 2),
    ),
    Preset(
        "image",
        {"input": "image", "kernel_h": "4"},
        (0, 0),
    ),
)
PRESETS_BY_KEY = {preset.key: preset for preset in PRESETS}
