"""The pages of the app, and a guard that keeps every page behind the router (app.py).

Streamlit still has a legacy router for apps with a ``pages/`` folder: until some run calls
``st.navigation``, it serves ``pages/<name>.py`` directly at ``/<name>``, without app.py. A
shared deep link can be a fresh server's first request, so each page starts with
``require_router()``: if app.py did not route this run, it registers the app's pages (which
switches Streamlit to ``st.navigation`` for good) and reruns, now through the router.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
from pathlib import Path
from urllib.parse import parse_qsl

import streamlit as st
from streamlit.runtime.scriptrunner import ScriptRunContext, get_script_run_ctx

from ui.display import presenting
from ui.lang import current_language, tr

__all__ = [
    "PAGES",
    "PAGE_ICONS",
    "app_pages",
    "history_entry",
    "mark_routed",
    "one_entry_per_page",
    "page_header",
    "page_title",
    "require_router",
]

# (file, icon); the first is the start page. A page's address is its file name, and its
# title the catalogue's page.<file name>.
PAGES = [
    ("pages/playground.py", ":material/grid_on:"),
    ("pages/step_by_step.py", ":material/play_circle:"),
    ("pages/under_the_hood.py", ":material/settings:"),
    ("pages/average_vs_max.py", ":material/compare_arrows:"),
    ("pages/quiz.py", ":material/quiz:"),
    ("pages/presets.py", ":material/collections_bookmark:"),
    ("pages/classic.py", ":material/school:"),
    ("pages/network.py", ":material/hub:"),
    ("pages/frameworks.py", ":material/difference:"),
    ("pages/live_class.py", ":material/groups:"),
    ("pages/homework.py", ":material/assignment:"),
]


PAGE_ICONS = dict(PAGES)


def page_title(path: str) -> str:
    """A page's title in the current language: ``page_title("pages/quiz.py")``."""
    return tr(f"page.{Path(path).stem}")


def page_header(path: str, caption_key: str | None = None) -> None:
    """A page's title and its one-line caption. In presentation mode the caption is left out:
    the teacher says it, and the projector's height goes to the grids."""
    st.title(page_title(path))
    if caption_key is not None and not presenting():
        st.caption(tr(caption_key))


def app_pages() -> list[st.Page]:
    """The app's pages, in sidebar order: made once per session and language (a page resolves
    its file and checks its icon), not on each of the session's runs, and copied for each run.
    ``st.navigation`` marks the page it returns as the one this run may run, and ``run`` unmarks
    it: two runs of one session can overlap (Streamlit starts the next one while the last
    waits, e.g. for its CPU share), and with shared pages the second one's ``run`` raised "This
    page cannot be called directly" (29 times in a 200-student lesson)."""
    language = current_language()
    kept = st.session_state.get(_PAGES)
    if kept is None or kept[0] != language:
        pages = [st.Page(path, title=page_title(path), icon=icon, default=path == PAGES[0][0]) for path, icon in PAGES]
        kept = st.session_state[_PAGES] = (language, pages)
    return [copy.copy(page) for page in kept[1]]


_PAGES = "app_pages"  # (language, the pages) of this session


def mark_routed() -> None:
    """Called by app.py before it runs a page: this run went through the router."""
    st.session_state.routed = True


def require_router() -> None:
    """Go through app.py's router unless it routed this run.

    The legacy router also answers every rerun of ``streamlit.testing``'s AppTest, which resets
    Streamlit's routing state before each run, so the pages' tests go through here too.
    """
    if not st.session_state.pop("routed", False):
        # Registering the pages takes Streamlit off its legacy router; the rerun then goes
        # through app.py, to this same page, with the same URL parameters and widget values.
        st.navigation(app_pages(), position="hidden")
        st.rerun()


# The run context's private fields history_entry reads (Streamlit 1.67). Checked once, when
# this module is imported (app.py, at the server's first run): a Streamlit that renamed them
# fails loudly at start-up rather than on every Back.
_RUN_CONTEXT_FIELDS = frozenset({"is_history_navigation", "query_string"})
_missing = _RUN_CONTEXT_FIELDS - {field.name for field in dataclasses.fields(ScriptRunContext)}
if _missing:
    raise RuntimeError(
        f"Streamlit {st.__version__}'s ScriptRunContext has no {sorted(_missing)}: ui/router.py's "
        "history_entry reads them to restore the view on Back; requirements.txt names the tested range."
    )


def page_mark_problem(run=None) -> str | None:
    """What changed in Streamlit's page mark that ``app_pages`` relies on, or None: a Page is
    run only once ``st.navigation`` marks it (its private ``_can_be_called``), and ``run``
    unmarks it; each run copies the session's pages so that two overlapping runs mark their
    own. Checked when this module is imported (start-up) and by tests/test_i18n.py."""
    source = inspect.getsource(run or st.Page.run)
    if "_can_be_called" not in source:
        return f"Streamlit {st.__version__}'s Page.run no longer reads _can_be_called: review ui/router.app_pages"
    return None


if (_page_problem := page_mark_problem()) is not None:
    raise RuntimeError(_page_problem + "; requirements.txt names the tested range.")


def history_entry() -> dict[str, str] | None:
    """On a run that the browser's Back or Forward started: the parameters of the history
    entry it brought (the app wrote them: they name the whole view); None on other runs.

    Read from the run's own query string, as the browser sent it: on the way to another
    page, Streamlit drops from ``st.query_params`` every parameter that a widget of the page
    being left is bound to (the whole sidebar), and gives those widgets their defaults.
    Streamlit says both only on its run context (``tests/test_history.py`` has the canary);
    streamlit/streamlit#16998 (open) would restore the bound widgets from the URL itself."""
    ctx = get_script_run_ctx()
    if ctx is None or not ctx.is_history_navigation:
        return None
    return dict(parse_qsl(ctx.query_string, keep_blank_values=True))


# Streamlit's frontend adds a history entry (``history.pushState``) for every change of the
# URL that the server makes while no Back or Forward is being answered: on a page switch,
# the old page's parameters leaving the URL, then each sidebar value given back to the new
# page, each typed grid, then the new page's address. Back then stepped into those halfway
# URLs, and the app rebuilt a view no page ever showed. In this app the server changes the
# URL only to write the view down, never as a step of its own; the user's steps are the pages
# they open. So: a change of address (a page) adds the entry; a change of the parameters
# replaces the current entry; and between a click on a page link and its new address, the
# page being left keeps the URL of the view it showed (that is what Back must bring back).
# Streamlit pushes on purpose (streamlit/streamlit#16831: a URL the app sets can be undone);
# tests/test_history.py has a canary that fails when its frontend changes this.
_ONE_ENTRY_PER_PAGE = """<style>
  [data-testid="stElementContainer"]:has(script.avgpool-history) { display: none; }  /* no gap */
</style>
<script class="avgpool-history">
(() => {
  if (window.avgpoolOneEntryPerPage) return;  // once per tab: each run draws this again
  window.avgpoolOneEntryPerPage = true;
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  // A page link's address: Streamlit writes the start page's as "" (the app's root), which
  // a URL would read as the address on screen.
  const linkPath = (link) => new URL(link.getAttribute('href') || './', location.href).pathname;
  const toOtherPage = (event) => {
    const link = event.target instanceof Element && event.target.closest('[data-testid="stPageLink-NavLink"]');
    return Boolean(link) && linkPath(link) !== location.pathname;
  };
  // A link to another page was clicked: its address is still to come. The link of the page
  // on screen brings no new address to clear the flag (Streamlit reruns the same page).
  let leaving = false;
  // Leaving, the page's browser timers stop asking for runs (ui/replay_ticker.js): a step
  // asked now would reach the server in the new page's run, where its fragment is gone.
  document.addEventListener('click', (event) => {
    leaving = toOtherPage(event);
    if (leaving) window.dispatchEvent(new CustomEvent('avgpool:halt-timers'));
  }, true);
  document.addEventListener('keydown', (event) => { leaving = leaving && toOtherPage(event); }, true);
  history.pushState = (state, title, url) => {
    if (new URL(url, location.href).pathname !== location.pathname) {
      leaving = false;
      return push(state, title, url);
    }
    if (!leaving) return replace(state, title, url);
  };
})();
</script>"""


def one_entry_per_page() -> None:
    """One history entry per page the user opens, holding the view that page showed (see
    ``_ONE_ENTRY_PER_PAGE``). Draws nothing; app.py calls it on every run."""
    st.html(_ONE_ENTRY_PER_PAGE, unsafe_allow_javascript=True)
