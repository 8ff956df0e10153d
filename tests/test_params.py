"""One rule from the sidebar's settings to torch's arguments (scenario.params.params_from_settings):
the sidebar and the presets give the same PoolParams for the same settings."""

from __future__ import annotations

import pytest

from scenario.params import CONTROLS, TYPED_STARTS, PoolParams, allowed_values, params_from_settings, widget_values
from scenario.presets import PRESETS, Preset
from tests.conftest import grid_values, grids_on_page, open_app, shown
from ui.url import ignored_warning

# (a link's settings, the PoolParams it means, worked out by hand)
LINKS = [
    ({}, PoolParams((2, 2))),
    ({"kernel_h": "3", "stride_h": "1"}, PoolParams((3, 3), (1, 1))),
    # "Same for height and width" on: the _w values are not used.
    ({"square": "true", "kernel_h": "3", "kernel_w": "5", "padding_w": "2"}, PoolParams((3, 3))),
    # Off: an axis left at "same as kernel" strides by its own kernel once the other does not.
    ({"square": "false", "kernel_h": "3", "kernel_w": "2", "stride_h": "1"}, PoolParams((3, 2), (1, 2))),
    # Axes that differ, without square=: a link from elsewhere, shown as it is (not square).
    ({"kernel_h": "3", "kernel_w": "2", "padding_h": "1"}, PoolParams((3, 2), None, (1, 0))),
    (
        {"square": "false", "kernel_h": "4", "kernel_w": "3", "stride_w": "2", "padding_h": "2", "padding_w": "1"}
        | {"count_include_pad": "false", "height": "6", "width": "6"},
        PoolParams((4, 3), (4, 2), (2, 1), count_include_pad=False),
    ),
    (
        {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "ceil_mode": "true", "height": "6", "width": "6"},
        PoolParams((3, 3), (2, 2), (1, 1), ceil_mode=True),
    ),
    ({"divisor_override": "7"}, PoolParams((2, 2), divisor_override=7)),
    ({"count_include_pad": "false"}, PoolParams((2, 2), count_include_pad=False)),  # no padding: as given
    # A kernel of 1 leaves no room for padding: the sidebar says so and uses 0.
    (
        {"square": "false", "kernel_h": "1", "kernel_w": "3", "padding_h": "1", "padding_w": "1"},
        PoolParams((1, 3), None, (0, 1)),
    ),
]


@pytest.fixture
def sidebar_params(monkeypatch):
    """Open a link on the Playground and return the PoolParams its sidebar made (the one the
    core planned with)."""
    planned: list[PoolParams] = []
    plan = PoolParams.plan

    def spy(self: PoolParams, input_shape: tuple[int, ...]):
        planned.append(self)
        return plan(self, input_shape)

    monkeypatch.setattr(PoolParams, "plan", spy)

    def open_link(link: dict[str, str]) -> PoolParams:
        planned.clear()
        open_app(link)
        assert len(set(planned)) == 1, planned
        return planned[0]

    return open_link


@pytest.mark.parametrize(("link", "expected"), LINKS, ids=lambda value: str(value)[:60])
def test_the_rule_gives_what_the_settings_mean(link, expected):
    assert params_from_settings(widget_values(link)) == expected


@pytest.mark.parametrize(("link", "expected"), LINKS, ids=lambda value: str(value)[:60])
def test_the_sidebar_gives_what_the_rule_gives(sidebar_params, link, expected):
    assert sidebar_params(link) == expected == params_from_settings(widget_values(link))


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_a_preset_computes_with_what_its_link_gives_the_sidebar(sidebar_params, preset):
    assert preset.compute().params == sidebar_params(preset.settings)


def test_a_preset_with_differing_axes_sets_the_sidebar_square_toggle_off():
    """Followed inside the app, a preset's values set the toggle: as its link would."""
    preset = Preset("wide", {"kernel_h": "3", "kernel_w": "2"}, (0, 0))
    assert preset.values()["square"] is False
    assert preset.compute().params == PoolParams((3, 2))


@pytest.mark.parametrize(
    "settings",
    [
        {"loss": "cell", "loss_row": "1", "loss_col": "0"},
        {"loss": "random", "seed": "5", "kernel_h": "3", "stride_h": "1"},
    ],
)
def test_a_preset_computes_the_loss_its_link_gives_the_sidebar(settings):
    grad_output = grid_values(grids_on_page(open_app(settings))[2])
    assert Preset("loss", settings, (0, 0)).compute().loss.grad_output.tolist() == grad_output.tolist()


def test_a_class_setup_starts_its_typed_grids_where_the_sidebar_does():
    """One table of start grids (``TYPED_STARTS``): a class's custom x with nothing typed is the
    sidebar's start grid (0, 1, 2, ... row by row), and its custom ∂L/∂y is all ones."""
    from classroom.model import Setup
    from classroom.setups import computed_from_setup

    computed = computed_from_setup(Setup("", {"input": "custom", "height": 2, "width": 3, "loss": "custom"}))
    assert computed.x.tolist() == TYPED_STARTS["x"](2, 3).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert computed.loss.grad_output.tolist() == TYPED_STARTS["grad"](1, 1).tolist() == [[1.0]]


def test_the_sidebar_is_drawn_from_the_table_of_controls():
    """One table (``CONTROLS``): each widget's range, options and start value are its row's."""
    at = open_app({"input": "random", "loss": "cell", "square": "false"})
    for key in ("kernel_h", "kernel_w", "height", "width"):
        slider, row = at.slider(key=key), CONTROLS[key]
        assert (slider.proto.min, slider.proto.max, slider.proto.default[0]) == (row.low, row.high, row.default), key
    for key in ("seed", "divisor_override"):
        box, row = at.number_input(key=key), CONTROLS[key]
        assert (box.proto.min, box.proto.max) == (row.low, row.high), key
    assert at.number_input(key="seed").value == CONTROLS["seed"].default
    for key in ("stride_h", "stride_w", "input", "loss"):
        assert len(at.selectbox(key=key).options) == len(CONTROLS[key].options), key
    assert [at.toggle(key=key).proto.default for key in ("ceil_mode", "count_include_pad")] == [False, True]


# The URL rule without the app: (a control, the URL's text, what its widget took, the bounds
# other controls set, what the warning says). Streamlit's widgets fall back to the default
# (tests/test_playground_page.py opens the app for one).
BAD_URL_VALUES = [
    ("kernel_h", "abc", 2, {}, "URL parameter “kernel_h=abc” was not used as given"),
    ("kernel_h", "99", 2, {}, "the kernel size is a whole number from 1 to 16"),
    ("stride_h", "0", None, {}, "URL parameter “stride_h=0” was not used as given"),
    ("height", "0", 4, {}, "the height is a whole number from 1 to 64"),
    ("height", "1000000000", 4, {}, "URL parameter “height=1000000000” was not used as given"),
    ("input", "zebra", "arange", {}, "the input is one of `random, arange"),
    ("loss", "<b>huge</b>", "sum", {}, "URL parameter “loss=<b>huge</b>” was not used as given"),
    ("divisor_override", "0", None, {}, "divisor_override is a whole number from 1 to 256"),
    ("ceil_mode", "maybe", False, {}, "ceil_mode is `true` or `false`"),
    ("padding_h", "5", 0, {"high": 1, "kernel": 2}, "with kernel 2, padding is a whole number from 0 to 1"),
    ("padding_h", "1", 0, {"high": 0, "kernel": 1}, "a kernel of 1 allows no padding"),
    ("stride_h", "`x`", None, {}, "URL parameter “stride_h=`x`” was not used as given"),
    ("loss_row", "7", 0, {"high": 1}, "the output row is a whole number from 0 to 1"),
]


@pytest.mark.parametrize(("key", "raw", "taken", "bounds", "warning"), BAD_URL_VALUES, ids=lambda v: str(v)[:20])
def test_a_bad_url_value_is_said_with_what_its_control_allows(key, raw, taken, bounds, warning):
    message = ignored_warning("en", key, raw, taken, allowed_values("en", key, **bounds))
    assert message is not None and warning in shown(message), message


@pytest.mark.parametrize(
    ("key", "raw", "taken"),
    [("kernel_h", "3", 3), ("kernel_h", " +3 ", 3), ("ceil_mode", "TRUE", True), ("input", "ones", "ones")],
)
def test_a_url_value_taken_as_given_says_nothing(key, raw, taken):
    assert ignored_warning("en", key, raw, taken, allowed_values("en", key)) is None


def test_every_control_says_what_it_allows_in_both_languages():
    for key, row in CONTROLS.items():
        bounds = {"high": 3, "kernel": 7} if row.high is None and row.options is None and row.low is not None else {}
        for language in ("en", "zh"):
            assert allowed_values(language, key, **bounds), (key, language)
