"""A prepared lesson (a deck): ordered steps, each a class ``Setup`` and optionally a question,
as plain data with pure transitions; its file and link format, checked like every upload.

A deck lives beside the live class (``classroom/``) because its steps are the class's own
``Setup`` and its questions become the class's ``Question`` when asked (``question_of``); the
scenario layer below never imports the classroom. No Streamlit: the UI steps through a deck by
index (``next_step``, ``previous_step``) and publishes each step's setup.

A file is JSON (docs/decks.md): at most ``MAX_BYTES``, ``MAX_STEPS`` steps, every field
checked by name; controls by the URL rule (each one's row of ``scenario.params.CONTROLS``),
typed grids by the link's reader (``scenario.typed_grid.decode_grid``, the one number reader),
every step computed by the core. A bad file raises ``DeckError``, which names the step and the
field and says what is wrong, in either language (``DeckError.message``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from classroom.model import Lesson, Question, Setup
from classroom.setups import SetupError, computed_from_setup, question_for, sent_setup, setup_values
from figures.views import explained_selection
from i18n import LANGUAGES, text, user_text
from pooling import PoolingError
from scenario.compute import Computed
from scenario.inputs import InputError
from scenario.numbers import NumberError, parse_number
from scenario.params import CONTROLS, allowed_values, control_high
from scenario.typed_grid import decode_grid

__all__ = [
    "DECK_FORMAT",
    "MAX_BYTES",
    "MAX_LINK_CHARS",
    "MAX_STEPS",
    "MAX_TYPED_CELLS",
    "Deck",
    "DeckError",
    "DeckQuestion",
    "Step",
    "add_step",
    "deck_from_json",
    "deck_from_link",
    "deck_link",
    "deck_to_json",
    "edit_step",
    "lesson_deck",
    "move_step",
    "next_step",
    "on_step",
    "prepared_question",
    "previous_step",
    "question_of",
    "remove_step",
    "setup_of",
    "stored_deck",
    "words",
]

DECK_FORMAT = "avgpool-deck"  # the file's "format"; "version" is 1
MAX_BYTES = 512_000  # a deck file: room for 30 steps of typed grids as links write them
MAX_STEPS = 30  # a lesson of 10-15 minutes has 5-8; a term's worth still fits
MAX_TITLE_CHARS = 120
MAX_TEXT_CHARS = 1_000  # a step's text, per language
MAX_TYPED_CELLS = 16_384  # every typed grid of a deck together: four full 64×64 grids
MAX_LINK_CHARS = 8_000  # a deck's link parameter (compressed): fits every browser's and nginx's limits
PAGES = ("", "step_by_step")  # the pages a class's setup can show (the Playground, Step by step)
KINDS = ("grad_input", "output")  # a question's grid: a cell of ∂L/∂x, or of y (as the class asks)
ANSWERS = ("number", "choice", "cells")  # how a question is answered (its "as"): a number, a choice, cells tapped
# "as": "cells" names its kind ("cells": classroom/cells.py) and asks about a cell of y ("feeds"),
# of x ("sends"), or no cell ("nothing"): the grid is the kind's.
CELLS_GRIDS = {"feeds": "output", "sends": "grad_input", "nothing": "grad_input"}

Cell = tuple[int, int]


@dataclass(frozen=True)
class DeckQuestion:
    """What a step asks: which grid (``kind``, as the class's ``Question``: a "which cells"
    kind when the file says ``"as": "cells"``) and which cell, and whether it is answered by a
    choice (``as_choice``: the file's ``"as": "choice"``) or a typed number. Its answer is never
    stored: ``question_of`` computes it from the step's setup."""

    kind: str
    cell: Cell
    as_choice: bool = False


@dataclass(frozen=True)
class Step:
    """One step of a deck: the setup every follower gets, what the teacher says with it (by
    language, plain text), and optionally a question on that setup."""

    setup: Setup
    text: Mapping[str, str] = field(default_factory=dict)
    question: DeckQuestion | None = None


@dataclass(frozen=True)
class Deck:
    """A prepared lesson: a title (by language) and its ordered steps."""

    title: Mapping[str, str]
    steps: tuple[Step, ...] = ()


def words(texts: Mapping[str, str], language: str) -> str:
    """A deck's text in ``language``, else in English, else any (a text written in one language).

    >>> words({"en": "Overlap"}, "zh"), words({"zh": "重叠"}, "en")
    ('Overlap', '重叠')
    """
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


# ---------------------------------------------------------------------------------------
# Editing and stepping: pure functions of a deck and a step's index (from 0).


def add_step(deck: Deck, step: Step, at: int | None = None) -> Deck:
    """The deck with ``step`` inserted before index ``at`` (at the end when None).

    >>> len(add_step(Deck({"en": "t"}), Step(Setup())).steps)
    1
    """
    if len(deck.steps) >= MAX_STEPS:
        raise DeckError("too_many_steps", count=len(deck.steps) + 1, max=MAX_STEPS)
    steps = list(deck.steps)
    steps.insert(len(steps) if at is None else at, step)
    return replace(deck, steps=tuple(steps))


def remove_step(deck: Deck, index: int) -> Deck:
    """The deck without step ``index``."""
    _check_index(deck, index)
    return replace(deck, steps=deck.steps[:index] + deck.steps[index + 1 :])


def move_step(deck: Deck, index: int, to: int) -> Deck:
    """The deck with step ``index`` moved to position ``to`` (the others keep their order).

    >>> deck = Deck({"en": "t"}, (Step(Setup("a")), Step(Setup("b")), Step(Setup("c"))))
    >>> [step.setup.page for step in move_step(deck, 0, 2).steps]
    ['b', 'c', 'a']
    """
    _check_index(deck, index)
    _check_index(deck, to)
    steps = list(deck.steps)
    steps.insert(to, steps.pop(index))
    return replace(deck, steps=tuple(steps))


def edit_step(deck: Deck, index: int, step: Step) -> Deck:
    """The deck with step ``index`` replaced by ``step``."""
    _check_index(deck, index)
    return replace(deck, steps=deck.steps[:index] + (step,) + deck.steps[index + 1 :])


def next_step(deck: Deck, index: int | None) -> int | None:
    """The step after ``index`` (None: not in the deck yet, so the first), None after the last.

    >>> deck = Deck({"en": "t"}, (Step(Setup()), Step(Setup())))
    >>> next_step(deck, None), next_step(deck, 0), next_step(deck, 1)
    (0, 1, None)
    """
    following = 0 if index is None else index + 1
    return following if following < len(deck.steps) else None


def previous_step(deck: Deck, index: int | None) -> int | None:
    """The step before ``index``, None before the first (or outside the deck)."""
    if index is None or index <= 0 or index > len(deck.steps):
        return None
    return index - 1


def _check_index(deck: Deck, index: int) -> None:
    if not 0 <= index < len(deck.steps):
        raise IndexError(f"step {index} of a deck of {len(deck.steps)}")


def question_of(step: Step) -> Question | None:
    """The class's ``Question`` for a step (its number set when asked, ``classroom.model.ask``):
    the answer, the usual mistakes' values and the explanation in each language, computed
    from the step's setup, as the teacher's own question is.

    >>> setup = Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5})
    >>> question = question_of(Step(setup, question=DeckQuestion("grad_input", (2, 2))))
    >>> question.truth, [mistake.key for mistake in question.mistakes]
    (1.0, ['divisor', 'one_share'])
    """
    if step.question is None:
        return None
    return question_for(step.setup, step.question.cell, step.question.kind, step.question.as_choice)


# ---------------------------------------------------------------------------------------
# The file: written by deck_to_json, read back (and checked) by deck_from_json.


class DeckError(ValueError):
    """A deck file or link that cannot be used: ``key`` (``deck.error_<key>`` in the catalogue)
    says what is wrong, ``step`` (from 1) and ``field`` where; ``message(language)`` says all."""

    def __init__(self, key: str, step: int | None = None, field: str | None = None, **params: object) -> None:
        self.key, self.step, self.field, self.params = key, step, field, params
        super().__init__(self.message("en"))

    def message(self, language: str) -> str:
        """One sentence: where (the step, the field, quoted inertly) and what is wrong."""
        params = {
            name: value.message(language) if isinstance(value, _Reason | _Allowed) else value
            for name, value in self.params.items()
        }
        what = text(language, f"deck.error_{self.key}", **params)
        shown = user_text(self.field, limit=24) if self.field is not None else None
        if shown is not None:
            key = "deck.where_step_field" if self.step else "deck.where_field"
            where = text(language, key, step=self.step, field=shown)
        elif self.step is not None:
            where = text(language, "deck.where_step", step=self.step)
        else:
            return text(language, "deck.error_plain", what=what)
        return text(language, "deck.error", where=where, what=what)


@dataclass(frozen=True)
class _Reason:
    """A core error (``PoolingError``, ``InputError``, ``SetupError``) kept to be said in either language."""

    error: Exception

    def message(self, language: str) -> str:
        error = self.error
        if isinstance(error, SetupError):
            return text(language, f"class.setup_{error.key}", reason="")
        params = dict(getattr(error, "params", {}))
        for name, value in params.items():  # a grid's bad cells: each said on a line of its own
            if isinstance(value, tuple) and all(isinstance(item, Exception) for item in value):
                params[name] = "".join("\n- " + _Reason(item).message(language) for item in value)
        if params.get("axis") in ("height", "width"):
            params["axis"] = text(language, f"axis.{params['axis']}")
        return text(language, f"error.{error.domain}.{error.key}", **params)


def deck_to_json(deck: Deck) -> str:
    """The deck as its file holds it (controls written as a link writes them, defaults left out).

    >>> json.loads(deck_to_json(Deck({"en": "Hi"}, (Step(Setup("", {"kernel_h": 3, "height": 4})),))))["steps"]
    [{'text': {}, 'page': '', 'controls': {'kernel_h': 3}}]
    """
    steps = []
    for step in deck.steps:
        values = setup_values(step.setup)
        controls = {key: value for key, value in values.items() if value != CONTROLS[key].default}
        entry: dict[str, object] = {"text": dict(step.text), "page": step.setup.page, "controls": controls}
        if step.setup.typed:
            entry["typed"] = dict(step.setup.typed)
        if step.setup.explain:
            entry["explain"] = step.setup.explain
        if step.question is not None and step.question.kind in CELLS_GRIDS:
            entry["question"] = {"as": "cells", "cells": step.question.kind}
            if step.question.kind != "nothing":
                entry["question"]["cell"] = list(step.question.cell)
        elif step.question is not None:
            entry["question"] = {"grid": step.question.kind, "cell": list(step.question.cell)}
            if step.question.as_choice:
                entry["question"]["as"] = "choice"
        steps.append(entry)
    data = {"format": DECK_FORMAT, "version": 1, "title": dict(deck.title), "steps": steps}
    return json.dumps(data, ensure_ascii=False, indent=1)


def deck_from_json(raw: bytes | str) -> Deck:
    """A deck from its file, every field checked; raises DeckError naming the first problem.

    >>> file = '{"format": "avgpool-deck", "version": 1, "steps": [{"controls": {"kernel_h": 40}}]}'
    >>> try:
    ...     deck_from_json(file)
    ... except DeckError as error:
    ...     print(error.message("en"))
    Step 1, field “kernel\\_h”: the kernel size is a whole number from 1 to 16 (the file has “40”).
    """
    if len(raw) > MAX_BYTES:
        raise DeckError("too_large", size=len(raw), max=MAX_BYTES)
    try:
        data = json.loads(raw, parse_int=_whole, parse_float=_decimal, parse_constant=_constant)
    except RecursionError:
        raise DeckError("nested") from None
    except json.JSONDecodeError as error:
        raise DeckError("not_json", line=error.lineno, column=error.colno) from None
    except _RefusedNumber as error:
        raise DeckError("number", got=user_text(error.typed, limit=24)) from None
    except (ValueError, UnicodeDecodeError):  # bytes in no encoding JSON allows
        raise DeckError("not_text") from None
    if not isinstance(data, dict):
        raise DeckError("not_object")
    _known(data, ("format", "version", "title", "steps"), None)
    if data.get("format") != DECK_FORMAT or data.get("version") != 1:
        raise DeckError("format", format=DECK_FORMAT)
    title = _texts(data.get("title"), None, "title", MAX_TITLE_CHARS)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise DeckError("no_steps", field="steps")
    if len(steps) > MAX_STEPS:
        raise DeckError("too_many_steps", count=len(steps), max=MAX_STEPS)
    typed_cells = [0]  # every typed grid's cells so far: the deck's reading time is bounded by them
    return Deck(title, tuple(_step(entry, number, typed_cells) for number, entry in enumerate(steps, 1)))


@lru_cache(maxsize=32)
def stored_deck(text: str) -> Deck:
    """The deck a lesson keeps (its file's text, checked when it was opened), read once per
    server: the cockpit and the projector read it on every run (raises DeckError)."""
    return deck_from_json(text)


def deck_link(deck: Deck) -> str:
    """The address (after the host) that opens the deck on the Live class page; raises
    DeckError("link_long") when the deck does not fit in a link (large typed grids): save it
    as a file and share the file.

    >>> from classroom.deck_library import BUILT_IN
    >>> deck_from_link(deck_link(BUILT_IN["classic"]).split("deck=")[1]) == BUILT_IN["classic"]
    True
    """
    compact = json.dumps(json.loads(deck_to_json(deck)), ensure_ascii=False, separators=(",", ":"))
    packed = base64.urlsafe_b64encode(zlib.compress(compact.encode(), 9)).decode().rstrip("=")
    if len(packed) > MAX_LINK_CHARS:
        raise DeckError("link_long", length=len(packed), max=MAX_LINK_CHARS)
    return f"/live_class?deck={packed}"


def deck_from_link(packed: str) -> Deck:
    """A deck from its link's ``deck=`` value, checked as a file is; raises DeckError."""
    if not isinstance(packed, str) or len(packed) > MAX_LINK_CHARS:
        raise DeckError("link_long", length=len(str(packed)), max=MAX_LINK_CHARS)
    try:
        raw = base64.b64decode(packed + "=" * (-len(packed) % 4), altchars=b"-_", validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_BYTES + 1)  # never inflated past a file's bound
    except (binascii.Error, zlib.error, ValueError):
        raise DeckError("link_broken") from None
    if not inflater.eof and len(data) <= MAX_BYTES:  # cut short: the compressed stream never ends
        raise DeckError("link_broken")
    return deck_from_json(data)


class _RefusedNumber(ValueError):
    """A number in a deck's JSON that the number reader refuses (``typed``: as the file has it)."""

    def __init__(self, typed: str) -> None:
        self.typed = typed
        super().__init__(typed)


def _whole(digits: str) -> int:
    if len(digits.lstrip("-")) > 18:  # no seed has more; int() of a long text is slow
        raise _RefusedNumber(digits)
    return int(digits)


def _decimal(typed: str) -> float:
    try:
        return parse_number(typed)  # the one number reader: 1e400 is refused, never inf
    except NumberError:
        raise _RefusedNumber(typed) from None


def _constant(name: str) -> float:
    raise _RefusedNumber(name)  # NaN, Infinity, -Infinity


def _known(data: Mapping, names: tuple[str, ...], step: int | None) -> None:
    unknown = next((name for name in data if name not in names), None)
    if unknown is not None:
        raise DeckError("unknown_field", step, str(unknown), known=", ".join(names))


def _texts(value: object, step: int | None, name: str, limit: int) -> dict[str, str]:
    """A text in one language for all (a string) or by language (``{"en": ..., "zh": ...}``),
    kept as plain text, bounded."""
    if value is None:
        return {}
    texts = dict.fromkeys(LANGUAGES, value) if isinstance(value, str) else value
    if not isinstance(texts, dict):
        raise DeckError("text_type", step, name)
    for language, words in texts.items():
        if language not in LANGUAGES:
            raise DeckError("language", step, f"{name}.{language}", known=", ".join(LANGUAGES))
        if not isinstance(words, str):
            raise DeckError("text_type", step, f"{name}.{language}")
        if len(words) > limit:
            raise DeckError("text_long", step, f"{name}.{language}", length=len(words), max=limit)
    return texts


def _step(entry: object, number: int, typed_cells: list[int]) -> Step:
    """One step of a file, checked field by field, then computed (the core's refusal said)."""
    if not isinstance(entry, dict):
        raise DeckError("step_type", number)
    _known(entry, ("text", "page", "controls", "typed", "explain", "question"), number)
    page = entry.get("page", "")
    if page not in PAGES:
        raise DeckError("page", number, "page", got=user_text(page, 24), known=", ".join(map(repr, PAGES)))
    controls = _controls(entry.get("controls", {}), number)
    typed = _typed(entry.get("typed", {}), number, typed_cells)
    explain = entry.get("explain")
    selected = explained_selection(explain) if isinstance(explain, str) and len(explain) <= 20 else None
    if explain is not None and selected is None:
        raise DeckError("explain", number, "explain", got=user_text(explain, 24))
    setup = Setup(page, controls, typed, explain)
    try:
        computed = computed_from_setup(replace(setup, controls=_without_loss_cell(controls)))
        for key, last in zip(("loss_row", "loss_col"), computed.y.shape):  # the loss cell: a cell of y
            if controls.get(key, 0) >= last:
                raise DeckError("control", number, key, allowed=_Allowed(key, last - 1, {}), got=controls[key])
        if controls.get("loss") == "cell":  # computed again with its cell (no typed ∂L/∂y: cheap)
            computed = computed_from_setup(setup)
    except (PoolingError, SetupError, InputError) as error:
        raise DeckError("setup", number, reason=_Reason(error)) from None
    if selected is not None:  # the cell explained: one of x's (and ∂L/∂x's), or of y's
        shape = computed.x.shape if selected.kind == "input" else computed.y.shape
        if not (selected.row < shape[0] and selected.col < shape[1]):
            grid = "x" if selected.kind == "input" else "y"
            raise DeckError("explain_cell", number, "explain", grid=grid, rows=shape[0] - 1, cols=shape[1] - 1)
    question = _question(entry.get("question"), number, computed)
    return Step(setup, _texts(entry.get("text"), number, "text", MAX_TEXT_CHARS), question)


def _without_loss_cell(controls: Mapping[str, object]) -> dict[str, object]:
    return {key: value for key, value in controls.items() if key not in ("loss_row", "loss_col")}


def setup_of(
    controls: Mapping[str, object], typed: Mapping[str, str] | None = None, page: str = "", number: int = 1
) -> Setup:
    """A setup from the sidebar's values and typed grids as a link or a file writes them, read
    by the URL rule and the link's grid reader (raises DeckError for step ``number``).

    >>> setup_of({"kernel_h": "3", "ceil_mode": "true"}).controls
    {'kernel_h': 3, 'ceil_mode': True}
    """
    return Setup(page, _controls(controls, number), _typed(dict(typed or {}), number, [0]))


def _controls(controls: object, number: int) -> dict[str, object]:
    """The sidebar's values, each read by the URL rule from its row of ``CONTROLS``: a value as
    a link writes it (``3``, ``true``, ``ones``), or as JSON (3, true)."""
    if not isinstance(controls, dict):
        raise DeckError("controls_type", number, "controls")
    values: dict[str, object] = {}
    for key, given in controls.items():
        if key not in CONTROLS:
            raise DeckError("unknown_field", number, str(key), known=text("en", "deck.known_controls"))
        values[key] = _control(key, given, {**{k: c.default for k, c in CONTROLS.items()}, **values}, number)
    return {key: value for key, value in values.items() if value != CONTROLS[key].default}  # as a link keeps them


def _control(key: str, given: object, values: Mapping[str, object], number: int) -> object:
    row = CONTROLS[key]
    raw = str(given).lower() if isinstance(given, bool) else "" if given is None else str(given)
    if row.options is not None:
        value = next((option for option in row.options if option is not None and raw == str(option)), None)
        if value is not None or (given is None and row.default is None):
            return value
    elif row.low is None:  # on or off
        if raw in ("true", "false"):
            return raw == "true"
    elif given is None and row.default is None:
        return None
    elif re.fullmatch(r"\d{1,18}", raw):
        high = None if key in ("loss_row", "loss_col") else control_high(key, values)
        if row.low <= int(raw) and (high is None or int(raw) <= high):
            return int(raw)
    params = {"kernel": values[f"kernel_{key[-1]}"]} if key in ("padding_h", "padding_w") else {}
    high = control_high(key, values) if key not in ("loss_row", "loss_col") else None
    allowed = _Allowed(key, high, params)
    raise DeckError("control", number, key, allowed=allowed, got=user_text(raw, 24))


@dataclass(frozen=True)
class _Allowed:
    """What a control allows, said by the URL rule's own sentence (``allowed_values``)."""

    key: str
    high: int | None
    params: Mapping[str, object]

    def message(self, language: str) -> str:
        if self.key in ("loss_row", "loss_col"):
            return text(language, "deck.allowed_loss_cell", high=self.high)
        return allowed_values(language, self.key, self.high, **self.params)


def _typed(typed: object, number: int, typed_cells: list[int]) -> dict[str, str]:
    """The typed grids as a link writes them, read by the link's reader (every cell by the
    one number reader)."""
    if not isinstance(typed, dict):
        raise DeckError("typed_type", number, "typed")
    for name, encoded in typed.items():
        if name not in ("x", "grad"):
            raise DeckError("unknown_field", number, f"typed.{name}", known="x, grad")
        if not isinstance(encoded, str):
            raise DeckError("typed_type", number, f"typed.{name}")
        try:
            rows = decode_grid(encoded, name)
        except InputError as error:
            raise DeckError("grid", number, f"typed.{name}", reason=_Reason(error)) from None
        typed_cells[0] += len(rows) * len(rows[0])
        if typed_cells[0] > MAX_TYPED_CELLS:
            raise DeckError("typed_large", number, f"typed.{name}", max=MAX_TYPED_CELLS)
    return dict(typed)


def _question(question: object, number: int, computed: Computed) -> DeckQuestion | None:
    """Which grid and which cell; the cell must be one of that grid's."""
    if question is None:
        return None
    if not isinstance(question, dict):
        raise DeckError("question_type", number, "question")
    _known(question, ("grid", "cell", "as", "cells"), number)
    kind = question.get("grid")
    if question.get("as") == "cells":
        return _cells_question(question, number, computed)
    if kind not in KINDS:
        raise DeckError("question_grid", number, "question.grid", got=user_text(kind, 24), known=", ".join(KINDS))
    cell = _cell(question.get("cell"), computed.y.shape if kind == "output" else computed.x.shape, number)
    answered = question.get("as", "number")
    if answered not in ANSWERS:
        raise DeckError("question_as", number, "question.as", got=user_text(answered, 24), known=", ".join(ANSWERS))
    return DeckQuestion(kind, cell, answered == "choice")


def _cells_question(question: dict, number: int, computed: Computed) -> DeckQuestion:
    """``"as": "cells"``: its kind, the grid that kind asks about (if the file names one, it must
    be that one), and its cell ("nothing" needs none)."""
    kind = question.get("cells")
    if kind not in CELLS_GRIDS:
        raise DeckError("question_cells", number, "question.cells", got=user_text(kind, 24),
                        known=", ".join(CELLS_GRIDS))  # fmt: skip
    if question.get("grid", CELLS_GRIDS[kind]) != CELLS_GRIDS[kind]:
        raise DeckError("question_grid", number, "question.grid", got=user_text(question.get("grid"), 24),
                        known=CELLS_GRIDS[kind])  # fmt: skip
    if kind == "nothing" and "cell" not in question:
        return DeckQuestion(kind, (0, 0))
    return DeckQuestion(
        kind, _cell(question.get("cell"), computed.y.shape if kind == "feeds" else computed.x.shape, number)
    )


def _cell(cell: object, shape: tuple[int, int], number: int) -> tuple[int, int]:
    """A step's question's cell, ``[row, col]`` of a grid of ``shape`` (raises DeckError)."""
    if (
        not isinstance(cell, list)
        or len(cell) != 2
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in cell)
        or not all(0 <= i < n for i, n in zip(cell, shape))
    ):
        raise DeckError("question_cell", number, "question.cell", rows=shape[0] - 1, cols=shape[1] - 1)
    return cell[0], cell[1]


# ---------------------------------------------------------------------------------------
# A deck in a class: the lesson keeps its file and its step.


def lesson_deck(lesson: Lesson) -> Deck | None:
    """The lesson's deck (None: none, or one this server cannot read)."""
    if lesson.deck is None:
        return None
    try:
        return stored_deck(lesson.deck)
    except DeckError:
        return None


def on_step(lesson: Lesson, deck: Deck | None) -> bool:
    """Whether the class shows the deck's current step (not a setup the teacher made by hand)."""
    if deck is None or lesson.step is None or not 0 <= lesson.step < len(deck.steps):
        return False
    return lesson.setup == sent_setup(deck.steps[lesson.step].setup)


def prepared_question(lesson: Lesson) -> Question | None:
    """The deck step's question while the class waits for it (None: none, or the teacher
    prepares one by hand)."""
    deck = lesson_deck(lesson)
    return question_of(deck.steps[lesson.step]) if on_step(lesson, deck) else None
