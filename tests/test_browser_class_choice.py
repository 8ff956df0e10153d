"""A question asked as a choice in Chromium (issue 30 §4): the teacher shows the classic 4×4,
asks a cell as a choice; a student on a phone picks by touch (and moves the pick by the
keyboard's arrows, then back), sends; the projector at 1280x720 shows the choices, then, on
the reveal, a bar for every choice and each wrong one's misconception. A real ``streamlit
run`` with its embedded store; in both languages. Screenshots of the cockpit, the projector
(its 1280x720 screen as it is) and the phone go to test-artifacts/."""

from __future__ import annotations

import pytest

from harness.browser import ARTIFACTS, screenshot, start_class, wait_for_alert, wait_for_app

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"send": "Send", "right": "Right!", "sent": "is in", "divisor": "the divisor was forgotten"},
    "zh": {"send": "提交", "right": "答对了！", "sent": "已提交", "divisor": "忘了除数"},
}
RIGHT = ("1/4", "0.25")  # the classic 4×4: every cell of ∂L/∂x is 1/4


def _screen(page, name: str) -> None:
    """What the screen shows as it is (no scrolling): a projector has no one to scroll it."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_choice_question_is_asked_picked_by_touch_and_revealed(new_context, app_url, language):
    said = WORDS[language]
    teacher = new_context(viewport={"width": 1440, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class?lang={language}")
    teacher.locator(".st-key-class_use_default button").click()  # the classic 4×4 to the class
    wait_for_app(teacher)
    student = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    student.goto(f"{app_url}/?class={code}&lang={language}")
    wait_for_app(student, fresh=True)
    projector = new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(f"{app_url}/live_class?class={code}&view=projector&present=1&lang={language}")
    wait_for_app(projector, fresh=True)

    teacher.locator(".st-key-class_ask_choice label").click()  # "Ask as a choice"
    wait_for_app(teacher)
    teacher.locator(".st-key-class_ask_pick button").click()
    wait_for_app(teacher)
    choices = student.locator(".st-key-class_choice_1 [role=radiogroup] label")
    choices.first.wait_for(timeout=30_000)  # the student is taken to the question
    labels = [label.strip() for label in choices.all_inner_texts()]
    assert len(labels) >= 3 and [label[0] for label in labels] == list("ABCDEFGH")[: len(labels)], labels
    right = next(index for index, label in enumerate(labels) if label.endswith(RIGHT))
    wait_for_app(projector)
    for label in labels:  # the projector lists the same choices, in the same order
        projector.get_by_text(label, exact=False).first.wait_for()
    screenshot(teacher, f"choice-cockpit-asked-{language}")
    _screen(projector, f"choice-projector-asked-1280x720-{language}")

    choices.nth(right).tap()  # by touch
    radios = student.locator(".st-key-class_choice_1 input[type=radio]")
    assert radios.nth(right).is_checked()
    radios.nth(right).focus()  # by the keyboard: the arrows move the pick, and back
    student.keyboard.press("ArrowDown" if right + 1 < len(labels) else "ArrowUp")
    assert not radios.nth(right).is_checked()
    student.keyboard.press("ArrowUp" if right + 1 < len(labels) else "ArrowDown")
    assert radios.nth(right).is_checked()
    student.get_by_role("button", name=said["send"]).tap()
    wait_for_app(student)
    assert labels[right] in wait_for_alert(student, said["sent"])
    screenshot(student, f"choice-phone-asked-{language}")

    teacher.locator(".st-key-class_reveal button").click()
    wait_for_app(teacher)
    wait_for_alert(student, said["right"])
    projector.locator('[data-testid="stPlotlyChart"]').wait_for(timeout=30_000)
    projector.get_by_text(said["divisor"], exact=False).first.wait_for()  # a wrong choice named
    screenshot(teacher, f"choice-cockpit-revealed-{language}")
    _screen(projector, f"choice-projector-revealed-1280x720-{language}")
    screenshot(student, f"choice-phone-revealed-{language}")
