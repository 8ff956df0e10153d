"""The quiz as one typed state with pure transitions: ask, answer, check, reveal, next; and
the grading rule. No Streamlit: ``pages/quiz.py`` keeps one ``Quiz`` under one session key,
draws it and calls these transitions (and a live class can ask its questions the same way).

Answers are read by ``scenario.numbers`` (parsed, never evaluated): a number, or a fraction
like ``1/9``. An answer is right when it is the exact value, or its decimal to three
significant digits (``is_right``): 1/144 and 0.00694 are right for 1/144, 0.003 is not. An
answer rounded too far (0.22 for 2/9, ``is_near``) is said to be close and counts for
nothing yet: the learner tries again.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field, replace

import numpy as np

from scenario.inputs import InputError, number_error
from scenario.numbers import NumberError, parse_number
from scenario.typed_grid import BadCells

__all__ = [
    "LAYOUT_PRESETS",
    "MODES",
    "GridVerdict",
    "Quiz",
    "Score",
    "Unreadable",
    "Verdict",
    "answer_cell",
    "answer_choice",
    "ask",
    "check_grid",
    "grade_grid",
    "is_near",
    "is_right",
    "new_question",
    "next_question",
    "pick_cell",
    "reveal",
    "set_up",
    "with_mode",
]

# Presets whose windows overlap, leave gaps or meet padding: their cells have different answers.
LAYOUT_PRESETS = ("overlap", "gaps", "padding", "padding_counted", "ceil_mode")
MODES = ("cell", "choice", "grid")  # one cell typed, one cell picked among choices, or the whole grid
RELATIVE_TOLERANCE = 5e-3  # what rounding to three significant digits can cost, at most
ABSOLUTE_TOLERANCE = 1e-12  # float noise around an exact 0

Cell = tuple[int, int]


def is_right(answer: float, truth: float) -> bool:
    """Right when within rounding to three significant digits of the truth, relative to its
    size (so a tiny answer is judged as carefully as a large one).

    >>> is_right(1 / 144, 1 / 144), is_right(0.00694, 1 / 144), is_right(0.003, 1 / 144)
    (True, True, False)
    >>> is_right(0.111, 1 / 9), is_right(0.11, 1 / 9), is_right(0.0, 0.0), is_right(1e-3, 0.0)
    (True, False, True, False)
    """
    return abs(answer - truth) <= RELATIVE_TOLERANCE * abs(truth) + ABSOLUTE_TOLERANCE


def is_near(answer: float, truth: float) -> bool:
    """Close but rounded too far: not right, written with at most two significant digits,
    and less than one unit of the truth's second digit away (0.22 or 0.23 for 2/9, 0.0069 for
    1/144). Said as such, with the three-digit rule, and the learner may try again.

    >>> is_near(0.22, 2 / 9), is_near(0.0069, 1 / 144), is_near(0.2, 2 / 9), is_near(0.222, 2 / 9)
    (True, True, False, False)
    >>> is_near(0.24, 0.25), is_near(0.245, 0.25), is_near(0.1, 0.0)
    (False, False, False)
    """
    if is_right(answer, truth) or truth == 0 or answer == 0:
        return False
    two_digits = answer == round(answer, 1 - math.floor(math.log10(abs(answer))))  # at most 2 significant digits
    unit = 10.0 ** (math.floor(math.log10(abs(truth))) - 1)  # one unit of the truth's second digit
    return two_digits and abs(answer - truth) < unit


@dataclass(frozen=True)
class Score:
    right: int = 0
    asked: int = 0


@dataclass(frozen=True)
class Verdict:
    """What the last check or reveal said: ``right``, ``wrong`` (with the answer given),
    ``revealed`` (shown without an answer: it counts as not right, and says so), or ``near``
    (rounded too far: it has not counted, the question stays open)."""

    kind: str
    truth: float
    answer: float | None = None


@dataclass(frozen=True)
class Unreadable:
    """A typed answer that is not a number (``key``: ``scenario.numbers.NumberError``'s reason);
    it is said instead of the last verdict, and counts for nothing."""

    key: str
    typed: str

    def error(self, where: str) -> InputError:
        """The learner's message, naming ``where`` the answer was typed."""
        return number_error(NumberError(self.key, self.typed), where)


@dataclass(frozen=True)
class GridVerdict:
    """How a typed ∂L/∂x grid compares with the truth: how many cells are right, and which
    cells are wrong or still empty."""

    right: int
    total: int
    wrong: list[Cell]
    empty: list[Cell]


@dataclass(frozen=True)
class Quiz:
    """One learner's quiz. ``number`` counts the questions (it seeds the cell picked and keys
    the grid's editor); ``cell`` is the cell asked (None: picked from the setup when drawn);
    ``lesson`` the preset the question was set up from, and ``moved`` whether "New question"
    chose it (the last setup had one answer everywhere) rather than "Surprise me"; ``uniform``
    whether every cell of the current setup has the same answer (then "next" changes the
    window layout); ``asked`` the cells asked since the last preset, oldest first (a new
    question asks another while there is one); ``unreadable`` the last typed answer when it
    was not a number (said instead of ``verdict``, which stays as it was)."""

    number: int = 0
    mode: str = MODES[0]
    cell: Cell | None = None
    lesson: str | None = None
    moved: bool = False
    uniform: bool = False
    asked: tuple[Cell, ...] = ()
    last_truth: float | None = None
    verdict: Verdict | None = None
    grid_verdict: GridVerdict | None = None
    unreadable: Unreadable | None = None
    score: Score = field(default_factory=Score)

    @property
    def answered(self) -> bool:
        """Checked or revealed: the question has counted, and its answer is on screen (a
        near miss has not: the learner tries again)."""
        near = self.verdict is not None and self.verdict.kind == "near"
        return (self.verdict is not None and not near) or self.grid_verdict is not None


def new_question(quiz: Quiz) -> Quiz:
    """Another question on the current setup (its cell picked when drawn)."""
    return replace(
        quiz,
        number=quiz.number + 1,
        cell=None,
        lesson=None,
        moved=False,
        verdict=None,
        grid_verdict=None,
        unreadable=None,
    )


def with_mode(quiz: Quiz, mode: str) -> Quiz:
    """One cell or the whole grid: a new question either way."""
    return new_question(replace(quiz, mode=mode if mode in MODES else MODES[0]))


def set_up(quiz: Quiz, preset_key: str, cell: Cell, moved: bool = False) -> Quiz:
    """A new question on a preset's setup, about the preset's instructive cell; ``moved``:
    chosen by "New question" (the last setup had one answer everywhere), not "Surprise me"."""
    return replace(new_question(quiz), cell=cell, lesson=preset_key, moved=moved, asked=())


def next_question(quiz: Quiz) -> tuple[Quiz, str | None]:
    """'New question': another cell; or, when every cell has the same answer in this setup
    (the classic 0.25 everywhere), the next window layout, where answers differ. Returns the
    quiz and the preset to set the sidebar to (None: keep it)."""
    if not (quiz.uniform and quiz.mode in ("cell", "choice")):
        return new_question(quiz), None
    return new_question(quiz), LAYOUT_PRESETS[(quiz.number + 1) % len(LAYOUT_PRESETS)]


def ask(quiz: Quiz, grad_input: np.ndarray) -> Quiz:
    """The question as drawn on this setup: the asked cell kept while it fits the grid, else
    a new pick (from the question number): a cell not asked on this setup yet while there is
    one, whose answer differs from the last one where it can.

    >>> quiz = Quiz()
    >>> for _ in range(4):
    ...     quiz = new_question(ask(quiz, np.full((2, 2), 0.25)))
    >>> sorted(quiz.asked)
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    uniform = bool(np.ptp(grad_input) == 0)
    asked = tuple(cell for cell in quiz.asked if _fits(cell, grad_input.shape))
    cell = quiz.cell
    if cell is None or not _fits(cell, grad_input.shape):
        if len(set(asked)) >= grad_input.size:  # every cell asked: start again, not with the last
            asked = asked[-1:]
        cell = pick_cell(grad_input, quiz.number, quiz.last_truth, asked)
    if cell not in asked:
        asked += (cell,)
    return replace(quiz, cell=cell, uniform=uniform, last_truth=float(grad_input[cell]), asked=asked)


def _fits(cell: Cell, shape: tuple[int, ...]) -> bool:
    return all(0 <= index < size for index, size in zip(cell, shape))


def _counted(quiz: Quiz, right: bool) -> Score:
    """The score once this question has counted: each question counts once, when it is
    first checked or revealed."""
    if quiz.answered:
        return quiz.score
    return Score(quiz.score.right + int(right), quiz.score.asked + 1)


def answer_cell(quiz: Quiz, typed: str, truth: float) -> Quiz:
    """Check a typed answer to the asked cell. Not a number: said instead of the last verdict
    (``unreadable``), and nothing counts. Rounded too far (``is_near``) before the question
    has counted: said, and nothing counts (try again). Otherwise each question counts once,
    at its first check; a revealed question stays as it was (its answer is on screen).

    >>> quiz = answer_cell(Quiz(), "0.22", 2 / 9)
    >>> quiz.verdict.kind, quiz.score
    ('near', Score(right=0, asked=0))
    >>> quiz = answer_cell(quiz, "2/9", 2 / 9)
    >>> quiz.verdict.kind, quiz.score
    ('right', Score(right=1, asked=1))
    >>> quiz = answer_cell(quiz, "junk", 2 / 9)
    >>> quiz.unreadable, quiz.score
    (Unreadable(key='text', typed='junk'), Score(right=1, asked=1))
    """
    try:
        answer = parse_number(typed)
    except NumberError as error:
        return replace(quiz, unreadable=Unreadable(error.key, error.typed))
    quiz = replace(quiz, unreadable=None)
    if quiz.verdict is not None and quiz.verdict.kind == "revealed":
        return quiz
    right = is_right(answer, truth)
    if not right and not quiz.answered and is_near(answer, truth):
        return replace(quiz, verdict=Verdict("near", truth, answer))
    verdict = Verdict("right" if right else "wrong", truth, answer)
    return replace(quiz, verdict=verdict, score=_counted(quiz, right))


def answer_choice(quiz: Quiz, answer: float, truth: float) -> Quiz:
    """Check a picked choice (the page takes only a value it offered): right or wrong at once,
    never "close" (a choice is not rounded by the learner); counted once, as a typed answer.

    >>> quiz = answer_choice(Quiz(), 1.0, 0.25)
    >>> quiz.verdict.kind, quiz.score
    ('wrong', Score(right=0, asked=1))
    """
    quiz = replace(quiz, unreadable=None)
    if quiz.verdict is not None and quiz.verdict.kind == "revealed":
        return quiz
    right = is_right(answer, truth)
    return replace(quiz, verdict=Verdict("right" if right else "wrong", truth, answer), score=_counted(quiz, right))


def reveal(quiz: Quiz, truth: float) -> Quiz:
    """Show the answer: a question revealed before it was answered right counts as not right.

    >>> quiz = reveal(answer_cell(Quiz(), "0.22", 2 / 9), 2 / 9)  # a near miss, then Reveal
    >>> quiz.verdict.kind, quiz.score
    ('revealed', Score(right=0, asked=1))
    """
    if quiz.answered:
        return replace(quiz, unreadable=None)
    return replace(quiz, verdict=Verdict("revealed", truth), score=_counted(quiz, False), unreadable=None)


def check_grid(quiz: Quiz, cells: np.ndarray, truth: np.ndarray) -> Quiz:
    """Grade the whole typed grid (raises InputError for a cell that is not a number)."""
    verdict = grade_grid(cells, truth)
    return replace(quiz, grid_verdict=verdict, score=_counted(quiz, verdict.right == verdict.total))


def grade_grid(cells: np.ndarray, truth: np.ndarray) -> GridVerdict:
    """Grade a grid of typed texts against ``truth``. An empty cell counts as not answered;
    texts that are not numbers raise BadCells naming every such cell (nothing is guessed).

    >>> grade_grid(np.array([["1/4", "0.3", ""]], dtype=object), np.full((1, 3), 0.25))
    GridVerdict(right=1, total=3, wrong=[(0, 1)], empty=[(0, 2)])
    """
    right, wrong, empty, problems = 0, [], [], {}
    for (row, col), typed in np.ndenumerate(cells):
        try:
            answer = parse_number(typed)
        except NumberError as error:
            if error.key == "empty":  # not answered yet: said, not refused
                empty.append((row, col))
            else:
                problems[(row, col)] = number_error(error, f"∂L/∂x[{row}, {col}]")
            continue
        if is_right(answer, float(truth[row, col])):
            right += 1
        else:
            wrong.append((row, col))
    if problems:
        raise BadCells("∂L/∂x", problems)
    return GridVerdict(right, truth.size, wrong, empty)


def pick_cell(
    grad_input: np.ndarray, seed: int, last_answer: float | None = None, asked: Collection[tuple[int, int]] = ()
) -> tuple[int, int]:
    """A cell of the input to ask about, from the question number: one not ``asked`` before
    while there is one; among those, where the gradient has other values, one whose answer
    differs from the last question's (a class should not see the same answer ten times).

    >>> grad = np.array([[0.25, 0.5], [0.25, 0.25]])
    >>> pick_cell(grad, 3, last_answer=0.25)
    (0, 1)
    >>> pick_cell(np.full((2, 2), 0.25), 3, last_answer=0.25, asked={(0, 0), (0, 1), (1, 0)})
    (1, 1)
    """
    rng = np.random.default_rng(seed)
    cells = [(int(r), int(c)) for r, c in np.ndindex(grad_input.shape)]
    unasked = [cell for cell in cells if cell not in asked] or cells
    fresh = [cell for cell in unasked if last_answer is None or not is_right(float(grad_input[cell]), last_answer)]
    choices = fresh or unasked
    return choices[int(rng.integers(len(choices)))]
