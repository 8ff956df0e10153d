"""A class's report, kept after the class ends (issue 30 §6): each question as it was asked
(its setup, so the report opens it again), both votes' answers, the confidences, the times.

Pure data and its two renderings' inputs; no Streamlit, no store (``classroom/report_store.py``
keeps it, ``classroom/report_page.py`` prints it). Answers are kept anonymous: the report
holds no student's identity, only one row per student and question (vote 1, vote 2, how sure
each time), so both votes can still be paired (who moved) and counted.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from classroom.model import Lesson, Question, all_questions, end, took
from classroom.setups import class_report

__all__ = [
    "MAX_REPORTS",
    "MAX_REPORTS_PER_TEACHER",
    "MAX_REPORT_BYTES",
    "RETENTION",
    "ClassReport",
    "Votes",
    "new_report",
    "report_csv",
    "valid_report_id",
]

RETENTION = 30 * 24 * 3600  # seconds a class's report is kept after the class ends (as homework)
MAX_REPORTS_PER_TEACHER = 50  # reports one teacher keeps at a time (then: delete one to keep the next)
MAX_REPORTS = 2_000  # reports one deployment keeps at a time
MAX_REPORT_BYTES = 1_000_000  # a report's JSON at most (a typical lesson's: a few kB)

# One student's answers to one question: vote 1, vote 2, sure in 1, sure in 2, and a "which
# cells" question's sets tapped in 1 and 2 (their masks: classroom/cells.py; None for a number).
Row = tuple[float | None, float | None, bool | None, bool | None, str | None, str | None]


@dataclass(frozen=True)
class Votes:
    """One question's answers by vote, keyed by a student's place in the report (``"0"``,
    ``"1"``, ...: no identity), as ``model.tally``, ``moves`` and ``confidence`` take them."""

    first: dict[str, float]
    second: dict[str, float]
    sure_first: dict[str, bool]
    sure_second: dict[str, bool]
    cells_first: dict[str, str]  # a "which cells" question's masks, by vote
    cells_second: dict[str, str]


@dataclass(frozen=True)
class ClassReport:
    """A class as it ended: its ``id`` (the report's own, random), ``owner`` (the digest of
    the teacher's secret, as the lesson holds it), the class's code, when it ended (seconds
    since the epoch), the teacher's language then, the questions asked (with their setups and
    times), per question its rows of answers, and how many students answered anything."""

    id: str
    owner: str
    code: str
    ended_at: float
    language: str
    questions: tuple[Question, ...]
    rows: tuple[tuple[Row, ...], ...]
    students: int

    @property
    def expires(self) -> float:
        return self.ended_at + RETENTION

    def date(self) -> str:
        """When the class ended: ``2026-12-07 14:05 UTC``."""
        return datetime.fromtimestamp(self.ended_at, UTC).strftime("%Y-%m-%d %H:%M UTC")

    def votes(self, index: int) -> Votes:
        """The answers to the ``index``-th question (from 0), by vote."""
        votes = Votes({}, {}, {}, {}, {}, {})
        kept_in = (
            votes.first,
            votes.second,
            votes.sure_first,
            votes.sure_second,
            votes.cells_first,
            votes.cells_second,
        )
        for place, row in enumerate(self.rows[index]):
            for kept, value in zip(kept_in, row):
                if value is not None:
                    kept[str(place)] = value
        return votes

    def to_json(self) -> str:
        lesson = Lesson(self.code, self.owner, asked=self.questions, ended=True)
        data = {"id": self.id, "ended_at": self.ended_at, "language": self.language, "lesson": lesson.to_json(),
                "rows": self.rows, "students": self.students}  # fmt: skip
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ClassReport:
        data = json.loads(text)
        lesson = Lesson.from_json(data["lesson"])
        rows = tuple(tuple(_row(row) for row in question) for question in data["rows"])
        return cls(str(data["id"]), lesson.teacher, lesson.code, float(data["ended_at"]), str(data["language"]),
                   lesson.asked, rows, int(data["students"]))  # fmt: skip


def _row(row: list) -> Row:
    one, two, sure_one, sure_two, mask_one, mask_two = row
    return (
        None if one is None else float(one),
        None if two is None else float(two),
        None if sure_one is None else bool(sure_one),
        None if sure_two is None else bool(sure_two),
        None if mask_one is None else str(mask_one),
        None if mask_two is None else str(mask_two),
    )


def valid_report_id(text: object) -> bool:
    """Whether ``text`` has the shape of a report's id (22 URL-safe characters: 128 bits).

    >>> valid_report_id("a" * 22), valid_report_id("../etc"), valid_report_id(None)
    (True, False, False)
    """
    return isinstance(text, str) and len(text) == 22 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def new_report(
    lesson: Lesson,
    answers: Mapping[int, Mapping[str, float]],
    second: Mapping[int, Mapping[str, float]],
    sure: Mapping[tuple[int, int], Mapping[str, bool]],
    ended_at: float,
    language: str,
    cells: Mapping[tuple[int, int], Mapping[str, str]] | None = None,
) -> ClassReport:
    """The report of ``lesson`` as it ends: ``answers`` and ``second`` by question number
    (student -> value), ``sure`` and a "which cells" question's masks (``cells``) by (question
    number, vote); the students' identities are dropped (each question's rows are in no
    particular student's order).

    >>> from classroom.model import Setup
    >>> lesson = Lesson("HQCMT", "digest", asked=(Question(1, Setup(), (0, 0), 0.25),))
    >>> report = new_report(lesson, {1: {"ann": 0.25, "bo": 1.0}}, {}, {(1, 1): {"ann": True}}, 0.0, "en")
    >>> report.rows, report.students, "ann" in report.to_json()
    ((((0.25, None, True, None, None, None), (1.0, None, None, None, None, None)),), 2, False)
    """
    questions = all_questions(end(lesson))
    rows, everyone = [], set()
    for question in questions:
        first, again = answers.get(question.number, {}), second.get(question.number, {})
        said_first, said_again = sure.get((question.number, 1), {}), sure.get((question.number, 2), {})
        tapped_first, tapped_again = (
            (cells or {}).get((question.number, 1), {}),
            (cells or {}).get((question.number, 2), {}),
        )
        students = sorted(set(first) | set(again) | set(tapped_first) | set(tapped_again))  # random ids: tell nothing
        everyone.update(students)
        rows.append(tuple((first.get(s), again.get(s), said_first.get(s), said_again.get(s), tapped_first.get(s),
                           tapped_again.get(s)) for s in students))  # fmt: skip
    return ClassReport(secrets.token_urlsafe(16), lesson.teacher, lesson.code, ended_at, language, questions,
                       tuple(rows), len(everyone))  # fmt: skip


def report_csv(report: ClassReport, language: str | None = None) -> str:
    """The report as the end-of-class CSV (``classroom.setups.class_report``), from what was kept."""
    lesson = Lesson(report.code, report.owner, asked=report.questions, ended=True)
    votes = [report.votes(index) for index in range(len(report.questions))]
    numbers = [question.number for question in report.questions]
    answers = {number: vote.first for number, vote in zip(numbers, votes)}
    second = {number: vote.second for number, vote, q in zip(numbers, votes, report.questions) if q.vote == 2}
    sure = {(number, 1): vote.sure_first for number, vote in zip(numbers, votes)}
    sure |= {(number, 2): vote.sure_second for number, vote in zip(numbers, votes)}
    cells = {(number, 1): vote.cells_first for number, vote in zip(numbers, votes)}
    cells |= {(number, 2): vote.cells_second for number, vote in zip(numbers, votes)}
    return class_report(lesson, answers, report.date(), language or report.language, second=second, sure=sure,
                        seconds={q.number: took(q) for q in report.questions}, cells=cells)  # fmt: skip
