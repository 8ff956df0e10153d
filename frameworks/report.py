"""A verdict in words, in the app's languages: the rows of the page's table, and what a
click on a framework's cell says. No Streamlit."""

from __future__ import annotations

import numpy as np

from frameworks import Result, Verdict, onnx_runtime
from frameworks.compare import Difference
from frameworks.explain import CellReason, WindowReading
from frameworks.jobs import Job
from i18n import text
from scenario.numbers import exact_text, format_number

__all__ = [
    "cell_text",
    "framework_name",
    "pass_text",
    "progress_text",
    "reason_text",
    "run_text",
    "tidy",
    "verdict_row",
]

NAME_KEYS = {
    "torch": "frameworks.name.torch",
    "compile": "frameworks.name.compile",
    "onnx17": "frameworks.name.onnx17",
    "onnx_newest": "frameworks.name.onnx_newest",
    "flax": "frameworks.name.flax",
    "keras": "frameworks.name.keras",
    "tensorflow": "frameworks.name.tensorflow",
}


def framework_name(key: str, language: str) -> str:
    """A framework's name as the page shows it.

    >>> framework_name("keras", "en")
    'Keras 3 (on JAX)'
    """
    opset = onnx_runtime.newest_opset() if key == "onnx_newest" else None
    return text(language, NAME_KEYS[key], opset=opset)


def progress_text(
    name: str, job: Job, now: float, estimate: float | None, language: str, busy_with: str | None = None
) -> str:
    """Where a framework's run on the setup is, at ``now``: waiting (for the framework named
    ``busy_with``, when known), running (for how long, of about how long; an estimate the run
    has outlived is dropped), or done (in how long); a time that includes starting the worker
    says so.

    >>> from frameworks.jobs import Job
    >>> progress_text("torch.compile", Job("compile", cold=True, submitted=0.0, started=1.0), 7.4, 20.0, "en")
    'torch.compile: running for 6 s, of about 20 s (its worker starts first)'
    """
    if job.started is None:
        if busy_with is not None:
            return text(language, "frameworks.progress_waiting_for", name=name, other=busy_with)
        return text(language, "frameworks.progress_waiting", name=name)
    seconds = job.elapsed(now)
    if job.done or job.finished is not None:
        key = "frameworks.progress_done_cold" if job.cold else "frameworks.progress_done"
        return text(language, key, name=name, seconds=f"{seconds:.1f}")
    cold = text(language, "frameworks.progress_cold") if job.cold else ""
    if estimate is None:
        return text(language, "frameworks.progress_running", name=name, seconds=f"{seconds:.0f}", cold=cold)
    if estimate < seconds or round(estimate) < round(seconds):  # outlived: no total lower than the time spent
        return text(language, "frameworks.progress_longer", name=name, seconds=f"{seconds:.0f}", cold=cold)
    numbers = {"seconds": f"{seconds:.0f}", "estimate": f"{estimate:.0f}"}
    return text(language, "frameworks.progress_estimate", name=name, cold=cold, **numbers)


def run_text(name: str, job: Job, language: str) -> str | None:
    """How long a framework's run on the setup took, and when its column was ready, counted
    from the setup's first asking (waiting for its worker included), on the server's clock:
    the job's own timestamps, whichever tab looks. None for a run not finished.

    >>> from frameworks.jobs import Job
    >>> run_text("torch", Job("torch", cold=True, submitted=2.0, started=3.5, finished=9.25), "en")
    "torch: its run took 5.8 s, its worker's start included; ready 7.2 s after this setup was first asked for"
    """
    if job.started is None or job.finished is None:
        return None
    cold = text(language, "frameworks.run_cold") if job.cold else ""
    seconds, after = f"{job.finished - job.started:.1f}", f"{job.finished - job.submitted:.1f}"
    return text(language, "frameworks.run_done", name=name, seconds=seconds, after=after, cold=cold)


def pass_text(difference: Difference | None, result: Result, language: str) -> str:
    """One pass (y or ∂L/∂x) against the core, in a few words."""
    if result.attempt.error is not None:
        return text(language, "frameworks.failed")
    if difference is None:
        key = "frameworks.no_backward" if not result.attempt.snippet.backward else "frameworks.no_grad_for_shape"
        return text(language, key)
    if difference.shape is not None:
        return text(language, "frameworks.other_shape", shape="×".join(map(str, difference.shape[-2:])))
    if difference.agrees:
        return text(language, "frameworks.agrees")
    return text(
        language, "frameworks.differs", count=len(difference.cells), largest=format_number(difference.largest, 2)
    )


def verdict_row(verdict: Verdict, language: str) -> dict[str, str]:
    """The table's row for one framework."""
    native = verdict.native
    port = verdict.port
    port_key = None if port is None else "frameworks.port_agrees" if port.agrees else "frameworks.port_differs"
    port_words = "—" if port_key is None else text(language, port_key)
    comma = "，" if language == "zh" else ", "
    name = framework_name(verdict.framework, language) + comma + (native.attempt.dtype or native.attempt.snippet.dtype)
    return {
        text(language, "frameworks.col_framework"): name,
        "y": pass_text(native.forward, native, language),
        "∂L/∂x": pass_text(native.backward, native, language),
        text(language, "frameworks.col_known"): ", ".join(known.short for known in verdict.known) or "—",
        text(language, "frameworks.col_port"): port_words,
    }


def cell_text(grid: str, row: int, col: int, theirs: np.ndarray, exact: np.ndarray, language: str) -> str:
    """A clicked cell: the framework's number beside torch's, written as the grids write them.

    >>> cell_text("∂L/∂x", 4, 4, np.array([[0.0] * 5] * 4 + [[0, 0, 0, 0, 4 / 9]]), np.full((5, 5), 25 / 36), "en")
    '∂L/∂x[4, 4]: this framework gives 4/9, torch (and the exact core) 25/36.'
    """
    mine, torch = float(theirs[row, col]), float(exact[row, col])
    cell = f"{grid}[{row}, {col}]"
    return text(language, "frameworks.cell", cell=cell, theirs=exact_text(mine), torch=exact_text(torch))


KIND_KEYS = {"overhang": "frameworks.kind_overhang", "padding": "frameworks.kind_padding"}
MAX_LISTED = 9  # windows named for one cell of ∂L/∂x (a 3×3 kernel, stride 1); the rest are counted


def tidy(words: str, language: str) -> str:
    """Chinese words with no space after a full-width bracket (a name such as "torch.compile（Inductor 编译）")."""
    return words.replace("） ", "）") if language == "zh" else words


def reason_text(name: str, grid: str, row: int, col: int, reason: CellReason, language: str) -> str:
    """Why a cell differs, in the Playground's words: which windows the framework divided by
    what, and what torch divides by (``frameworks.explain``).

    >>> theirs, torch = WindowReading((2, 2), (4, 6, 4, 6), 9.0), WindowReading((2, 2), (4, 6, 4, 6), 4.0)
    >>> reason_text("torch.compile", "y", 2, 2, CellReason(((theirs, torch),), ("overhang",)), "en")
    ' torch.compile divided the overhanging window y[2, 2] (the sum of x[4:6, 4:6]) by 9; torch divides it by 4.'
    """
    if grid == "y":
        (theirs, torch), kind = reason.pairs[0], reason.kinds[0]
        return tidy(_share_words(name, theirs, torch, kind, True, language), language)
    listed = [(theirs.window, _share_words(name, theirs, torch, kind, False, language))
              for (theirs, torch), kind in zip(reason.pairs, reason.kinds)]  # fmt: skip
    listed += [(same.window, _share_words(name, same, same, "", False, language)) for same in reason.same]
    words = [part for _, part in sorted(listed)]  # reading order: row, then column
    if len(words) > MAX_LISTED:
        words = [*words[:MAX_LISTED], text(language, "frameworks.why_more", count=len(words) - MAX_LISTED)]
    separator = "；" if language == "zh" else "; "
    words = text(language, "frameworks.why_shares", name=name, row=row, col=col, parts=separator.join(words))
    return tidy(words, language)


def _share_words(name: str, theirs: WindowReading, torch: WindowReading, kind: str, whole: bool, language: str) -> str:
    """One window's part: its divisor in the framework and in torch, or the cells each reads."""
    window = f"y[{theirs.window[0]}, {theirs.window[1]}]"
    numbers = {
        "name": name, "window": window, "theirs": format_number(theirs.divisor or 0, 4),
        "torch": format_number(torch.divisor or 0, 4), "theirs_cells": _cells(theirs.box),
        "torch_cells": _cells(torch.box), "cells": _cells(torch.box),
        "kind": text(language, KIND_KEYS[kind]) if kind else "",
    }  # fmt: skip
    if whole:
        key = "frameworks.why_divided" if theirs.box == torch.box else "frameworks.why_other_box"
    elif theirs.divisor is None:
        key = "frameworks.share_only_torch"
    elif torch.divisor is None:
        key = "frameworks.share_only_theirs"
    else:
        key = "frameworks.share_divided" if theirs.box == torch.box else "frameworks.share_other_box"
    return text(language, key, **numbers)


def _cells(box: tuple[int, int, int, int] | None) -> str:
    """A box of x as a slice: ``x[0:2, 4:6]``."""
    return "x" if box is None else f"x[{box[0]}:{box[1]}, {box[2]}:{box[3]}]"
