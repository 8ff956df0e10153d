"""One-click scenarios, each a shareable link with a one-line lesson.

``settings`` are URL parameters (the sidebar's keys); the quiz also uses ``cell``, the input
cell whose gradient makes the point. Each lesson is checked against torch in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PRESETS", "Preset"]


@dataclass(frozen=True)
class Preset:
    """An instructive setup: its name, its lesson, the URL parameters that build it, and the
    input cell that shows the lesson best."""

    name: str
    title: str
    lesson: str
    settings: dict[str, str]
    cell: tuple[int, int]


PRESETS = (
    Preset(
        "classic",
        "The classic 4×4",
        "Kernel 2, stride 2, loss = y.sum(): every cell gets 1/4, whatever x is.",
        {"input": "classic"},
        (0, 0),
    ),
    Preset(
        "overlap",
        "Overlapping windows",
        "Kernel 3, stride 1: the centre sits in all 9 windows and collects 9 shares of 1/9; a corner gets one.",
        {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "input": "ones"},
        (2, 2),
    ),
    Preset(
        "gaps",
        "Gaps between windows",
        "Kernel 2, stride 3: no window covers the middle row and column, so no gradient reaches them.",
        {"kernel_h": "2", "stride_h": "3", "height": "5", "width": "5"},
        (2, 2),
    ),
    Preset(
        "padding",
        "Padding, count_include_pad off",
        "The corner window holds 4 real cells and divides by 4: the corner gets 1/4.",
        {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "count_include_pad": "false", "height": "5", "width": "5"},
        (0, 0),
    ),
    Preset(
        "padding counted",
        "Padding, count_include_pad on",
        "The corner window still divides by 9, padding included: the corner gets 1/9, the padding's shares vanish.",
        {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "height": "5", "width": "5"},
        (0, 0),
    ),
    Preset(
        "ceil_mode",
        "ceil_mode overhang",
        "ceil_mode adds a partial window at the edge; it holds one cell and divides by 1, so that cell gets 1.",
        {"kernel_h": "2", "ceil_mode": "true", "height": "5", "width": "5"},
        (4, 4),
    ),
    Preset(
        "sum pooling",
        "Sum pooling",
        "divisor_override=1 divides by 1: each window's cells get the whole gradient, 1 each.",
        {"divisor_override": "1", "height": "6", "width": "6"},
        (0, 0),
    ),
    Preset(
        "mean loss",
        "A mean loss",
        "loss = y.mean(): each output's gradient is 1/4 before it is split in 4, so every cell gets 1/16.",
        {"loss": "mean"},
        (1, 2),
    ),
    Preset(
        "image",
        "An image, pooled",
        "Kernel 4 shrinks a picture 4 times; with loss = y.sum() every pixel gets exactly 1/16.",
        {"input": "image", "kernel_h": "4"},
        (0, 0),
    ),
)
