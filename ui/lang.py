"""The app's language: English or 简体中文, kept in the URL as ``lang=en`` / ``lang=zh``.

Without ``lang`` in the URL the browser's language decides (``st.context.locale``), so a
shared link opens in each reader's own language unless its author picked one. ``tr`` looks
a key up in the catalogue (``i18n/``) in the current language.

Selectboxes whose options are URL words (``input=checkerboard``) show translated labels with
``translated_select``: Streamlit would write a ``format_func`` label into the URL, so these
widgets are not bound to the URL and keep it in step themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from i18n import DEFAULT_LANGUAGE, LANGUAGES, language_for_locale, text, user_text

__all__ = ["current_language", "language_control", "tr", "translated_error", "translated_select"]


def _browser_language() -> str:
    try:
        return language_for_locale(st.context.locale)
    except Exception:  # no browser behind this run (e.g. a bare script run)
        return DEFAULT_LANGUAGE


def current_language() -> str:
    """The language widget's value; before it is drawn, the URL's ``lang``, else the browser's."""
    chosen = st.session_state.get("lang")
    if chosen in LANGUAGES:
        return chosen
    asked = st.query_params.get("lang")
    return asked if asked in LANGUAGES else _browser_language()


def tr(key: str, /, **params: object) -> str:
    """The catalogue's text for ``key`` in the current language, filled in with ``params``."""
    return text(current_language(), key, **params)


def translated_error(error: Exception) -> str:
    """A core error (``PoolingError``, ``InputError``) in the current language."""
    key = getattr(error, "key", None)
    if key is None:
        return str(error)
    params = dict(error.params)
    for name, value in params.items():  # errors within (every bad cell of a grid): each translated, a line each
        if isinstance(value, tuple) and all(isinstance(item, Exception) for item in value):
            params[name] = "".join("\n- " + translated_error(item) for item in value)
    if params.get("axis") in ("height", "width"):
        params["axis"] = tr(f"axis.{params['axis']}")
    return tr(f"error.{error.domain}.{key}", **params)


def translated_select(
    label: str,
    options: Sequence[str],
    key: str,
    labels: str,
    default: str | None = None,
    **kwargs,
) -> str:
    """A selectbox over URL words that shows each word's catalogue label ``<labels><word>`` and
    keeps ``key=<word>`` in the URL itself (absent when the value is the default). A URL word
    that is not an option starts it at the default: the caller's URL check says so."""
    default = options[0] if default is None else default
    if key not in st.session_state:
        asked = st.query_params.get(key)
        st.session_state[key] = asked if asked in options else default
    else:
        # Given again each run: another language is another label, hence another widget to
        # Streamlit, which the browser would start at the first option.
        st.session_state[key] = st.session_state[key]
    language = current_language()  # fixed now: format_func may be called after this run
    value = st.selectbox(label, options, key=key, format_func=lambda word: text(language, labels + word), **kwargs)
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    return value


def _keep_language_in_url() -> None:
    st.query_params["lang"] = st.session_state.lang


def language_control(container) -> str:
    """The language switch (labelled in both languages, so that anyone can find it)."""
    asked = st.query_params.get("lang")
    st.session_state.setdefault("lang", current_language())
    if asked is not None and asked not in LANGUAGES:
        st.query_params["lang"] = st.session_state.lang  # show the language in use instead
        st.warning(tr("url.bad_lang", value=user_text(asked, limit=24)), icon=":material/link_off:")
    container.selectbox(
        "Language · 语言",
        list(LANGUAGES),
        key="lang",
        format_func=LANGUAGES.get,
        on_change=_keep_language_in_url,
    )
    return st.session_state.lang
