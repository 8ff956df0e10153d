"""The typed grids' editor gives its columns the width of the longest text: "Open this
channel in the Playground" (issue 28 §3) filled it with 4-significant-digit values, and
"0.02343" in column 7 spilled past its cell, the browser's grid having guessed the width."""

from __future__ import annotations

import json

import pytest

from harness.browser import wait_for_app
from tests.conftest import open_app
from ui.controls import EDITOR_MAX_COLUMN_PX, editor_column_widths

# Values as the network channel link writes them: narrow columns of 0 and one long value.
CHANNEL = "0,0.4288,0,0;0,0.828,0,0.02343;-0.05447,0,0,0;0,2.225,0,0"
ROWS = [row.split(",") for row in CHANNEL.split(";")]
LINK = {"input": "custom", "height": "4", "width": "4", "x": CHANNEL}


def _editor_widths(at) -> list[int]:
    """The widths the app asked of the first typed grid's columns ("0", "1", ...)."""
    editor = at.get("data_editor")[0].proto
    config = json.loads(editor.columns)
    return [config[str(column)]["width"] for column in range(len(config) - ("_index" in config))]


def test_each_editor_column_is_as_wide_as_its_longest_text():
    at = open_app(LINK)
    widths = editor_column_widths(ROWS)
    assert _editor_widths(at) == widths
    assert widths == [20 + 8 * len("-0.05447")] * 4  # the longest text's width, for every column


def test_a_pasted_essay_does_not_widen_a_column_across_the_page():
    assert editor_column_widths([["1" * 10_000]]) == [EDITOR_MAX_COLUMN_PX]


# The browser's own font measures the texts: each fits its column with the grid's 8 px padding.
MEASURE = """([texts, font]) => {
  const context = document.createElement('canvas').getContext('2d');
  context.font = font;
  return texts.map(text => context.measureText(text).width);
}"""


@pytest.mark.browser
def test_the_widths_hold_each_text_in_the_browsers_font(page, app_url):
    page.goto(f"{app_url}/?" + "&".join(f"{key}={value}" for key, value in LINK.items()))
    wait_for_app(page, fresh=True)
    family = page.locator('[data-testid="stDataFrame"]').first.evaluate("e => getComputedStyle(e).fontFamily")
    for texts, width in zip(zip(*ROWS), editor_column_widths(ROWS)):
        measured = page.evaluate(MEASURE, [list(texts), f"14px {family}"])
        assert max(measured) + 16 <= width, (texts, measured, width)
