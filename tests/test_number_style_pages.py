"""Every number a page shows writes a negative and a negative exponent with the minus sign
− (U+2212), as its sentences do (docs/numbers.md): the pages through AppTest with negative
numbers on them, every text and every grid's printed numbers read; the data they hand on
(links, the editor's cells) keeps ASCII."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from scenario.typed_grid import decode_grid
from tests.conftest import alerts, grid_values, grids_on_page, open_app, select_cell
from tests.test_number_style import ascii_minus_signs

ISSUE_MAX = {"kernel_h": "3", "stride_h": "1", "padding_h": "1", "height": "3", "width": "3", "input": "custom"}
# (page, link, cells clicked: (component key, kind, row, col, grid))
PAGES = [
    ("pages/playground.py", {"input": "random", "loss": "square"}, [("playground_grids", "input", 2, 2, "grad_input")]),
    ("pages/playground.py", {"input": "custom", "x": "-1/3,2;1.5e-5,-4", "height": "2", "width": "2"}, []),
    ("pages/network.py", {"digit": "0"}, [("network_pool2", "input", 1, 1, "grad_input")]),
    ("pages/average_vs_max.py", {**ISSUE_MAX, "x": "-1,-2,-3;-4,-5,-6;-7,-8,-9"}, []),
    ("pages/step_by_step.py", {"input": "random", "loss": "square"}, []),
    ("pages/under_the_hood.py", {"input": "random", "loss": "square"}, []),
    ("pages/classic.py", {}, [("classic_article", "input", 0, 3, "article_grad")]),
    ("pages/quiz.py", {"input": "random", "loss": "square"}, []),
]
IDS = ["playground", "typed", "network", "versus", "step", "hood", "classic", "quiz"]
# Folded expanders opened, so that what they hold is read too ("The numbers as tables", the
# numbers behind the picture, Grad-CAM's log-probability variant).
FOLDED = ["numbers", "network_gradcam_logp"] + [
    f"{key}_tables" for key in ("playground_grids", "network_pool2", "versus_x", "step_grids", "classic_grids")
]


def shown_texts(at) -> list[str]:
    """Every text a reader sees on the page, code and link addresses left out (they are code
    and data), and every grid's printed numbers, titles and description."""
    elements = [*at.markdown, *at.caption, *at.text, *at.title, *at.header, *at.subheader]
    texts = [item.value for item in elements] + alerts(at)
    texts = [re.sub(r"\]\([^)]*\)|`[^`]*`", "", text) for text in texts]  # link targets, code spans
    tables = [frame for frame in at.dataframe if frame.proto.editing_mode == 0]  # not the editor's cells
    texts += [str(cell) for frame in tables for cell in frame.value.to_numpy().ravel()]
    for grid in grids_on_page(at):
        texts += [grid["title"], grid["description"], *grid["ticks"], *(grid["labels"] or [])]
    return texts


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("page", "link", "clicks"), PAGES, ids=IDS)
def test_every_page_shows_its_negative_numbers_with_the_minus_sign(page, link, clicks, language):
    at = open_app({**link, "lang": language}, page)
    for key in FOLDED:
        at.session_state[key] = True
    at.run()
    for key, kind, row, col, grid in clicks:
        select_cell(at, key, kind, row, col, grid)
        at.run()
        assert not at.exception, at.exception
    assert any((grid_values(grid) < 0).any() for grid in grids_on_page(at)), "a page with negative numbers"
    texts = shown_texts(at)
    assert ascii_minus_signs(texts) == []
    assert any("\u2212" in text for text in texts)
    if page in ("pages/playground.py", "pages/step_by_step.py", "pages/classic.py"):
        assert any(frame.proto.editing_mode == 0 for frame in at.dataframe), "the tables were read"


def test_a_typed_shown_number_reads_back_and_the_link_keeps_ascii():
    """−0.01444 and 1.5e−5 as the app shows them, typed (pasted) into the editor: the grid
    holds those numbers, and the link writes them the reader's ASCII way."""
    at = open_app({"input": "custom"})
    at.session_state["typed_x_4x4_0"] = {
        "edited_rows": {0: {"0": "\u22120.01444", "1": "1.5e\u22125"}, 1: {"0": "\u22121/3"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception
    x = grid_values(next(grid for grid in grids_on_page(at) if grid["name"] == "x"))
    assert x[0, 0] == -0.01444 and x[0, 1] == 1.5e-5 and x[1, 0] == -1 / 3
    assert at.query_params["x"].startswith("-0.01444,1.5e-5,2,3;-1/3,")
    assert "\u2212" not in at.query_params["x"]


def test_the_networks_playground_link_keeps_ascii():
    at = open_app({"digit": "0"}, "pages/network.py")
    link = next(button.proto.url for button in at.get("link_button"))
    grad = parse_qs(urlsplit(link).query)["grad"][0]
    assert "\u2212" not in link and "-" in grad
    assert np.isfinite([[float(cell) for cell in row] for row in decode_grid(grad, "grad")]).all()
