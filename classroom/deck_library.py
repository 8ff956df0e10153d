"""The built-in decks: one ready lesson of about ten minutes per lesson of the Presets gallery.

Each step is a setup (the sidebar's values as a link writes them, read by the same rule as a
deck file: ``classroom.deck``) and optionally a question (which grid, which cell); its words are
the catalogue's ``deck.<name>.title`` and ``deck.<name>.s<n>`` in both languages. No answer is
written here: ``classroom.deck.question_of`` computes it. tests/test_deck.py runs every deck
through the core and checks each number its words state.
"""

from __future__ import annotations

import math

import numpy as np

from classroom.deck import Deck, DeckQuestion, Step, setup_of
from i18n import LANGUAGES, text
from scenario.inputs import cell_text
from scenario.network import load_digits_cnn, network_pass
from scenario.typed_grid import encode_grid

__all__ = ["BUILT_IN"]

_CLASSIC = {"input": "classic"}
_OVERLAP = {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "input": "ones"}
_GAPS = {"kernel_h": "2", "stride_h": "3", "height": "5", "width": "5"}
_FIVE = {"kernel_h": "2", "height": "5", "width": "5"}
_PADDED = {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "height": "5", "width": "5"}
_UNCOUNTED = {**_PADDED, "count_include_pad": "false"}
_CEIL = {**_FIVE, "ceil_mode": "true"}


def _four_digits(value: float) -> float:
    """``value`` rounded to 4 significant digits, as a number (the writer writes it)."""
    return 0.0 if value == 0 else round(float(value), 3 - math.floor(math.log10(abs(value))))


def _typed(values: np.ndarray) -> str:
    """A network's numbers as a link sends them to the Playground: 4 significant digits."""
    return encode_grid([[cell_text(_four_digits(value)) for value in row] for row in values])


def _network() -> tuple[dict[str, str], dict[str, str]]:
    """The digits CNN's two pooling layers on its first shown digit, with the loss about the
    next class (the gradients a correct, confident prediction sends back are too small to
    read): one channel of each layer's x and ∂L/∂y, typed."""
    data = load_digits_cnn()
    labels = data.labels[data.shown]
    result = network_pass(data.weights, data.pixels[data.shown], (labels + 1) % 10)
    first = {"input": "custom", "height": "8", "width": "8", "loss": "custom"}
    first |= {"x": _typed(result.pool1.x[0, 1]), "grad": _typed(result.pool1.grad_y[0, 1])}
    second = {"input": "custom", "height": "4", "width": "4", "kernel_h": "4", "loss": "custom"}
    second |= {"x": _typed(result.pool2.x[0, 7]), "grad": _typed(result.pool2.grad_y[0, 7])}
    return first, second


_POOL1, _POOL2 = _network()

# name: each step's settings (a typed grid as ``x`` or ``grad``, as a link writes it) and
# question (grid, row, col, and "choice" when it is answered by a choice; a "which cells" kind,
# classroom/cells.py, in place of the grid), in order; its
# words are the catalogue's.
_DECKS: dict[str, list[tuple[dict[str, str], tuple | None]]] = {
    "classic": [
        (_CLASSIC, None),
        (_CLASSIC, ("grad_input", 0, 0)),
        (_CLASSIC, None),
        ({"input": "custom", "x": "9,-3,0.5,7;1,1,-8,2;0,4,6,-1;5,-2,3,3"}, ("grad_input", 2, 3)),
        ({**_CLASSIC, "input": "arange"}, ("output", 0, 1)),
        ({**_CLASSIC, "loss": "mean"}, ("grad_input", 1, 1, "choice")),
    ],
    "overlap": [
        (_OVERLAP, None),
        (_OVERLAP, ("grad_input", 0, 0)),
        (_OVERLAP, None),
        (_OVERLAP, ("grad_input", 2, 2, "choice")),
        (_OVERLAP, None),
        (_OVERLAP, ("grad_input", 0, 2)),
    ],
    "gaps": [
        (_GAPS, None),
        (_GAPS, ("nothing", 0, 0)),  # which cells of ∂L/∂x get nothing: tapped on the students' grids
        (_GAPS, None),
        (_GAPS, ("grad_input", 0, 0)),
        (_FIVE, ("grad_input", 4, 4)),
    ],
    "padding": [
        (_PADDED, None),
        (_PADDED, ("grad_input", 0, 0)),
        (_PADDED, None),
        (_UNCOUNTED, ("grad_input", 0, 0, "choice")),
        (_UNCOUNTED, None),
        (_UNCOUNTED, ("output", 0, 0)),
    ],
    "ceil_mode": [
        (_FIVE, None),
        (_CEIL, None),
        (_CEIL, ("grad_input", 4, 0)),
        (_CEIL, None),
        (_CEIL, ("grad_input", 4, 4)),
    ],
    "network": [
        (_POOL1, None),
        (_POOL1, ("grad_input", 0, 0)),
        (_POOL1, None),
        (_POOL1, ("output", 1, 2)),
        (_POOL2, None),
        (_POOL2, ("grad_input", 2, 0)),
    ],
}


def _deck(name: str) -> Deck:
    def words(key: str) -> dict[str, str]:
        return {language: text(language, f"deck.{name}.{key}") for language in LANGUAGES}

    steps = []
    for number, (settings, question) in enumerate(_DECKS[name], 1):
        controls = {key: value for key, value in settings.items() if key not in ("x", "grad")}
        typed = {key: value for key, value in settings.items() if key in ("x", "grad")}
        setup = setup_of(controls, typed, "", number)  # the file's rule: a built-in deck is read as a file is
        asked = None if question is None else DeckQuestion(question[0], question[1:3], question[3:] == ("choice",))
        steps.append(Step(setup, words(f"s{number}"), asked))
    return Deck(words("title"), tuple(steps))


BUILT_IN: dict[str, Deck] = {name: _deck(name) for name in _DECKS}
