"""The URL rule, without Streamlit: a value a link asked for that its widget did not take as
given (Streamlit silently puts the default in its place) is said, with what the control allows.

The shared sidebar's controls and its Display section are checked together, from their rows
of the tables (``scenario.params.CONTROLS``, ``VIEW_CONTROLS``), once the sidebar is drawn
(``control_warnings``); a page's own widgets one by one (``ignored_warning``). ``ui/url.py``
shows the warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from i18n import text, user_text
from scenario.params import CONTROLS, VIEW_CONTROLS, allowed_values, control_high

__all__ = ["control_warnings", "ignored_warning", "shown_in_warning"]


def control_warnings(
    language: str,
    raw: Mapping[str, str],
    values: Mapping[str, object],
    output_shape: tuple[int, int] | None = None,
) -> list[str]:
    """The warnings for the sidebar's controls, in the table's order: one for each control
    the sidebar drew (``values``: what its widget ended with, by key) whose URL value
    (``raw``: the link's parameters as given) it did not take. The bounds that other values
    set (padding by the kernel, the loss cell by ``output_shape``) are ``control_high``'s.

    >>> [warning] = control_warnings("en", {"kernel_h": "3", "padding_h": "2"}, {"kernel_h": 3, "padding_h": 0})
    >>> warning.split(": ")[1]
    'with kernel 3, padding is a whole number from 0 to 1. Using `0`.'
    >>> [warning] = control_warnings("en", {"stride_h": "0", "kernel_w": "x"}, {"stride_h": None})  # no kernel_w drawn
    >>> warning.split(": ")[1]
    'the stride is a whole number from 1 to 16. Using same as kernel.'
    """
    warnings = []
    for key, row in {**CONTROLS, **VIEW_CONTROLS}.items():
        if key not in raw or key not in values:
            continue
        value = values[key]
        params = {"kernel": values[f"kernel_{key[-1]}"]} if key in ("padding_h", "padding_w") else {}
        allowed = allowed_values(language, key, control_high(key, values, output_shape), **params)
        used = text(language, row.none_text) if value is None and row.none_text else None
        warning = ignored_warning(language, key, raw[key], value, allowed, used)
        if warning is not None:
            warnings.append(warning)
    return warnings


def ignored_warning(
    language: str, key: str, raw: str | None, value: object, allowed: str, value_text: str | None = None
) -> str | None:
    """The warning for a URL value ``raw`` of ``key`` that its widget did not take as given (it
    took ``value``, said as ``value_text`` when given), or None.

    >>> ignored_warning("en", "kernel_h", "3", 3, "…") is None
    True
    >>> ignored_warning("en", "ceil_mode", "maybe", False, "ceil_mode is `true` or `false`")
    'URL parameter “ceil_mode=maybe” was not used as given: ceil_mode is `true` or `false`. Using off.'
    """
    if raw is None or _same(raw, value):
        return None
    used = value_text or _describe(language, value)
    return text(language, "url.ignored", key=key, value=shown_in_warning(raw), allowed=allowed, used=used)


def shown_in_warning(text: str) -> str:
    """A URL key or value as a message quotes it: short and inert (``i18n.user_text``)."""
    return user_text(text, limit=24)


def _same(raw: str, value: object) -> bool:
    text = raw.strip()
    if isinstance(value, bool):  # true or false, and 1 or 0 (present=1)
        return text.lower() in (("true", "1") if value else ("false", "0"))
    if isinstance(value, int):  # up to 18 digits: the largest seed has 10, and int() of a long text is slow
        return bool(re.fullmatch(r"[+-]?\d{1,18}", text)) and int(text) == value
    if value is None:
        return False  # None is a default: the URL never needs to carry it
    return text == str(value)


def _describe(language: str, value: object) -> str:
    if value is None:
        return text(language, "url.default")
    if isinstance(value, bool):
        return text(language, "url.on" if value else "url.off")
    return f"`{value}`"
