"""ui/hardening.py's contract with Streamlit's private code: every symbol it wraps is where it
was and takes what it took (this fails once Streamlit changes one), requirements.txt names
the tested range, and a server whose Streamlit changed says so: one error in its log per
process, a message on every page, never a silent fallback.

What crafted values do to the wrapped readers is tested in tests/test_crafted_messages.py.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from importlib.metadata import version

import pytest
from packaging.specifiers import SpecifierSet
from streamlit.testing.v1 import AppTest

from harness.server import REPO
from ui.hardening import PRIVATE, TESTED, Private, problems


@pytest.mark.parametrize("symbol", PRIVATE, ids=str)
def test_every_private_symbol_is_as_tested(symbol):
    assert problems((symbol,)) == []


def test_requirements_name_the_tested_range_and_it_is_installed():
    lines = [line.split("#")[0].strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    assert f"streamlit{TESTED}" in lines
    assert version("streamlit") in SpecifierSet(TESTED)


def test_each_kind_of_change_is_named():
    """The contract compares what it expects with what is installed: expecting what Streamlit
    does not have is how a renamed module, a removed reader, new parameters or a dropped
    field look to it."""
    number_input = next(symbol for symbol in PRIVATE if symbol.name == "NumberInputSerde.deserialize")
    changed = (
        replace(number_input, module="streamlit.elements.widgets.number_input_v2"),
        replace(number_input, name="NumberInputSerde.parse"),
        replace(number_input, parameters=("self", "ui_value", "widget_id")),
        replace(number_input, fields=("value", "step")),
    )
    assert problems(changed) == [
        "streamlit.elements.widgets.number_input_v2.NumberInputSerde.deserialize: missing",
        "streamlit.elements.widgets.number_input.NumberInputSerde.parse: missing",
        "streamlit.elements.widgets.number_input.NumberInputSerde.deserialize: parameters (self, ui_value),"
        " expected (self, ui_value, widget_id)",
        "streamlit.elements.widgets.number_input.NumberInputSerde.deserialize: its class has no field step",
    ]


# A reader this Streamlit does not have: what a renamed one looks like to a server.
GONE = Private("streamlit.runtime.state.session_state", "read_widget_value_v2", ("state",), lambda _: None)


def _server_with_a_changed_streamlit() -> None:
    """An app whose hardening expects a reader this Streamlit does not have."""
    import streamlit as st

    from tests.test_hardening import GONE
    from ui.hardening import install

    install((GONE,))
    st.write("the page goes on")


def test_a_changed_symbol_is_logged_once_and_shown_on_every_run(caplog):
    at = AppTest.from_function(_server_with_a_changed_streamlit, default_timeout=30)
    shown = []
    with caplog.at_level(logging.ERROR, logger="ui.hardening"):
        for lang in ("en", "en", "zh"):
            at.query_params["lang"] = lang
            at.run()
            assert [element.value for element in at.markdown] == ["the page goes on"]
            shown.append(at.error[0].value)
    for message, words in zip(shown, ["Install the tested Streamlit"] * 2 + ["请安装经过测试的"], strict=True):
        assert "`streamlit.runtime.state.session_state.read_widget_value_v2`" in message
        assert words in message and TESTED in message
    logged = [record.getMessage() for record in caplog.records if record.name == "ui.hardening"]
    assert len(logged) == 1 and "read_widget_value_v2: missing" in logged[0]


def test_the_app_itself_runs_guarded():
    """The real list, at the app's start: nothing to say."""
    assert problems() == []
    assert all(isinstance(symbol, Private) for symbol in PRIVATE)
