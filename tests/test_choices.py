"""Choice questions (classroom/choices.py): every choice's value against torch autograd in
float64 (the right one, each mistake's as the torch call that makes that mistake), their
order, and the grading of a choice; over every cell of every built-in lesson's setups."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from classroom.choices import MIN_CHOICES, choice_labels, choice_order, choice_rows, is_choice
from classroom.model import Lesson, Setup, ask, start
from classroom.setups import computed_from_setup, question_for
from i18n import LANGUAGES, text
from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d, torch_max_pool2d
from scenario.quiz import is_right

SETUPS = {
    "classic": {"input": "classic"},
    "arange": {"input": "arange"},
    "overlap": {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5, "input": "ones"},
    "gaps": {"kernel_h": 2, "stride_h": 3, "height": 5, "width": 5},
    "padded": {"kernel_h": 3, "stride_h": 2, "padding_h": 1, "height": 5, "width": 5},
    "uncounted": {"kernel_h": 3, "stride_h": 2, "padding_h": 1, "height": 5, "width": 5, "count_include_pad": False},
    "ceil": {"kernel_h": 2, "height": 5, "width": 5, "ceil_mode": True},
    "mean": {"input": "classic", "loss": "mean"},
    "random_loss": {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5, "loss": "random"},
}


def _torch(computed, grad_output=None, **changed):
    """(y, ∂L/∂x) of torch autograd for the setup, with some arguments changed (a mistake)."""
    params = computed.params
    arguments = dict(
        kernel_size=params.kernel_size, stride=params.effective_stride, padding=params.padding,
        ceil_mode=params.ceil_mode, count_include_pad=params.count_include_pad,
        divisor_override=params.divisor_override,
    )  # fmt: skip
    grad_output = computed.loss.grad_output if grad_output is None else grad_output
    return torch_avg_pool2d(computed.x, grad_output, **(arguments | changed))


def _one_share(computed, cell):
    """∂L/∂x[cell] with ∂L/∂y kept at the first window covering the cell only: its one share."""
    row, col = cell
    first = next(w for w in computed.windows if w.row_start <= row < w.row_stop and w.col_start <= col < w.col_stop)
    alone = np.zeros_like(computed.loss.grad_output)
    alone[first.out_row, first.out_col] = computed.loss.grad_output[first.out_row, first.out_col]
    return _torch(computed, alone)[1][cell]


def _max_pool(computed):
    params = computed.params
    return torch_max_pool2d(
        computed.x, None, params.kernel_size, params.effective_stride, params.padding, params.ceil_mode
    )[0]


def _expected(computed, cell, kind, key):
    """What each mistake gives, by torch: the call that makes that mistake, or its rule."""
    y, grad = _torch(computed)
    truth = y if kind == "output" else grad
    side = computed.params.kernel_size[0]
    row, col = cell
    return {
        "divisor": lambda: _torch(computed, divisor_override=1)[1][cell],
        "output_divisor": lambda: _torch(computed, divisor_override=1)[0][cell],
        "one_side": lambda: _torch(computed, divisor_override=side)[0 if kind == "output" else 1][cell],
        "padding_counted": lambda: _torch(computed, count_include_pad=True)[0 if kind == "output" else 1][cell],
        "padding_not_counted": lambda: _torch(computed, count_include_pad=False)[0 if kind == "output" else 1][cell],
        "one_share": lambda: _one_share(computed, cell),
        "mean": lambda: truth[cell] * y.size,
        "kernel_area": lambda: 1 / (side * computed.params.kernel_size[1]),
        "no_gradient": lambda: 0.0,
        "full_kernel": lambda: _torch(computed, divisor_override=side * computed.params.kernel_size[1])[0][cell],
        "global": lambda: torch_adaptive_avg_pool2d(computed.x, np.full((1, 1), computed.loss.grad_output.sum()), 1)[
            0 if kind == "output" else 1
        ][(0, 0) if kind == "output" else cell],
        "x_value": lambda: computed.x[cell],
        "same_index": lambda: computed.x[row, col],
        "max": lambda: _max_pool(computed)[cell],
    }.get(key)


def _cases():
    for name, controls in SETUPS.items():
        computed = computed_from_setup(Setup("", controls))
        for kind, shape in (("grad_input", computed.x.shape), ("output", computed.y.shape)):
            for cell in np.ndindex(shape):
                yield name, controls, kind, (int(cell[0]), int(cell[1]))


@pytest.mark.parametrize("name", SETUPS)
def test_every_choice_is_torchs_value_for_the_right_one_or_for_a_named_mistake(name):
    for _, controls, kind, cell in (case for case in _cases() if case[0] == name):
        setup = Setup("", controls)
        computed = computed_from_setup(setup)
        question = question_for(setup, cell, kind, as_choice=True)
        where = f"{name}: {question.target}"
        y, grad = _torch(computed)
        assert question.choices[0] == pytest.approx((y if kind == "output" else grad)[cell], abs=1e-12), where
        assert len(question.choices) >= 3, (where, question.choices)
        labels = choice_labels(question.choices)
        assert len(set(labels)) == len(labels), where
        for index, value in enumerate(question.choices):
            others = question.choices[:index] + question.choices[index + 1 :]
            assert not any(is_right(value, other) for other in others), (where, question.choices)
        for value in question.choices[1:]:  # each wrong choice: a named mistake, torch's value for it
            mistake = next(m for m in question.mistakes if m.value == value)
            expected = _expected(computed, cell, kind, mistake.key)
            assert expected is not None, (where, mistake.key)
            assert value == pytest.approx(float(expected()), rel=1e-12, abs=1e-12), (where, mistake.key)
            for language in LANGUAGES:
                assert text(language, f"class.mistake_{mistake.key}") != f"class.mistake_{mistake.key}"


def test_a_typed_question_has_no_choices_and_its_mistakes_stay_the_models():
    setup = Setup("", SETUPS["classic"])
    typed, choice = question_for(setup, (0, 0), "grad_input"), question_for(setup, (0, 0), "grad_input", True)
    assert typed.choices == ()
    assert choice.mistakes[: len(typed.mistakes)] == typed.mistakes  # the model's first, distractors after
    assert len(choice.choices) == MIN_CHOICES  # the classic 1/4: 1, 1/2, 0 added to the model's 1


def test_the_order_is_the_same_in_every_tab_and_the_right_one_moves():
    setup = Setup("", SETUPS["overlap"])
    question = question_for(setup, (2, 2), "grad_input", True)
    lesson = start("HQCMT", "s")
    places = Counter()
    for number in range(1, 41):
        asked = ask(lesson, question)  # numbered as the class numbers it
        asked = Lesson.from_json(asked.to_json())  # as every tab reads it from the store
        assert asked.question.choices == question.choices
        numbered = replace(asked.question, number=number)
        order = choice_order(numbered, "HQCMT")
        assert order == choice_order(numbered, "HQCMT") and sorted(order) == sorted(question.choices)
        places[order.index(question.truth)] += 1
    assert set(places) == set(range(len(question.choices))), places  # not always first, not always in one place


def test_only_an_offered_choice_is_taken_and_the_reveal_counts_each():
    question = question_for(Setup("", SETUPS["classic"]), (0, 0), "grad_input", True)
    assert all(is_choice(question, value) for value in question.choices)
    for crafted in (0.3, 0.2501, "0.25", None, True, 1, float("nan"), [0.25]):
        assert not is_choice(question, crafted), crafted
    answers = {"a": 0.25, "b": 1.0, "c": 1.0, "d": 0.5}
    rows = choice_rows(question, "HQCMT", answers)
    assert [label[0] for label, *_ in rows] == ["A", "B", "C", "D"]
    by_key = {key: (count, right) for _, count, right, key in rows}
    assert by_key == {None: (1, True), "divisor": (2, False), "one_side": (1, False), "no_gradient": (0, False)}


def test_a_followed_students_pushed_prompt_lists_the_choices_in_the_class_order_and_not_the_answer():
    from classroom.followed import followed_view
    from classroom.model import publish, reveal

    setup = Setup("", SETUPS["overlap"])
    lesson = ask(publish(start("HQCMT", "s"), setup), question_for(setup, (2, 2), "grad_input", True))
    labels = choice_labels(choice_order(lesson.question, "HQCMT"))
    for language, said in (("en", "Choices: "), ("zh", "选项：")):
        prompt = followed_view(lesson, language)["prompt"]
        assert prompt[-1] == said + "  ·  ".join(labels), prompt
        assert not any("answer" in line.lower() or "答案" in line for line in prompt), prompt
    assert "The answer: 1." in followed_view(reveal(lesson), "en")["prompt"][-1]
