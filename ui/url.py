"""Visible warnings for URL parameters that Streamlit had to ignore.

Widgets bound with ``bind="query-params"`` read their value from the URL on the first run;
a malformed or out-of-range value is silently replaced by the default. We keep the raw URL
values from the start of the run, compare them with what each widget ended up with, and
say so when they differ.
"""

from __future__ import annotations

import re

import streamlit as st

from i18n import text, user_text
from scenario.params import allowed_values
from ui.lang import current_language, tr

__all__ = ["UrlCheck", "ignored_warning"]

UNKNOWN_LISTED = 10  # unknown parameters named in the warning; the rest are counted


class UrlCheck:
    """The URL parameters as they were when this run started, checked widget by widget.

    Used as a context manager around a page: the warnings appear at the top of the page
    (where it was made) once the block ends, however the page returns::

        with UrlCheck(URL_KEYS | {"step"}) as url:
            step_by_step_page(url)
    """

    def __init__(self, known: set[str]) -> None:
        # Only the first run of a session reads the URL the user opened; later runs see URLs
        # the widgets wrote themselves (and a value the app sets, such as a preset, would
        # otherwise look like an ignored parameter).
        first_run = not st.session_state.get("url_checked", False)
        self.raw = {key: st.query_params.get(key) for key in st.query_params} if first_run else {}
        self.known = known
        self.warnings: list[str] = []
        self.slot = st.container()  # warnings go here, at the top of the page, once all are known

    def __enter__(self) -> UrlCheck:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:  # st.rerun and st.stop end the run early: nothing to show then
            self.show()

    def was_given(self, key: str) -> bool:
        return key in self.raw

    def check(self, key: str, value: object, allowed: str, value_text: str | None = None) -> None:
        """Warn when the URL asked for ``key`` and the widget did not take it as given."""
        warning = ignored_warning(current_language(), key, self.raw.get(key), value, allowed, value_text)
        if warning is not None:
            self.warnings.append(warning)

    def check_control(self, key: str, value: object, value_text: str | None = None, **bounds: object) -> None:
        """``check`` for a control of the shared sidebar, which says what it allows by its row of
        ``scenario.params.CONTROLS`` (``bounds``: the ``high`` another control sets, and the like)."""
        self.check(key, value, allowed_values(current_language(), key, **bounds), value_text)

    def warn(self, message: str) -> None:
        """A URL value that could not be used, said in ``message`` (shown with the others)."""
        self.warnings.append(message)

    def show(self) -> None:
        """One warning per parameter that was ignored, and one listing the unknown ones."""
        unknown = sorted(set(self.raw) - self.known)
        if unknown:
            listed = ", ".join(f"“{_shown(key)}”" for key in unknown[:UNKNOWN_LISTED])
            more = tr("url.unknown_more", count=len(unknown) - UNKNOWN_LISTED) if len(unknown) > UNKNOWN_LISTED else ""
            self.warnings.append(tr("url.unknown", keys=listed + more))
            for key in unknown:
                del st.query_params[key]  # warn once, and keep shared links clean
        for message in self.warnings:
            self.slot.warning(message, icon=":material/link_off:")
        st.session_state.url_checked = True
        # A fragment rerun (ui.scenario) keeps this object: it must not read this URL again.
        self.raw, self.warnings = {}, []


def ignored_warning(
    language: str, key: str, raw: str | None, value: object, allowed: str, value_text: str | None = None
) -> str | None:
    """The warning for a URL value ``raw`` of ``key`` that its widget did not take as given (it
    took ``value``), or None: the URL rule, without Streamlit.

    >>> ignored_warning("en", "kernel_h", "3", 3, "…") is None
    True
    >>> ignored_warning("en", "ceil_mode", "maybe", False, "ceil_mode is `true` or `false`")
    'URL parameter “ceil_mode=maybe” was not used as given: ceil_mode is `true` or `false`. Using off.'
    """
    if raw is None or _same(raw, value):
        return None
    used = value_text or _describe(language, value)
    return text(language, "url.ignored", key=key, value=_shown(raw), allowed=allowed, used=used)


def _shown(text: str) -> str:
    """A URL key or value as a message quotes it: short and inert (``i18n.user_text``)."""
    return user_text(text, limit=24)


def _same(raw: str, value: object) -> bool:
    text = raw.strip()
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, int):
        return bool(re.fullmatch(r"[+-]?\d{1,9}", text)) and int(text) == value
    if value is None:
        return False  # None is a default: the URL never needs to carry it
    return text == str(value)


def _describe(language: str, value: object) -> str:
    if value is None:
        return text(language, "url.default")
    if isinstance(value, bool):
        return text(language, "url.on" if value else "url.off")
    return f"`{value}`"
