"""Widget values no browser sends, sent over Streamlit's protocol as a modified browser
could (harness/client.py) to a real server: each is refused or read as no value, never an
exception, and the next run is clean too (ui/hardening.py, scenario/typed_grid.py,
figures/grids.read_selection)."""

from __future__ import annotations

import json
import math
import re

import pytest

from harness.client import Session, run, server

DEEP = "[" * 100_000 + "]" * 100_000
EXPLANATION = re.compile(r"∂L/∂x\[\d+, \d+\] = |y\[\d+, \d+\] = (mean|sum)")  # a cell explained


@pytest.fixture(scope="module")
def url():
    with server() as (address, _):
        yield address


def _run(url: str, query: str, key: str, **value) -> list[str]:
    """Open a tab, send the crafted value, rerun once more; the texts of both runs."""

    async def crafted():
        session = await Session.open(url, query)
        try:
            _, _, failed = await session.rerun(session.state(key, **value))
            assert not failed, f"{key}={value!r}: an exception was shown"
            texts = session.texts
            _, _, failed = await session.rerun()
            assert not failed, f"{key}={value!r}: an exception stayed for the next run"
            return texts + session.texts
        finally:
            await session.close()

    return run(crafted())


@pytest.mark.parametrize(
    ("query", "key"), [("", "divisor_override"), ("input=random", "seed"), ("loss=cell", "loss_row")]
)
@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf, 1e300])
def test_whole_number_inputs_read_nan_and_inf_as_no_value(url, query, key, number):
    _run(url, query, key, double_value=number)


@pytest.mark.parametrize(
    "edit",
    [
        "{not json",
        "[1, 2]",
        '"a string"',
        DEEP,
        '{"edited_rows": {"a": {"0": "1"}}}',
        '{"edited_rows": [], "added_rows": 5}',
        '{"edited_rows": {"0": {"0": {"deep": [1]}}}}',
        '{"edited_rows": {"99": {"0": "1"}}}',
    ],
)
def test_malformed_grid_edits_are_refused(url, edit):
    _run(url, "input=custom", "typed_x_4x4_0", string_value=edit)


def test_rows_added_by_a_crafted_message_are_refused_with_a_message(url):
    edit = json.dumps({"edited_rows": {}, "added_rows": [{"0": "1"}] * 5000, "deleted_rows": []})
    texts = _run(url, "input=custom", "typed_x_4x4_0", string_value=edit)
    assert any("fixed size" in text for text in texts), texts


@pytest.mark.parametrize(
    "select",
    [
        {"kind": "input", "row": "2", "col": 2, "grid": "grad_input"},
        {"kind": "input", "row": 1.5, "col": 1, "grid": "grad_input"},
        {"kind": "input", "row": None, "col": 0, "grid": "grad_input"},
        {"kind": "input", "grid": "grad_input"},
        {"kind": "bogus", "row": 0, "col": 0, "grid": "grad_input"},
        {"kind": "output", "row": 0, "col": 0, "grid": "grad_input"},
        {"kind": "cell", "row": 0, "col": 0, "grid": "grad_input"},
        {"kind": "input", "row": 0, "col": 0, "grid": "nowhere"},
        {"kind": "input", "row": 0, "col": 0, "grid": ["grad_input"]},
        {"kind": "input", "row": 99, "col": 0, "grid": "grad_input"},
        {"kind": "input", "row": True, "col": 0, "grid": "grad_input"},
        [0, 1],
        "input-2-2",
    ],
)
def test_malformed_cell_clicks_select_nothing(url, select):
    texts = _run(url, "", "playground_grids", json_value=json.dumps({"select": select}))
    assert not any(EXPLANATION.search(text) for text in texts), texts


def test_a_deeply_nested_click_selects_nothing(url):
    _run(url, "", "playground_grids", json_value='{"select": ' + DEEP + "}")


def test_a_real_click_still_explains(url):
    texts = _run(
        url,
        "",
        "playground_grids",
        json_value=json.dumps({"select": {"kind": "input", "row": 2, "col": 2, "grid": "grad_input"}}),
    )
    assert any("∂L/∂x[2, 2] = " in text for text in texts), texts


@pytest.mark.parametrize(
    ("query", "key"), [("", "stride_h"), ("", "input"), ("", "kernel_h"), ("", "count_include_pad")]
)
@pytest.mark.parametrize(
    "value", [{"int_value": 2}, {"double_value": 2.5}, {"string_value": "2"}, {"bool_value": True}]
)
def test_a_value_of_another_type_than_its_widgets_is_dropped(url, query, key, value):
    """A select box holds a string, a slider a number, a checkbox a bool: a crafted value of
    another type is dropped (ui/hardening.py), never a TypeError in Streamlit's own code."""
    _run(url, query, key, **value)


@pytest.mark.parametrize("state", ["{not json", "[1, 2]", "null"])
def test_a_component_state_that_is_not_an_object_selects_nothing(url, state):
    texts = _run(url, "", "playground_grids", json_value=state)
    assert not any(EXPLANATION.search(text) for text in texts), texts


def test_crafted_deck_values_from_the_teachers_tab_are_refused_or_read_as_nothing(url):
    """The cockpit's deck (ui/deck_panel.py), sent what no browser sends from the teacher's own
    tab, which drew it: a picker value that is no deck (or a number where a name goes), a step's
    words of 200,000 characters, Next/Previous and Remove pressed at either end, a deck file
    that is not JSON. Each run shows no exception, and the deck is still where it was."""

    async def crafted():
        teacher = await Session.open(url, "", page="live_class")
        try:
            while "class_start" not in teacher.widgets:  # a fresh server's first run goes through the router
                await teacher.rerun()
            await teacher.rerun(teacher.state("class_start", trigger_value=True))
            for value in ({"string_value": "no-such-deck"}, {"string_value": DEEP[:1000]}, {"int_value": 3}):
                _, _, failed = await teacher.rerun(teacher.state("class_deck_pick", **value))
                assert not failed, value
            _, _, failed = await teacher.rerun(teacher.state("class_deck_start", trigger_value=True))
            assert not failed and any("1 / " in text or " 1 " in text for text in teacher.texts)
            for key in ("class_deck_prev", "class_deck_up", "class_deck_back", "class_deck_prev"):
                if key in teacher.widgets:
                    _, _, failed = await teacher.rerun(teacher.state(key, trigger_value=True))
                    assert not failed, key
            for key in ("class_deck_words", "class_step_words"):
                if key in teacher.widgets:
                    _, _, failed = await teacher.rerun(teacher.state(key, string_value="[" * 200_000))
                    assert not failed, key
            if "class_deck_save_words" in teacher.widgets:
                _, _, failed = await teacher.rerun(teacher.state("class_deck_save_words", trigger_value=True))
                assert not failed
            _, _, failed = await teacher.upload(
                "class_deck_file", "deck.json", b"\xff{not json" * 1000, "application/json"
            )
            assert not failed
            for _ in range(12):  # past the last step: Next is refused or disabled, never an exception
                if "class_deck_next" not in teacher.widgets:
                    break
                _, _, failed = await teacher.rerun(teacher.state("class_deck_next", trigger_value=True))
                assert not failed
            return teacher.texts
        finally:
            await teacher.close()

    texts = run(crafted())
    assert not any("Traceback" in text for text in texts)
