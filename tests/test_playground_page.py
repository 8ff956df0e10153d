"""The Playground through AppTest: every control path, checked against torch autograd.

Each test reads the four heatmaps the page actually drew (x, y, ∂L/∂y, ∂L/∂x), recomputes
y and ∂L/∂x from that x and ∂L/∂y with torch, and compares.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from PIL import Image
from streamlit.testing.v1 import AppTest

from pooling import plan as plan_module
from pooling.reference import torch_avg_pool2d
from scenario.losses import RANDOM_LOSS_STREAM
from tests.conftest import clear_cell, grid_components, grid_values, grids_on_page, open_app, select_cell, shown

TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}


def _run(query: dict[str, str] | None = None) -> AppTest:
    return open_app(query)


@pytest.fixture
def at() -> AppTest:
    return _run()


def _view(at: AppTest) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y, ∂L/∂y and ∂L/∂x as the page drew them."""
    x, y, grad_output, grad_input = (grid_values(figure) for figure in grids_on_page(at)[:4])
    return x, y, grad_output, grad_input


def _assert_matches_torch(at: AppTest, **params) -> tuple[np.ndarray, ...]:
    x, y, grad_output, grad_input = _view(at)
    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, **params)
    assert_allclose(y, torch_y, **TOLERANCE)
    assert_allclose(grad_input, torch_grad_input, **TOLERANCE)
    assert "Matches torch" in at.success[0].value
    assert not at.error
    return x, y, grad_output, grad_input


# ---------------------------------------------------------------------------------------
# Defaults and the classic numbers.


def test_default_view_is_the_classic_rule_on_a_readable_input(at):
    x, y, grad_output, grad_input = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert_array_equal(x, np.arange(16.0).reshape(4, 4))
    assert_array_equal(y, [[2.5, 4.5], [10.5, 12.5]])
    assert_array_equal(grad_output, np.ones((2, 2)))
    assert_array_equal(grad_input, np.full((4, 4), 0.25))
    assert r"\frac{\partial L}{\partial y_{ij}} = 1" in at.sidebar.latex[0].value


def test_the_expanders_are_lazy_and_open_from_the_link():
    """Closed, "The numbers behind the picture" and "Export" cost nothing: no charts, no code."""
    closed = open_app()
    assert len(grids_on_page(closed)) == 4
    assert not closed.code
    assert not closed.get("download_button")
    numbers = open_app({"numbers": "true"})
    assert not numbers.warning
    assert any("H_out = floor((4 + 2*0 - 2) / 2) + 1 = 2" in item.value for item in numbers.markdown)
    coverage, divisors = (grid_values(figure) for figure in grids_on_page(numbers)[4:6])
    assert_array_equal(coverage, np.ones((4, 4)))
    assert_array_equal(divisors, np.full((2, 2), 4))
    export = open_app({"export": "true"})
    assert len(export.get("download_button")) == 6
    assert export.code[0].value.startswith('"""nn.AvgPool2d(')


def test_the_classic_source_reproduces_the_article(at):
    at.selectbox(key="input").set_value("classic").run()
    x, *_ = _assert_matches_torch(at, kernel_size=2, stride=2)
    torch.manual_seed(0)
    assert_array_equal(x, torch.randn(1, 1, 4, 4)[0, 0].double().numpy())
    assert_array_equal(_view(at)[3], np.full((4, 4), 0.25))


# ---------------------------------------------------------------------------------------
# Every input source.


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ones", np.ones((5, 3))),
        ("arange", np.arange(15.0).reshape(5, 3)),
        ("checkerboard", np.indices((5, 3)).sum(0) % 2),
        ("ramp", np.indices((5, 3)).sum(0)),
    ],
)
def test_generated_sources(at, source, expected):
    at.selectbox(key="input").set_value(source)
    at.slider(key="height").set_value(5)
    at.slider(key="width").set_value(3).run()
    x, *_ = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert_array_equal(x, expected)


def test_random_source_follows_its_seed(at):
    at.selectbox(key="input").set_value("random").run()
    first = _assert_matches_torch(at, kernel_size=2, stride=2)[0]
    at.number_input(key="seed").set_value(7).run()
    second = _assert_matches_torch(at, kernel_size=2, stride=2)[0]
    assert not np.array_equal(first, second)
    assert_array_equal(second, np.random.default_rng(7).standard_normal((4, 4)).round(2))


def test_custom_grid_edits_reach_the_input(at):
    at.selectbox(key="input").set_value("custom").run()
    at.session_state["typed_x_4x4_0"] = {
        "edited_rows": {1: {"2": "100"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    x, *_ = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert x[1, 2] == 100.0
    assert x[0, 0] == 0.0


def _upload(at: AppTest, key: str, name: str, data: bytes, mime: str) -> AppTest:
    at.file_uploader(key=key).upload(name, data, mime).run()
    assert not at.exception
    return at


def test_csv_upload(at):
    at.selectbox(key="input").set_value("csv").run()
    assert "Upload a CSV file" in at.info[0].value
    _upload(at, "csv_file", "grid.csv", b"1, 2, 3\n4, 5, 6\n7, 8, 9\n", "text/csv")
    x, *_ = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert_array_equal(x, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1,2,3\n4,5\n", "row 2 has 2 values but row 1 has 3"),
        (b"1,2\nfoo,4\n", "row 2, column 1: “foo” is not a number"),
        (b"", "the CSV file is empty"),
        (b"1,nan\n2,3\n", "row 1, column 2: “nan” is not a number"),
    ],
)
def test_bad_csv_uploads_are_explained(at, data, message):
    at.selectbox(key="input").set_value("csv").run()
    _upload(at, "csv_file", "bad.csv", data, "text/csv")
    assert message in shown(at.error[0].value)
    assert not at.get("bidi_component")
    # The page stays usable: switch back to a generated input.
    at.selectbox(key="input").set_value("ones").run()
    assert not at.error and not at.exception


def _png(width: int, height: int) -> bytes:
    gradient = np.linspace(0, 255, width * height).reshape(height, width).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(gradient, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_upload_is_grayscale_and_downscaled(at):
    at.selectbox(key="input").set_value("image").run()
    _upload(at, "image_file", "photo.png", _png(300, 150), "image/png")
    x, *_ = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert x.shape == (64, 128)  # at most 128 cells, aspect ratio kept
    assert 0 <= x.min() < x.max() <= 255


def test_a_file_that_is_not_an_image_is_explained(at):
    at.selectbox(key="input").set_value("image").run()
    _upload(at, "image_file", "notes.png", b"this is not a picture", "image/png")
    assert "not a PNG or JPEG image" in at.error[0].value


# ---------------------------------------------------------------------------------------
# Every loss.


def test_losses_give_their_upstream_gradients(at):
    at.selectbox(key="input").set_value("arange")
    at.slider(key="height").set_value(6)
    at.slider(key="width").set_value(6).run()
    expected = {
        "sum": lambda y: np.ones_like(y),
        "mean": lambda y: np.full_like(y, 1 / y.size),
        "square": lambda y: y,
        "random": lambda y: np.random.default_rng((0, RANDOM_LOSS_STREAM)).standard_normal(y.shape).round(2),
    }
    for loss, upstream in expected.items():
        at.selectbox(key="loss").set_value(loss).run()
        _, y, grad_output, _ = _assert_matches_torch(at, kernel_size=2, stride=2)
        assert_allclose(grad_output, upstream(y), **TOLERANCE, err_msg=loss)


def test_cell_loss_sends_gradient_through_one_window_only(at):
    at.selectbox(key="loss").set_value("cell").run()
    at.number_input(key="loss_row").set_value(1)
    at.number_input(key="loss_col").set_value(0).run()
    _, _, grad_output, grad_input = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert_array_equal(grad_output, [[0, 0], [1, 0]])
    assert_array_equal(grad_input[2:4, 0:2], np.full((2, 2), 0.25))
    assert grad_input.sum() == 1.0
    assert "y_{1,0}" in at.sidebar.latex[0].value


def test_custom_loss_grid(at):
    at.selectbox(key="loss").set_value("custom").run()
    at.session_state["typed_grad_2x2_0"] = {
        "edited_rows": {0: {"1": "−2"}},  # a Unicode minus sign, as some keyboards type it
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    _, _, grad_output, grad_input = _assert_matches_torch(at, kernel_size=2, stride=2)
    assert_array_equal(grad_output, [[1, -2], [1, 1]])
    assert grad_input[0, 3] == -0.5


# ---------------------------------------------------------------------------------------
# Every pooling option.


def test_overlap_padding_and_count_include_pad(at):
    at.slider(key="kernel_h").set_value(3)
    at.selectbox(key="stride_h").set_value(1)
    at.slider(key="padding_h").set_value(1).run()
    params = {"kernel_size": 3, "stride": 1, "padding": 1}
    _, y, _, grad_input = _assert_matches_torch(at, **params)
    assert y.shape == (4, 4)
    at.toggle(key="count_include_pad").set_value(False).run()
    _, _, _, excluded = _assert_matches_torch(at, **params, count_include_pad=False)
    assert not np.allclose(grad_input, excluded)


def test_count_include_pad_is_disabled_without_padding(at):
    assert at.toggle(key="count_include_pad").disabled
    at.slider(key="kernel_h").set_value(3)
    at.slider(key="padding_h").set_value(1).run()
    assert not at.toggle(key="count_include_pad").disabled


def test_ceil_mode_adds_the_partial_window(at):
    at.slider(key="height").set_value(7)
    at.slider(key="width").set_value(7)
    at.selectbox(key="stride_h").set_value(3).run()
    assert _view(at)[1].shape == (2, 2)
    at.toggle(key="ceil_mode").set_value(True)
    at.session_state["numbers"] = True  # open "The numbers behind the picture"
    at.run()
    _, y, _, _ = _assert_matches_torch(at, kernel_size=2, stride=3, ceil_mode=True)
    assert y.shape == (3, 3)
    assert any("ceil_mode adds a last, partial window starting at 6" in item.value for item in at.markdown)


def test_divisor_override_one_is_sum_pooling(at):
    at.number_input(key="divisor_override").set_value(1).run()
    _, y, _, grad_input = _assert_matches_torch(at, kernel_size=2, stride=2, divisor_override=1)
    assert_array_equal(y, [[10, 18], [42, 50]])
    assert_array_equal(grad_input, np.ones((4, 4)))


def test_separate_height_and_width(at):
    at.toggle(key="square").set_value(False).run()
    # Switching square off starts the width controls at the height values.
    assert at.slider(key="kernel_w").value == 2
    at.slider(key="kernel_w").set_value(1)
    at.slider(key="height").set_value(6).run()
    _, y, _, _ = _assert_matches_torch(at, kernel_size=(2, 1), stride=(2, 1))
    assert y.shape == (3, 4)


def test_kernel_one_offers_no_padding(at):
    at.slider(key="kernel_h").set_value(1).run()
    assert any("a kernel of 1 leaves no room for padding" in caption.value for caption in at.sidebar.caption)
    assert not [slider for slider in at.sidebar.slider if slider.key == "padding_h"]
    _assert_matches_torch(at, kernel_size=1, stride=1)


# ---------------------------------------------------------------------------------------
# Invalid combinations: a message, no exception, the page still usable.


def test_kernel_larger_than_the_input_is_explained(at):
    at.slider(key="kernel_h").set_value(5).run()
    assert "kernel 5 is larger than the padded input in height (4 + 2*0 = 4)" in at.error[0].value
    # x is still drawn, so the student sees why no window fits.
    (x,) = grids_on_page(at)
    assert x["title"] == "x: input (4×4)" and x["extent"] == [4, 4] and not x["outlines"]
    assert_array_equal(grid_values(x), np.arange(16.0).reshape(4, 4))
    at.slider(key="kernel_h").set_value(3).run()
    _assert_matches_torch(at, kernel_size=3, stride=3)


def test_empty_custom_cell_is_explained(at):
    at.selectbox(key="input").set_value("custom").run()
    at.session_state["typed_x_4x4_0"] = {"edited_rows": {0: {"0": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "x[0, 0] is empty: type a number in it" in at.error[0].value


# ---------------------------------------------------------------------------------------
# Shareable URLs.


def test_a_shared_url_reproduces_the_view():
    query = {
        "kernel_h": "3",
        "kernel_w": "3",
        "stride_h": "1",
        "stride_w": "1",
        "height": "5",
        "width": "5",
        "input": "ones",
    }
    at = _run(query)
    x, y, _, grad_input = _assert_matches_torch(at, kernel_size=3, stride=1)
    assert_array_equal(x, np.ones((5, 5)))
    assert y.shape == (3, 3)
    # Overlapping windows: the centre is in all 9 windows, a corner in 1.
    assert grad_input[2, 2] == pytest.approx(1.0)
    assert grad_input[0, 0] == pytest.approx(1 / 9)
    assert not at.warning


def test_a_non_square_url_turns_square_off():
    at = _run({"kernel_h": "3", "kernel_w": "1", "height": "6", "width": "6"})
    assert at.toggle(key="square").value is False
    _, y, _, _ = _assert_matches_torch(at, kernel_size=(3, 1), stride=(3, 1))
    assert y.shape == (2, 6)


# The rule for each control's bad values is tested without the app (tests/test_params.py,
# ``scenario.url_check.control_warnings``); here, the whole app: a bad value and an unknown parameter.
@pytest.mark.parametrize(
    ("query", "warning"),
    [
        ({"kernel_h": "99"}, "URL parameter “kernel_h=99” was not used as given: the kernel size is a whole number"),
        ({"colour": "red"}, "URL parameters this page does not know were ignored: “colour”."),
    ],
)
def test_bad_url_values_fall_back_to_the_default_with_a_warning(query, warning):
    at = _run(query)
    assert any(warning in shown(item.value) for item in at.warning), [item.value for item in at.warning]
    _assert_matches_torch(at, kernel_size=2, stride=2)


# ---------------------------------------------------------------------------------------
# Clicked cells (the browser test clicks for real; here the click is put in session state).


def test_clicked_output_cell_is_explained_and_highlighted(at):
    select_cell(at, "playground_grids", "output", 1, 0, "grad_output")
    at.run()
    assert (
        "y[1, 0] = mean of x[2:4, 0:2] = (8 + 9 + 12 + 13) / 4 = 10.5; "
        "its gradient 1 is split into 4 shares of 0.25." in at.info[0].value
    )
    # The component lights the window up from the selection and the window geometry it is sent.
    component = grid_components(at)[0]
    assert component["selection"] == {"kind": "output", "row": 1, "col": 0, "grid": "grad_output"}
    assert component["axes"]["rows"][1] == [2, 4] and component["axes"]["cols"][0] == [0, 2]
    assert [grid["link"] for grid in component["grids"]] == ["input", "output", "output", "input"]


def test_clicked_input_cell_lists_its_shares(at):
    at.slider(key="kernel_h").set_value(3)
    at.selectbox(key="stride_h").set_value(1)
    at.slider(key="height").set_value(5)
    at.slider(key="width").set_value(5).run()
    select_cell(at, "playground_grids", "input", 2, 2, "grad_input")
    at.run()
    assert at.info[0].value.startswith("∂L/∂x[2, 2] = 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 = 1 ")


def test_a_stale_click_outside_the_new_shape_is_dropped(at):
    select_cell(at, "playground_grids", "input", 3, 3, "grad_input")
    at.slider(key="height").set_value(2).run()
    assert "Click a cell" in at.info[0].value


def test_a_link_opens_with_a_cell_explained():
    """explain=x-2-2 in a shared link: ∂L/∂x[2, 2] is explained and lit up, as after a click."""
    at = _run({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "explain": "x-2-2"})
    assert at.info[0].value.startswith("∂L/∂x[2, 2] = 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 + 1/9 = 1 ")
    assert grid_components(at)[0]["selection"] == {"kind": "input", "row": 2, "col": 2, "grid": "grad_input"}
    assert not at.warning
    at = _run({"explain": "y-1-0"})
    assert at.info[0].value.startswith("y[1, 0] = mean of x[2:4, 0:2]")


def test_the_url_follows_the_clicked_cell(at):
    assert "explain" not in at.query_params
    select_cell(at, "playground_grids", "output", 1, 0, "grad_output")
    at.run()
    assert at.query_params["explain"] == "y-1-0"
    select_cell(at, "playground_grids", "input", 3, 2, "grad_input")
    at.run()
    assert at.query_params["explain"] == "x-3-2"
    clear_cell(at, "playground_grids")  # Escape
    at.run()
    assert "explain" not in at.query_params


@pytest.mark.parametrize("value", ["x-4-0", "y-2-2", "x-1", "z-1-1", "x--1-0", "x-1-1-1"])
def test_an_explain_link_that_names_no_cell_is_reported(value):
    at = _run({"explain": value})
    assert [shown(item.value) for item in at.warning] == [
        f"URL parameter “explain={value}” was not used as given: explain names a cell as `x-ROW-COL` (ROW 0 to 3, "
        "COL 0 to 3, a cell of x and ∂L/∂x) or `y-ROW-COL` (ROW 0 to 1, COL 0 to 1, a cell of y and ∂L/∂y), "
        "e.g. `x-0-0`. Using no cell explained."
    ]
    assert "Click a cell" in at.info[0].value
    _assert_matches_torch(at, kernel_size=2, stride=2)


def test_one_rerun_checks_the_configuration_once(at, monkeypatch):
    """The sidebar makes one checked plan; y, ∂L/∂x, the windows and the finite-difference
    check all use it (before: four checks per run)."""
    checks = []
    check = plan_module.check_pool2d_args

    def counted(*args, **kwargs):
        checks.append(args)
        return check(*args, **kwargs)

    monkeypatch.setattr(plan_module, "check_pool2d_args", counted)
    at.slider(key="kernel_h").set_value(3)
    at.selectbox(key="stride_h").set_value(1).run()  # a new configuration: nothing cached
    assert len(checks) == 1, checks
    _assert_matches_torch(at, kernel_size=3, stride=1)


def test_defaults_table_matches_the_widgets(at):
    """scenario.params.DEFAULTS, the one table, is what the widgets start at."""
    from scenario.params import DEFAULTS

    drawn = [key for key in DEFAULTS if key in at.session_state]
    assert len(drawn) >= 10  # the controls a fresh page draws (the width ones hide while square)
    for key in drawn:
        assert at.session_state[key] == DEFAULTS[key], key


def test_png_downloads_have_telling_names(at):
    files = [grid["file"] for grid in grids_on_page(at)]
    assert files[3] == "avgpool_k2x2_s2x2_p0x0_playground_grad_input"
    at.slider(key="kernel_h").set_value(3).run()
    assert grids_on_page(at)[0]["file"] == "avgpool_k3x3_s3x3_p0x0_playground_x"


def test_pictures_are_drawn_in_gray(at):
    at.selectbox(key="input").set_value("image").run()
    x_grid, y_grid = grids_on_page(at)[:2]
    assert x_grid["colors"][0][1] == "#000000" and x_grid["colors"][-1][1] == "#ffffff"  # black 0, white top
    assert y_grid["colors"] == x_grid["colors"]
    assert any("A built-in sample picture" in caption.value for caption in at.caption)


def test_bad_expander_values_in_the_url_are_named():
    at = open_app({"numbers": "maybe", "export": "1"})
    warnings = " ".join(warning.value for warning in at.warning)
    assert "numbers=maybe" in warnings and "export=1" in warnings
    assert len(grids_on_page(at)) == 4 and not at.code  # both stay closed, the page works


@pytest.mark.parametrize("seed", ["0", "7"])
def test_a_random_loss_on_a_random_input_does_not_repeat_x(seed):
    """One seed sets both: the loss's weights come from a stream of their own."""
    at = open_app({"input": "random", "loss": "random", "seed": seed, "kernel_h": "1"})  # y = x, same shape
    x, _, grad_output, grad_input = (grid_values(grid) for grid in grids_on_page(at))
    assert not np.allclose(grad_output, x)
    assert not np.isin(grad_output.ravel()[:4], x.ravel()[:4]).all()
    _, torch_grad = torch_avg_pool2d(x, grad_output, kernel_size=1)
    assert_allclose(grad_input, torch_grad, rtol=1e-12)


@pytest.mark.parametrize(("language", "said"), [("en", "input=custom"), ("zh", "input=custom")])
def test_a_links_x_without_a_typed_input_is_said_not_drawn_as_a_1x1_grid(language, said):
    """``/?x=1`` (an x, but not input=custom): the x is not read, and the page says why, in
    a warning that names input=custom; the sizes stay the default's, no torch error."""
    from tests.conftest import alerts, grids_on_page, open_app

    at = open_app({"x": "1", "lang": language})
    assert not at.exception and not at.error, [item.value for item in at.error]
    assert any(said in item.value and "x=" in item.value for item in at.warning), alerts(at)
    assert at.session_state["height"] > 1 and at.session_state["width"] > 1
    assert grids_on_page(at)
