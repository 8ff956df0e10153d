"""Back and Forward: one history entry per page opened, and each entry brings back exactly the
view it names (ui/router.py's ``one_entry_per_page`` and ``history_entry``, ui/session.py)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.browser import grid_cell_texts, streamlit_server, type_into_editor, wait_for_app
from ui.router import PAGES

# The link: a typed 3x3 x (one cell a fraction) and a stride that is not the kernel's.
TYPED = "9,1,2;3,4,5;6,7,1/3"
START = f"?input=custom&height=3&width=3&stride_h=1&x={TYPED}"
VIEW = {"input": "custom", "height": "3", "width": "3", "stride_h": "1", "x": TYPED}
# Pages that draw the shared sidebar: their URL carries the whole view. The others do not
# (Streamlit drops the sidebar's parameters there), and hand it on to the next page.
SIDEBAR_PAGES = {"", "step_by_step", "under_the_hood", "average_vs_max", "quiz", "frameworks"}
# Pages whose first grid is x, as the issue saw it broken.
X_FIRST = {"", "step_by_step", "average_vs_max"}
NAV_LINK = '[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]'


def test_streamlit_still_says_what_history_entry_reads():
    """Canary: ``ui.router.history_entry`` reads two fields of Streamlit's run context; a
    Streamlit that renames them must fail here, not silently in the browser."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    fields = ScriptRunContext.__dataclass_fields__
    assert "is_history_navigation" in fields and "query_string" in fields


def test_streamlit_still_pushes_an_entry_for_each_url_the_server_sets():
    """Canary for ``ui.router.one_entry_per_page``: Streamlit's frontend answers each URL the
    server sets with ``history.pushState`` (replaceState only while Back or Forward is being
    answered), on purpose (streamlit/streamlit#16831). When this fails, read the new code:
    if a page switch makes one entry by itself, the script can go."""
    import streamlit

    bundles = (Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js")
    code = "".join(bundle.read_text(encoding="utf-8") for bundle in bundles)
    assert "this.historyNavigationEpoch===null?window.history.pushState({},``,n):window.history.replaceState" in code


def every_pair_walk(count: int) -> list[int]:
    """A walk through ``count`` pages that goes from each page to each other page exactly
    once (an Euler circuit of the complete directed graph), starting and ending at page 0.

    >>> every_pair_walk(3)
    [0, 1, 0, 2, 1, 2, 0]
    """
    left = {page: [other for other in range(count) if other != page] for page in range(count)}
    stack, walk = [0], []
    while stack:
        if left[stack[-1]]:
            stack.append(left[stack[-1]].pop(0))
        else:
            walk.append(stack.pop())
    return walk[::-1]


def test_the_walk_takes_every_page_pair_once():
    walk = every_pair_walk(len(PAGES))
    pairs = list(pairwise(walk))
    assert len(pairs) == len(set(pairs)) == len(PAGES) * (len(PAGES) - 1)


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server() as url:
        yield url


def _address(page) -> tuple[str, dict[str, str]]:
    parts = urlsplit(page.url)
    return parts.path.strip("/"), {key: values[0] for key, values in parse_qs(parts.query).items()}


def _assert_shows(page, path: str, view: dict[str, str], where: str) -> None:
    """The page at ``path`` shows the whole ``view``: in its URL and in its sidebar."""
    assert _address(page) == (path, view if path in SIDEBAR_PAGES else {}), where
    if path not in SIDEBAR_PAGES:
        return
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.locator(".st-key-height input[type='range']").input_value() == view.get("height", "4"), where
    assert sidebar.locator(".st-key-stride_h input[role='combobox']").input_value() == view["stride_h"], where
    if path in X_FIRST and view.get("x") == TYPED:
        assert grid_cell_texts(page, 0) == ["9", "1", "2", "3", "4", "5", "6", "7", "1/3"], where


def _legs(walk: list[int], paths: list[str]) -> list[list[int]]:
    """The walk cut in legs that each start on a page drawing the sidebar (a tab opens the
    view's link there) and hold at most ``MAX_SWITCHES`` switches."""
    legs, start = [], 0
    while start < len(walk) - 1:
        stop = min(start + MAX_SWITCHES, len(walk) - 1)
        while stop < len(walk) - 1 and paths[walk[stop]] not in SIDEBAR_PAGES:
            stop -= 1
        legs.append(walk[start : stop + 1])
        start = stop
    return legs


# Chromium keeps 50 entries of a tab's history at most: a tab walks part of the way.
MAX_SWITCHES = 40


def _walk_and_come_back(page, url: str, leg: list[int], paths: list[str], last: bool) -> None:
    """Open the view on the leg's first page, switch page along the leg (one entry each, each
    carrying the view), then Back to the leg's start, each entry showing its page and view.
    On the ``last`` leg the final page first changes its view: Back must not carry it along,
    and Forward brings it back."""
    page.goto(f"{url}/{paths[leg[0]]}{START}")
    wait_for_app(page, fresh=True)
    length = page.evaluate("history.length")
    for step, (here, there) in enumerate(pairwise(leg), start=1):
        page.locator(NAV_LINK).nth(there).click()
        wait_for_app(page)
        where = f"{paths[here] or 'playground'} -> {paths[there] or 'playground'}"
        assert page.evaluate("history.length") == length + step, where
        _assert_shows(page, paths[there], VIEW, where)
    if last:
        page.locator(".st-key-kernel_h input[type='range']").focus()
        page.keyboard.press("ArrowRight")
        wait_for_app(page)
        changed = {**VIEW, "kernel_h": "3"}
        assert _address(page) == (paths[leg[-1]], changed)
        page.go_back()
        wait_for_app(page)
        _assert_shows(page, paths[leg[-2]], VIEW, "Back from the changed view")
        page.go_forward()
        wait_for_app(page)
        _assert_shows(page, paths[leg[-1]], changed, "Forward to the changed view")
    for index in range(len(leg) - 2, -1, -1):
        page.go_back()
        wait_for_app(page)
        _assert_shows(page, paths[leg[index]], VIEW, f"Back to {paths[leg[index]] or 'playground'}")
    assert page.evaluate("history.length") == length + len(leg) - 1  # Back and Forward add none


@pytest.mark.browser
def test_each_page_switch_is_one_entry_and_back_brings_each_view_back(desktop, app_url):
    """Every ordered pair of pages, in one walk: each switch adds exactly one history entry,
    which carries the view (the issue's typed 3x3 grid, one cell 1/3, and stride 1); Back
    through the walk shows each entry's page with that grid and stride; a view changed on
    the last page stays on that page's entry."""
    paths = [path.removeprefix("pages/").removesuffix(".py") for path, _ in PAGES]
    paths[0] = ""  # the start page's address
    legs = _legs(every_pair_walk(len(PAGES)), paths)
    assert sum(len(leg) - 1 for leg in legs) == len(PAGES) * (len(PAGES) - 1)
    for number, leg in enumerate(legs):
        tab = desktop.new_page()  # a tab of its own for each leg: Chromium's 50 entries
        try:
            _walk_and_come_back(tab, app_url, leg, paths, last=number == len(legs) - 1)
        finally:
            tab.close()


@pytest.mark.browser
def test_back_brings_back_the_language_and_presentation_mode_of_its_page(page, app_url):
    """The display settings are part of the view an entry names: switched on the next page
    (Chinese to English, presentation mode on), Back shows the page before as it was; and
    so is a typed ∂L/∂y (the custom loss), typed over on the next page."""
    view = {**VIEW, "loss": "custom", "grad": "2,1;1,1/3"}
    page.goto(f"{app_url}/{START}&loss=custom&grad=2,1;1,1/3&lang=zh")
    wait_for_app(page, fresh=True)
    page.locator(NAV_LINK).nth(1).click()
    wait_for_app(page)
    type_into_editor(page, 1, 0, 0, "5", columns=2)  # ∂L/∂y[0, 0] on this page only
    page.locator(".st-key-lang input").click()
    page.get_by_role("option", name="English").click()
    wait_for_app(page)
    page.locator(".st-key-present label").click()
    wait_for_app(page)
    assert _address(page) == ("step_by_step", {**view, "grad": "5,1;1,1/3", "lang": "en", "present": "1"})
    assert page.locator("h1").first.inner_text() == "Step by step"
    page.go_back()
    wait_for_app(page)
    assert _address(page) == ("", {**view, "lang": "zh"})
    assert grid_cell_texts(page, 2) == ["2", "1", "1", "1/3"]  # ∂L/∂y
    assert page.locator("h1").first.inner_text() == "实验场"
    assert not page.locator(".st-key-present input").is_checked()
    page.go_forward()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Step by step"
    assert page.locator(".st-key-present input").is_checked()
