"""Known divergences: each public issue that reports a framework's pooling differing from
torch, as a rule our core can compute (what that framework would give if the issue's
description holds). A difference found on the page names an issue only when the
framework's numbers equal its rule's numbers, cell for cell."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from frameworks.base import port_geometry
from frameworks.compare import compare
from pooling import PoolPlan, avg_backward, avg_forward

__all__ = ["KNOWN", "KnownDivergence", "known_divergences"]


def _with_divisors(plan: PoolPlan, divisors: np.ndarray, x: np.ndarray, grad_y: np.ndarray):
    """y and ∂L/∂x of ``plan``'s windows divided by ``divisors`` instead of torch's."""
    sums = dataclasses.replace(plan, divisor_override=1)
    return avg_forward(x, sums) / divisors, avg_backward(grad_y / divisors, sums)


def overhang_full_kernel(plan: PoolPlan, x: np.ndarray, grad_y: np.ndarray):
    """ceil_mode's overhanging windows divided by the full kernel (the others as torch)."""
    g = port_geometry(plan)
    if plan.divisor_override is not None or not any(g["overhang"]):
        return None
    rows = plan.rows.start + plan.rows.kernel > plan.rows.size + plan.rows.padding
    cols = plan.cols.start + plan.cols.kernel > plan.cols.size + plan.cols.padding
    divisors = np.where(rows[:, None] | cols[None, :], plan.rows.kernel * plan.cols.kernel, plan.divisors)
    return _with_divisors(plan, divisors, x, grad_y)


def every_window_full_kernel(plan: PoolPlan, x: np.ndarray, grad_y: np.ndarray):
    """Every window divided by the full kernel, padding and overhang included."""
    if plan.divisor_override is not None:
        return None
    divisors = np.full(plan.output_shape, float(plan.rows.kernel * plan.cols.kernel))
    return _with_divisors(plan, divisors, x, grad_y)


def count_include_pad_flipped(plan: PoolPlan, x: np.ndarray, grad_y: np.ndarray):
    """The other count_include_pad: padding cells counted where torch does not, or not where it does."""
    if plan.divisor_override is not None:
        return None
    flipped = dataclasses.replace(plan, count_include_pad=not plan.count_include_pad)
    return avg_forward(x, flipped), avg_backward(grad_y, flipped)


@dataclass(frozen=True)
class KnownDivergence:
    """A public issue, the frameworks it is about, the pass it affects, and its rule."""

    issue: str  # owner/repo#number
    frameworks: tuple[str, ...]
    passes: tuple[str, ...]  # "forward" (y), "backward" (∂L/∂x)
    rule: Callable[[PoolPlan, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray] | None]

    @property
    def short(self) -> str:
        """``repo#number``, as the table shows it: ``pytorch#198119``."""
        return self.issue.split("/")[1]

    @property
    def url(self) -> str:
        repo, number = self.issue.split("#")
        return f"https://github.com/{repo}/issues/{number}"


ONNX = ("onnx17", "onnx_newest")
KNOWN = (
    KnownDivergence("pytorch/pytorch#198119", ("compile",), ("backward",), overhang_full_kernel),
    KnownDivergence("microsoft/onnxruntime#16203", ONNX, ("forward",), overhang_full_kernel),
    KnownDivergence("pytorch/pytorch#13934", ONNX, ("forward",), count_include_pad_flipped),
    KnownDivergence("google/flax#2401", ("flax",), ("forward", "backward"), every_window_full_kernel),
    KnownDivergence("microsoft/MMdnn#628", ("tensorflow", "keras"), ("forward",), count_include_pad_flipped),
)


def known_divergences(
    framework: str, plan: PoolPlan, x: np.ndarray, grad_y: np.ndarray, found: dict[str, np.ndarray], dtype: str
) -> list[KnownDivergence]:
    """The known issues whose rule gives exactly the numbers ``found`` (by pass) where they
    differ from torch's; a rule that gives torch's own numbers here explains nothing."""
    matches = []
    exact = dict(zip(("forward", "backward"), (avg_forward(x, plan), avg_backward(grad_y, plan))))
    for known in KNOWN:
        if framework not in known.frameworks:
            continue
        predicted = known.rule(plan, x, grad_y)
        if predicted is None:
            continue
        predicted = dict(zip(("forward", "backward"), predicted))
        passes = [name for name in known.passes if found.get(name) is not None]
        differs = [name for name in passes if not compare(found[name], exact[name], dtype).agrees]
        if differs and all(compare(found[name], predicted[name], dtype).agrees for name in passes):
            matches.append(known)
    return matches
