"""A class's ``Setup`` turned into numbers, without any session's sidebar: the projector and
the question draw the teacher's setup, whatever a student explores on their own.

The same rules as the sidebar: ``scenario.params.params_from_settings`` for the pooling, the
generated inputs, the typed grids as a link carries them, the loss choice. A picture cannot
travel to a class (it lives in the teacher's tab only): such a setup is refused, said why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from urllib.parse import urlencode

import numpy as np

from classroom.cells import answer_sets, answer_shape, cell_mistakes, cells_label, is_cells, truth_cells
from classroom.choices import with_choices
from classroom.model import Lesson, Question, Setup, all_questions, mistakes_for, output_mistakes_for, tally
from i18n import LANGUAGES, text
from pooling import PoolingError
from scenario.compute import Computed, compute_scenario
from scenario.explain import explain_pooled_cell
from scenario.inputs import GENERATED_SOURCES, InputError, generated_input
from scenario.losses import LossChoice
from scenario.numbers import data_text, parse_number
from scenario.params import DEFAULTS, TYPED_STARTS, params_from_settings
from scenario.typed_grid import decode_grid

__all__ = [
    "SetupError",
    "class_report",
    "computed_from_setup",
    "question_for",
    "sent_setup",
    "setup_link",
    "setup_query",
    "setup_summary",
    "setup_values",
]


class SetupError(ValueError):
    """A setup that cannot be drawn for the class; ``key`` names why (``class.setup_<key>``)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def setup_values(setup: Setup) -> dict[str, object]:
    """The sidebar's values of a setup, every key of ``DEFAULTS`` (the defaults where the
    setup does not say), each of the default's type; anything else is left out.

    >>> setup_values(Setup("", {"kernel_h": 3, "square": "yes", "bogus": 1}))["kernel_h"]
    3
    """
    values = dict(DEFAULTS)
    for key, value in setup.controls.items():
        default = DEFAULTS.get(key)
        if key not in DEFAULTS:
            continue
        if default is None:  # stride and divisor_override: a whole number or None
            if value is None or (isinstance(value, int) and not isinstance(value, bool)):
                values[key] = value
        elif type(value) is type(default):
            values[key] = value
    return values


def sent_setup(setup: Setup) -> Setup:
    """A setup as a teacher's tab sends it (ui/classroom.py): every control of the sidebar, the
    cell explained on the Playground only. A deck's step is published so: once the teacher's
    sidebar shows it, it sends the same setup, which changes nothing for the class.

    >>> sent = sent_setup(Setup("step_by_step", {"kernel_h": 3}, {}, "x-0-0"))
    >>> sent.controls["kernel_h"], sent.controls["stride_h"], sent.explain
    (3, None, None)
    """
    return Setup(setup.page, setup_values(setup), dict(setup.typed), setup.explain if setup.page == "" else None)


def _typed(setup: Setup, name: str, shape: tuple[int, int]) -> np.ndarray:
    """A typed grid of the setup at ``shape``: the link's grid, or the start grid."""
    encoded = setup.typed.get(name)
    if not encoded:
        return TYPED_STARTS[name](*shape).astype(np.float64)
    texts = decode_grid(encoded, name)
    values = np.array([[parse_number(text) for text in row] for row in texts], dtype=np.float64)
    if values.shape != shape and name == "grad":
        raise SetupError("grad_shape")
    return values


def computed_from_setup(setup: Setup, language: str = "en") -> Computed:
    """Every number of the setup (raises SetupError, or the core's PoolingError).

    >>> computed = computed_from_setup(Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5}))
    >>> computed.grad_input[2, 2]
    np.float64(1.0)
    """
    values = setup_values(setup)
    source = values["input"]
    shape = (int(values["height"]), int(values["width"]))
    try:
        if source in GENERATED_SOURCES or source == "classic":
            x = generated_input(source, *shape, seed=int(values["seed"]))
        elif source in ("custom", "csv") and (source == "custom" or setup.typed.get("x")):
            x = _typed(setup, "x", shape)
        else:
            raise SetupError("picture" if source == "image" else "upload")
        params = params_from_settings(values)
        plan = params.plan(x.shape)
        choice = LossChoice(
            str(values["loss"]), (int(values["loss_row"]), int(values["loss_col"])), int(values["seed"])
        )
        weights = _typed(setup, "grad", plan.output_shape) if choice.name == "custom" else None
    except (SetupError, PoolingError):
        raise  # said as it is (the core's message says what torch rejects and how to fix it)
    except (InputError, ValueError) as error:
        raise SetupError("numbers") from error
    return compute_scenario(x, params, choice.name, choice.seed, choice.cell, weights, language, plan)


def question_for(setup: Setup, cell: tuple[int, int], kind: str, as_choice: bool = False) -> Question:
    """The question about ``cell`` of y (``kind`` "output") or of ∂L/∂x on ``setup``: its
    answer, the usual mistakes' values and the explanation in each language, all computed
    (the cockpit's "Ask" and a deck's question step both ask through this); ``as_choice``:
    answered by picking among the right value and the mistakes' (``classroom.choices``). A
    "which cells" kind (``classroom.cells``): ``cell`` is y's for "feeds", x's for "sends"."""
    if is_cells(kind):
        return _cells_question(setup, cell, kind)
    explanations = {}
    for language in LANGUAGES:  # a cell of y: its window's mean; of ∂L/∂x: its sum of shares
        numbers = computed_from_setup(setup, language)
        explanations[language] = explain_pooled_cell(
            "output" if kind == "output" else "input", *cell, numbers.x, numbers.y,
            numbers.loss.grad_output, numbers.grad_input, numbers.windows, language,
        )  # fmt: skip
    if kind == "output":
        truth, mistakes = float(numbers.y[cell]), output_mistakes_for(numbers, cell)
    else:
        truth, mistakes = float(numbers.grad_input[cell]), mistakes_for(numbers, cell)
    question = Question(0, setup, cell, truth, explanations, mistakes, kind=kind)
    return with_choices(question, numbers) if as_choice else question


def _cells_question(setup: Setup, cell: tuple[int, int], kind: str) -> Question:
    """A "which cells" question: its right set and the misconceptions' sets, from the windows;
    its explanation in each language says the right set."""
    numbers = computed_from_setup(setup)
    grid = answer_shape(kind, numbers.x.shape, numbers.y.shape)
    asked_on = numbers.y.shape if kind == "feeds" else numbers.x.shape  # "sends": a cell of x
    if kind != "nothing" and not all(0 <= i < n for i, n in zip(cell, asked_on)):
        raise SetupError("cell")
    cells = truth_cells(numbers.windows, numbers.x.shape, kind, cell)
    explanations = {language: text(language, f"class.cells_truth_{kind}", count=len(cells), row=cell[0], col=cell[1])
                    for language in LANGUAGES}  # fmt: skip
    return Question(0, setup, tuple(cell), float(len(cells)), explanations, kind=kind, cells=cells,
                    cell_mistakes=cell_mistakes(numbers, kind, cell), grid=grid)  # fmt: skip


def setup_summary(setup: Setup) -> str:
    """A setup in one line of torch: ``nn.AvgPool2d(kernel_size=3, stride=1) on arange 5×5, loss sum``."""
    values = setup_values(setup)
    call = params_from_settings(values).torch_call()
    return f"{call} on {values['input']} {values['height']}×{values['width']}, loss {values['loss']}"


def setup_link(setup: Setup) -> str:
    """The app's address (after its host) that opens exactly this setup: its page, the values
    that differ from the defaults, the typed grids.

    >>> setup_link(Setup("step_by_step", {"kernel_h": 3, "stride_h": 2, "ceil_mode": True}, {"x": "1,2;3,4"}))
    '/step_by_step?kernel_h=3&stride_h=2&ceil_mode=true&x=1%2C2%3B3%2C4'
    """
    query = setup_query(setup) | {name: text for name, text in setup.typed.items() if name in ("x", "grad")}
    return f"/{setup.page}?{urlencode(query)}" if query else f"/{setup.page}"


def setup_query(setup: Setup) -> dict[str, str]:
    """The sidebar's values of a setup that differ from the defaults, as the address writes
    them (a following student's tab writes these, as its widgets would have).

    >>> setup_query(Setup("", {"kernel_h": 3, "ceil_mode": True, "stride_h": None}))
    {'kernel_h': '3', 'ceil_mode': 'true'}
    """
    return {key: _url_text(value) for key, value in setup_values(setup).items() if value != DEFAULTS[key]}


def _url_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


REPORT_HEADER = [
    "question", "date", "cell", "asked_as", "setup", "link", "right_answer", "students", "right",
    "answer", "count", "answer_is_right", "mistake", "answers_given", "vote", "sure", "not_sure", "seconds",
]  # fmt: skip


def asked_as(question: Question) -> str:
    """How the class answered a question, as the CSV says it: ``number`` (typed), ``choice``
    (picked among values, classroom/choices.py) or ``cells`` (tapped, classroom/cells.py)."""
    return "cells" if is_cells(question.kind) else "choice" if question.choices else "number"


def class_report(
    lesson: Lesson,
    answers: Mapping[int, Mapping[str, float]],
    date: str = "",
    language: str = "en",
    second: Mapping[int, Mapping[str, float]] | None = None,
    sure: Mapping[tuple[int, int], Mapping[str, bool]] | None = None,
    seconds: Mapping[int, float | None] | None = None,
    cells: Mapping[tuple[int, int], Mapping[str, str]] | None = None,
) -> str:
    """The class's questions and anonymous answer counts as CSV: one row per distinct answer
    to each question and vote (no student is named; ``answers`` by question number, ``second``
    the second votes of peer instruction), each question with the link that opens its setup
    again (typed grids included), each answer with the mistake that most likely gave it (in
    ``language``), every value given for it, and how many said they were sure or not
    (``sure`` by question number and vote: student -> sure), and the seconds from its ask to
    the close of its answers (``seconds`` by question number; empty when not known). A "which
    cells" question's rows are its distinct sets (``cells`` by question number and vote:
    student -> mask), each written as ``[row, col]`` cells, its right answer the right set.
    ``asked_as`` says which kind each question was (a number typed, a choice, cells).

    >>> from classroom.model import Mistake, Question
    >>> question = Question(1, Setup(), (0, 1), 0.25, mistakes=(Mistake(1.0, "divisor"),))
    >>> lesson = Lesson("HQCMT", "digest", asked=(question,))
    >>> report = class_report(lesson, {1: {"a": 0.25, "b": 1.0, "c": 0.25}}, "2026-12-07")
    >>> for row in csv.DictReader(io.StringIO(report)):
    ...     print(row["date"], row["cell"], row["link"], row["answer"], row["count"], row["mistake"][:30] or "-")
    2026-12-07 ∂L/∂x[0, 1] / 0.25 2 -
    2026-12-07 ∂L/∂x[0, 1] / 1 1 the gradients were added but n
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    votes = ((1, answers), (2, second or {}))
    for question in all_questions(lesson):
        for vote, given_in in votes:
            if vote == 2 and question.number not in given_in:
                continue
            said = (sure or {}).get((question.number, vote), {})
            took = (seconds or {}).get(question.number)
            if is_cells(question.kind):
                masks = (cells or {}).get((question.number, vote), {})
                _report_cells(writer, question, masks, said, date, language, vote, took)
                continue
            _report_vote(writer, question, given_in.get(question.number, {}), said, date, language, vote, took)
    return buffer.getvalue()


def _report_vote(writer, question, given: Mapping[str, float], said: Mapping[str, bool], date, language, vote,
                 took: float | None = None) -> None:  # fmt: skip
    """One vote's rows of the report: one per distinct answer (one empty row when none)."""
    result = tally(question, given)
    first = [question.number, date, question.target, asked_as(question), setup_summary(question.setup),
             setup_link(question.setup), data_text(question.truth), result.total, result.right]  # fmt: skip
    spent = "" if took is None else str(round(took))  # whole seconds: data, as the CSV's counts
    for row, spellings, key, students in zip(result.answers, result.spellings, result.mistakes, result.students):
        label, count, right = row
        meaning = text(language, f"class.mistake_{key}") if key else ""
        spelled = "; ".join(f"{spelled} ×{times}" for spelled, times in spellings)
        sure = sum(said.get(student) is True for student in students)
        unsure = sum(said.get(student) is False for student in students)
        writer.writerow([*first, label, count, "yes" if right else "no", meaning, spelled, vote, sure, unsure, spent])
    if not result.answers:  # no answer: nothing to judge
        writer.writerow([*first, "", 0, "", "", "", vote, 0, 0, spent])


def _report_cells(writer, question, masks: Mapping[str, str], said: Mapping[str, bool], date, language, vote,
                  took: float | None = None) -> None:  # fmt: skip
    """One vote's rows of a "which cells" question: one per distinct set tapped."""
    spent = "" if took is None else str(round(took))  # whole seconds: data, as the CSV's counts
    sets = answer_sets(masks, question.grid)
    truth = frozenset(question.cells)
    first = [question.number, date, question.target, asked_as(question), setup_summary(question.setup),
             setup_link(question.setup), cells_label(truth), len(sets),
             sum(cells == truth for cells in sets.values())]  # fmt: skip
    named = {frozenset(cells): key for key, cells in question.cell_mistakes}
    groups: dict[frozenset, list[str]] = {}
    for student, cells in sets.items():
        groups.setdefault(cells, []).append(student)
    for cells, students in sorted(groups.items(), key=lambda item: (item[0] != truth, -len(item[1]), sorted(item[0]))):
        key = named.get(cells)
        meaning = text(language, f"class.mistake_cells_{key}") if key and cells != truth else ""
        sure = sum(said.get(student) is True for student in students)
        unsure = sum(said.get(student) is False for student in students)
        label = cells_label(cells)
        writer.writerow([*first, label, len(students), "yes" if cells == truth else "no", meaning, label, vote, sure,
                         unsure, spent])  # fmt: skip
    if not sets:
        writer.writerow([*first, "", 0, "", "", "", vote, 0, 0, spent])
