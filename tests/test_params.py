"""One rule from the sidebar's settings to torch's arguments (scenario.params.params_from_settings):
the sidebar and the presets give the same PoolParams for the same settings."""

from __future__ import annotations

import threading

import pytest

from scenario.params import (
    CONTROLS,
    DEFAULTS,
    TYPED_STARTS,
    PoolParams,
    allowed_values,
    control_high,
    params_from_settings,
    widget_values,
)
from scenario.presets import PRESETS, Preset
from scenario.url_check import control_warnings, ignored_warning
from tests.conftest import alerts, grid_values, grids_on_page, open_app, shown

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
        # Only the page's own runs: a framework's job started by an earlier test's page may
        # still be computing in its lane thread of this process (frameworks/jobs.py).
        if threading.current_thread().name == "ScriptRunner.scriptThread":
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
    kernel = at.slider(key="kernel_h").value
    assert at.slider(key="padding_h").proto.max == control_high("padding_h", {"kernel_h": kernel}) == 1


# The URL rule without the app (scenario/url_check.py): (a control, the URL's text, what its
# widget took, the other values that bound it, what the warning says). Streamlit's widgets fall
# back to the default (tests/test_playground_page.py opens the app for one).
BAD_URL_VALUES = [
    ("kernel_h", "abc", 2, {}, "URL parameter “kernel_h=abc” was not used as given"),
    ("kernel_h", "99", 2, {}, "the kernel size is a whole number from 1 to 16. Using `2`."),
    ("stride_h", "0", None, {}, "URL parameter “stride_h=0” was not used as given"),
    ("stride_h", "0", None, {}, "the stride is a whole number from 1 to 16. Using same as kernel."),
    ("height", "0", 4, {}, "the height is a whole number from 1 to 64"),
    ("height", "1000000000", 4, {}, "URL parameter “height=1000000000” was not used as given"),
    ("input", "zebra", "arange", {}, "the input is one of `random, arange"),
    ("loss", "<b>huge</b>", "sum", {}, "URL parameter “loss=<b>huge</b>” was not used as given"),
    ("divisor_override", "0", None, {}, "divisor_override is a whole number from 1 to 256. Using no override."),
    ("ceil_mode", "maybe", False, {}, "ceil_mode is `true` or `false`. Using off."),
    ("padding_h", "5", 0, {"kernel_h": 2}, "with kernel 2, padding is a whole number from 0 to 1"),
    ("padding_w", "1", 0, {"kernel_w": 1}, "a kernel of 1 allows no padding"),
    ("stride_h", "`x`", None, {}, "URL parameter “stride_h=`x`” was not used as given"),
    ("loss_row", "7", 0, {"output_shape": (2, 5)}, "the output row is a whole number from 0 to 1"),
    ("loss_col", "7", 0, {"output_shape": (2, 5)}, "the output column is a whole number from 0 to 4"),
]


@pytest.mark.parametrize(("key", "raw", "taken", "others", "warning"), BAD_URL_VALUES, ids=lambda v: str(v)[:20])
def test_a_bad_url_value_is_said_with_what_its_control_allows(key, raw, taken, others, warning):
    others = dict(others)
    output_shape = others.pop("output_shape", None)
    [message] = control_warnings("en", {key: raw}, {**_drawn(), **others, key: taken}, output_shape)
    assert warning in shown(message), message


@pytest.mark.parametrize(
    ("key", "raw", "taken"),
    [("kernel_h", "3", 3), ("kernel_h", " +3 ", 3), ("ceil_mode", "TRUE", True), ("input", "ones", "ones")],
)
def test_a_url_value_taken_as_given_says_nothing(key, raw, taken):
    assert control_warnings("en", {key: raw}, {**_drawn(), key: taken}) == []
    assert ignored_warning("en", key, raw, taken, allowed_values("en", key)) is None


OUTPUT_SHAPE = (3, 4)  # the output's shape while the loss cell is drawn, in the tests below


def _drawn() -> dict[str, object]:
    """Every control drawn at its default, with kernels of 5 (so padding takes 0 to 2)."""
    return {**DEFAULTS, "kernel_h": 5, "kernel_w": 5}


def _taken(key: str) -> object:
    """A value control ``key`` takes that is not its default: its row says which."""
    row, high = CONTROLS[key], control_high(key, _drawn(), OUTPUT_SHAPE)
    if row.options is not None:
        return next(option for option in reversed(row.options) if option != row.default)
    if row.low is not None:
        return high if high != row.default else row.low
    return not row.default


def _said(key: str, value: object) -> str:
    """A value as the warning's "Using ..." says it: None in its row's words, on/off, `3`."""
    if value is None:
        return {"pool.stride_same": "same as kernel", "url.no_override": "no override"}[CONTROLS[key].none_text]
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"`{value}`"


def _url_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("key", CONTROLS)
def test_each_control_of_the_table_is_checked_by_its_row(key):
    """Every row of ``CONTROLS``, by the rule alone: a value its widget took says nothing, a
    value it did not take is said once with the row's sentence and the value used, and a
    control the sidebar did not draw is not checked."""
    row, values = CONTROLS[key], _drawn()
    high = control_high(key, values, OUTPUT_SHAPE)
    taken = _taken(key)
    assert control_warnings("en", {key: _url_text(taken)}, {**values, key: taken}, OUTPUT_SHAPE) == [], key
    bad = ["junk", _url_text(taken)]  # the second: a value the widget did not take (it kept the default)
    if high is not None:
        bad += [str(high + 1), str(row.low - 1)]
    kernel = {"kernel": values[f"kernel_{key[-1]}"]} if key.startswith("padding_") else {}
    used = _said(key, values[key])  # what the widget took instead
    for raw in bad:
        for language in ("en", "zh"):
            warnings = control_warnings(language, {key: raw}, values, OUTPUT_SHAPE)
            assert len(warnings) == 1 and f"“{key}={raw}”" in shown(warnings[0]), (key, raw, language, warnings)
            assert allowed_values(language, key, high, **kernel) in warnings[0], (key, raw, language)
        assert control_warnings("en", {key: raw}, values, OUTPUT_SHAPE)[0].endswith(f"Using {used}."), (key, raw)
    undrawn = {name: value for name, value in values.items() if name != key}
    assert control_warnings("en", {key: "junk"}, undrawn, OUTPUT_SHAPE) == [], key


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_display_section_is_checked_by_its_rows_with_the_controls(language):
    """present and palette, the sidebar's Display section: rows of ``VIEW_CONTROLS``, checked in
    the one call with the controls (the Display section is no longer handed the UrlCheck).
    present=1, true, 0 or false taken as said: nothing; anything else, and a palette the
    select did not take, is said with its row's sentence."""
    drawn = {**_drawn(), "present": False, "palette": "standard"}
    for raw, present in (("1", True), ("true", True), ("0", False), ("FALSE", False)):
        assert control_warnings(language, {"present": raw}, {**drawn, "present": present}) == [], raw
    assert control_warnings(language, {"palette": "colorblind"}, {**drawn, "palette": "colorblind"}) == []
    present, palette = control_warnings(language, {"present": "maybe", "palette": "pink"}, drawn)
    assert "“present=maybe”" in shown(present) and allowed_values(language, "present") in present
    assert "“palette=pink”" in shown(palette) and allowed_values(language, "palette") in palette
    at = open_app({"present": "maybe", "palette": "pink", "lang": language})
    said = " ".join(alerts(at))
    assert "present=maybe" in said and "palette=pink" in said and not at.exception


def test_the_sidebar_hands_every_control_of_the_table_to_the_url_check():
    """The whole app: a bad value for each control in two links (the second sets what the
    first needs drawn: two axes, the random input's seed, the loss cell), and each control
    of the table is said once."""
    drawn_all = {"square": "false", "input": "random", "loss": "cell"}
    first = {key: "junk" for key in CONTROLS if key not in drawn_all} | drawn_all
    second = {key: "junk" for key in drawn_all}
    said = []
    for query in (first, second):
        at = open_app(query)
        said += [key for key in CONTROLS for message in alerts(at) if f"“{key}=junk”" in message]
    assert sorted(said) == sorted(CONTROLS)


def test_every_control_says_what_it_allows_in_both_languages():
    for key, row in CONTROLS.items():
        bounds = {"high": 3, "kernel": 7} if row.high is None and row.options is None and row.low is not None else {}
        for language in ("en", "zh"):
            assert allowed_values(language, key, **bounds), (key, language)
