"""Back and Forward: one history entry per page opened, and each entry brings back exactly the
view it names (ui/router.py's ``one_entry_per_page`` and ``history_entry``, ui/session.py)."""

from __future__ import annotations

import contextlib
import json
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.browser import (
    PATIENCE_MS,
    SCRIPT_DONE,
    grid_cell_texts,
    type_into_editor,
    wait_for_app,
)
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


def covering_walk(sidebar: list[bool]) -> list[int]:
    """A short walk through the pages (``sidebar[page]``: whether it draws the sidebar) that
    leaves every page for a page of each kind and enters every page from a page of each kind,
    from page 0 back to a sidebar page. The kind is what Back has to restore: a sidebar page's
    entry carries the view in its URL, the others' carry none and hand the view on. Greedy:
    each switch covers the most of what is missing, looking one switch ahead.

    >>> covering_walk([True, True, False, False])
    [0, 1, 0, 2, 1, 3, 2, 3, 0]
    """
    count = len(sidebar)
    missing = {(way, page, kind) for way in ("from", "into") for page in range(count) for kind in (True, False)}

    def covers(here: int, there: int) -> set[tuple[str, int, bool]]:
        return {("from", here, sidebar[there]), ("into", there, sidebar[here])} & missing

    def worth(here: int, there: int) -> tuple[int, int, int]:
        then = max(len(covers(there, after)) for after in range(count) if after != there)
        return len(covers(here, there)), then, -there

    walk = [0]
    while missing:
        here = walk[-1]
        there = max((page for page in range(count) if page != here), key=lambda page: worth(here, page))
        if worth(here, there)[:2] == (0, 0):
            raise ValueError(f"no walk covers {sorted(missing)}: too few pages of a kind")
        missing -= covers(here, there)
        walk.append(there)
    return walk if sidebar[walk[-1]] else [*walk, sidebar.index(True)]


PATHS = [path.removeprefix("pages/").removesuffix(".py") for path, _ in PAGES]
PATHS[0] = ""  # the start page's address
WALK = covering_walk([path in SIDEBAR_PAGES for path in PATHS])


def test_the_walk_enters_and_leaves_every_page_from_and_to_each_kind_of_page():
    kinds = {(PATHS[here] in SIDEBAR_PAGES, PATHS[there] in SIDEBAR_PAGES) for here, there in pairwise(WALK)}
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}
    for page, path in enumerate(PATHS):
        origins = {PATHS[here] in SIDEBAR_PAGES for here, there in pairwise(WALK) if there == page}
        targets = {PATHS[there] in SIDEBAR_PAGES for here, there in pairwise(WALK) if here == page}
        assert origins == targets == {True, False}, path
    assert WALK[0] == 0 and PATHS[WALK[-1]] in SIDEBAR_PAGES
    assert len(WALK) < 50  # Chromium keeps a tab's last 50 entries: one tab walks it all


def _address(page) -> tuple[str, dict[str, str]]:
    parts = urlsplit(page.url)
    return parts.path.strip("/"), {key: values[0] for key, values in parse_qs(parts.query).items()}


# The address is ``path`` with exactly the parameters ``view`` and the app is idle.
SETTLED_AT = f"""([path, view]) => {{
  const url = new URL(location.href);
  const sorted = (pairs) => JSON.stringify([...pairs].sort());
  return url.pathname.replace(/^\\/+|\\/+$/g, '') === path
    && sorted(new Map([...url.searchParams]).entries()) === sorted(Object.entries(view))
    && !!document.querySelector({json.dumps(SCRIPT_DONE)});
}}"""


def _assert_address(page, path: str, view: dict[str, str], where: str) -> None:
    """The address settles at ``path`` with ``view``: the address the run ends on, as a user
    sees it (Streamlit's first message of a run gives the URL without the sidebar's
    parameters, given back later in that run); an address that never gets there fails, with
    the diff."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(SETTLED_AT, arg=[path, view], timeout=PATIENCE_MS)
    wait_for_app(page, fresh=True)  # the settled run is the one to wait for: no later one comes
    assert _address(page) == (path, view), where


def _open_page(page, index: int) -> None:
    """Click the link of page ``index`` and wait for its address and its run."""
    page.locator(NAV_LINK).nth(index).click()
    page.wait_for_function(
        "path => location.pathname.replace(/^\\/+|\\/+$/g, '') === path", arg=PATHS[index], timeout=PATIENCE_MS
    )
    wait_for_app(page)


def _assert_shows(page, path: str, view: dict[str, str], where: str) -> None:
    """The page at ``path`` shows the whole ``view``: in its URL and in its sidebar."""
    _assert_address(page, path, view if path in SIDEBAR_PAGES else {}, where)
    if path not in SIDEBAR_PAGES:
        return
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.locator(".st-key-height input[type='range']").input_value() == view.get("height", "4"), where
    assert sidebar.locator(".st-key-stride_h input[role='combobox']").input_value() == view["stride_h"], where
    if path in X_FIRST and view.get("x") == TYPED:
        assert grid_cell_texts(page, 0) == ["9", "1", "2", "3", "4", "5", "6", "7", "1/3"], where


@pytest.mark.browser
def test_each_page_switch_is_one_entry_and_back_brings_each_view_back(page, app_url):
    """Along the walk (every page entered and left from and to each kind of page): each switch
    adds exactly one history entry, which carries the view (the issue's typed 3x3 grid, one
    cell 1/3, and stride 1); a view changed on the last page stays on that page's entry, and
    Back through the walk shows each entry's page with that grid and stride."""
    page.goto(f"{app_url}/{PATHS[WALK[0]]}{START}")
    wait_for_app(page, fresh=True)
    length = page.evaluate("history.length")
    for step, (here, there) in enumerate(pairwise(WALK), start=1):
        _open_page(page, there)
        where = f"{PATHS[here] or 'playground'} -> {PATHS[there] or 'playground'}"
        _assert_shows(page, PATHS[there], VIEW, where)  # waits for the new page's address
        assert page.evaluate("history.length") == length + step, where
    page.locator(".st-key-kernel_h input[type='range']").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    changed = {**VIEW, "kernel_h": "3"}
    _assert_address(page, PATHS[WALK[-1]], changed, "the changed view")
    page.go_back()
    wait_for_app(page)
    _assert_shows(page, PATHS[WALK[-2]], VIEW, "Back from the changed view")
    page.go_forward()
    wait_for_app(page)
    _assert_shows(page, PATHS[WALK[-1]], changed, "Forward to the changed view")
    for index in range(len(WALK) - 2, -1, -1):
        page.go_back()
        wait_for_app(page)
        _assert_shows(page, PATHS[WALK[index]], VIEW, f"Back to {PATHS[WALK[index]] or 'playground'}")
    assert page.evaluate("history.length") == length + len(WALK) - 1  # Back and Forward add none


@pytest.mark.browser
def test_back_brings_back_the_language_and_presentation_mode_of_its_page(page, app_url):
    """The display settings are part of the view an entry names: switched on the next page
    (Chinese to English, presentation mode on), Back shows the page before as it was; and
    so is a typed ∂L/∂y (the custom loss), typed over on the next page."""
    view = {**VIEW, "loss": "custom", "grad": "2,1;1,1/3"}
    page.goto(f"{app_url}/{START}&loss=custom&grad=2,1;1,1/3&lang=zh")
    wait_for_app(page, fresh=True)
    _open_page(page, 1)
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
    _assert_address(page, "", {**view, "lang": "zh"}, "Back")
    assert grid_cell_texts(page, 2) == ["2", "1", "1", "1/3"]  # ∂L/∂y
    assert page.locator("h1").first.inner_text() == "实验场"
    assert not page.locator(".st-key-present input").is_checked()
    page.go_forward()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Step by step"
    assert page.locator(".st-key-present input").is_checked()


def _touch_drag(page, key: str, dx: float) -> None:
    """Drag slider ``key``'s thumb with a finger (Chromium's touch events, as a phone sends
    them): a drag sends no click, unlike a mouse, so nothing but the drag tells the page."""
    thumb = page.locator(f".st-key-{key} input[type='range']").locator("xpath=../..")  # the input sits in it, hidden
    thumb.scroll_into_view_if_needed()
    box = thumb.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 9):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x + dx * step / 8, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


@pytest.mark.browser
@pytest.mark.parametrize("here", [0, 1], ids=["start page", "step by step"])
def test_a_click_on_the_current_pages_link_leaves_the_next_change_in_the_link(new_context, app_url, here):
    """The link of the page on screen opens no other page (Streamlit reruns the same one): the
    next change of the view still goes into the link whole, on the same entry, and Back and
    Forward still bring each page's view.
    The change: a finger widens the input (a drag sends no click, unlike a mouse, so nothing
    but the drag tells the page), and the app writes the typed x at its new width (x=)."""
    tab = new_context(viewport={"width": 1600, "height": 1000}, has_touch=True).new_page()
    there = 1 - here
    tab.goto(f"{app_url}/{PATHS[there]}{START}")
    wait_for_app(tab, fresh=True)
    _open_page(tab, here)
    length = tab.evaluate("history.length")
    tab.locator(NAV_LINK).nth(here).tap()  # the page on screen: no new address comes
    wait_for_app(tab)
    _touch_drag(tab, "width", 30)  # farther than a tap (a short one sends a click)
    wait_for_app(tab)
    width = int(tab.locator(".st-key-width input[type='range']").input_value())
    assert width > 3  # the drag widened x
    path, view = _address(tab)
    rows = [row.split(",") for row in view.get("x", "").split(";")]
    assert [row[:3] for row in rows] == [row.split(",") for row in TYPED.split(";")]  # the typed cells kept
    assert {len(row) for row in rows} == {width}, view  # x in the link as wide as the sidebar says
    changed = {**VIEW, "width": str(width), "x": view["x"]}
    assert (path, view) == (PATHS[here], changed)
    assert tab.evaluate("history.length") == length  # a change of the view adds no entry
    tab.go_back()
    wait_for_app(tab)
    _assert_shows(tab, PATHS[there], VIEW, "Back")
    tab.go_forward()
    wait_for_app(tab)
    _assert_address(tab, PATHS[here], changed, "Forward")


LEAVING_PAGE = """async ([tickerJs, link]) => {
  window.triggers = [];
  const ticker = (await import("data:text/javascript," + encodeURIComponent(tickerJs))).default;
  const root = document.createElement("div");
  const record = (event, value) => window.triggers.push(String(value));
  window.tick = (step, epoch) => ticker({ data: { playing: true, step, interval_ms: 250, epoch },
                                          parentElement: root, setTriggerValue: record });
  document.body.insertAdjacentHTML("beforeend", link);
  document.querySelector("a").addEventListener("click", (event) => event.preventDefault());  // no real navigation
}"""


def test_a_click_on_another_pages_link_halts_the_timers_of_the_page_it_leaves(new_context):
    """ui/router.py's script and ui/replay_ticker.js (Step by step's Play, Across frameworks'
    progress) in Chromium, on a clock the test drives: the timer asks for a step every interval
    until a click on another page's link, then never (a step asked then reached the server in
    the new page's run, where its fragment is gone: the Quiz was left without its title in CI)."""
    from harness.server import REPO
    from ui.router import _ONE_ENTRY_PER_PAGE

    page = new_context().new_page()
    page.clock.install(time=0)
    page.goto("data:text/html,<html><body></body></html>")
    page.set_content(f"<html><body>{_ONE_ENTRY_PER_PAGE}</body></html>")
    page.clock.pause_at(60_000)  # from here time moves only by run_for: the click cannot be late
    link = '<a data-testid="stPageLink-NavLink" href="https://app.example/quiz">Quiz</a>'
    page.evaluate(LEAVING_PAGE, [(REPO / "ui" / "replay_ticker.js").read_text(), link])
    page.evaluate("() => window.tick(1, 7)")
    page.clock.run_for(300)
    assert page.evaluate("() => window.triggers") == ["1"]
    page.evaluate("() => window.tick(2, 7)")  # the step's run drew step 2
    page.click("a")
    page.clock.run_for(10_000)
    assert page.evaluate("() => window.triggers") == ["1"]
