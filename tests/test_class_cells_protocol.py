"""A "which cells" question against a real server, over Streamlit's protocol as a modified
browser would speak it (harness/client.py): a student's tab sends crafted taps (a cell outside
the grid, a string row, another grid's kind, a huge or nested value); none is taken, the page
shows no traceback; a real tap is; after the teacher closes the vote, a Send is refused and said."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from classroom.cells import encode_mask
from classroom.store import open_store
from harness.client import Session, run, server
from tests.test_class_security import _teacher

SEND = "class_cells_send"


@pytest.fixture(scope="module")
def store_address(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('classes')}/classes.sqlite3"


@pytest.fixture(scope="module")
def url(store_address):
    with server(env={"CLASS_STORE": store_address}) as (address, _):
        yield address


def _tap(student: Session, value: object) -> tuple[WidgetState, WidgetState]:
    """What the grid component sends for a click (its state and its ``select`` trigger)."""
    grid = student.widgets["class_cells_grid"]
    state = WidgetState(id=grid, json_value="{}")
    trigger = WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{grid}__events")
    trigger.json_trigger_value = json.dumps({"event": "select", "value": value})
    return state, trigger


def test_crafted_taps_are_no_taps_and_a_send_after_the_close_is_refused(url, store_address):
    store = open_store(store_address)

    async def lesson():
        teacher, code = await _teacher(url)
        await teacher.rerun(teacher.state("class_ask_cells", bool_value=True))
        await teacher.rerun(teacher.state("class_ask_nothing", trigger_value=True))
        question = store.load(code, time.time()).question
        assert question.kind == "nothing" and question.grid == (4, 4)
        student = await Session.open(url, f"class={code}", page="live_class")
        for _ in range(5):
            if "class_cells_grid" in student.widgets:
                break
            await student.rerun()
        crafted = (
            {"kind": "cell", "row": 9, "col": 9, "grid": "answer"},  # outside the grid
            {"kind": "cell", "row": -1, "col": 0, "grid": "answer"},
            {"kind": "cell", "row": "1", "col": 1, "grid": "answer"},
            {"kind": "input", "row": 1, "col": 1, "grid": "answer"},  # a kind this grid does not select
            {"kind": "cell", "row": 1, "col": 1, "grid": "counts"},  # another grid
            "[" * 10_000,
            [[[[1]]]],
        )
        for value in crafted:
            _, _, failed = await student.rerun(*_tap(student, value))
            assert not failed
        _, _, failed = await student.rerun(student.state(SEND, trigger_value=True))
        assert not failed
        assert list(store.cell_answers(code, 1).values()) == [encode_mask(set(), (4, 4))]  # sent: no cell
        await student.rerun(*_tap(student, {"kind": "cell", "row": 1, "col": 2, "grid": "answer"}))
        await student.rerun(student.state(SEND, trigger_value=True))
        assert list(store.cell_answers(code, 1).values()) == [encode_mask({(1, 2)}, (4, 4))]
        await student.rerun(*_tap(student, {"kind": "cell", "row": 3, "col": 3, "grid": "answer"}))
        await teacher.rerun(teacher.state("class_close", trigger_value=True))  # the student's Send still shown
        _, _, failed = await student.rerun(student.state(SEND, trigger_value=True))  # its id, kept from before
        assert not failed
        assert list(store.cell_answers(code, 1).values()) == [encode_mask({(1, 2)}, (4, 4))]
        assert any("yours was not counted" in text for text in student.texts), student.texts
        for session in (teacher, student):
            await session.close()

    run(lesson())
