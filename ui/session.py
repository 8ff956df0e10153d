"""What the sidebar keeps between pages, and the preset banner.

Streamlit starts a newly opened page's widgets from their defaults and drops the URL on the
way; ``restore_after_page_change`` gives the shared controls back their values (or a preset
link's whole setup), and ``keep_for_next_page`` remembers them at the end of every run.
``preset_lesson`` shows a preset's one-line lesson while the sidebar still shows that preset.
"""

from __future__ import annotations

import streamlit as st

from scenario.inputs import GENERATED_SOURCES
from scenario.params import DEFAULTS, URL_KEYS
from scenario.presets import PRESETS_BY_KEY, Preset
from ui.controls import typed_grids_from_history
from ui.lang import current_language, tr
from ui.router import history_entry
from ui.url import UrlCheck

__all__ = ["keep_for_next_page", "preset_lesson", "restore_after_page_change"]

# The display settings a tab keeps in its session (each control reads the URL when its key
# is not there): the language, presentation mode and the palette.
SHOWN_AS_KEPT = ("lang", "present", "palette")


def restore_after_page_change() -> None:
    """A newly opened page starts its widgets from their defaults, and Streamlit drops the
    URL parameters on the way: give the shared sidebar controls back the values they had
    on the previous page, and the URL its view back in one change (each change of the URL
    by the server is a history entry in Streamlit's frontend; ``ui.router.one_entry_per_page``
    folds them into the page's one entry, and one change keeps the folding short).

    A preset link (``preset=<name>``) is a whole setup instead: its values, and the defaults
    for everything it does not set, whatever the sidebar held before. Back and Forward bring
    a page whose URL names its whole view: that view (``_open_history_entry``)."""
    entry = history_entry()
    if entry is not None:
        _open_history_entry(entry)
    if not st.session_state.get("page_changed"):
        return
    preset = PRESETS_BY_KEY.get(st.query_params.get("preset"))
    if preset is not None:
        for key, value in preset.values().items():
            st.session_state[key] = value
        return
    for key, value in st.session_state.get("kept_controls", {}).items():
        st.session_state[key] = value
    # The bound widgets find their values already in the URL, and leave it as it is.
    missing = {key: text for key, text in st.session_state.get("kept_query", {}).items() if key not in st.query_params}
    if missing:
        st.query_params.update(missing)


def _open_history_entry(entry: dict[str, str]) -> None:
    """Show the view a history entry names. On this run Streamlit gives the sidebar's bound
    widgets their defaults (``ui.router.history_entry``), so the entry goes back into the
    URL, the sidebar forgets the values it held (and the display settings), and a rerun (an ordinary one) has every
    control take its value from the URL, as when a link opens; the typed grids are the app's."""
    typed_grids_from_history(entry)
    for key in (*DEFAULTS, *SHOWN_AS_KEPT):
        st.session_state.pop(key, None)
    # What Streamlit dropped, it also unbound: those keys can be written (the others, some
    # bound to this page's widgets, are there already).
    st.query_params.update({key: text for key, text in entry.items() if key not in st.query_params})
    st.rerun()


def _matches(preset: Preset) -> bool:
    """Whether the sidebar still shows the preset's setup (the settings that matter now)."""
    expected = preset.values()
    current = {key: st.session_state.get(key, default) for key, default in DEFAULTS.items()}
    ignored = set()
    if current["square"]:
        ignored |= {"kernel_w", "stride_w", "padding_w"}
    if current["input"] not in (*GENERATED_SOURCES, "custom"):
        ignored |= {"height", "width"}
    if "random" not in (current["input"], current["loss"]):
        ignored.add("seed")
    if current["loss"] != "cell":
        ignored |= {"loss_row", "loss_col"}
    return all(current[key] == expected[key] for key in DEFAULTS if key not in ignored)


def preset_lesson(url: UrlCheck) -> None:
    """The preset's one-line lesson above the charts while the view is still that preset;
    once a control changes, the ``preset`` parameter leaves the URL."""
    name = st.query_params.get("preset")
    if name is None:
        return
    preset = PRESETS_BY_KEY.get(name)
    if preset is None:
        url.check("preset", None, tr("url.allowed_preset", options=", ".join(PRESETS_BY_KEY)), tr("url.no_preset"))
        st.query_params.pop("preset", None)
    elif _matches(preset):
        language = current_language()
        st.info(
            tr("presets.banner", title=preset.title(language), lesson=preset.lesson(language)), icon=":material/school:"
        )
    else:
        st.query_params.pop("preset", None)


def keep_for_next_page() -> None:
    """Remember the shared controls' values at the end of every run."""
    # The language widget is the router's, drawn before any page: it keeps its own value.
    st.session_state.kept_controls = {
        key: st.session_state[key] for key in URL_KEYS - {"lang"} if key in st.session_state
    }
    st.session_state.kept_query = {key: text for key, text in st.query_params.to_dict().items() if key in URL_KEYS}
