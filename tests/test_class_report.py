"""The end-of-class CSV's round trip: every question's link, opened as a tab opens it,
reproduces that question's setup (its page, every sidebar value, the typed grids to the
digit) and so the question's own value, checked against torch autograd."""

from __future__ import annotations

import csv
import io
import urllib.parse

import numpy as np
import pytest

from classroom.model import Lesson, Question, Setup
from classroom.setups import class_report, setup_values
from pooling.reference import torch_avg_pool2d
from scenario.typed_grid import encode_grid
from tests.conftest import grid_values, grids_on_page, open_app

X = [["1/3", "-2.5", "1000", "0"], ["7", "0.125", "-1/9", "2"], ["3", "4", "5", "6"], ["-8", "1/7", "9", "10"]]
GRAD = [["1", "-2", "1/3"], ["0.5", "4", "-6"], ["7", "1/9", "2"]]  # ∂L/∂y of a 2x2 kernel, stride 1 on 4x4

QUESTIONS = (
    # Typed x and a typed ∂L/∂y (a custom loss), asked about ∂L/∂x[1, 2].
    Question(
        1,
        Setup(
            "",
            {"input": "custom", "loss": "custom", "stride_h": 1},
            {"x": encode_grid(X), "grad": encode_grid(GRAD)},
        ),
        (1, 2),
        0.0,
    ),
    # A rectangular kernel with padding, ceil_mode and no padding counted; a cell of y.
    Question(
        2,
        Setup(
            "",
            {
                "square": False,
                "kernel_h": 3,
                "kernel_w": 2,
                "stride_h": 2,
                "stride_w": 1,
                "padding_h": 1,
                "ceil_mode": True,
                "count_include_pad": False,
                "height": 6,
                "width": 5,
                "input": "ramp",
            },
        ),
        (2, 1),
        0.0,
        kind="output",
    ),
    # Another page, a seeded random input and a mean loss.
    Question(
        3,
        Setup("step_by_step", {"kernel_h": 3, "stride_h": 1, "input": "random", "seed": 7, "loss": "mean"}),
        (0, 0),
        0.0,
    ),
)


def _number(text: str) -> float:
    top, _, bottom = text.partition("/")
    return float(top) / float(bottom or 1)


def _torch_value(question: Question, x: np.ndarray) -> float:
    """The question's value from torch autograd, on the x the opened page draws."""
    v = setup_values(question.setup)
    kernel = (v["kernel_h"], v["kernel_h"] if v["square"] else v["kernel_w"])
    stride = (v["stride_h"] or kernel[0], (v["stride_h"] if v["square"] else v["stride_w"]) or kernel[1])
    padding = (v["padding_h"], v["padding_h"] if v["square"] else v["padding_w"])
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=v["ceil_mode"])
    options |= dict(count_include_pad=v["count_include_pad"], divisor_override=v["divisor_override"])
    y, _ = torch_avg_pool2d(x, None, **options)
    grad = {"sum": np.ones_like(y), "mean": np.full_like(y, 1 / y.size)}.get(v["loss"])
    if v["loss"] == "custom":
        grad = np.array([[_number(text) for text in row] for row in GRAD])
    _, grad_input = torch_avg_pool2d(x, grad, **options)
    return float((y if question.kind == "output" else grad_input)[question.cell])


def test_every_questions_link_reproduces_its_setup_typed_values_included():
    lesson = Lesson("HQCMT", "digest", asked=QUESTIONS)
    check_links(class_report(lesson, {}, "2026-12-07"))


def check_links(report: str) -> None:
    """Every link of the CSV ``report`` of ``QUESTIONS`` opens its question's setup (also the
    kept report's round trip: tests/test_class_reports.py)."""
    rows = list(csv.DictReader(io.StringIO(report)))
    links = {int(row["question"]): row["link"] for row in rows}
    assert sorted(links) == [1, 2, 3]
    for question in QUESTIONS:
        link = urllib.parse.urlsplit(links[question.number])
        tab = open_app(
            dict(urllib.parse.parse_qsl(link.query)), page=f"pages/{link.path.strip('/') or 'playground'}.py"
        )
        name = f"question {question.number} ({link.geturl()})"
        assert tab.session_state["current_page"] == question.setup.page, name
        # Every value the question's setup names is on the sidebar; every other widget drawn
        # holds its default (a square kernel draws no kernel_w).
        wanted = setup_values(question.setup)
        shown = {key: tab.session_state[key] for key in wanted if key in tab.session_state}
        assert set(question.setup.controls) <= set(shown), name
        assert shown == {key: wanted[key] for key in shown}, name
        if question.setup.page == "":
            grids = {grid["key"]: grid_values(grid) for grid in grids_on_page(tab)}
            x = grids["x"]
            if "x" in question.setup.typed:
                assert np.array_equal(x, [[_number(text) for text in row] for row in X]), name
            drawn = grids["y" if question.kind == "output" else "grad_input"][question.cell]
            assert drawn == pytest.approx(_torch_value(question, x), abs=1e-12), name
