"""A lesson deck in Chromium (issue 30 §1): a teacher opens a colleague's deck link, starts a
class and the deck, steps through two steps and asks a step's question; one student, on a
phone, follows each step and answers; the projector shows each step's words. A real
``streamlit run`` with its embedded store; in both languages. Screenshots of the cockpit, the
projector at 1280x720 and the phone go to test-artifacts/."""

from __future__ import annotations

import pytest

from classroom.deck import deck_link, words
from classroom.deck_library import BUILT_IN
from harness.browser import screenshot, start_class, wait_for_alert, wait_for_app, wait_for_grids
from tests.test_browser_class import _grids_printed

pytestmark = pytest.mark.browser

DECK = BUILT_IN["ceil_mode"]  # 5x5, kernel 2; then ceil_mode on; then ∂L/∂x[4, 0]?
WORDS = {"en": {"send": "Send", "right": "Right!", "step": "step {step} of 5"},
         "zh": {"send": "提交", "right": "答对了！", "step": "第 {step} 步，共 5 步"}}  # fmt: skip


def _step(teacher, key: str, number: int, language: str) -> None:
    """The teacher presses a deck button; the cockpit then says the deck is at step ``number``."""
    teacher.locator(f".st-key-{key} button").first.click()
    wait_for_app(teacher)
    teacher.get_by_text(WORDS[language]["step"].format(step=number)).first.wait_for()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_deck_steps_two_steps_and_a_question_with_one_student(new_context, app_url, language):
    said = WORDS[language]
    teacher = new_context(viewport={"width": 1440, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}{deck_link(DECK)}&lang={language}")
    _step(teacher, "class_deck_start", 1, language)
    student = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    student.goto(f"{app_url}/?class={code}&lang={language}")
    wait_for_app(student, fresh=True)
    projector = new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(f"{app_url}/live_class?class={code}&view=projector&present=1&lang={language}")
    wait_for_app(projector, fresh=True)
    _grids_printed(student, 3, {"0.25", "0"})  # step 1: the last row and column get nothing
    projector.get_by_text(words(DECK.steps[0].text, language)).wait_for()

    _step(teacher, "class_deck_next", 2, language)  # ceil_mode on: partial windows
    _grids_printed(student, 3, {"0.25", "0.5", "1"})
    projector.get_by_text(words(DECK.steps[1].text, language)).wait_for()
    screenshot(teacher, f"deck-cockpit-step2-{language}")
    screenshot(projector, f"deck-projector-step2-1280x720-{language}")
    screenshot(student, f"deck-phone-step2-{language}")

    _step(teacher, "class_deck_next", 3, language)  # the step's question: ∂L/∂x[4, 0]
    teacher.locator(".st-key-class_deck_ask button", has_text="∂L/∂x[4, 0]").click()
    wait_for_app(teacher)
    answer = student.locator(".st-key-class_answer input")
    answer.wait_for(timeout=30_000)  # the student is taken to the question
    wait_for_grids(student, 3)  # x, y, ∂L/∂y: not the answer
    answer.fill("1/2")
    student.get_by_role("button", name=said["send"]).click()
    wait_for_app(student)
    screenshot(student, f"deck-phone-question-{language}")
    teacher.locator(".st-key-class_reveal button").click()
    wait_for_app(teacher)
    wait_for_alert(student, said["right"])
    projector.locator('[data-testid="stPlotlyChart"]').wait_for(timeout=30_000)
    screenshot(teacher, f"deck-cockpit-revealed-{language}")
    _step(teacher, "class_deck_next", 4, language)  # the revealed question put away
    projector.get_by_text(words(DECK.steps[3].text, language)).wait_for()
