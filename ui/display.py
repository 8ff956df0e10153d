"""How grids are shown: the heatmap-grid component, presentation mode (for a projector) and
the colour-blind-safe palette.

``present=1`` in the URL (or the sidebar toggle) collapses the sidebar on load, draws charts
larger (filling the screen height) with larger text, folds the rarer controls into "More options" and shortens the
explanations. ``palette=colorblind`` switches to cividis and purple-orange.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from figures.grids import (
    GridDescription,
    Selection,
    WindowAxes,
    describe_cell,
    read_selection,
    table_texts,
    window_axes,
    with_palette,
)
from figures.views import playground_grids
from pooling import Window
from scenario.compute import Computed
from scenario.explain import explain_pooled_cell
from scenario.params import PALETTES
from ui.lang import current_language, tr, translated_select
from ui.shared import Shared

__all__ = [
    "PALETTES",
    "copy_link",
    "current_palette",
    "display_controls",
    "explanation",
    "pooling_explainer",
    "present_page_style",
    "presenting",
    "select_cell",
    "selected_cell",
    "shared_playground_grids",
    "show_grids",
]

COMPONENT = Path(__file__).resolve().parents[1] / "figures" / "component"
STATIC = COMPONENT.parents[1] / "static"  # Streamlit serves it at app/static/


def presenting() -> bool:
    """Presentation mode: the sidebar toggle, or ``present=1`` in the URL before it is drawn."""
    if "present" in st.session_state:
        return bool(st.session_state.present)
    return st.query_params.get("present") in ("1", "true")


def _sync_present() -> None:
    """Keep ``present=1`` in the URL while presentation mode is on, so the link keeps it."""
    if st.session_state.present:
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)


def display_controls() -> dict[str, object]:
    """The sidebar's Display section; returns the values drawn, by key, for the URL check
    (their rows: ``scenario.params.VIEW_CONTROLS``)."""
    st.subheader(tr("display.header"))
    st.session_state.setdefault("present", presenting())  # present=1 (or true) on, 0 (or false) off
    present = st.toggle(tr("display.present"), key="present", on_change=_sync_present, help=tr("display.present_help"))
    palette = translated_select(
        tr("display.palette"), PALETTES, "palette", "display.palette_", help=tr("display.palette_help")
    )
    return {"present": present, "palette": palette}


# Presentation mode: the projector's height goes to the grids (less space above the title, a
# smaller title, narrower margins), and what a teacher explains (a clicked cell, the quiz's
# answer) is read from the back of the room: large, a little smaller on a 720-pixel screen.
PRESENT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.75rem 2rem 0.5rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0 0 0.25rem; }
.st-key-quiz_verdict [data-testid="stMarkdownContainer"] p,
[class*="_explained_"] [data-testid="stMarkdownContainer"] p {
  font-size: clamp(1.25rem, 2.4vh, 1.6rem);
  line-height: 1.4;
}
</style>"""
EXPLANATION_ROOM = 130  # px kept under the grids in presentation mode for an explanation


def present_page_style() -> None:
    """The page's style in presentation mode (app.py, every run; nothing otherwise)."""
    if presenting():
        st.html(PRESENT_CSS)


def explanation(message: str, icon: str, key: str = "explanation") -> None:
    """The explanation of a clicked cell: an info box, large in presentation mode."""
    with st.container(key=key):
        st.info(message, icon=icon)


def current_palette() -> str:
    """The palette this tab draws its grids in (``standard`` or ``colorblind``)."""
    return _palette()


def _palette() -> str:
    chosen = st.session_state.get("palette", st.query_params.get("palette"))
    return chosen if chosen in PALETTES else "standard"


# Streamlit sends a component's `js` and `css` with every run that draws it (~30 kB here).
# So they are only this loader: it imports grids.js and reads grids.css once per tab from the
# app's static files (`static/` is a link to figures/component/, served at app/static/ with
# server.enableStaticServing). The address is relative to the page, as Streamlit's own
# scripts are, so it holds behind a proxy and under a base URL path; `v` changes with the
# files, so a browser never keeps an old copy. Calls that wait for the first load and are
# overtaken by newer data draw nothing (the newest draws).
LOADER = """const base = new URL("app/static/", document.baseURI);
let loaded = null, loading = null, failures = 0;

function fetchStyles(query) {
  return fetch(new URL(`grids.css${query}`, base)).then((response) => {
    if (!response.ok) throw new Error(`grids.css: HTTP ${response.status}`);
    return response.text();
  });
}

function load() {
  const query = `?v=VERSION${failures ? `&retry=${failures}` : ""}`; // a new address after a failure
  loading ??= Promise.all([import(new URL(`grids.js${query}`, base).href), fetchStyles(query)]).then(
    ([code, styles]) => (loaded = { code, styles }),
    (error) => {
      loading = null; // the next run tries again
      failures += 1;
      throw error;
    },
  );
  return loading;
}

function mount(component) {
  const parent = component.parentElement;
  if (!parent.querySelector("style.grids-styles")) {
    const style = document.createElement("style");
    style.className = "grids-styles";
    style.textContent = loaded.styles;
    parent.prepend(style);
  }
  return loaded.code.default(component);
}

export default function (component) {
  if (loaded) return mount(component);
  const parent = component.parentElement;
  const call = (parent.gridsWaiting = (parent.gridsWaiting || 0) + 1);
  return load().then(() => (call === parent.gridsWaiting ? mount(component) : undefined));
}
"""


def _component_code() -> tuple[str, str]:
    """The component's (css, js): the loader where Streamlit serves the component's files
    as they are here, else the files themselves (static serving off, or no ``static`` link,
    as in a checkout without symbolic links)."""
    files = [COMPONENT / "grids.css", COMPONENT / "grids.js"]
    css, js = (path.read_text() for path in files)
    served = [STATIC / path.name for path in files]
    if st.get_option("server.enableStaticServing") and all(
        path.is_file() and path.read_text() == text for path, text in zip(served, (css, js))
    ):
        return "", LOADER.replace("VERSION", hashlib.sha256((css + js).encode()).hexdigest()[:12])
    return css, js


@st.cache_resource
def _grids_component():
    """The heatmap-grid component, registered once per server (figures/component/)."""
    css, js = _component_code()
    return st.components.v2.component("avgpool_grids", html="", css=css, js=js)


# "Copy link to this view": the browser's own address, read when the button is pressed, is the
# view (every control is bound to the URL), so a slider moved in a fragment's run is in it too.
# Plain HTML in the page (not a component: nothing for the grids' tests to mistake for a grid);
# one listener per tab. Where the clipboard is not open to the page (a school's plain-http
# address), the link is shown selected, for Ctrl+C.
COPY_LINK_HTML = """<div class="copy-link">
<button type="button" data-copied="{copied}" data-manual="{manual}">{label}</button>
<span class="status" role="status"></span>
<input type="text" readonly hidden aria-label="{label}">{note}
</div>
<style>
.copy-link button {{
  font: inherit; font-size: 0.9rem; color: inherit; background: transparent; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.25rem 0.75rem;
}}
.copy-link button:hover, .copy-link button:focus-visible {{ border-color: #1565c0; color: #1565c0; }}
.copy-link .status {{ margin-left: 0.5rem; font-size: 0.85rem; color: #1b5e20; }}
.copy-link input {{ display: block; width: 100%; box-sizing: border-box; margin-top: 0.4rem; font-size: 0.8rem; }}
.copy-link .note {{ margin: 0.4rem 0 0; font-size: 0.85rem; color: #444444; }}
</style>
<script>
if (!window.copyLinkListening) {{
  window.copyLinkListening = true;
  document.addEventListener("click", async (event) => {{
    const button = event.target.closest(".copy-link button");
    if (!button) return;
    const box = button.closest(".copy-link");
    const [field, status] = [box.querySelector("input"), box.querySelector(".status")];
    // The view, never the class: its code, join key, projector view and student ids stay out.
    const link = new URL(window.location.href);
    ["class", "key", "view", "student"].forEach((name) => link.searchParams.delete(name));
    field.value = link.href;
    field.hidden = false;
    try {{
      await navigator.clipboard.writeText(field.value);
      status.textContent = button.dataset.copied;
    }} catch {{
      field.select();
      status.textContent = button.dataset.manual;
    }}
  }});
}}
</script>"""


def copy_link(uploaded: bool) -> None:
    """A button that copies the link to the view on screen (app.py: on every page), never a
    way into a class (its code, join key, projector view and student ids are left out). An
    ``uploaded`` picture stays on the server that received it: the link cannot carry it, and
    the note under the button says so."""
    note = f'<p class="note">{escape(tr("display.link_no_upload"))}</p>' if uploaded else ""
    words = {word: escape(tr(key)) for word, key in WORDS_OF_COPY_LINK.items()}
    st.html(COPY_LINK_HTML.format(**words, note=note), unsafe_allow_javascript=True)


WORDS_OF_COPY_LINK = {"label": "display.copy_link", "copied": "display.link_copied", "manual": "display.link_manual"}


# What a click on a kind of cell explains when the page has nothing more to say (the icon).
EXPLANATION_ICONS = {"output": ":material/call_split:", "input": ":material/call_merge:"}
Explainer = Callable[[Selection], str | None]


def selected_cell(key: str) -> Selection | None:
    """The cell selected in the grids drawn under ``key`` (kept across runs), if any. Every
    view's selection lives in one dict, ``st.session_state.selected_cells``, by view."""
    return st.session_state.get("selected_cells", {}).get(key)


def select_cell(key: str, selection: Selection | None) -> None:
    """Select a cell of the view ``key`` (None clears it): a click, a tap, Enter or a link."""
    cells = dict(st.session_state.get("selected_cells", {}))
    if selection is None:
        cells.pop(key, None)
    else:
        cells[key] = selection
    st.session_state.selected_cells = cells


# The component's own words, by the name grids.js reads them under.
COMPONENT_WORDS = {
    "png": "grid.png",
    "save": "grid.save",
    "click": "figure.click",
    "keys": "grid.keys",
    "zoom": "grid.zoom",
    "fit": "grid.fit",
}


def show_grids(
    grids: dict[str, GridDescription],
    *,
    key: str,
    file_prefix: str,
    columns: int = 4,
    phone_columns: int = 2,
    windows: WindowAxes | None = None,
    explain: Explainer | None = None,
    hint: str | None = None,
    room_below: int = EXPLANATION_ROOM,
) -> Selection | None:
    """Draw grid descriptions (``figures.grids``, by name) side by side with the component,
    and under them the explanation of the cell selected in them.

    Every grid explains its cells, by click, tap and keyboard: ``explain`` writes what a
    selection means (None: the cell's value, ``figures.grids.describe_cell``); ``hint`` is
    shown while nothing is selected. ``windows`` (``window_axes``) lets a click light up its
    windows without a round trip. PNG files are named ``<file_prefix>_<name>.png``. In
    presentation mode the grids fit the screen's height with ``room_below`` px left under
    them; on a phone (under 640 px) at most ``phone_columns`` grids share a row. Returns the
    selection drawn (one that no longer fits the grids is dropped).
    """
    palette, present = _palette(), presenting()
    selection = selected_cell(key)
    if selection is not None and read_selection(selection._asdict(), grids) != selection:
        select_cell(key, selection := None)  # the grids changed size: the cell is gone
    data = {
        "grids": [
            {**with_palette(grid, palette), "key": name, "file": f"{file_prefix}_{name}"}
            for name, grid in grids.items()
        ],
        "columns": columns,
        "phone_columns": phone_columns,
        "axes": windows,
        "selection": None if selection is None else selection._asdict(),
        "explanation": f"{key}_explained",
        "present": present,
        "palette": palette,  # the windows' outline colours, chosen to stand out on its scales
        "fit_height": present,
        # In presentation mode the grids leave this much of the screen under them (px): the
        # explanation of a click, or a page's own line, is on screen with them.
        "room_below": room_below,
        "text": {word: tr(key) for word, key in COMPONENT_WORDS.items()},
    }

    def remember() -> None:
        select_cell(key, read_selection(_event(key), grids))

    _grids_component()(key=key, data=data, on_select_change=remember)
    if selection is not None:
        message = explain(selection) if explain else None
        message = message or describe_cell(grids[selection.grid], selection.row, selection.col, current_language())
        icon = EXPLANATION_ICONS.get(selection.kind, ":material/info:")
        explanation(message, icon, key=_explanation_key(key, selection))
    elif hint:
        st.info(hint, icon=":material/touch_app:")
    _tables(grids, key)
    return selection


def shared_playground_grids(computed: Computed, language: str, image: bool = False) -> tuple[dict, dict, list[Window]]:
    """The Playground's four grid descriptions (``figures.views.playground_grids``), the windows'
    axes and the windows, built once per view for every session: a class of 60 following one
    teacher shows one view, and a 64x64 view's labels (16,000 numbers written as text) are then
    written once, not 60 times. Shared between sessions: never changed by their users."""
    return _GRIDS.get((computed.key, language, image), lambda: _shared_grids(computed, language, image))


_GRIDS: Shared[tuple[dict, dict, list[Window]]] = Shared(entries=32)


def _shared_grids(computed: Computed, language: str, image: bool) -> tuple[dict, dict, list[Window]]:
    windows = computed.windows
    return playground_grids(computed, language, image), window_axes(windows), windows


def pooling_explainer(
    x: np.ndarray,
    y: np.ndarray,
    grad_output: np.ndarray,
    grad_input: np.ndarray,
    windows: list[Window],
    language: str,
) -> Explainer:
    """Explain a selected cell of an average pooling's grids (``scenario.explain``): an
    output's mean and its split gradient, an input cell's sum of shares."""

    def explain(selection: Selection) -> str | None:
        return explain_pooled_cell(*selection[:3], x, y, grad_output, grad_input, windows, language)

    return explain


def _event(key: str) -> object:
    """The component's last ``select`` event, or None when it cannot even be read."""
    try:
        return st.session_state[key].select
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
        return None


def _explanation_key(key: str, selection: Selection) -> str:
    """The explanation's container key (its CSS class ``st-key-…``): grids.js finds it by the
    cell it explains, and brings it into view when it appears below the screen."""
    return f"{key}_explained_{selection.grid}_{selection.row}_{selection.col}"


def _tables(grids: dict[str, GridDescription], key: str) -> None:
    """The same numbers as tables, for a screen reader or a careful look: a folded expander,
    filled only while open, and only the tab shown (a 128x128 grid's table is ~0.15 MB to
    send). Not on a projector: its height is the grids'."""
    if presenting():
        return
    expander = st.expander(tr("grid.tables"), key=f"{key}_tables", on_change="rerun", icon=":material/table:")
    if not expander.open:
        return
    with expander:
        tabs = st.tabs([grid["title"] for grid in grids.values()], key=f"{key}_table_tabs", on_change="rerun")
        for tab, (name, grid) in zip(tabs, grids.items()):
            if tab.open is False:  # None: Streamlit does not know yet, so it is drawn
                continue
            # Written as the grid writes them (1/9, ≈0.3411), not as floats: docs/numbers.md.
            table = pd.DataFrame(table_texts(grid), columns=[str(col) for col in range(grid["cols"])])
            tab.caption(grid["description"])
            tab.dataframe(table, key=f"{key}_table_{name}")
