"""A deck assigned as homework, as plain data with pure transitions: no Streamlit, no storage.

A teacher assigns a deck (``assign``): the homework has a code that students open and a secret
that opens its report. Each student goes through the deck at their own pace; their
``Progress`` (the step they are on, the furthest they reached, each step's answers, an optional
nickname) is one entry of the store per student (``classroom.homework_store``). The report
(``report``) counts, per step, who reached it, who got it right first time, and which
misconceptions the wrong answers show, each matched by ``classroom.model``'s mistakes.

Everything a browser sends comes through here checked: a step index (``go_to``), an answer
(``answer``), a nickname (``nickname_of``); what is wrong raises ``HomeworkError``, whose
``key`` is the catalogue's ``homework.error_<key>``.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace

from classroom.cells import CellsError, cells_label, is_cells, read_mask
from classroom.model import CODE_ALPHABET, Question, new_code, new_secret
from scenario.numbers import data_text
from scenario.quiz import is_right

__all__ = [
    "MAX_ATTEMPTS",
    "MAX_HOMEWORKS",
    "MAX_NICKNAME",
    "MAX_STUDENTS",
    "RETENTION",
    "Homework",
    "HomeworkError",
    "Progress",
    "StepReport",
    "Verdict",
    "answer",
    "assign",
    "go_to",
    "new_code",
    "new_secret",
    "nickname_of",
    "normalized_code",
    "report",
    "report_csv",
    "set_nickname",
    "teacher_may",
    "verdict",
]

RETENTION = 30 * 24 * 3600  # seconds a homework, its progress and its report are kept after it is assigned
MAX_HOMEWORKS = 1_000  # homework a deployment keeps at a time
MAX_STUDENTS = 500  # students one homework counts (as a class's answers to one question)
MAX_ATTEMPTS = 10  # answers a student gives to one step; then the answer is shown
MAX_NICKNAME = 40  # characters of a nickname
CODE_LENGTH = 8  # a homework's code: 20^8 = 25.6 billion, guessed by nobody in 30 days


class HomeworkError(ValueError):
    """Something a browser sent that the homework refuses: ``key`` names what
    (``homework.error_<key>`` in the catalogue), ``params`` fill in its message."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(key)


def teacher_may(homework: Homework, secret: object) -> bool:
    """Whether ``secret`` opens this homework's report (compared in constant time)."""
    return isinstance(secret, str) and len(secret) <= 64 and hmac.compare_digest(_digest(secret), homework.teacher)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalized_code(typed: object) -> str | None:
    """A homework code from a link in its canonical form, or None when it cannot be one.

    >>> normalized_code("hqcmtkmn"), normalized_code("HQCMT"), normalized_code("HQCMTKM0")
    ('HQCMTKMN', None, None)
    """
    if not isinstance(typed, str) or len(typed) != CODE_LENGTH:
        return None
    code = typed.upper()
    return code if all(letter in CODE_ALPHABET for letter in code) else None


@dataclass(frozen=True)
class Homework:
    """One assigned deck: its ``code`` (the students' link), a digest of the teacher's secret
    (the report's key, never the secret), the deck as its file holds it, whether students are
    asked for a nickname, and when it was assigned (seconds since the epoch)."""

    code: str
    teacher: str
    deck: str
    nickname: bool
    assigned: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Homework:
        data = json.loads(text)
        return cls(str(data["code"]), str(data["teacher"]), str(data["deck"]), bool(data["nickname"]),
                   float(data["assigned"]))  # fmt: skip

    @property
    def expires(self) -> float:
        return self.assigned + RETENTION


def assign(secret: str, deck: str, nickname: bool, now: float, code: str | None = None) -> Homework:
    """A new homework of ``deck`` (its file's text), its report opened by ``secret``.

    >>> homework = assign("s3cret", "{}", False, 0.0, "HQCMTKMN")
    >>> homework.code, teacher_may(homework, "s3cret"), teacher_may(homework, "guess")
    ('HQCMTKMN', True, False)
    """
    code = code or "".join(new_code() for _ in range(2))[:CODE_LENGTH]
    return Homework(code, _digest(secret), deck, nickname, now)


@dataclass(frozen=True)
class Verdict:
    """One answer judged: right, or wrong with the mistake that most likely gave it (None:
    the app cannot tell)."""

    value: float
    right: bool
    mistake: str | None = None


def verdict(question: Question, value: float | str) -> Verdict:
    """``value`` judged by the quiz's rule, a wrong one matched to the question's mistakes; a
    "which cells" answer (its mask, ``classroom.cells``) right when it is the right set, its
    ``value`` how many cells were tapped.

    >>> from classroom.model import Mistake, Setup
    >>> question = Question(1, Setup(), (0, 0), 0.25, mistakes=(Mistake(1.0, "divisor"),))
    >>> verdict(question, 0.25).right, verdict(question, 1).mistake, verdict(question, 7).mistake
    (True, 'divisor', None)
    """
    if is_cells(question.kind):
        cells = read_mask(value, question.grid)
        if cells == frozenset(question.cells):
            return Verdict(float(len(cells)), True)
        key = next((key for key, wrong in question.cell_mistakes if frozenset(wrong) == cells), None)
        return Verdict(float(len(cells)), False, None if key is None else f"cells_{key}")  # class.mistake_cells_*
    if is_right(value, question.truth):
        return Verdict(value, True)
    return Verdict(value, False, next((m.key for m in question.mistakes if is_right(value, m.value)), None))


@dataclass(frozen=True)
class Progress:
    """One student's way through a homework: the step on screen (from 0), the furthest step
    reached, each step's answers in the order given (by step index: a number, or a "which
    cells" answer's mask), and a nickname (only if the student gave one)."""

    step: int = 0
    furthest: int = 0
    answers: Mapping[int, tuple[float | str, ...]] = field(default_factory=dict)
    nickname: str | None = None

    def to_json(self) -> str:
        answers = {str(index): list(values) for index, values in self.answers.items()}
        return json.dumps({"step": self.step, "furthest": self.furthest, "answers": answers,
                           "nickname": self.nickname}, separators=(",", ":"))  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Progress:
        data = json.loads(text)
        answers = {
            int(index): tuple(value if isinstance(value, str) else float(value) for value in values)
            for index, values in data["answers"].items()
        }
        return cls(int(data["step"]), int(data["furthest"]), answers, data.get("nickname"))

    def solved(self, index: int, question: Question) -> bool:
        """Whether one of this student's answers to step ``index`` was right."""
        return any(verdict(question, value).right for value in self.answers.get(index, ()))

    def done(self, index: int, question: Question) -> bool:
        """Whether step ``index`` takes no more answers: answered right, or ``MAX_ATTEMPTS`` given."""
        return self.solved(index, question) or len(self.answers.get(index, ())) >= MAX_ATTEMPTS


def go_to(progress: Progress, index: object, steps: int) -> Progress:
    """The student moves to step ``index`` (from 0): any step up to one past the furthest
    reached (Next, Previous, or a link to a step seen before); raises HomeworkError("step").

    >>> moved = go_to(go_to(Progress(), 1, 3), 2, 3)
    >>> moved.step, moved.furthest, go_to(moved, 0, 3).furthest
    (2, 2, 2)
    """
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < steps:
        raise HomeworkError("step", count=steps)
    if index > progress.furthest + 1:
        raise HomeworkError("step_ahead", step=progress.furthest + 2)  # said from 1
    return replace(progress, step=index, furthest=max(progress.furthest, index))


def answer(progress: Progress, index: int, value: float | str, question: Question | None) -> tuple[Progress, Verdict]:
    """A student's answer to step ``index`` (the step on screen), judged; raises HomeworkError
    when that step asks nothing, is not on screen, already has its right answer, or its
    ``MAX_ATTEMPTS`` answers.

    >>> from classroom.model import Mistake, Setup
    >>> question = Question(1, Setup(), (0, 0), 0.25, mistakes=(Mistake(1.0, "divisor"),))
    >>> progress, said = answer(Progress(), 0, 1.0, question)
    >>> said.mistake, answer(progress, 0, 0.25, question)[0].answers
    ('divisor', {0: (1.0, 0.25)})
    """
    if question is None or index != progress.step:
        raise HomeworkError("no_question")
    if is_cells(question.kind):  # a mask of the question's grid (classroom/cells.py), or refused by name
        try:
            read_mask(value, question.grid)
        except CellsError as error:
            raise HomeworkError(f"cells_{error.key}") from None
    elif not isinstance(value, float | int) or not math.isfinite(value):
        raise HomeworkError("not_finite")
    if progress.solved(index, question):
        raise HomeworkError("already_right")
    given = progress.answers.get(index, ())
    if len(given) >= MAX_ATTEMPTS:
        raise HomeworkError("attempts", max=MAX_ATTEMPTS)
    answers = {**progress.answers, index: (*given, value if isinstance(value, str) else float(value))}
    return replace(progress, answers=answers), verdict(question, value)


def nickname_of(typed: object) -> str | None:
    """A nickname as typed, checked: None when empty; raises HomeworkError when it is too long
    or holds characters that are not printable text.

    >>> nickname_of("  Ada  "), nickname_of("")
    ('Ada', None)
    """
    if not isinstance(typed, str):
        raise HomeworkError("nickname_text")
    name = unicodedata.normalize("NFC", typed).strip()
    if len(name) > MAX_NICKNAME:
        raise HomeworkError("nickname_long", max=MAX_NICKNAME)
    if not all(character.isprintable() for character in name):
        raise HomeworkError("nickname_text")
    return name or None


def set_nickname(progress: Progress, typed: object) -> Progress:
    """The student's nickname, as ``nickname_of`` reads it (an empty one stores nothing)."""
    return replace(progress, nickname=nickname_of(typed))


# ---------------------------------------------------------------------------------------
# The teacher's report.


@dataclass(frozen=True)
class StepReport:
    """One step of the report: how many students reached it; for a question, how many
    answered, got it right first time, got it right at all, and the misconceptions their
    wrong answers show (key, students), most common first, and the wrong answers the app
    cannot explain (students)."""

    index: int
    reached: int
    answered: int = 0
    right_first: int = 0
    right: int = 0
    mistakes: tuple[tuple[str, int], ...] = ()
    unexplained: int = 0


def report(questions: Iterable[Question | None], progresses: Iterable[Progress]) -> tuple[StepReport, ...]:
    """Per step (``questions``: each step's question or None), what the class did. Each
    student counts once per misconception per step, however often they gave it.

    >>> from classroom.model import Mistake, Setup
    >>> question = Question(1, Setup(), (0, 0), 0.25, mistakes=(Mistake(1.0, "divisor"),))
    >>> first = Progress(1, 1, {1: (1.0, 0.25)})
    >>> second = Progress(1, 1, {1: (0.25,)})
    >>> report([None, question], [first, second, Progress()])[1]
    StepReport(index=1, reached=2, answered=2, right_first=1, right=2, mistakes=(('divisor', 1),), unexplained=0)
    """
    students = list(progresses)
    rows = []
    for index, question in enumerate(questions):
        reached = sum(progress.furthest >= index for progress in students)
        if question is None:
            rows.append(StepReport(index, reached))
            continue
        given = [progress.answers[index] for progress in students if progress.answers.get(index)]
        judged = [[verdict(question, value) for value in values] for values in given]
        counted: dict[str, int] = {}
        unexplained = 0
        for verdicts in judged:
            keys = {said.mistake for said in verdicts if not said.right}
            for key in keys - {None}:
                counted[key] = counted.get(key, 0) + 1
            unexplained += None in keys
        mistakes = tuple(sorted(counted.items(), key=lambda item: (-item[1], item[0])))
        rows.append(StepReport(index, reached, len(given), sum(verdicts[0].right for verdicts in judged),
                               sum(any(said.right for said in verdicts) for verdicts in judged), mistakes,
                               unexplained))  # fmt: skip
    return tuple(rows)


REPORT_HEADER = ["step", "question", "right_answer", "reached", "answered", "right_first_time", "right",
                 "misconception", "students"]  # fmt: skip


def report_csv(rows: Iterable[StepReport], questions: Iterable[Question | None], meanings: Mapping[str, str]) -> str:
    """The report as CSV: one row per step, then one per misconception seen at it (its
    meaning from ``meanings``, by key; "" for wrong answers the app cannot explain).

    >>> from classroom.model import Setup
    >>> question = Question(1, Setup(), (0, 0), 0.25)
    >>> rows = [StepReport(0, 3), StepReport(1, 3, 2, 1, 2, (("divisor", 1),))]
    >>> print(report_csv(rows, [None, question], {"divisor": "no divisor"}), end="")
    step,question,right_answer,reached,answered,right_first_time,right,misconception,students
    1,,,3,,,,,
    2,"∂L/∂x[0, 0]",0.25,3,2,1,2,,
    2,,,,,,,no divisor,1
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for row, question in zip(rows, questions):
        target = question.target if question is not None else ""
        truth = "" if question is None else cells_label(question.cells) if is_cells(question.kind) else (
            data_text(question.truth))  # fmt: skip
        writer.writerow([row.index + 1, target, truth, row.reached, row.answered if question else "",
                         row.right_first if question else "", row.right if question else "", "", ""])  # fmt: skip
        for key, count in row.mistakes:
            writer.writerow([row.index + 1, "", "", "", "", "", "", meanings.get(key, key), count])
        if row.unexplained:
            writer.writerow([row.index + 1, "", "", "", "", "", "", meanings.get("", ""), row.unexplained])
    return buffer.getvalue()
