"""The classic example page, through AppTest: real script runs, numbers checked with torch."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from streamlit.testing.v1 import AppTest

from pooling.reference import torch_avg_pool2d
from tests.conftest import APP, grid_values, grids_on_page

ARTICLE = (Path(__file__).parent / "data" / "article_excerpt.txt").read_text(encoding="utf-8")


def _article_printouts() -> list[np.ndarray]:
    """The two x.grad tensors the article printed, read from its text (not from our page)."""
    blocks = re.findall(r"tensor\(\[\[\[\[(.*?)\]\]\]\]\)", ARTICLE, flags=re.S)
    return [np.array([float(n) for n in re.findall(r"-?\d+\.\d+", block)]).reshape(4, 4) for block in blocks]


@pytest.fixture
def at() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/classic.py").run()
    assert not at.exception
    return at


def _four_heatmaps(at: AppTest) -> list[np.ndarray]:
    return [grid_values(figure) for figure in grids_on_page(at)[:4]]


def test_classic_page_shows_the_four_tensors(at):
    assert at.title[0].value == "The classic example"
    x, y, grad_output, grad_input = _four_heatmaps(at)
    assert (x.shape, y.shape, grad_output.shape, grad_input.shape) == ((4, 4), (2, 2), (2, 2), (4, 4))
    # Checked against torch autograd on the input the page actually shows.
    torch_y, torch_grad_input = torch_avg_pool2d(x, np.ones((2, 2)), 2, 2)
    assert_allclose(y, torch_y, rtol=1e-12, atol=1e-12)
    assert_array_equal(grad_output, np.ones((2, 2)))
    assert_array_equal(grad_input, torch_grad_input)
    assert_array_equal(grad_input, _article_printouts()[1])  # the article's result: 0.25 everywhere
    assert "Matches torch" in at.success[0].value


def test_the_printed_torch_output_is_real(at):
    printed = at.code[1].value
    assert printed.startswith("tensor(")
    assert printed.count("0.2500") == 16
    assert "def classic_example" in at.code[0].value


def test_a_new_x_changes_x_but_not_the_gradient(at):
    x_before = _four_heatmaps(at)[0]
    at.button(key="classic_new_x").click().run()
    assert not at.exception
    x_after, _, _, grad_input = _four_heatmaps(at)
    assert not np.array_equal(x_before, x_after)
    _, torch_grad_input = torch_avg_pool2d(x_after, np.ones((2, 2)), 2, 2)
    assert_array_equal(grad_input, torch_grad_input)
    assert "random seed 1" in at.caption[1].value


def test_the_articles_first_printout_is_explained_by_a_non_uniform_upstream_gradient(at):
    upstream, article_grad = (grid_values(figure) for figure in grids_on_page(at)[4:6])
    _, torch_grad_input = torch_avg_pool2d(np.zeros((4, 4)), upstream, 2, 2)
    assert_array_equal(article_grad, torch_grad_input)
    # The numbers the article printed first, as its text has them.
    first_printout = _article_printouts()[0]
    assert first_printout[0].tolist() == [0.0625, 0.0625, -0.1875, -0.1875]  # the excerpt is read right
    assert_array_equal(article_grad, first_printout)
