"""A question answered by a choice: the right value among the values the usual mistakes give,
each wrong choice tied to its misconception. No Streamlit.

A choice question is a ``Question`` whose ``choices`` hold the values offered: the right one
first, then each mistake's (``classroom.model.mistakes_for`` / ``output_mistakes_for``), then, when
those are fewer than ``MIN_CHOICES``, further plausible ones (``distractors``), every one a
``Mistake`` of the question, so that the tally and the reveal name it. The class sees them in an
order shuffled by the class's code and the question's number (``choice_order``): the same in
every tab, a reload included. An answer is the value chosen, stored as a typed answer is.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from classroom.model import Cell, Mistake, Question
from scenario.compute import Computed
from scenario.numbers import exact_text, number_style
from scenario.quiz import is_right

__all__ = [
    "LETTERS",
    "MIN_CHOICES",
    "choice_labels",
    "choice_order",
    "choice_rows",
    "distractors",
    "is_choice",
    "with_choices",
]

MIN_CHOICES = 4  # at least 3 (the issue); with 4 a guess is right one time in four
LETTERS = "ABCDEFGH"  # a choice's name, said aloud in the room ("who picked C?")


def distractors(computed: Computed, cell: Cell, kind: str) -> tuple[Mistake, ...]:
    """Further wrong values for a cell of ∂L/∂x (``kind`` "grad_input") or of y ("output"),
    each a misconception students hold, most plausible first (the caller drops those equal to
    the truth or to a mistake already offered).

    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> classic = compute_scenario(np.arange(16.0).reshape(4, 4), PoolParams((2, 2), (2, 2)))
    >>> [(exact_text(m.value), m.key) for m in distractors(classic, (0, 0), "grad_input")]
    [('0.25', 'kernel_area'), ('0.5', 'one_side'), ('0', 'no_gradient'), ('0', 'x_value'), ('0.25', 'global')]
    """
    row, col = cell
    params = computed.params
    square = params.kernel_size[0] == params.kernel_size[1] and params.divisor_override is None
    side, area = params.kernel_size[0], params.kernel_size[0] * params.kernel_size[1]
    found: list[Mistake] = []
    if kind == "output":
        window = computed.window_of(row, col)
        values = computed.x[max(window.row_start, 0) : window.row_stop, max(window.col_start, 0) : window.col_stop]
        # Max pooling's value: the two poolings are taught side by side and easily swapped.
        found.append(Mistake(float(values.max()), "max"))
        # x at y's own indices: y[i, j] read as if it came from x[i, j], not from a window.
        if row < computed.x.shape[0] and col < computed.x.shape[1]:
            found.append(Mistake(float(computed.x[row, col]), "same_index"))
        if square:  # the sum divided by the kernel's side k, not its area k×k (pooling thought of in 1D)
            found.append(Mistake(float(values.sum()) / side, "one_side"))
        # A window cut by the input's edge (ceil_mode, or padding not counted) divided as a whole one.
        found.append(Mistake(float(values.sum()) / area, "full_kernel"))
        # The mean of all of x: global average pooling (adaptive_avg_pool2d(x, 1)), every window at once.
        found.append(Mistake(float(computed.x.mean()), "global"))
        return tuple(found)
    covering = [w for w in computed.windows if w.row_start <= row < w.row_stop and w.col_start <= col < w.col_stop]
    grad_output = computed.loss.grad_output
    # 1/k², the classic example's answer, remembered as the rule for every cell and every loss.
    found.append(Mistake(1.0 / area, "kernel_area"))
    if square and covering:  # each share divided by the kernel's side k, not its area k×k
        found.append(Mistake(float(sum(grad_output[w.out_row, w.out_col] for w in covering)) / side, "one_side"))
    if covering:  # nothing: as max pooling sends the gradient to one cell of a window only
        found.append(Mistake(0.0, "no_gradient"))
    # x's own value: the forward's numbers taken for the backward's (a product's rule, d(wx)/dw = x).
    found.append(Mistake(float(computed.x[row, col]), "x_value"))
    # Global average pooling's share: all of ∂L/∂y spread over all of x.
    found.append(Mistake(float(grad_output.sum()) / computed.x.size, "global"))
    return tuple(found)


def with_choices(question: Question, computed: Computed) -> Question:
    """``question`` asked as a choice: the right value, its mistakes' values, and distractors
    until there are ``MIN_CHOICES`` (fewer only when no distractor differs), all distinct by the
    grading rule (``is_right``) and as written; the distractors joined to its mistakes."""
    mistakes = list(question.mistakes)
    for extra in distractors(computed, question.cell, question.kind):
        if len(mistakes) + 1 >= MIN_CHOICES:
            break
        if np.isfinite(extra.value) and _new(extra.value, [question.truth, *(m.value for m in mistakes)]):
            mistakes.append(extra)
    choices = (question.truth, *(mistake.value for mistake in mistakes))
    return replace(question, mistakes=tuple(mistakes), choices=choices)


def _new(value: float, offered: list[float]) -> bool:
    """Whether ``value`` differs from every value offered, by the grading rule and as written."""
    written = {exact_text(other) for other in offered}
    return not any(is_right(value, other) or is_right(other, value) for other in offered) and (
        exact_text(value) not in written
    )


def choice_order(question: Question, code: str) -> tuple[float, ...]:
    """The choices as the class sees them: shuffled by the class's code and the question's
    number, so every tab (a reloaded one too) shows the same order, and the right one is not
    always first.

    >>> question = Question(3, None, (0, 0), 0.25, choices=(0.25, 1.0, 0.5, 0.0))
    >>> choice_order(question, "HQCMT") == choice_order(question, "HQCMT"), sorted(choice_order(question, "HQCMT"))
    (True, [0.0, 0.25, 0.5, 1.0])
    """
    seed = int.from_bytes(hashlib.sha256(f"{code}:{question.number}".encode()).digest()[:8], "big")
    order = list(question.choices)
    random.Random(seed).shuffle(order)
    return tuple(order)


def choice_labels(values: tuple[float, ...]) -> tuple[str, ...]:
    """Each choice with its letter, its value written in the style of all of them (fractions
    when they all are): ``('A: 1/4', 'B: 1', 'C: 1/2')``.

    >>> choice_labels((0.25, 1.0, 0.5, 1 / 9))
    ('A: 1/4', 'B: 1', 'C: 1/2', 'D: 1/9')
    """
    style = number_style(np.array(values, dtype=np.float64))
    return tuple(f"{letter}: {exact_text(value, style=style)}" for letter, value in zip(LETTERS, values))


def is_choice(question: Question, value: object) -> bool:
    """Whether ``value`` is one of the question's choices, exactly as offered (a crafted answer,
    any other value or text, is not).

    >>> question = Question(1, None, (0, 0), 0.25, choices=(0.25, 1.0))
    >>> is_choice(question, 1.0), is_choice(question, 0.2501), is_choice(question, "0.25"), is_choice(question, True)
    (True, False, False, False)
    """
    return isinstance(value, float) and any(value == choice for choice in question.choices)


def choice_rows(
    question: Question, code: str, answers: Mapping[str, float]
) -> tuple[tuple[str, int, bool, str | None], ...]:
    """Every choice in the class's order, as the reveal shows it: its label, how many picked
    it, whether it is right, and the misconception that gives it (None: the right one).

    >>> from classroom.model import Mistake
    >>> question = Question(1, None, (0, 0), 0.25, mistakes=(Mistake(1.0, "divisor"),), choices=(0.25, 1.0))
    >>> rows = choice_rows(question, "HQCMT", {"a": 0.25, "b": 1.0, "c": 1.0})
    >>> sorted((count, right, key) for _, count, right, key in rows)
    [(1, True, None), (2, False, 'divisor')]
    """
    order = choice_order(question, code)
    rows = []
    for label, value in zip(choice_labels(order), order):
        count = sum(1 for answer in answers.values() if is_right(answer, value))
        right = is_right(value, question.truth)
        key = None if right else next((m.key for m in question.mistakes if is_right(value, m.value)), None)
        rows.append((label, count, right, key))
    return tuple(rows)
