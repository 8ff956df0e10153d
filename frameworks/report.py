"""A verdict in words, in the app's languages: the rows of the page's table, and what a
click on a framework's cell says. No Streamlit."""

from __future__ import annotations

import numpy as np

from frameworks import FRAMEWORKS, Result, Verdict
from frameworks.compare import Difference
from i18n import text
from scenario.numbers import format_number

__all__ = ["cell_text", "pass_text", "verdict_row"]


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
    name = f"{FRAMEWORKS[verdict.framework].name}, {native.attempt.snippet.dtype}"
    return {
        text(language, "frameworks.col_framework"): name,
        "y": pass_text(native.forward, native, language),
        "∂L/∂x": pass_text(native.backward, native, language),
        text(language, "frameworks.col_known"): ", ".join(known.issue for known in verdict.known) or "—",
        text(language, "frameworks.col_port"): port_words,
    }


def cell_text(grid: str, row: int, col: int, theirs: np.ndarray, exact: np.ndarray, language: str) -> str:
    """A clicked cell: the framework's number beside torch's."""
    return text(
        language,
        "frameworks.cell",
        cell=f"{grid}[{row}, {col}]",
        theirs=format_number(float(theirs[row, col]), 4),
        torch=format_number(float(exact[row, col]), 4),
    )
