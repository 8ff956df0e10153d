"""Visible warnings for URL parameters that Streamlit had to ignore.

Widgets bound with ``bind="query-params"`` read their value from the URL on the first run;
a malformed or out-of-range value is silently replaced by the default. We keep the raw URL
values from the start of the run, compare them with what the widgets ended up with (the
rule itself, without Streamlit, is ``scenario/url_check.py``), and say so when they differ.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from scenario.url_check import control_warnings, ignored_warning, shown_in_warning
from ui.lang import current_language, tr

__all__ = ["UrlCheck", "app_address"]


def app_address() -> str:
    """The app's address as this browser reached it, without the page's path and the query:
    where every link the app writes for someone else starts (a preset's, the join link, a
    deck's, a network digit's)."""
    address = (st.context.url or "").split("?")[0].rstrip("/")
    here = st.session_state.get("current_page", "")  # set by app.py's router
    return address.removesuffix(f"/{here}") if here else address


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

    def check_controls(self, values: Mapping[str, object], output_shape: tuple[int, int] | None) -> None:
        """Check the shared sidebar once it is drawn: ``values`` are what its widgets ended
        with, by key (the controls it drew); ``output_shape`` bounds the loss cell."""
        self.warnings += control_warnings(current_language(), self.raw, values, output_shape)

    def warn(self, message: str) -> None:
        """A URL value that could not be used, said in ``message`` (shown with the others)."""
        self.warnings.append(message)

    def show(self) -> None:
        """One warning per parameter that was ignored, and one listing the unknown ones."""
        unknown = sorted(set(self.raw) - self.known)
        if unknown:
            listed = ", ".join(f"“{shown_in_warning(key)}”" for key in unknown[:UNKNOWN_LISTED])
            more = tr("url.unknown_more", count=len(unknown) - UNKNOWN_LISTED) if len(unknown) > UNKNOWN_LISTED else ""
            self.warnings.append(tr("url.unknown", keys=listed + more))
            for key in unknown:
                del st.query_params[key]  # warn once, and keep shared links clean
        for message in self.warnings:
            self.slot.warning(message, icon=":material/link_off:")
        st.session_state.url_checked = True
        # A fragment rerun (ui.scenario) keeps this object: it must not read this URL again.
        self.raw, self.warnings = {}, []
