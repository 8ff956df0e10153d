"""Decks: every built-in deck run end to end through the core against torch autograd (float64),
the words of each step checked against its numbers, and crafted deck files and links refused
with one clear message in both languages."""

from __future__ import annotations

import base64
import json
import re
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from classroom.deck import (
    MAX_BYTES,
    MAX_LINK_CHARS,
    MAX_STEPS,
    Deck,
    DeckError,
    DeckQuestion,
    Step,
    add_step,
    deck_from_json,
    deck_from_link,
    deck_link,
    deck_to_json,
    edit_step,
    move_step,
    next_step,
    previous_step,
    question_of,
    remove_step,
    setup_of,
    words,
)
from classroom.deck_library import BUILT_IN
from classroom.setups import computed_from_setup
from i18n import LANGUAGES
from pooling.reference import torch_avg_pool2d
from scenario.compute import Computed
from scenario.network import load_digits_cnn, network_pass

REPO = Path(__file__).resolve().parents[1]
DECKS = list(BUILT_IN.items())
# A number as a deck's words write it (9, 1/9, 0.25), not a cell's index (∂L/∂x[2, 2]) nor a
# digit in a name (AvgPool2d); "1/4 = 0.25" states one number, checked to be one.
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:\.\d+)?(?:/\d+)?(?![A-Za-z0-9_])")
CELL = re.compile(r"\[(\d+), (\d+)\]")
WITH_DECIMAL = re.compile(r"(\d+/\d+) = (\d+\.\d+)")


def _stated(sentence: str) -> list[Fraction]:
    for fraction, decimal in WITH_DECIMAL.findall(sentence):
        assert Fraction(fraction) == Fraction(decimal), sentence
    plain = CELL.sub("", WITH_DECIMAL.sub(r"\1", sentence))
    return sorted(Fraction(number) for number in NUMBER.findall(plain))


def _facts(computed: Computed) -> np.ndarray:
    """Every number a step's words may state: the pooling's arguments and shapes, each grid's
    values, each window's cells, padding cells and divisor, how many windows hold each cell."""
    params = computed.params.kwargs()
    windows = computed.windows
    parts = [
        params["kernel_size"], params["stride"], params["padding"], computed.x.shape, computed.y.shape,
        [computed.y.size], computed.x, computed.y, computed.loss.grad_output, computed.grad_input,
        computed.plan.divisors, computed.plan.coverage(),
        [w.input_cells for w in windows], [w.padding_cells for w in windows], [w.cells for w in windows],
    ]  # fmt: skip
    return np.concatenate([np.ravel(np.asarray(part, dtype=float)) for part in parts])


def _torch_checked(step: Step) -> Computed:
    """The step's numbers by the core, equal to torch autograd's in float64."""
    computed = computed_from_setup(step.setup)
    torch_y, torch_grad = torch_avg_pool2d(computed.x, computed.loss.grad_output, **computed.params.kwargs())
    assert_allclose(computed.y, torch_y, rtol=1e-12, atol=1e-12)
    assert_allclose(computed.grad_input, torch_grad, rtol=1e-12, atol=1e-12)
    return computed


@pytest.mark.parametrize(("name", "deck"), DECKS, ids=[name for name, _ in DECKS])
def test_a_built_in_deck_runs_end_to_end_and_its_answers_are_torchs(name, deck):
    assert 5 <= len(deck.steps) <= 8 and sum(step.question is not None for step in deck.steps) >= 2
    for number, step in enumerate(deck.steps, 1):
        computed = _torch_checked(step)
        question = question_of(step)
        if question is None:
            continue
        if question.kind == "nothing":  # which cells get nothing: where torch's x.grad is 0 for ∂L/∂y all ones
            ones = np.ones_like(computed.loss.grad_output)
            zero = torch_avg_pool2d(computed.x, ones, **computed.params.kwargs())[1] == 0
            assert question.cells == tuple(map(tuple, np.argwhere(zero).tolist())) and question.cells, (name, number)
            continue
        torch_y, torch_grad = torch_avg_pool2d(computed.x, computed.loss.grad_output, **computed.params.kwargs())
        expected = (torch_y if question.kind == "output" else torch_grad)[question.cell]
        assert question.truth == pytest.approx(expected, rel=1e-12, abs=1e-12), (name, number)
        assert question.setup == step.setup and set(question.explanation) == set(LANGUAGES)
        assert all(mistake.value != pytest.approx(question.truth) for mistake in question.mistakes)
        if step.question.as_choice:  # the right one among at least 3, each other one a named mistake
            assert question.choices[0] == question.truth and len(question.choices) >= 3, (name, number)
            assert set(question.choices[1:]) <= {mistake.value for mistake in question.mistakes}


def test_decks_ask_as_a_choice_and_the_file_keeps_it():
    """At least two built-in decks ask a question as a choice; the file writes it as
    ``"as": "choice"`` and reads it back; a question without ``as`` is a typed number."""
    choosing = [name for name, deck in DECKS if any(s.question and s.question.as_choice for s in deck.steps)]
    assert len(choosing) >= 2, choosing
    deck = dict(DECKS)["overlap"]
    saved = json.loads(deck_to_json(deck))
    assert [step.get("question", {}).get("as") for step in saved["steps"]] == [None, None, None, "choice", None, None]
    assert deck_from_json(deck_to_json(deck)) == deck and deck_from_link(deck_link(deck).split("deck=")[1]) == deck
    typed = deck_from_json(_asking("output", [0, 0])).steps[0].question
    assert typed.as_choice is False and question_of(deck_from_json(_asking("output", [0, 0])).steps[0]).choices == ()


def test_a_which_cells_question_is_written_as_cells_with_its_kind_and_read_back():
    """``"as": "cells"`` names the kind; "nothing" needs no cell; the gaps deck asks one."""
    asked = [step.question.kind for step in BUILT_IN["gaps"].steps if step.question]
    assert "nothing" in asked
    saved = json.loads(deck_to_json(BUILT_IN["gaps"]))
    assert saved["steps"][1]["question"] == {"as": "cells", "cells": "nothing"}
    feeds, sends = {"as": "cells", "cells": "feeds", "cell": [2, 2]}, {"as": "cells", "cells": "sends", "cell": [4, 0]}
    for question in (feeds, sends, {"as": "cells", "cells": "nothing"}):
        deck = deck_from_json(_file({**GOOD, "question": question}))
        kind = deck.steps[0].question.kind
        assert kind == question["cells"] and json.loads(deck_to_json(deck))["steps"][0]["question"] == question
        # kernel 3, stride 1 on 5x5: y[2, 2] averages 9 cells, x[4, 0] sends to y[2, 0], nothing is left out
        assert len(question_of(deck.steps[0]).cells) == {"feeds": 9, "sends": 1, "nothing": 0}[kind]


@pytest.mark.parametrize(("name", "deck"), DECKS, ids=[name for name, _ in DECKS])
def test_every_number_a_deck_states_is_one_of_its_steps_numbers(name, deck):
    """Each number in a step's words is one its own setup computes (an argument, a shape, a
    value of a grid, a window's count), the same numbers in both languages; a question's
    words never state its answer, and a cell they name is the question's."""
    for number, step in enumerate(deck.steps, 1):
        facts = _facts(_torch_checked(step))
        stated = {language: _stated(words(step.text, language)) for language in LANGUAGES}
        assert stated["en"] == stated["zh"], (name, number, stated)
        for value in stated["en"]:
            assert np.isclose(facts, float(value), rtol=1e-12, atol=0).any(), (name, number, value)
        if step.question is not None:
            answer = question_of(step).truth
            assert not any(np.isclose(float(value), answer) for value in stated["en"]), (name, number)
            named = [] if step.question.kind == "nothing" else [tuple(map(str, step.question.cell))]
            for language in LANGUAGES:
                assert CELL.findall(words(step.text, language)) == named
    assert all(words(deck.title, language) for language in LANGUAGES)


@pytest.mark.parametrize(("name", "deck"), DECKS, ids=[name for name, _ in DECKS])
def test_a_deck_survives_its_file_and_its_link(name, deck):
    assert deck_from_json(deck_to_json(deck)) == deck
    link = deck_link(deck)
    assert link.startswith("/live_class?deck=") and len(link) < MAX_LINK_CHARS
    assert deck_from_link(link.split("deck=", 1)[1]) == deck


def test_editing_and_stepping_are_pure():
    one, two, three = (Step(setup_of({"kernel_h": str(k)})) for k in (1, 2, 3))
    deck = add_step(add_step(Deck({"en": "t"}), one), three)
    deck = add_step(deck, two, at=1)
    assert [step.setup for step in deck.steps] == [one.setup, two.setup, three.setup]
    assert move_step(deck, 2, 0).steps == (three, one, two) and deck.steps == (one, two, three)
    assert remove_step(deck, 1).steps == (one, three)
    asked = Step(two.setup, {"en": "?"}, DeckQuestion("output", (0, 0)))
    assert edit_step(deck, 1, asked).steps[1] == asked
    assert [next_step(deck, i) for i in (None, 0, 1, 2)] == [0, 1, 2, None]
    assert [previous_step(deck, i) for i in (None, 0, 1, 2)] == [None, None, 0, 1]
    with pytest.raises(IndexError):
        remove_step(deck, 3)
    full = Deck({"en": "t"}, (one,) * MAX_STEPS)
    with pytest.raises(DeckError) as caught:
        add_step(full, one)
    assert caught.value.key == "too_many_steps"


# ---------------------------------------------------------------------------------------
# Crafted files: each refused with one message, in both languages, naming where.


def _file(*steps: object, **fields: object) -> str:
    return json.dumps({"format": "avgpool-deck", "version": 1, "title": "T", "steps": list(steps), **fields})


def _refused(raw: str | bytes) -> DeckError:
    with pytest.raises(DeckError) as caught:
        deck_from_json(raw)
    error = caught.value
    english, chinese = error.message("en"), error.message("zh")
    assert english != chinese and "Traceback" not in english + chinese
    if error.step is not None:
        assert english.startswith(f"Step {error.step}") and chinese.startswith(f"第 {error.step} 步")
    return error


def _typed_step(size: int) -> dict:
    grid = ";".join(",".join(["1"] * size) for _ in range(size))
    controls = {"input": "custom", "height": size, "width": size, "kernel_h": 1, "loss": "custom"}
    return {"controls": controls, "typed": {"x": grid, "grad": grid}}


def _asking(grid: object, cell: object) -> str:
    return _file({**GOOD, "question": {"grid": grid, "cell": cell}})


GOOD = {"controls": {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5}, "explain": "y-2-2"}
CRAFTED = {
    # name: the file, what it is refused for, and where (step, field)
    "too large": (b"{" + b" " * MAX_BYTES + b"}", "too_large", None, None),
    "not JSON": ("{not json", "not_json", None, None),
    "UTF-16 garbage": (b"\xff\xfe{not json", "not_text", None, None),
    "single quotes": ("{'format': 'avgpool-deck'}", "not_json", None, None),
    "deeply nested": ("[" * 200_000, "nested", None, None),
    "not UTF-8": (b'{"format": "\xff"}', "not_text", None, None),
    "NaN": (_file({"controls": {"seed": float("nan")}}), "number", None, None),
    "1e400": (_file({"controls": {"seed": 1}}).replace(": 1}", ": 1e400}"), "number", None, None),
    "a 5000-digit number": ('{"version": ' + "9" * 5000 + "}", "number", None, None),
    "a list": ("[1, 2]", "not_object", None, None),
    "another app's file": (json.dumps({"format": "slides", "version": 1, "steps": [GOOD]}), "format", None, None),
    "no steps": (_file(), "no_steps", None, "steps"),
    "too many steps": (_file(*[GOOD] * (MAX_STEPS + 1)), "too_many_steps", None, None),
    "a step that is text": (_file(GOOD, "kernel 3"), "step_type", 2, None),
    "an unknown field": (_file(GOOD, {**GOOD, "script": "x"}), "unknown_field", 2, "script"),
    "controls as a list": (_file({"controls": [3]}), "controls_type", 1, "controls"),
    "an unknown control": (_file({"controls": {"kernel": 3}}), "unknown_field", 1, "kernel"),
    "a kernel in words": (_file(GOOD, GOOD, {"controls": {"kernel_h": "three"}}), "control", 3, "kernel_h"),
    "a kernel of 3.0": (_file({"controls": {"kernel_h": 3.0}}), "control", 1, "kernel_h"),
    "a kernel that is true": (_file({"controls": {"kernel_h": True}}), "control", 1, "kernel_h"),
    "padding over half the kernel": (_file({"controls": {"kernel_h": 3, "padding_h": 2}}), "control", 1, "padding_h"),
    "ceil_mode maybe": (_file({"controls": {"ceil_mode": "maybe"}}), "control", 1, "ceil_mode"),
    "an input no one has": (_file({"controls": {"input": "webcam"}}), "control", 1, "input"),
    "a loss cell outside y": (_file({"controls": {"loss": "cell", "loss_row": 2}}), "control", 1, "loss_row"),
    "a picture": (_file({"controls": {"input": "image"}}), "setup", 1, None),
    "a kernel larger than x": (_file({"controls": {"kernel_h": 5}}), "setup", 1, None),
    "a typed grid with a bad cell": (
        _file({"controls": {"input": "custom", "height": 2, "width": 2}, "typed": {"x": "1,2;3,abc"}}),
        "grid", 1, "typed.x",
    ),
    "a ragged typed grid": (_file({"controls": {"input": "custom"}, "typed": {"x": "1,2;3"}}), "grid", 1, "typed.x"),
    "typed grids too many cells": (_file(*[_typed_step(64)] * 5), "typed_large", 3, "typed.x"),
    "a typed grid of another name": (_file({"typed": {"w": "1"}}), "unknown_field", 1, "typed.w"),
    "a page no class follows": (_file({**GOOD, "page": "../admin"}), "page", 1, "page"),
    "an explained cell in words": (_file({**GOOD, "explain": "the centre"}), "explain", 1, "explain"),
    "an explained cell outside y": (_file({**GOOD, "explain": "y-3-0"}), "explain_cell", 1, "explain"),
    "a typed ∂L/∂y of another shape": (
        _file({"controls": {"loss": "custom"}, "typed": {"grad": "1,2,3;4,5,6;7,8,9"}}),
        "setup", 1, None,
    ),
    "a question on no grid": (_asking("dx", [0, 0]), "question_grid", 1, "question.grid"),
    "cells of no kind": (_file({**GOOD, "question": {"as": "cells", "cells": "all"}}), "question_cells", 1,
                         "question.cells"),
    "cells on the kind's other grid": (
        _file({**GOOD, "question": {"as": "cells", "cells": "feeds", "grid": "grad_input", "cell": [0, 0]}}),
        "question_grid", 1, "question.grid",
    ),
    "cells of x feeding a cell past y": (_file({**GOOD, "question": {"as": "cells", "cells": "feeds", "cell": [3, 0]}}),
                                         "question_cell", 1, "question.cell"),
    "a question outside x": (_asking("grad_input", [5, 0]), "question_cell", 1, "question.cell"),
    "a question outside y": (_asking("output", [0, 3]), "question_cell", 1, "question.cell"),
    "a cell of booleans": (_asking("output", [True, 0]), "question_cell", 1, "question.cell"),
    "a cell in words": (_asking("output", "centre"), "question_cell", 1, "question.cell"),
    "a question answered by a guess": (
        _file({**GOOD, "question": {"grid": "output", "cell": [0, 0], "as": "guess"}}),
        "question_as", 1, "question.as",
    ),
    "a choice that is a list": (
        _file({**GOOD, "question": {"grid": "output", "cell": [0, 0], "as": ["choice"]}}),
        "question_as", 1, "question.as",
    ),
    "a title that is a number": (_file(GOOD, title=3), "text_type", None, "title"),
    "a text in Klingon": (_file({**GOOD, "text": {"tlh": "Qapla'"}}), "language", 1, "text.tlh"),
    "a text too long": (_file({**GOOD, "text": "a" * 1001}), "text_long", 1, "text.en"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_deck_file_is_refused_saying_what_and_where(name):
    raw, key, step, field = CRAFTED[name]
    error = _refused(raw)
    assert (error.key, error.step, error.field) == (key, step, field), error.message("en")


def test_the_messages_name_the_numbers_and_the_rule():
    said = _refused(CRAFTED["padding over half the kernel"][0]).message("en")
    rule = "with kernel 3, padding is a whole number from 0 to 1"
    assert said == f"Step 1, field “padding\\_h”: {rule} (the file has “2”)."
    said = _refused(CRAFTED["a typed grid with a bad cell"][0]).message("en")
    assert "x[1, 1]" in said and "abc" in said
    said = _refused(CRAFTED["a kernel larger than x"][0]).message("zh")
    assert said.startswith("第 1 步：这个设置无法计算：") and "5" in said
    assert "31" in _refused(CRAFTED["too many steps"][0]).message("zh")


def test_hostile_strings_stay_plain_text():
    """Markup in a deck's words is kept exactly as written (the UI writes it as text); a field
    name quoted in a message is made inert, never a link or an HTML tag."""
    hostile = "[Log in](//e.vil) <script>alert(1)</script> \u202e **bold** $x$"
    deck = deck_from_json(_file({**GOOD, "text": {"en": hostile, "zh": hostile}}, title=hostile))
    assert words(deck.title, "en") == hostile and words(deck.steps[0].text, "zh") == hostile
    assert deck_from_json(deck_to_json(deck)) == deck
    for field in ("<img src=x onerror=alert(1)>", "[a](//e.vil)", "\u202eevil"):
        message = _refused(_file({**GOOD, field: 1})).message("en")
        assert not re.search(r"(?<!\\)[<\[\]()]", message.split("”")[0]), message  # every one escaped
        assert "\u202e" not in message, message


def test_a_deck_that_does_not_fit_a_link_says_so_and_a_crafted_link_is_refused():
    rng = np.random.default_rng(0)
    big = ";".join(",".join(f"{v:.6f}" for v in row) for row in rng.normal(size=(40, 40)))
    deck = deck_from_json(_file({"controls": {"input": "custom", "height": 40, "width": 40}, "typed": {"x": big}}))
    with pytest.raises(DeckError) as caught:
        deck_link(deck)
    assert caught.value.key == "link_long" and "file" in caught.value.message("en")
    link = deck_link(BUILT_IN["classic"]).split("deck=", 1)[1]
    for crafted, key in [
        (link[: len(link) // 2], "link_broken"),  # cut short when copied
        ("!!!" + link, "link_broken"),
        ("A" * (MAX_LINK_CHARS + 1), "link_long"),
        (_packed(b" " * 4_000_000), "too_large"),  # a zip bomb: never inflated past a file's bound
        (_packed(b'{"format": "avgpool-deck"}'), "format"),
    ]:
        with pytest.raises(DeckError) as caught:
            deck_from_link(crafted)
        assert caught.value.key == key, (crafted[:20], caught.value)


def _packed(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def test_the_network_deck_teaches_the_networks_own_numbers():
    """Its typed grids are the digits CNN's pooling layers (x and ∂L/∂y of one channel of each,
    to the 4 significant digits a link carries), as the network computes them."""
    data = load_digits_cnn()
    labels = data.labels[data.shown]
    result = network_pass(data.weights, data.pixels[data.shown], (labels + 1) % 10)
    layers = {(8, 8): (result.pool1, 1), (4, 4): (result.pool2, 7)}
    for step in BUILT_IN["network"].steps:
        computed = computed_from_setup(step.setup)
        layer, channel = layers[computed.x.shape]
        assert_allclose(computed.x, layer.x[0, channel], rtol=5e-4, atol=1e-12)
        assert_allclose(computed.loss.grad_output, layer.grad_y[0, channel], rtol=5e-4, atol=1e-12)
        assert computed.params.kernel_size == ((2, 2) if computed.x.shape == (8, 8) else (4, 4))


def test_the_docs_example_file_is_a_deck():
    example = (REPO / "docs" / "decks.md").read_text().split("```json\n")[1].split("```")[0]
    deck = deck_from_json(example)
    assert [question_of(step).truth for step in deck.steps] == [1.0, 3.5]  # ∂L/∂x[2, 2]: nine windows, 1/9 each
