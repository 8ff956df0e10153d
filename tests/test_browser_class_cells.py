"""A "which cells" question in Chromium (issue 30 §4): the teacher shows the classic 4×4, turns
on "Ask which cells" and clicks y[1, 1]; a student on a phone taps three cells of x by touch and
the fourth by the keyboard (arrows, Space), sends; the projector at 1280x720 shows the question,
then on the reveal the taps' heat map with the right cells outlined. A real ``streamlit run``
with its embedded store (the shared server of the other browser class tests); both languages.
Screenshots of the cockpit, the projector (its 1280x720 screen as it is) and the phone."""

from __future__ import annotations

import pytest

from harness.browser import (
    ARTIFACTS,
    GRID,
    cell_centre,
    click_cell,
    grid_highlights,
    screenshot,
    start_class,
    wait_for_alert,
    wait_for_app,
)

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"send": "Send", "right": "Right!", "sent": "is in", "share": "1 of 1 entirely right"},
    "zh": {"send": "提交", "right": "答对了！", "sent": "已提交", "share": "1 人中 1 人完全答对"},
}
RIGHT = [(2, 2), (2, 3), (3, 2), (3, 3)]  # y[1, 1]'s window on the classic 4×4


def _screen(page, name: str) -> None:
    """What the screen shows as it is (no scrolling): a projector has no one to scroll it."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


def _outlined(page, index: int) -> list[tuple[int, int]]:
    """The cells outlined in black (tapped) on the index-th grid."""
    return sorted((r0, c0) for r0, r1, c0, c1, color in grid_highlights(page, index) if color == "#111111")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_which_cells_question_is_asked_tapped_and_revealed(new_context, app_url, language):
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

    teacher.locator(".st-key-class_ask_cells label").click()  # "Ask which cells"
    wait_for_app(teacher)
    click_cell(teacher, 1, 1, 1)  # y[1, 1] in the cockpit's grids: x, y, ∂L/∂y, ∂L/∂x
    teacher.locator(".st-key-class_ask button").click()
    wait_for_app(teacher)

    grid = student.locator(f".st-key-class_cells_grid {GRID}")
    grid.wait_for(timeout=30_000)  # the student is taken to the question: their grid, first on the page
    wait_for_app(student)
    for row, col in RIGHT[:3]:  # by touch
        student.locator(GRID).first.scroll_into_view_if_needed()
        student.touchscreen.tap(*cell_centre(student, 0, row, col))
        wait_for_app(student)
    assert _outlined(student, 0) == RIGHT[:3]
    grid.focus()  # by the keyboard: from the first cell, three down, three right, Space
    for key in ("ArrowDown",) * 3 + ("ArrowRight",) * 3 + ("Space",):
        student.keyboard.press(key)
    wait_for_app(student)
    assert _outlined(student, 0) == RIGHT
    student.get_by_role("button", name=said["send"]).tap()
    wait_for_app(student)
    wait_for_alert(student, said["sent"])
    wait_for_app(teacher)
    screenshot(teacher, f"cells-cockpit-asked-{language}")
    wait_for_app(projector)
    _screen(projector, f"cells-projector-asked-1280x720-{language}")
    screenshot(student, f"cells-phone-asked-{language}")

    teacher.locator(".st-key-class_reveal button").click()
    wait_for_app(teacher)
    wait_for_alert(student, said["right"])
    projector.get_by_text(said["share"], exact=False).first.wait_for(timeout=30_000)
    wait_for_app(projector)
    heat = projector.locator(f".st-key-class_cells_counts {GRID}")
    heat.wait_for()
    screenshot(teacher, f"cells-cockpit-revealed-{language}")
    _screen(projector, f"cells-projector-revealed-1280x720-{language}")
    screenshot(student, f"cells-phone-revealed-{language}")
    box = heat.bounding_box()
    assert box["y"] + box["height"] <= 720, box  # the heat map on the projector's screen as it is
