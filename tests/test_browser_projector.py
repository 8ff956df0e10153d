"""A projector (presentation mode) at 1280x720 and 1920x1080, in both languages: on every page
the grids and the current explanation or answer are on one screen, without scrolling."""

from __future__ import annotations

import time

import pytest

from harness.browser import click_cell, screenshot, wait_for_alert, wait_for_app
from scenario.presets import PRESETS

pytestmark = pytest.mark.browser

SCREENS = [(1280, 720), (1920, 1080)]

# The page's top (the main scroller at 0) down to the lowest of the elements that must be seen.
BOTTOM_OF = """selectors => {
  const scroller = document.querySelector('[data-testid="stMain"]');
  const scrolled = scroller ? scroller.scrollTop : 0;
  const pierce = selector => selector === 'canvas'
    ? [...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')].slice(0, 1)
        .flatMap(host => [...host.shadowRoot.querySelectorAll('canvas')])
    : [...document.querySelectorAll(selector)];
  const found = selectors.flatMap(pierce);
  return found.length ? Math.max(...found.map(e => e.getBoundingClientRect().bottom + scrolled)) : -1;
}"""
GRIDS, EXPLANATION = "canvas", '[class*="_explained_"]'


def _fits(page, width: int, height: int, selectors: list[str], what: str) -> None:
    """Every one of ``selectors`` (``canvas``: the first grids on the page) ends on the first screen."""
    page.set_viewport_size({"width": width, "height": height})
    # The grids redraw for the new size within a frame or two.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    for selector in selectors:
        bottom = page.evaluate(BOTTOM_OF, [selector])
        assert 0 < bottom <= height + 1, f"{what} at {width}x{height}: {selector} ends at {bottom:.0f} px"


def _each_screen(page, selectors: list[str], what: str, language: str) -> None:
    for width, height in SCREENS:
        _fits(page, width, height, selectors, what)
        screenshot(page, f"projector-{what}-{width}x{height}-{language}")


@pytest.fixture
def projector(new_context):
    return new_context(viewport={"width": 1280, "height": 720}).new_page()


def _open(page, path: str, language: str) -> None:
    join = "&" if "?" in path else "?"
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{page.context.app_url}/{path}{join}present=1&lang={language}")
    wait_for_app(page, fresh=True)
    assert page.locator('[data-testid="stException"]').count() == 0


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_page_fits_a_projector_with_its_explanation(projector, app_url, language):
    page = projector
    page.context.app_url = app_url
    nine_shares = "kernel_h=3&stride_h=1&height=5&width=5"
    clicked = [  # (path, grid, cell): the explanation with the longest sum each page can show
        (f"?{nine_shares}", 3, (2, 2)),
        ("classic", 3, (1, 1)),
        (f"step_by_step?{nine_shares}&step=9", 3, (2, 2)),
        ("under_the_hood", 0, (2, 5)),
    ]
    for path, grid, cell in clicked:
        _open(page, path, language)
        click_cell(page, grid, *cell)
        page.locator(EXPLANATION).wait_for()
        _each_screen(page, [GRIDS, EXPLANATION], path.split("?")[0] or "playground", language)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_quiz_and_its_answer_fit_a_projector(projector, app_url, language):
    page = projector
    page.context.app_url = app_url
    _open(page, "quiz?kernel_h=3&stride_h=1&height=6&width=6", language)
    _each_screen(page, [GRIDS], "quiz", language)  # the asked cell's row included
    page.get_by_role("button", name="Reveal" if language == "en" else "揭晓").click()
    wait_for_alert(page, "∂L/∂x[")
    verdict = page.locator(".st-key-quiz_verdict p").first
    assert float(verdict.evaluate("p => getComputedStyle(p).fontSize")[:-2]) >= 20  # read from the back
    _each_screen(page, [GRIDS, ".st-key-quiz_verdict"], "quiz-revealed", language)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_first_row_of_presets_fits_a_projector(projector, app_url, language):
    page = projector
    page.context.app_url = app_url
    _open(page, "presets", language)
    # The first row's previews, each with its links under its grid.
    first_row = [f'.st-key-preset_card_{preset.key} [data-testid="stPageLink"]' for preset in PRESETS[:3]]
    _each_screen(page, [GRIDS, *first_row], "presets", language)


# Every grid of every component on the page: its bottom (page at the top), the numbers it
# printed, and its component's place in the page.
EVERY_GRID = """() => {
  const scroller = document.querySelector('[data-testid="stMain"]');
  const scrolled = scroller ? scroller.scrollTop : 0;
  return [...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')]
    .flatMap(host => host.shadowRoot ? [...host.shadowRoot.querySelectorAll('figure.grid')] : [])
    .map(figure => ({
      key: figure.dataset.key,
      bottom: figure.querySelector('canvas').getBoundingClientRect().bottom + scrolled,
      printed: JSON.parse(figure.querySelector('canvas').dataset.printed || '[]'),
    }));
}"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_average_vs_max_fits_a_projector_with_its_numbers(projector, app_url, language):
    """x and the three poolings' y and ∂L/∂x on one 1280x720 screen, not a row below the fold
    beside empty space; the ∂L/∂x whose numbers fit print them (the all-0.25 one too)."""
    page = projector
    page.context.app_url = app_url
    padded = "average_vs_max?kernel_h=3&stride_h=1&height=5&width=5&input=ones&padding_h=1"
    for path, inputs, printed in [
        ("average_vs_max", ["x"], {"avg_grad_input": {"0.25"}}),
        (padded, ["x", "x_max"], {"avg_grad_input": {"4/9", "2/3", "1"}}),  # x padded with 0 and with −∞
    ]:
        _open(page, path, language)
        grids = page.evaluate(EVERY_GRID)
        shown = len(inputs) + 6
        assert [grid["key"] for grid in grids][:shown] == [
            *inputs,
            "avg_y",
            "avg_grad_input",
            "max_y",
            "max_grad_input",
            "adaptive_y",
            "adaptive_grad_input",
        ]
        for grid in grids[:shown]:
            assert 0 < grid["bottom"] <= 720, f"{path}: {grid['key']} ends at {grid['bottom']:.0f} px"
        by_key = {grid["key"]: set(grid["printed"]) for grid in grids}
        for key, numbers in printed.items():
            assert by_key[key] == numbers, f"{path}: {key} printed {by_key[key]}"
        screenshot(page, f"projector-average-vs-max-{len(path)}-{language}")


# How far the page runs: the main scroller's full height (Streamlit scrolls inside it).
PAGE_HEIGHT = """() => {
  const scroller = document.querySelector('[data-testid="stMain"]');
  return scroller ? scroller.scrollHeight : document.documentElement.scrollHeight;
}"""


def _class_on_a_step(code: str, step: int) -> None:
    """A class in the server's store on the ceil_mode deck's step ``step`` (from 0), as the
    cockpit's deck would leave it: the step's setup sent, its words on the projector."""
    from classroom import model
    from classroom.deck import deck_to_json
    from classroom.deck_library import BUILT_IN
    from classroom.setups import sent_setup
    from classroom.store import open_store

    deck = BUILT_IN["ceil_mode"]
    lesson = model.open_deck(model.start(code, model.new_secret()), deck_to_json(deck))
    assert open_store().create(model.go_to_step(lesson, step, sent_setup(deck.steps[step].setup)), time.time())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_class_projector_prints_dl_dx_and_fits_1280x720(projector, app_url, language):
    """A deck step (5x5, kernel 2, stride 2, ceil_mode: ∂L/∂x of 0.25, 0.5 and 1) with its words:
    the projector prints every grid's numbers, ∂L/∂x's too, and the page ends on the screen."""
    from classroom.model import new_code

    code = new_code()
    _class_on_a_step(code, 1)
    page = projector
    page.goto(f"{app_url}/live_class?class={code}&view=projector&present=1&lang={language}")
    wait_for_app(page, fresh=True)
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        grids = {grid["key"]: set(grid["printed"]) for grid in page.evaluate(EVERY_GRID)}
        screenshot(page, f"projector-class-step-{width}x{height}-{language}")
        assert grids.get("grad_input") == {"0.25", "0.5", "1"}, f"{width}x{height}: ∂L/∂x printed {grids}"
        assert all(grids.values()), f"{width}x{height}: a grid printed nothing: {grids}"
        runs_to = page.evaluate(PAGE_HEIGHT)
        assert runs_to <= height, f"{width}x{height}: the page runs to {runs_to} px"
    assert page.locator('[data-testid="stException"]').count() == 0


def _class_in_state(code: str, state: str) -> None:
    """The ceil_mode deck's class in one of the projector's states: ``words`` (a step with its
    words), ``own`` (the teacher's own 6x6, no words), ``explained`` (a cell explained),
    ``preparing``, ``asked`` (the step's question about ∂L/∂x[4, 0]), ``revealed``, ``discussed``
    (that question asked as a choice, a wrong choice on show, the class discussing), ``voted``
    (that choice revealed after two votes: every choice named, both votes' charts, who moved)."""
    from dataclasses import replace

    from classroom import model
    from classroom.deck import deck_to_json, question_of
    from classroom.deck_library import BUILT_IN
    from classroom.setups import sent_setup
    from classroom.store import open_store

    deck, store, now = BUILT_IN["ceil_mode"], open_store(), time.time()
    step = 2 if state in ("asked", "revealed", "discussed", "voted") else 1
    lesson = model.open_deck(model.start(code, model.new_secret()), deck_to_json(deck))
    lesson = model.go_to_step(lesson, step, sent_setup(deck.steps[step].setup))
    if state == "own":  # a 6x6 set by hand: the step's words go
        lesson = model.publish(lesson, sent_setup(replace(deck.steps[step].setup, controls={"height": 6, "width": 6})))
    if state == "explained":  # the teacher clicked ∂L/∂x[4, 0]: its explanation under the grids
        lesson = model.publish(lesson, replace(lesson.setup, explain="x-4-0"))
    if state == "preparing":
        lesson = model.prepare(lesson, True)
    if state in ("asked", "revealed"):
        lesson = model.ask(lesson, question_of(deck.steps[step]))
    if state == "revealed":
        lesson = model.reveal(lesson)
    if state == "discussed":  # asked as a choice; one wrong choice on show; the class discusses
        from scenario.numbers import exact_text
        from scenario.quiz import is_right

        chosen = replace(deck.steps[step], question=replace(deck.steps[step].question, as_choice=True))
        question = question_of(chosen)
        lesson = model.ask(lesson, question)
        wrong = next(exact_text(v).removeprefix("≈") for v in question.choices if not is_right(v, question.truth))
        lesson = model.discuss(model.show_answer(lesson, wrong, (wrong,)))
        assert lesson.question.shown == wrong and lesson.question.discussing
    if state == "voted":
        chosen = replace(deck.steps[step], question=replace(deck.steps[step].question, as_choice=True))
        return _voted(code, lesson, chosen)
    assert store.create(lesson, now)
    for answer in (0.5, 0.5, 0.5, 0.25, 1, 2):
        assert store.answer(code, 1, model.new_student(), answer, now)


def _voted(code: str, lesson, step) -> None:
    """A choice question revealed after peer instruction: vote 1 spread over every choice,
    vote 2 mostly right, each answer with a confidence."""
    from classroom import model
    from classroom.deck import question_of
    from classroom.store import open_store
    from scenario.quiz import is_right

    question, store, now = question_of(step), open_store(), time.time()
    lesson = model.reveal(model.vote_again(model.discuss(model.ask(lesson, question))))
    assert lesson.question.vote == 2 and lesson.question.revealed
    assert store.create(lesson, now)
    right = next(value for value in question.choices if is_right(value, question.truth))
    students = [model.new_student() for _ in range(2 * len(question.choices))]
    for index, student in enumerate(students):
        first = question.choices[index % len(question.choices)]
        assert store.answer(code, 1, student, first, now, 1, index % 2 == 0)
        assert store.answer(code, 1, student, right if index else first, now, 2, index % 3 == 0)


STATES = ["words", "own", "explained", "preparing", "asked", "revealed", "discussed", "voted"]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("state", STATES)
def test_the_class_projector_fits_the_screen_in_every_state(projector, app_url, state, language):
    """Before a question (a step's words or none, a cell explained, a question being prepared),
    during one and revealed: every grid prints its numbers and the page ends on the screen."""
    from classroom.model import new_code

    code = new_code()
    _class_in_state(code, state)
    page = projector
    page.goto(f"{app_url}/live_class?class={code}&view=projector&present=1&lang={language}")
    wait_for_app(page, fresh=True)
    if state in ("revealed", "voted"):
        page.locator('[data-testid="stPlotlyChart"]').nth(1 if state == "voted" else 0).wait_for(timeout=15_000)
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        grids = {grid["key"]: set(grid["printed"]) for grid in page.evaluate(EVERY_GRID)}
        screenshot(page, f"projector-class-{state}-{width}x{height}-{language}")
        assert grids and all(grids.values()), f"{state} at {width}x{height}: a grid printed nothing: {grids}"
        runs_to = page.evaluate(PAGE_HEIGHT)
        assert runs_to <= height, f"{state} at {width}x{height}: the page runs to {runs_to} px"
    assert page.locator('[data-testid="stException"]').count() == 0
