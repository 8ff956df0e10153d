"""What every framework's module returns, and how its code is run.

Each framework is a small module with the same two functions (``frameworks.FRAMEWORKS``):
``native(params, shape)``, the framework's own call closest to the setup, and
``port(params, shape)``, the code in that framework that reproduces torch's numbers (None
when the native call already is torch's). Both return a ``Snippet``: Python source that
defines ``run(x, grad_y) -> (y, grad_x)`` on 2D float64 numpy arrays. The code shown on the
page is the code that runs (``run_snippet``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frameworks import workers
from pooling import AxisWindows, PoolPlan

__all__ = ["Attempt", "Snippet", "mask_code", "port_geometry", "run_snippet"]


@dataclass(frozen=True)
class Snippet:
    """Code that defines ``run(x, grad_y)``; what it can and cannot express.

    ``setting``: the framework's call, in one line. ``cannot``: None when the call is torch's
    setup exactly, else an i18n key (``frameworks.cannot.*``, filled in with ``setting``): why
    the framework cannot express this setup, shown beside the closest setting it has."""

    code: str
    setting: str
    dtype: str = "float64"
    backward: bool = True  # False: forward only (ONNX Runtime runs inference)
    cannot: str | None = None
    runtime: str = "torch"  # the worker process it runs in (frameworks.workers.RUNTIMES)


@dataclass(frozen=True)
class Attempt:
    """A snippet's numbers (None where it has none), or the error it raised."""

    snippet: Snippet
    y: np.ndarray | None = None
    grad_x: np.ndarray | None = None
    error: str | None = None
    dtype: str | None = None  # y's dtype as the framework returned it


def run_snippet(snippet: Snippet, x: np.ndarray, grad_y: np.ndarray) -> Attempt:
    """Run the snippet's ``run(x, grad_y)`` in its runtime's worker process
    (``frameworks.workers``); an error is the attempt's message, never raised."""
    try:
        outcome = workers.run(snippet.runtime, snippet.code, x, grad_y)
    except workers.WorkerStopped:
        return Attempt(snippet, error=f"the {snippet.runtime} worker process stopped during this run")
    if outcome.error is not None:
        return Attempt(snippet, error=outcome.error)
    return Attempt(snippet, outcome.y, outcome.grad_x, dtype=outcome.dtype)


def port_geometry(plan: PoolPlan) -> dict:
    """The numbers every port needs: pad ``before`` cells at the start and ``after`` at the
    end (the padding, plus the overhang of ceil_mode's last window), then pool without
    padding, and divide each window's sum by torch's divisor.

    >>> from pooling import pool_plan
    >>> port_geometry(pool_plan((6, 6), 3, 2, ceil_mode=True))["after"]
    (1, 1)
    """
    axes = (plan.rows, plan.cols)
    return {
        "shape": tuple(axis.size for axis in axes),
        "kernel": tuple(axis.kernel for axis in axes),
        "stride": tuple(axis.stride for axis in axes),
        "before": tuple(axis.padding for axis in axes),
        "after": tuple(axis.padding + _overhang(axis) for axis in axes),
        "overhang": tuple(_overhang(axis) for axis in axes),
    }


def mask_code(plan: PoolPlan, geometry: dict) -> str:
    """numpy code for MASK: the cells torch counts in a window's divisor (1) on the port's padded grid."""
    (height, width), (top, left), (bottom, right) = geometry["shape"], geometry["before"], geometry["after"]
    if plan.count_include_pad:  # x and its padding count; ceil_mode's overhang does not
        (over_h, over_w) = geometry["overhang"]
        return (
            f"MASK = np.pad(np.ones(({height + top + bottom - over_h}, {width + left + right - over_w})), "
            f"((0, {over_h}), (0, {over_w})))  # padding counts, the overhang does not"
        )
    pads = f"(({top}, {bottom}), ({left}, {right}))"
    return f"MASK = np.pad(np.ones(({height}, {width})), {pads})  # only x's cells count"


def _overhang(axis: AxisWindows) -> int:
    """How far ceil_mode's last window reaches past the padding (torch's windows stop there)."""
    return max(0, int(axis.start[-1]) + axis.kernel - axis.size - axis.padding)
