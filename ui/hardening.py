"""Streamlit's widget readers, made safe against crafted websocket messages.

Streamlit reads every widget value the browser sends *before* the script runs, to decide
which callbacks to call (``SessionState._call_callbacks``). Two readers raise there on
values that no browser sends, and then raise again on every rerun, until a reload:

- an integer ``st.number_input`` turns the value into an int: NaN or inf raise ValueError
  or OverflowError (``divisor_override``, ``seed``, ``loss_row``, ``adaptive_h`` ...);
- ``st.data_editor`` parses its state as JSON: invalid JSON, a list, or nesting deeper than
  Python's recursion limit raise;
- a custom component (our grids) has its state parsed as JSON before its reader sees it
  (``unpack_widget_state_value``), and its reader parses its events: invalid JSON, or
  nesting deeper than the recursion limit, raise.

No code of the app runs before that point, so the fix sits in the readers themselves: each
keeps its own behaviour for every value a browser sends, and reads a crafted value as "no
value" (the widget's default; an empty edit). ``install()`` is called once per process.
The app's own checks (``scenario.typed_grid.check_edits``, ``figures.grids.read_selection``)
then judge what these readers let through.
"""

from __future__ import annotations

import functools
import json

from streamlit.components.v2.bidi_component import main as bidi_main
from streamlit.components.v2.bidi_component.serialization import BidiComponentSerde
from streamlit.elements.widgets.data_editor import DataEditorSerde
from streamlit.elements.widgets.number_input import NumberInputSerde
from streamlit.runtime.state import session_state

__all__ = ["install"]

EMPTY_EDIT = '{"edited_rows": {}, "added_rows": [], "deleted_rows": []}'
EDIT_MAX_CHARS = 1_000_000  # a 64 x 64 grid of 40-character cells is ~250 kB of JSON
CRAFTED = (ValueError, TypeError, OverflowError, AttributeError, RecursionError)


def _safe(reader, fallback):
    """``reader``, except that a value it cannot read is read by ``fallback`` (same arguments)."""

    @functools.wraps(reader)
    def read(*args):
        try:
            return reader(*args)
        except CRAFTED:
            return fallback(*args)

    read.hardened = True
    return read


def _edit_checked(reader):
    """The data editor's reader, given only a JSON object of reasonable size."""

    @functools.wraps(reader)
    def read(self, ui_value):
        if ui_value is not None:
            if not isinstance(ui_value, str) or len(ui_value) > EDIT_MAX_CHARS:
                raise ValueError("not an edit")
            if not isinstance(json.loads(ui_value), dict):
                raise ValueError("not an edit")
        return reader(self, ui_value)

    return read


def _wrap(owner, name: str, fallback, check=lambda reader: reader) -> None:
    reader = getattr(owner, name)
    if not getattr(reader, "hardened", False):
        setattr(owner, name, _safe(check(reader), fallback(reader)))


def install() -> None:
    """Wrap the readers (once: a second call changes nothing). What each reads a crafted value as:"""
    _wrap(session_state, "unpack_widget_state_value", lambda _: lambda state: None)  # no value
    _wrap(BidiComponentSerde, "deserialize", lambda reader: lambda self, _: reader(self, None))  # defaults
    _wrap(bidi_main, "deserialize_trigger_list", lambda _: lambda text: None)  # no event
    _wrap(NumberInputSerde, "deserialize", lambda _: lambda self, _value: self.value)  # the default
    _wrap(DataEditorSerde, "deserialize", lambda reader: lambda self, _: reader(self, EMPTY_EDIT), _edit_checked)
