"""Every word the app shows, in English and Simplified Chinese, from one catalogue.

The catalogue is ``en.toml`` and ``zh.toml`` beside this file: the same keys in both, each a
``str.format`` template (``{kernel}`` is filled in by the caller; ``{{`` is a brace). The core's error messages
(``pooling.errors.MESSAGES``) are its English ``error.pooling.*`` entries: the core stays
usable without the app, and the translations still live here.

>>> text("zh", "axis.height")
'高'
>>> text("en", "explain.no_window", row=1, col=2, target="∂L/∂x[1, 2]")
'No window covers x[1, 2] (a gap between windows), so ∂L/∂x[1, 2] = 0.'
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path

from pooling.errors import MESSAGES as POOLING_MESSAGES

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalogue", "language_for_locale", "text", "user_text"]

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
HERE = Path(__file__).parent


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": "x"}}`` -> ``{"a.b": "x"}``."""
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    """All templates of one language, by dotted key."""
    with open(HERE / f"{language}.toml", "rb") as file:
        entries = _flatten(tomllib.load(file))
    if language == "en":
        entries.update({f"error.pooling.{key}": message for key, message in POOLING_MESSAGES.items()})
    return entries


def text(language: str, key: str, /, **params: object) -> str:
    """The template ``key`` in ``language``, filled in with ``params``.

    A key missing from Chinese falls back to English (the tests keep both complete); a key
    missing from English is a bug and raises KeyError.
    """
    entries = catalogue(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    template = entries.get(key)
    if template is None:
        template = catalogue(DEFAULT_LANGUAGE)[key]
    return template.format(**params)


def user_text(value: object, limit: int = 30) -> str:
    r"""Text that came from a browser (a URL value, a typed cell, a CSV cell, a file's words)
    made inert for a Markdown message: cut to ``limit`` characters, invisible or
    direction-changing characters written out (``\u202e``), and every ASCII punctuation
    character backslash-escaped, so that no link, image, code span, emoji shortcode, colour
    directive or formula can come of it. Templates never put it inside a code span (escapes
    show there as typed). Every message that quotes such text goes through here.

    >>> print(user_text("[Log in](//e.vil)"))
    \[Log in\]\(\/\/e\.vil\)
    >>> print(user_text("\u202esum"), user_text("x" * 40, limit=5))
    \\u202esum xxxxx…
    """
    text = str(value)
    text = text if len(text) <= limit else text[:limit] + "…"
    escaped = []
    for character in text:
        if not character.isprintable():
            escaped.append(f"\\\\u{ord(character):04x}")  # Markdown shows \u202e, never applies it
        elif character in string.punctuation:
            escaped.append("\\" + character)
        else:
            escaped.append(character)
    return "".join(escaped)


def language_for_locale(locale: str | None) -> str:
    """The app language for a browser locale such as ``zh-CN`` (anything else: English).

    >>> language_for_locale("zh-Hans-CN"), language_for_locale("en-GB"), language_for_locale(None)
    ('zh', 'en', 'en')
    """
    primary = (locale or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE
