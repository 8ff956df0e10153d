"""Homework in Chromium (issue 30 §5): a teacher assigns a built-in deck on the Live class page,
two students do it (one on a phone), and the teacher's report, open meanwhile, counts them as
they work. A real ``streamlit run`` with its embedded store; in both languages. Screenshots of
the assignment, a student's step on a phone (390x844) and the report on a desktop and at
1280x720 go to test-artifacts/screenshots."""

from __future__ import annotations

import pytest

from harness.browser import screenshot, wait_for_alert, wait_for_app, wait_for_grids
from tests.test_browser_accessibility import _serious

pytestmark = pytest.mark.browser

WORDS = {
    "en": {"right": "Right!", "wrong": "Not quite", "mistake": "the divisor was forgotten",
           "started": "Started: {n} · reached the last step: {f}", "last": "This is the last step",
           "step": "Step 2 of 6"},
    "zh": {"right": "答对了！", "wrong": "不太对", "mistake": "忘了除数",
           "started": "已开始：{n} 名学生 · 到达最后一步：{f} 名", "last": "这是最后一步",
           "step": "第 2 步，共 6 步"},
}  # fmt: skip


def _press(page, key: str) -> None:
    page.locator(f".st-key-{key} button").first.click()
    wait_for_app(page)


def _answer(page, typed: str, expected: str) -> None:
    page.locator(".st-key-homework_answer input").fill(typed)
    _press(page, "homework_check")
    wait_for_alert(page, expected)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_teacher_assigns_a_deck_two_students_do_it_and_the_report_counts_them(new_context, app_url, language):
    said = WORDS[language]
    teacher = new_context(viewport={"width": 1440, "height": 900}).new_page()
    teacher.goto(f"{app_url}/live_class?lang={language}")
    wait_for_app(teacher, fresh=True)
    _press(teacher, "homework_assign")  # the first built-in deck: the classic 4×4
    links = teacher.locator(".st-key-homework_links code")
    links.first.wait_for()
    students_link, report_link = links.nth(0).inner_text().strip(), links.nth(1).inner_text().strip()
    assert "/homework?hw=" in students_link and "&report=" in report_link
    teacher.locator(".st-key-homework_links img").wait_for()
    screenshot(teacher, f"homework-assign-{language}")
    assert not _serious(teacher)  # axe-core's WCAG 2.1 A and AA rules

    report = teacher.context.new_page()  # the report, open while the students work
    report.goto(report_link)
    wait_for_app(report, fresh=True)
    report.get_by_text(said["started"].format(n=0, f=0)).wait_for()

    first = new_context(viewport={"width": 1440, "height": 900}).new_page()
    first.goto(students_link)
    wait_for_app(first, fresh=True)
    wait_for_grids(first, 4)  # step 1: the setup's four grids
    _press(first, "homework_next")
    wait_for_grids(first, 3)  # step 2 asks ∂L/∂x[0, 0]: x, y and ∂L/∂y, not the answer
    _answer(first, "1", said["wrong"])
    assert said["mistake"] in first.locator('[data-testid="stAlert"]').last.inner_text()
    _answer(first, "1/4", said["right"])

    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    phone.goto(students_link)
    wait_for_app(phone, fresh=True)
    _press(phone, "homework_next")
    _answer(phone, "0.25", said["right"])
    wait_for_grids(phone, 4)  # answered: ∂L/∂x too
    screenshot(phone, f"homework-phone-step-{language}")
    assert not _serious(phone)
    phone.goto(students_link)  # the link opened again: the browser's cookie brings its step back
    wait_for_app(phone, fresh=True)
    phone.get_by_text(said["step"]).wait_for()
    wait_for_alert(phone, said["right"])

    for _ in range(4):  # the first student goes on to the last step
        _press(first, "homework_next")
    first.get_by_text(said["last"]).wait_for()
    # The report, untouched, hears of both within its refresh (a timer in the browser: ui/report_ticker.js).
    report.get_by_text(said["started"].format(n=2, f=1)).wait_for(timeout=30_000)
    assert said["mistake"] in report.locator('[data-testid="stMarkdownContainer"]').all_inner_texts().__str__()
    screenshot(report, f"homework-report-{language}")
    assert not _serious(report)
    projector = new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(report_link + "&present=1")
    wait_for_app(projector, fresh=True)
    projector.get_by_text(said["started"].format(n=2, f=1)).wait_for()
    screenshot(projector, f"homework-report-1280x720-{language}")
    # The teacher's browser keeps the homework (an HttpOnly cookie): the Live class page, opened
    # again, shows its two links again.
    assert any(cookie["name"] == "avgpool_homework" and cookie["httpOnly"] for cookie in teacher.context.cookies())
    teacher.goto(f"{app_url}/live_class?lang={language}")
    wait_for_app(teacher, fresh=True)
    teacher.locator(".st-key-homework_links code").first.wait_for()
    assert teacher.locator(".st-key-homework_links code").nth(1).inner_text().strip() == report_link
