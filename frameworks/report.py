"""A verdict in words, in the app's languages: the rows of the page's table, and what a
click on a framework's cell says. No Streamlit."""

from __future__ import annotations

import numpy as np

from frameworks import Result, Verdict, onnx_runtime
from frameworks.compare import Difference
from i18n import text
from scenario.numbers import format_number

__all__ = ["cell_text", "framework_name", "pass_text", "verdict_row"]

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
    name = f"{framework_name(verdict.framework, language)}, {native.attempt.dtype or native.attempt.snippet.dtype}"
    return {
        text(language, "frameworks.col_framework"): name,
        "y": pass_text(native.forward, native, language),
        "∂L/∂x": pass_text(native.backward, native, language),
        text(language, "frameworks.col_known"): ", ".join(known.short for known in verdict.known) or "—",
        text(language, "frameworks.col_port"): port_words,
    }


def cell_text(
    grid: str, row: int, col: int, theirs: np.ndarray, exact: np.ndarray, language: str, divisor: float | None = None
) -> str:
    """A clicked cell: the framework's number beside torch's; for a cell of y that differs,
    ``divisor`` (torch's, for its window) also says what the framework divided the window's sum by.

    >>> cell_text("y", 0, 0, np.array([[1.5]]), np.array([[1.0]]), "en", divisor=9.0)[-57:]
    "It divided the window's sum, 9, by 6; torch divides by 9."
    """
    mine, torch = float(theirs[row, col]), float(exact[row, col])
    cell = f"{grid}[{row}, {col}]"
    words = text(language, "frameworks.cell", cell=cell, theirs=format_number(mine, 4), torch=format_number(torch, 4))
    if divisor is None or mine == 0 or np.isclose(mine, torch, rtol=1e-9, atol=0):
        return words
    total = torch * divisor  # the window's sum
    return words + text(
        language, "frameworks.cell_divisor", total=format_number(total, 4), theirs=format_number(total / mine, 4),
        torch=format_number(divisor, 4),
    )  # fmt: skip
