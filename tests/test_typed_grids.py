"""Typed grids (the custom x and ∂L/∂y): kept across pages and sizes, carried by a link
exactly, and safe against edits that no browser sends (scenario/typed_grid.py). An uploaded
CSV's grid travels in the link the same way."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooling.reference import torch_avg_pool2d
from scenario.inputs import InputError, parse_csv
from scenario.typed_grid import LINK_MAX_CHARS, TYPED_MAX, LinkedGrid, check_edits, decode_grid, encode_grid
from tests.conftest import alerts, grid_values, grids_on_page, open_app, select_cell, shown

PAGES = ["pages/playground.py", "pages/step_by_step.py", "pages/under_the_hood.py", "pages/average_vs_max.py"]


def _edit(at, key: str, edits: dict, added: list | None = None) -> None:
    at.session_state[key] = {"edited_rows": edits, "added_rows": added or [], "deleted_rows": []}
    at.run()
    assert not at.exception, at.exception


def _x(at) -> np.ndarray:
    return grid_values(next(grid for grid in grids_on_page(at) if grid["name"] == "x"))


# ---------------------------------------------------------------------------------------
# The encoding.

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100, max_value=1e100)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, TYPED_MAX), st.integers(1, TYPED_MAX), st.data())
def test_every_grid_round_trips_exactly_through_a_link(rows, cols, data):
    values = np.array(data.draw(st.lists(finite, min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
    texts = [[repr(float(value)) for value in row] for row in values]
    encoded = encode_grid(texts)
    assert encoded is not None and len(encoded) <= LINK_MAX_CHARS
    assert "+" not in encoded and " " not in encoded  # a + in a URL reads as a space
    decoded = np.array([[float(eval_free(cell)) for cell in row] for row in decode_grid(encoded, "x")])
    np.testing.assert_array_equal(decoded, values)


def eval_free(cell: str) -> float:
    from scenario.numbers import parse_number

    return parse_number(cell)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, TYPED_MAX), st.integers(1, TYPED_MAX), st.data())
def test_a_csv_grid_round_trips_exactly_through_a_link_or_is_said_too_large(rows, cols, data):
    values = np.array(data.draw(st.lists(finite, min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
    csv = "\n".join(",".join(repr(float(value)) for value in row) for row in values).encode()
    grid = LinkedGrid.of(parse_csv(csv))
    if grid.link is None:  # over the link's 32,000 characters even compressed: left out, never cut
        assert rows * cols > 1000  # a thousand numbers of any length fit
        return
    back = LinkedGrid.from_texts(decode_grid(grid.link, "x"), grid.link)
    np.testing.assert_array_equal(back.values, values)
    assert np.signbit(back.values).tolist() == np.signbit(values).tolist()  # -0.0 stays -0.0


def test_fractions_stay_fractions_and_long_grids_are_compressed():
    assert decode_grid(encode_grid([["1/9", "+1e+3"], ["−2", "0.5"]]), "x") == [["1/9", "1e3"], ["-2", "0.5"]]
    big = [["1/3"] * TYPED_MAX for _ in range(TYPED_MAX)]
    encoded = encode_grid(big)
    assert encoded.startswith("z") and len(encoded) < 200
    assert decode_grid(encoded, "x") == big


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("1,2;3", "link_grid_ragged"),
        ("1,abc", "number_text"),
        (";".join(["1"] * (TYPED_MAX + 1)), "link_grid_large"),
        ("z!!!!", "link_grid_broken"),
        ("z" + "A" * (LINK_MAX_CHARS + 1), "link_grid_long"),
    ],
)
def test_a_bad_link_grid_says_what_is_wrong(link, key):
    with pytest.raises(InputError) as error:
        decode_grid(link, "x")
    assert error.value.key == key


def test_a_compressed_bomb_is_not_inflated():
    import base64
    import zlib

    bomb = "z" + base64.urlsafe_b64encode(zlib.compress(b"1," * 5_000_000, 9)).decode().rstrip("=")
    assert len(bomb) < LINK_MAX_CHARS
    with pytest.raises(InputError) as error:
        decode_grid(bomb, "x")
    assert error.value.key == "link_grid_large"


@pytest.mark.parametrize(
    "state",
    [
        None,
        [],
        "{}",
        {"edited_rows": {}, "added_rows": [{"0": "1"}] * 5000, "deleted_rows": []},
        {"edited_rows": {}, "added_rows": [], "deleted_rows": [99]},
        {"edited_rows": {9: {"0": "1"}}, "added_rows": [], "deleted_rows": []},
        {"edited_rows": {0: {"9": "1"}}, "added_rows": [], "deleted_rows": []},
        {"edited_rows": {-1: {"0": "1"}}, "added_rows": [], "deleted_rows": []},
        {"edited_rows": {0: {"0": {"deep": [[[]]]}}}, "added_rows": [], "deleted_rows": []},
        {"edited_rows": {0: {"0": "1" * 1000}}, "added_rows": [], "deleted_rows": []},
        {"edited_rows": {0: ["1"]}, "added_rows": [], "deleted_rows": []},
        {"edited_rows": {True: {"0": "1"}}, "added_rows": [], "deleted_rows": []},
    ],
)
def test_edits_no_browser_sends_are_refused(state):
    cells, problem = check_edits(state, 2, 2)
    assert cells == {} and problem is not None


# ---------------------------------------------------------------------------------------
# In the app.


def test_a_typed_x_stays_across_pages_and_sizes_and_the_link_carries_it():
    at = open_app({"input": "custom"})
    _edit(at, "typed_x_4x4_0", {0: {"0": "100"}, 1: {"2": "1/4"}})
    assert at.query_params["x"] == "100,1,2,3;4,5,1/4,7;8,9,10,11;12,13,14,15"
    for page in PAGES[1:]:
        at.switch_page(page).run()
        assert not at.exception
        assert _x(at)[0, 0] == 100 and _x(at)[1, 2] == 0.25, page
    at.switch_page(PAGES[0]).run()
    at.slider(key="height").set_value(5).run()
    assert _x(at)[0, 0] == 100 and _x(at)[4, 3] == 19  # the new row starts as arange(5 x 4)
    at.slider(key="height").set_value(4).run()
    assert _x(at)[0, 0] == 100 and at.query_params["x"].startswith("100,")

    # A new tab opened from the link: the same x for every student.
    student = open_app({"input": "custom", "x": at.query_params["x"]})
    np.testing.assert_array_equal(_x(student), _x(at))


def test_a_link_x_sets_the_size_and_a_link_grad_sets_the_upstream_gradient():
    at = open_app({"input": "custom", "x": "1,2,3,4;5,6,7,8", "loss": "custom", "grad": "2,-1/2"})
    assert (at.slider(key="height").value, at.slider(key="width").value) == (2, 4)
    grids = grids_on_page(at)
    np.testing.assert_array_equal(grid_values(grids[0]), [[1, 2, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(grid_values(grids[2]), [[2, -0.5]])


@pytest.mark.parametrize(
    ("link", "shown"),
    [("1,2;3", "row 1 of the x grid in the link has 1 values but row 0 has 2"), ("1,[a](//e.vil)", "x[0, 1]")],
)
def test_a_bad_link_grid_is_reported_and_the_start_grid_used(link, shown):
    at = open_app({"input": "custom", "x": link})
    assert any(shown in warning.value for warning in at.warning), [w.value for w in at.warning]
    assert _x(at)[0, 0] == 0


@pytest.mark.parametrize("page", PAGES + ["pages/quiz.py"])
@pytest.mark.parametrize("typed", ["1,5", "abc", "1/0"])
def test_a_bad_typed_gradient_is_explained_and_what_does_not_depend_on_it_drawn(page, typed):
    at = open_app({"loss": "custom"}, page=page)
    _edit(at, "typed_grad_2x2_0", {0: {"1": typed}})
    assert any("∂L/∂y[0, 1]" in error.value for error in at.error), [e.value for e in at.error]
    names = [grid["name"] for grid in grids_on_page(at)]
    # x and y do not depend on ∂L/∂y; ∂L/∂x does, and is the quiz's answer: never drawn there
    assert names == (["x", "y", "∂L/∂y"] if page == "pages/quiz.py" else ["x", "y", "∂L/∂y", "∂L/∂x"]), names


# ---------------------------------------------------------------------------------------
# Every bad typed cell named; every grid number that does not depend on one drawn, checked
# against torch autograd run with NaN in the bad cells (NaN goes exactly where they count).

BAD_X = {0: {"1": "abc"}, 2: {"3": "1,5"}, 3: {"3": "[Log in](//e.vil)"}}


def test_typed_grid_values_name_every_bad_cell_and_keep_the_rest():
    from scenario.typed_grid import BadCells, TypedGrid

    grid = TypedGrid({(0, 1): "abc", (1, 1): "7", (2, 0): "", (5, 5): "x"})  # (5, 5): off this size
    with pytest.raises(BadCells) as error:
        grid.values(lambda rows, cols: np.zeros((rows, cols)), 3, 3, "x")
    assert error.value.cells == [(0, 1), (2, 0)]
    assert [problem.key for problem in error.value.params["cells"]] == ["number_text", "number_empty"]
    expected = np.zeros((3, 3))
    expected[1, 1], expected[0, 1], expected[2, 0] = 7, np.nan, np.nan
    np.testing.assert_array_equal(error.value.values, expected)


def test_a_link_grid_names_every_bad_cell():
    from scenario.typed_grid import BadCells

    with pytest.raises(BadCells) as error:
        decode_grid("1,abc,3;1/0,5,6", "x")
    assert error.value.key == "bad_cells" and error.value.cells == [(0, 1), (1, 0)]
    message = shown(str(error.value))
    assert "\n- x[0, 1]: “abc” is not a number" in message and "\n- x[1, 0]: “1/0” divides by zero" in message


def test_a_grid_of_junk_names_its_first_bad_cells_and_counts_the_rest():
    """A 64x64 link of junk is one message of a dozen lines, not 4,096, in both languages."""
    from scenario.typed_grid import MAX_LISTED_CELLS, BadCells

    with pytest.raises(BadCells) as error:
        decode_grid(";".join([",".join(["abc"] * 64)] * 64), "x")
    assert error.value.cells == [(row, col) for row in range(64) for col in range(64)]
    message = shown(str(error.value))
    assert message.startswith("4096 cells of x are empty or not numbers:")
    assert message.count("\n- x[") == MAX_LISTED_CELLS and message.endswith(f"\n- … and {4096 - MAX_LISTED_CELLS} more")
    at = open_app({"input": "custom", "lang": "zh", "x": ";".join([",".join(["abc"] * 64)] * 64)})
    warning = next(shown(w.value) for w in at.warning if "x=" in w.value)
    assert warning.count("\n- x[") == MAX_LISTED_CELLS and f"还有 {4096 - MAX_LISTED_CELLS} 个" in warning


@pytest.mark.parametrize("loss", ["sum", "square"])
def test_bad_x_cells_are_named_and_marked_and_the_rest_matches_torch(loss):
    at = open_app({"input": "custom", "kernel_h": "3", "stride_h": "1", "loss": loss})
    _edit(at, "typed_x_4x4_0", BAD_X)
    message = shown(at.error[0].value)
    assert "3 cells of x are empty or not numbers:" in message
    for cell in ("x[0, 1]: “abc” is not a number", "x[2, 3]: “1,5” has a comma", "x[3, 3]: “[Log in](//e.vil)”"):
        assert cell in message, message
    assert "](//e.vil)" not in at.error[0].value  # the typed text is quoted inert, never a link
    x, y, grad_output, grad_input = grids_on_page(at)
    assert x["cells"] == [[0, 1], [2, 3], [3, 3]] and x["labels"][1] == "?" and x["labels"][15] == "?"
    torch_x = np.arange(16.0).reshape(4, 4)
    torch_x[0, 1] = torch_x[2, 3] = torch_x[3, 3] = np.nan
    torch_y, _ = torch_avg_pool2d(torch_x, None, kernel_size=3, stride=1)
    torch_grad_output = np.ones_like(torch_y) if loss == "sum" else torch_y
    _, torch_grad_input = torch_avg_pool2d(torch_x, torch_grad_output, kernel_size=3, stride=1)
    np.testing.assert_array_equal(grid_values(x), torch_x)  # NaN where torch has NaN, the rest equal
    np.testing.assert_allclose(grid_values(y), torch_y, rtol=1e-12)
    np.testing.assert_allclose(grid_values(grad_output), torch_grad_output, rtol=1e-12)
    np.testing.assert_allclose(grid_values(grad_input), torch_grad_input, rtol=1e-12)
    if loss == "sum":  # average pooling is linear: ∂L/∂x does not depend on x at all
        assert np.isfinite(grid_values(grad_input)).all()


def test_bad_gradient_cells_leave_x_and_y_whole_and_blank_only_what_they_reach():
    at = open_app({"loss": "custom", "kernel_h": "2", "stride_h": "1", "height": "4", "width": "4"})
    _edit(at, "typed_grad_3x3_0", {0: {"0": "a"}, 2: {"2": ""}, 1: {"1": "2"}})
    assert "2 cells of ∂L/∂y are empty or not numbers:" in shown(at.error[0].value)
    x, y, grad_output, grad_input = grids_on_page(at)
    assert np.isfinite(grid_values(x)).all() and np.isfinite(grid_values(y)).all()
    assert grad_output["cells"] == [[0, 0], [2, 2]]
    torch_grad_output = np.ones((3, 3))
    torch_grad_output[1, 1], torch_grad_output[0, 0], torch_grad_output[2, 2] = 2, np.nan, np.nan
    _, torch_grad_input = torch_avg_pool2d(np.arange(16.0).reshape(4, 4), torch_grad_output, kernel_size=2, stride=1)
    np.testing.assert_allclose(grid_values(grad_input), torch_grad_input, rtol=1e-12)
    assert np.isnan(grid_values(grad_input)).sum() == 8  # two 2x2 windows' cells, nothing else


def test_a_click_on_a_bad_cell_says_what_is_wrong_and_on_a_blank_one_why():
    at = open_app({"input": "custom"})
    _edit(at, "typed_x_4x4_0", BAD_X)
    select_cell(at, "bad_cells", "input", 2, 3, "x")
    at.run()
    assert any("x[2, 3]: “1,5” has a comma" in alert for alert in alerts(at))
    select_cell(at, "bad_cells", "output", 0, 0, "y")
    at.run()
    assert any("y[0, 0] depends on a typed cell that is not a number" in alert for alert in alerts(at))


def test_every_bad_cell_is_named_in_chinese():
    at = open_app({"input": "custom", "lang": "zh"})
    _edit(at, "typed_x_4x4_0", BAD_X)
    message = shown(at.error[0].value)
    assert "x 中有 3 个格子是空的或不是数字：" in message and "x[2, 3]：“1,5”" in message, message
    assert "需要修改的格子用黑框标出" in " ".join(caption.value for caption in at.caption)


def test_a_link_x_with_several_bad_cells_names_them_all():
    at = open_app({"input": "custom", "x": "1,abc,3;1/0,5,[a](//e.vil)"})
    warning = next(shown(w.value) for w in at.warning if "x=" in w.value)
    assert "3 cells of x are empty or not numbers:" in warning
    assert "x[0, 1]: “abc”" in warning and "x[1, 0]: “1/0” divides by zero" in warning and "x[1, 2]" in warning
    assert _x(at)[0, 0] == 0  # the start grid is used


def test_crafted_editor_rows_are_refused_quickly_and_what_was_typed_stays():
    at = open_app({"input": "custom"})
    _edit(at, "typed_x_4x4_0", {0: {"0": "7"}})
    _edit(at, "typed_x_4x4_0", {0: {"0": "7"}}, added=[{"0": "1"}] * 5000)
    assert any("fixed size" in warning.value for warning in at.warning)
    assert _x(at).shape == (4, 4) and _x(at)[0, 0] == 7
    # The grid started afresh under a new key, with the typed cell in it.
    _edit(at, "typed_x_4x4_1", {0: {"1": "8"}})
    assert _x(at)[0, 0] == 7 and _x(at)[0, 1] == 8


# ---------------------------------------------------------------------------------------
# An uploaded CSV's grid in the link (the replica tests lose the server that held the file).

CSV = b"1/3,2,3\n4,0.1,6\n"


def _upload_csv(at, data: bytes, name: str = "grid.csv") -> None:
    at.file_uploader(key="csv_file").upload(name, data, "text/csv").run()
    assert not at.exception, at.exception


def test_an_uploaded_csv_travels_in_the_link_and_a_link_opens_it():
    at = open_app({"input": "csv"})
    _upload_csv(at, CSV)
    assert at.query_params["x"] == "0.3333333333333333,2,3;4,0.1,6"
    student = open_app({"input": "csv", "x": at.query_params["x"]})
    np.testing.assert_array_equal(_x(student), [[1 / 3, 2, 3], [4, 0.1, 6]])
    assert not any("Upload a CSV file" in alert for alert in alerts(student))
    assert any("kept in the link" in caption.value for caption in student.caption)
    assert "x" not in student.session_state["typed_grids"]  # the CSV's grid, not a typed x
    # Other pages keep it too (the uploader itself is one page's).
    at.switch_page(PAGES[1]).run()
    np.testing.assert_array_equal(_x(at), [[1 / 3, 2, 3], [4, 0.1, 6]])


def test_a_csv_removed_or_unreadable_leaves_no_grid_behind():
    at = open_app({"input": "csv"})
    _upload_csv(at, CSV)
    at.file_uploader(key="csv_file").clear().run()
    assert "x" not in at.query_params and any("Upload a CSV file" in alert for alert in alerts(at))
    assert not grids_on_page(at)
    _upload_csv(at, CSV)
    _upload_csv(at, b"1,2\n3,x\n", "bad.csv")
    assert "x" not in at.query_params  # a link (or a server taking over) must not show the old grid
    assert any("not a number" in alert for alert in alerts(at))


def test_a_typed_x_is_not_taken_for_a_csv():
    at = open_app({"input": "custom"})
    _edit(at, "typed_x_4x4_0", {0: {"0": "100"}})
    assert "x" in at.query_params
    at.selectbox(key="input").set_value("csv").run()
    assert "x" not in at.query_params and any("Upload a CSV file" in alert for alert in alerts(at))


def test_a_csv_too_large_for_a_link_says_so():
    values = np.random.default_rng(0).standard_normal((64, 64))
    at = open_app({"input": "csv"})
    _upload_csv(at, "\n".join(",".join(repr(float(v)) for v in row) for row in values).encode())
    assert "x" not in at.query_params
    assert any("too large to carry in a link" in caption.value for caption in at.caption)
    np.testing.assert_allclose(_x(at), values, rtol=1e-6)  # grids past 32×32 are drawn in float32


def test_bad_x_cells_stay_marked_when_torch_rejects_the_pooling_too():
    at = open_app({"input": "custom", "kernel_h": "6"})  # kernel 6 on a 4 x 4 input: no window fits
    _edit(at, "typed_x_4x4_0", BAD_X)
    assert any("torch rejects" in error.value for error in at.error)
    (x,) = grids_on_page(at)
    assert x["cells"] == [[0, 1], [2, 3], [3, 3]] and x["labels"][1] == "?"
