"""Every grid explains its cells, on every page (AppTest: the selection a click, tap or Enter
makes is put where the component's callback puts it; tests/test_browser_clicks.py clicks for
real). The numbers in each explanation are checked against torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d, torch_max_pool2d
from scenario.numbers import equals_text, format_number
from tests.conftest import grid_components, grid_values, grids_on_page, open_app, select_cell, shown


def _click(at: AppTest, key: str, kind: str, row: int, col: int, grid: str) -> list[str]:
    select_cell(at, key, kind, row, col, grid)
    at.run()
    assert not at.exception, at.exception
    return [shown(item.value) for item in at.info]


def test_the_classic_example_explains_its_cells():
    at = open_app(page="pages/classic.py")
    x, _, grad_output, _ = (grid_values(grid) for grid in grids_on_page(at)[:4])
    truth = torch_avg_pool2d(x, grad_output, kernel_size=2, stride=2)[1]
    infos = _click(at, "classic_grids", "input", 1, 2, "grad_input")
    assert infos == [f"∂L/∂x[1, 2] = 1/4 {equals_text(truth[1, 2])} (its one share, from y[0, 1])."]
    infos = _click(at, "classic_grids", "output", 1, 1, "y")
    assert any(info.startswith("y[1, 1] = mean of x[2:4, 2:4]") for info in infos), infos


def test_the_articles_grids_explain_their_cells_too():
    at = open_app(page="pages/classic.py")
    article_upstream = grid_values(grids_on_page(at)[4])
    truth = torch_avg_pool2d(np.zeros((4, 4)), article_upstream, kernel_size=2, stride=2)[1]
    infos = _click(at, "classic_article", "input", 0, 3, "article_grad")
    share = format_number(article_upstream[0, 1])  # −0.75: the minus sign, as every number shown
    assert infos == [f"∂L/∂x[0, 3] = ({share})/4 {equals_text(truth[0, 3])} (its one share, from y[0, 1])."]


def test_step_by_step_explains_a_cell_and_how_much_has_arrived():
    query = {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "step": "4"}
    at = open_app(query, "pages/step_by_step.py")
    infos = _click(at, "step_grids", "input", 2, 2, "grad_input")
    # x[2, 2] is in all 9 windows of the 3x3 output; the first 4 (row by row) have sent theirs.
    explained = next(info for info in infos if info.startswith("∂L/∂x[2, 2]"))
    assert "= 1 (one share from each of" in explained
    assert explained.endswith("Shares arrived by step 4: 4 of 9, 4/9 so far.")


def test_step_by_step_writes_the_running_sum_as_its_grid_does():
    """x[0, 0] lies in y[0, 0]'s window only: by step 1 it holds 1/9, which the ∂L/∂x-so-far
    grid prints 0.1111 (its other cells are not short fractions), and the sentence ≈0.1111."""
    grad = "1,0.415,1;1,1,1;1,1,1"
    query = {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "loss": "custom", "grad": grad}
    at = open_app({**query, "step": "2"}, "pages/step_by_step.py")
    running = grids_on_page(at)[3]
    written = running["labels"][0]
    assert written == "0.1111", running["labels"]
    infos = _click(at, "step_grids", "input", 0, 0, "grad_input")
    explained = next(info for info in infos if info.startswith("∂L/∂x[0, 0]"))
    assert explained.endswith(f"Shares arrived by step 2: 1 of 1, ≈{written} so far."), explained


def test_average_vs_max_explains_each_pooling_by_its_own_rule():
    query = {"kernel_h": "2", "height": "4", "width": "4", "input": "random", "seed": "3"}
    at = open_app(query, "pages/average_vs_max.py")
    x = grid_values(grids_on_page(at)[0])
    ones = np.ones((2, 2))
    max_grad = torch_max_pool2d(x, ones, kernel_size=2, stride=2)[1]
    winner = tuple(int(n) for n in np.argwhere(max_grad == 1)[0])
    loser = tuple(int(n) for n in np.argwhere(max_grad == 0)[0])
    infos = _click(at, "versus_max", "input", *winner, "max_grad_input")
    won = f"∂L/∂x[{winner[0]}, {winner[1]}] = 1 (x[{winner[0]}, {winner[1]}] is the largest"
    assert any(won in info for info in infos), infos
    infos = _click(at, "versus_max", "input", *loser, "max_grad_input")
    assert f"x[{loser[0]}, {loser[1]}] is the largest of no window, so ∂L/∂x[{loser[0]}, {loser[1]}] = 0." in infos
    adaptive = torch_adaptive_avg_pool2d(x, np.ones((3, 3)), (3, 3))[1]
    infos = _click(at, "versus_adaptive", "input", 1, 1, "adaptive_grad_input")
    assert any(info.startswith(f"∂L/∂x[1, 1] = 1/4 + 1/4 + 1/4 + 1/4 {equals_text(adaptive[1, 1])}") for info in infos)


def test_the_quiz_explains_cells_without_giving_the_answer_away():
    at = open_app({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5"}, "pages/quiz.py")
    row, col = at.session_state["quiz"].cell
    infos = _click(at, "quiz_grids", "input", row, col, "x")
    assert infos == [f"x[{row}, {col}] {equals_text(grid_values(grids_on_page(at)[0])[row, col])}."]
    assert grid_components(at)[0]["axes"] is None  # no windows lit before the reveal
    infos = _click(at, "quiz_grids", "output", 0, 0, "y")
    assert all("share" not in info for info in infos), infos
    next(button for button in at.button if button.label == "Reveal").click().run()
    infos = _click(at, "quiz_grids", "input", row, col, "grad_input")
    assert any(info.startswith(f"∂L/∂x[{row}, {col}] = ") and "share" in info for info in infos), infos


@pytest.mark.parametrize(("key", "expected"), [("preset_overlap", "∂L/∂x[2, 2] = 1/9 + 1/9"), ("preset_gaps", "= 0")])
def test_a_presets_preview_explains_its_cells(key, expected):
    at = open_app(page="pages/presets.py")
    infos = _click(at, key, "input", 2, 2, "grad_input")
    assert any(expected in info for info in infos), infos


def test_a_grid_that_links_to_no_other_names_its_cell_and_value():
    at = open_app(
        {"numbers": "true", "kernel_h": "3", "stride_h": "1", "height": "5", "width": "5"}, "pages/playground.py"
    )
    # Coverage: how many windows hold each cell, as torch counts them (a sum pooling's ∂L/∂x of ones).
    coverage = torch_avg_pool2d(np.zeros((5, 5)), np.ones((3, 3)), 3, 1, divisor_override=1)[1]
    infos = _click(at, "playground_maps", "cell", 2, 1, "coverage")
    assert f"windows[2, 1] {equals_text(coverage[2, 1])}." in infos
    # and the 4 grids above keep their own selection (none): the hint stays
    assert any(info.startswith("Each output's gradient") for info in infos)
