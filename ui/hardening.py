"""Streamlit's widget readers, made safe against crafted websocket messages.

Streamlit reads every widget value the browser sends *before* the script runs, to decide
which callbacks to call (``SessionState._call_callbacks``). Two readers raise there on
values that no browser sends, and then raise again on every rerun, until a reload:

- any widget sent a value of another type than its own (an ``int_value`` for a select box,
  which holds a string) fails the run that registers it (``TypeError`` in
  ``SessionState.get_serialized``);
- an integer ``st.number_input`` turns the value into an int: NaN or inf raise ValueError
  or OverflowError (``divisor_override``, ``seed``, ``loss_row``, ``adaptive_h`` ...);
- ``st.data_editor`` parses its state as JSON: invalid JSON, a list, or nesting deeper than
  Python's recursion limit raise;
- a custom component (our grids) has its state parsed as JSON before its reader sees it
  (``unpack_widget_state_value``), and its reader parses its events: invalid JSON, or
  nesting deeper than the recursion limit, raise.

No code of the app runs before that point, so the fix sits in the readers themselves: each
keeps its own behaviour for every value a browser sends, and reads a crafted value as "no
value" (the widget's default; an empty edit). ``install()`` is called on every run and
wraps once per process.
The app's own checks (``scenario.typed_grid.check_edits``, ``figures.grids.read_selection``)
then judge what these readers let through.

Every private symbol touched is listed once, in ``PRIVATE``, with the parameters the wrappers
rely on: ``tests/test_hardening.py`` checks them against the installed Streamlit, and the
first run of each server process checks them too; a change logs an error once and every page
says so (never a silent fallback). ``requirements.txt`` names the tested range, ``TESTED``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass

import streamlit as st

from ui.lang import tr

__all__ = ["PRIVATE", "TESTED", "Private", "install", "problems"]

TESTED = ">=1.67,<1.68"  # the Streamlit releases these symbols were checked on (requirements.txt)
EMPTY_EDIT = '{"edited_rows": {}, "added_rows": [], "deleted_rows": []}'
EDIT_MAX_CHARS = 1_000_000  # a 64 x 64 grid of 40-character cells is ~250 kB of JSON
CRAFTED = (ValueError, TypeError, OverflowError, AttributeError, RecursionError)
_LOG = logging.getLogger(__name__)


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


def _same(reader):
    return reader


def _type_checked(reader):
    """A widget state is kept only when its value is of the widget's own type (or empty: a
    cleared widget); the widgets are those this session has drawn."""

    @functools.wraps(reader)
    def keep(self, widget_state):
        metadata = self.widget_metadata.get(widget_state.id)
        sent = widget_state.WhichOneof("value")
        if metadata is not None and sent is not None and sent != metadata.value_type:
            raise TypeError(f"a {sent} for a widget of {metadata.value_type}")
        return reader(self, widget_state)

    return keep


@dataclass(frozen=True)
class Private:
    """One private Streamlit reader that is wrapped: where it lives, the parameters (and the
    dataclass fields of its owner) the wrapper relies on, and how a crafted value is read."""

    module: str
    name: str  # "function" or "Class.method"
    parameters: tuple[str, ...]
    fallback: Callable  # the original reader -> what reads a value the reader cannot
    check: Callable = _same  # the original reader -> the reader, stricter first
    fields: tuple[str, ...] = ()  # the owner's dataclass fields the fallback reads

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


PRIVATE: tuple[Private, ...] = (
    # Every widget's value as the browser sends it: one of another type is dropped (the
    # widget keeps the value it had).
    Private(
        "streamlit.runtime.state.session_state",
        "WStates.set_widget_from_proto",
        ("self", "widget_state"),
        lambda _: lambda self, state: None,
        _type_checked,
        fields=("widget_metadata",),
    ),
    # Every widget's state, before any callback: a crafted component state reads as no value.
    Private(
        "streamlit.runtime.state.session_state",
        "unpack_widget_state_value",
        ("widget_state",),
        lambda _: lambda state: None,
    ),
    # Our grids' state (a component): invalid JSON reads as the defaults.
    Private(
        "streamlit.components.v2.bidi_component.serialization",
        "BidiComponentSerde.deserialize",
        ("self", "ui_value"),
        lambda reader: lambda self, _: reader(self, None),
    ),
    # Our grids' events: invalid JSON reads as no event.
    Private(
        "streamlit.components.v2.bidi_component.main", "deserialize_trigger_list", ("s",), lambda _: lambda text: None
    ),
    # An integer number input: NaN or inf reads as the widget's current value.
    Private(
        "streamlit.elements.widgets.number_input",
        "NumberInputSerde.deserialize",
        ("self", "ui_value"),
        lambda _: lambda self, _value: self.value,
        fields=("value",),
    ),
    # The data editor: anything but a JSON object of reasonable size reads as an empty edit.
    Private(
        "streamlit.elements.widgets.data_editor",
        "DataEditorSerde.deserialize",
        ("self", "ui_value"),
        lambda reader: lambda self, _: reader(self, EMPTY_EDIT),
        _edit_checked,
    ),
)


def _owner(symbol: Private) -> tuple[object, str]:
    """(the module or class holding the symbol, its attribute name); raises if either is gone."""
    owner: object = importlib.import_module(symbol.module)
    *path, name = symbol.name.split(".")
    for part in path:
        owner = getattr(owner, part)
    getattr(owner, name)
    return owner, name


def _problem(symbol: Private) -> str | None:
    """What changed about ``symbol`` in the installed Streamlit, or None."""
    try:
        owner, name = _owner(symbol)
    except (ImportError, AttributeError):
        return f"{symbol}: missing"
    reader = inspect.unwrap(getattr(owner, name))
    found = tuple(inspect.signature(reader).parameters)
    if found != symbol.parameters:
        return f"{symbol}: parameters ({', '.join(found)}), expected ({', '.join(symbol.parameters)})"
    have = {field.name for field in fields(owner)} if is_dataclass(owner) else set()
    if lacking := [field for field in symbol.fields if field not in have]:
        return f"{symbol}: its class has no field {', '.join(lacking)}"
    return None


def problems(symbols: tuple[Private, ...] = PRIVATE) -> list[str]:
    """One line per symbol the installed Streamlit changed (empty when every one is as tested)."""
    return [problem for symbol in symbols if (problem := _problem(symbol))]


@functools.cache
def _checked(symbols: tuple[Private, ...]) -> tuple[str, ...]:
    """``problems``, once per server process, logged as an error when there are any."""
    found = tuple(problems(symbols))
    if found:
        _LOG.error(
            "ui/hardening.py: Streamlit %s changed what the app patches, so crafted widget values "
            "may raise: %s. Install the tested Streamlit (streamlit%s), then update PRIVATE.",
            st.__version__,
            "; ".join(found),
            TESTED,
        )
    return found


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


def install(symbols: tuple[Private, ...] = PRIVATE) -> None:
    """Wrap the readers (once: a second call changes nothing). A symbol Streamlit changed is
    left alone, logged once per process, and named on the page of every run."""
    broken = _checked(symbols)
    for symbol in symbols:
        if any(problem.startswith(f"{symbol}:") for problem in broken):
            continue
        owner, name = _owner(symbol)
        reader = getattr(owner, name)
        if not getattr(reader, "hardened", False):
            setattr(owner, name, _safe(symbol.check(reader), symbol.fallback(reader)))
    if broken:
        names = ", ".join(f"`{problem.split(':')[0]}`" for problem in broken)
        st.error(tr("app.unguarded", version=st.__version__, symbols=names, tested=TESTED), icon=":material/warning:")
