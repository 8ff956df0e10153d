"""Exactly the numbers typed: every accepted and refused spelling, typed into the browser's
own grid widget (which would parse numbers its own way: it read "1,5" as 15)."""

from __future__ import annotations

import pytest

from harness.browser import GRID, grid_cell_texts, type_into_editor, wait_for_app

pytestmark = pytest.mark.browser

ACCEPTED = {  # typed -> how x[2, 1] is then printed on the x grid
    "1.5": "1.5",
    " +2 ": "2",
    "−2": "−2",  # the Unicode minus sign, as the grid prints every negative
    "-.5": "−0.5",  # the keyboard's hyphen: printed with the minus sign too
    "1/4": "0.25",
    "1e-3": "0.001",  # plain decimals from 0.0001 (docs/numbers.md)
    "１.５": "1.5",  # full-width digits
    "¾": "0.75",  # a vulgar fraction
}
REFUSED = {  # typed -> what the error says
    "1,5": "x[2, 1]: “1,5” has a comma; write decimals with a dot, e.g. 1.5",
    "abc": "x[2, 1]: “abc” is not a number",
    "nan": "x[2, 1]: “nan” is not a number",
    "2+2": "x[2, 1]: “2+2” is not a number",
    "1/0": "x[2, 1]: “1/0” divides by zero",
    "1e400": "x[2, 1]: “1e400” is too large",
    "": "x[2, 1] is empty: type a number in it",
}


def _errors(page) -> list[str]:
    return page.locator('[data-testid="stAlert"]').filter(has_text="cannot be used").all_inner_texts()


def _x_2_1(page) -> str | None:
    """x[2, 1] as the x grid prints it (None while no grid is drawn)."""
    return grid_cell_texts(page, 0)[9] if page.locator(GRID).count() else None


# In the page: x[2, 1] as the x grid prints it is ``printed``, or an error names ``message``.
SHOWS = """([printed, message]) => {
  const grids = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .flatMap(host => host.shadowRoot ? [...host.shadowRoot.querySelectorAll('.grids canvas')] : []);
  if (printed !== null) return grids.length > 0 && JSON.parse(grids[0].dataset.printed || '[]')[9] === printed;
  return [...document.querySelectorAll('[data-testid="stAlert"]')]
    .some(alert => alert.innerText.includes('cannot be used') && alert.innerText.includes(message));
}"""


def _type(page, typed: str, printed: str | None = None, message: str | None = None) -> None:
    """Type into x[2, 1] and wait until x[2, 1] is ``printed`` or an error says ``message``:
    the rerun a typed cell starts is the signal, not a sleep. Typed at machine speed, one entry
    in a few dozen is taken by the grid before it has committed the previous one and never sent
    (seen in CI, not by hand; most often an emptied cell): it is typed once more then, once the
    app is idle, as a person would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    attempts = 3
    for attempt in range(attempts):
        if attempt:
            wait_for_app(page)
        type_into_editor(page, 0, 2, 1, typed)
        try:
            page.wait_for_function(SHOWS, arg=[printed, message], timeout=8_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise AssertionError(f"typed {typed!r}: x[2, 1] is {_x_2_1(page)!r}, errors {_errors(page)}") from None


def test_typed_numbers_in_the_browser_grid(page, app_url):
    page.goto(f"{app_url}/?input=custom")
    wait_for_app(page, fresh=True)
    for typed, printed in ACCEPTED.items():
        _type(page, typed, printed=printed)  # x[2, 1], row by row
        assert _errors(page) == [], typed
    for typed, message in REFUSED.items():
        _type(page, typed, message=message)
        assert _x_2_1(page) == "?"  # the refused cell marked on x, which is still drawn
    _type(page, "9", printed="9")  # and the page is usable again
    assert _errors(page) == []


def test_the_quiz_grid_refuses_a_comma_and_names_empty_cells(page, app_url):
    page.goto(f"{app_url}/quiz")
    wait_for_app(page, fresh=True)
    page.get_by_text("The whole grid").click()
    wait_for_app(page)
    type_into_editor(page, 0, 0, 0, "0,25")
    page.get_by_role("button", name="Check the grid").click()
    wait_for_app(page)
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert any("∂L/∂x[0, 0]: “0,25” has a comma" in text for text in alerts), alerts
    type_into_editor(page, 0, 0, 0, "1/4")
    page.get_by_role("button", name="Check the grid").click()
    wait_for_app(page)
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert any("1 of 16 cells right." in text and "Empty: ∂L/∂x[0, 1]" in text for text in alerts), alerts
