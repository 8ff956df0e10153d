"""The followed view, computed once per change of a class for all its students.

A following student looks first at the grids: the Playground's four, or during a question the
question's, with its prompt (and once revealed, the answer). When the class changes, the
class's events stream (``classroom/events.py``) pushes this view, built here once per version,
language and palette in each server process, and the student's listener
(ui/class_listener.js) draws it at once, the prompt as plain text; the whole page's rerun,
which makes the rest consistent (the teacher's setup in the sidebar, the answer form, the verdict), follows,
spread out.

Nothing of the answer leaves here while it is hidden: a question's view before the reveal
holds x, y and ∂L/∂y (a question about y: x alone) and the prompt, and so does a question
prepared, without its prompt. No Streamlit here: the events route calls it from a worker thread.
"""

from __future__ import annotations

import json
import threading

from classroom import model
from classroom.cells import cells_label, is_cells
from classroom.choices import choice_labels, choice_order
from classroom.deck import prepared_question
from classroom.model import Lesson, Question
from classroom.setups import SetupError, computed_from_setup
from figures.grids import GridDescription, window_axes, with_palette
from figures.views import explained_selection, playground_columns, playground_grids, question_grids
from i18n import text
from pooling import PoolingError
from scenario.inputs import InputError
from scenario.numbers import exact_text

__all__ = ["followed_view", "view_line"]


def followed_view(lesson: Lesson, language: str = "en", palette: str = "standard") -> dict | None:
    """What a following student looks at first for ``lesson``: the grid component's ``grids``,
    ``columns``, ``axes``, ``selection``, the ``prompt`` (lines of plain text: the question,
    its setup, once revealed the answer; none on the Playground) and the lesson's ``version``;
    or None: the setup is not the Playground's, or it cannot be
    drawn (the page's rerun says why); none while the class is paused (eyes on the projector)."""
    if lesson.paused:
        return None
    if lesson.question is not None:
        return _question_view(lesson, lesson.question, language, palette)
    setup = lesson.setup
    if setup is not None and lesson.preparing:
        return _prepared_view(lesson, setup, language, palette)
    if setup is None or setup.page != "" or model.answer_hidden(lesson):
        return None
    try:
        computed = computed_from_setup(setup, language)
    except (SetupError, PoolingError, InputError):
        return None
    grids = playground_grids(computed, language)
    span = max(*computed.x.shape, *computed.y.shape) + 2 * max(computed.params.padding)
    selection = explained_selection(setup.explain)
    if selection is not None:
        grid = grids.get(selection.grid)
        if grid is None or selection.row >= grid["rows"] or selection.col >= grid["cols"]:
            selection = None
    return {
        "version": lesson.version,
        "grids": _described(grids, f"avgpool_{computed.params.slug()}_playground", palette),
        # A tab in presentation mode takes the second (grids.js, redraw).
        "columns": playground_columns(span, present=False),
        "columns_present": playground_columns(span, present=True),
        "axes": window_axes(computed.windows),
        "selection": None if selection is None else selection._asdict(),
        "prompt": [],
        "local": False,
    }


def _prepared_view(lesson: Lesson, setup, language: str, palette: str) -> dict | None:
    """While a question is prepared (a deck step's, or the teacher's by hand): the setup as
    the page draws it then (pages/live_class.py ``_preparing``): x, y and ∂L/∂y, a deck step's
    cell outlined; no ∂L/∂x (a question about y: x alone), nothing explained."""
    try:
        computed = computed_from_setup(setup, language)
    except (SetupError, PoolingError, InputError):
        return None
    question = prepared_question(lesson)
    cell, kind = (None, "grad_input") if question is None else (question.cell, question.kind)
    grids = question_grids(computed, cell, False, kind, language)
    return {
        "version": lesson.version,
        "grids": _described(grids, f"avgpool_class_{lesson.code}", palette),
        "columns": 4,
        "columns_present": 4,
        "axes": None,
        "selection": None,
        "prompt": [text(language, "class.preparing_student")],
        "local": True,
    }


def _question_view(lesson: Lesson, question: Question, language: str, palette: str) -> dict | None:
    """The question's grids and prompt (ui/question.py draws the same on the page); the
    answer, and ∂L/∂x, only once it is revealed. ``local``: a click on these grids is not sent
    to the page they are drawn in (grids.js), whose own explanation could give the answer away."""
    try:
        computed = computed_from_setup(question.setup, language)
    except (SetupError, PoolingError, InputError):
        return None
    grids = question_grids(computed, question.cell, question.revealed, question.kind, language)
    rows, cols = computed.x.shape
    asked = text(language, "class.pushed_question", number=question.number, target=question.target)
    if is_cells(question.kind):  # plain text, as every prompt here
        asked = text(language, f"class.cells_question_{question.kind}", number=question.number,
                     row=question.cell[0], col=question.cell[1]).removeprefix("#### ")  # fmt: skip
    prompt = [asked, *_phase(question, language)]
    prompt += [
        text(language, "class.pushed_setup", call=computed.params.torch_call(), rows=rows, cols=cols,
             loss=computed.loss.torch_code),
    ]  # fmt: skip
    if question.choices:  # in the class's order, as the answer form lists them
        labels = choice_labels(choice_order(question, lesson.code))
        prompt.append(text(language, "class.pushed_choices", choices="  ·  ".join(labels)))
    if question.revealed:
        answer = cells_label(question.cells) if is_cells(question.kind) else exact_text(question.truth)
        prompt.append(
            text(language, "class.pushed_answer", truth=answer, explanation=question.explanation.get(language, ""))
        )
    return {
        "version": lesson.version,
        "grids": _described(grids, f"avgpool_class_{lesson.code}_q{question.number}", palette),
        "columns": 4,
        "columns_present": 4,
        "axes": window_axes(computed.windows) if question.revealed else None,
        "selection": None,
        "prompt": prompt,
        "local": True,
    }


def _phase(question: Question, language: str) -> list[str]:
    """Peer instruction's phase, pushed with the question so a student reads it as soon as the
    teacher opens it (as ui/peer.py says it on the page): discuss, vote 2, or closed."""
    if question.revealed:
        return []
    if question.discussing:
        return [text(language, "class.pushed_discuss")]
    if question.closed:
        return [text(language, "class.pushed_closed")]
    return [text(language, "class.pushed_vote2")] if question.vote == 2 else []


def _described(grids: dict[str, GridDescription], prefix: str, palette: str) -> list[dict]:
    """The grid component's grids: each in ``palette``, with its name and its PNG's file name."""
    return [{**with_palette(grid, palette), "key": name, "file": f"{prefix}_{name}"} for name, grid in grids.items()]


# The newest views built, by (code, teacher, version, language, palette): the teacher's digest
# tells a class from a later one that was given the same code.
_LINES: dict[tuple[str, str, int, str, str], str | None] = {}
_LINES_KEPT = 64
_LINES_LOCK = threading.Lock()


def view_line(lesson: Lesson, language: str, palette: str) -> str | None:
    """The view as one server-sent event (``event: view``), built once per lesson version,
    language and palette in this process (and class: a code may be given again after its
    class ended), however many streams send it."""
    key = (lesson.code, lesson.teacher, lesson.version, language, palette)
    with _LINES_LOCK:
        if key in _LINES:
            return _LINES[key]
    view = followed_view(lesson, language, palette)
    line = None if view is None else f"event: view\ndata: {json.dumps(view, separators=(',', ':'))}\n\n"
    with _LINES_LOCK:
        while len(_LINES) >= _LINES_KEPT:
            _LINES.pop(next(iter(_LINES)))  # the oldest first
        _LINES[key] = line
    return line
