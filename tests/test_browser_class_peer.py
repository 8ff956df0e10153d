"""Peer instruction in Chromium (issue 30 §2, §3): a teacher, the projector at 1280x720 and two
students (one a phone, 390x844), each in its own browser context, against one real server and
its embedded store; in both languages. Vote 1 with confidence, the cockpit's live answers (on no
other screen), one wrong answer shown, discuss with your neighbour, vote 2, close, the reveal of
both votes, pause. Screenshots of each phase go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from harness.browser import PATIENCE_MS, screenshot, start_class, wait_for_alert, wait_for_app, wait_for_grids
from tests.test_browser_class import _grids_printed, _pick_cell
from tests.test_browser_projector import PAGE_HEIGHT

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "cockpit": "Cockpit", "send": "Send", "shown": "An answer from the class",
        "discuss": "Discuss with your neighbour", "vote2": "Vote 2", "right": "Right!",
        "votes": "Vote 1: 0 of 2 right → vote 2: 2 of 2 right", "paused": "Eyes on the projector",
        "closed": "Answers are closed", "live": "only you see this", "in60": "in 60 s",
    },
    "zh": {
        "cockpit": "控制台", "send": "提交", "shown": "来自全班的一个答案", "discuss": "和邻座讨论",
        "vote2": "第二轮投票", "votes": "第一轮：2 人中 0 人答对 → 第二轮：2 人中 2 人答对", "right": "答对了！",
        "paused": "请看投影", "closed": "答题已关闭", "live": "只有你能看到", "in60": "60 秒后",
    },
}  # fmt: skip


def _vote(student, typed: str, sure: int, send: str) -> None:
    """Type an answer, pick the confidence (0: sure, 1: not sure), send."""
    answer = student.locator(".st-key-class_answer input")
    answer.wait_for(timeout=PATIENCE_MS)
    answer.fill(typed)
    student.locator('.st-key-class_sure [role="radiogroup"] label').nth(sure).click()
    student.get_by_role("button", name=send).click()
    wait_for_app(student)


def _text(page) -> str:
    return page.locator("body").inner_text()


def _wait_text(page, expected: str) -> None:
    page.wait_for_function("expected => document.body.innerText.includes(expected)", arg=expected, timeout=PATIENCE_MS)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_peer_instruction_cycle(new_context, app_url, language):
    words = WORDS[language]
    teacher = new_context(viewport={"width": 1440, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class?lang={language}")
    projector = new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(f"{app_url}/live_class?class={code}&view=projector&present=1&lang={language}")
    wait_for_app(projector, fresh=True)
    desk = new_context(viewport={"width": 1280, "height": 800}).new_page()
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    students = (desk, phone)
    for student in students:
        student.goto(f"{app_url}/?class={code}&lang={language}")
        wait_for_app(student, fresh=True)
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5&lang={language}")
    wait_for_app(teacher, fresh=True)
    for student in students:
        _grids_printed(student, 3, {"1/9", "2/9", "1/3", "4/9", "2/3", "1"})
    teacher.locator('[data-testid="stPageLink"] a', has_text=words["cockpit"]).first.click()
    teacher.wait_for_url(re.compile(r"/live_class"), timeout=PATIENCE_MS)
    wait_for_app(teacher)
    wait_for_grids(teacher, 4)
    _pick_cell(teacher, 3, (2, 2), "∂L/∂x[2, 2] =")
    teacher.locator(".st-key-class_ask button", has_text="∂L/∂x[2, 2]").wait_for()
    teacher.locator(".st-key-class_ask button").click()
    wait_for_app(teacher)

    # Vote 1, each with a confidence: the cockpit sees it come in; no one else does.
    _vote(desk, "9", 0, words["send"])
    _vote(phone, "1/9", 1, words["send"])
    screenshot(phone, f"peer-phone-vote1-{language}")
    teacher.locator(".st-key-class_live_chart").wait_for(timeout=PATIENCE_MS)
    _wait_text(teacher, words["live"])
    screenshot(teacher, f"peer-cockpit-vote1-{language}")
    for page in (projector, *students):
        assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
        assert "∂L/∂x[2, 2] = 1" not in _text(page)
    screenshot(projector, f"peer-projector-vote1-{language}")

    # One wrong answer on the projector, its mistake named, the right one hidden.
    teacher.locator("[class*='st-key-class_show_'] button").first.click()
    wait_for_app(teacher)
    wait_for_alert(projector, words["shown"])
    assert projector.locator('[data-testid="stPlotlyChart"]').count() == 0
    screenshot(projector, f"peer-projector-shown-{language}")

    # Discuss with your neighbour: nothing of the answers anywhere but the cockpit.
    teacher.locator(".st-key-class_discuss button").first.click()
    wait_for_app(teacher)
    _wait_text(projector, words["discuss"])
    for student in students:
        wait_for_alert(student, words["discuss"])
        assert student.locator(".st-key-class_answer input").count() == 0
    screenshot(projector, f"peer-projector-discuss-{language}")
    height = projector.evaluate(PAGE_HEIGHT)  # the shown answer and "discuss" fit the screen too
    assert height <= 720, f"the projector runs to {height} px during the discussion"
    screenshot(phone, f"peer-phone-discuss-{language}")
    screenshot(teacher, f"peer-cockpit-discuss-{language}")

    # Vote 2, then close and reveal: both votes, who moved, how sure.
    teacher.locator(".st-key-class_vote_again button").click()
    wait_for_app(teacher)
    for student in students:
        _wait_text(student, words["vote2"])
        _vote(student, "1", 0, words["send"])
    screenshot(phone, f"peer-phone-vote2-{language}")
    # A 60 s countdown, counted in the browsers; Close again closes at once.
    teacher.locator(".st-key-class_close_after").click()
    teacher.get_by_role("option", name=words["in60"]).click()
    wait_for_app(teacher)
    teacher.locator(".st-key-class_close button").click()
    wait_for_app(teacher)
    for page in (projector, phone):
        page.locator(".class-countdown").wait_for(timeout=PATIENCE_MS)
        assert re.search(r"\d+", page.locator(".class-countdown").inner_text())
    screenshot(projector, f"peer-projector-countdown-{language}")
    screenshot(phone, f"peer-phone-countdown-{language}")
    screenshot(teacher, f"peer-cockpit-countdown-{language}")
    teacher.locator(".st-key-class_close button").click()
    wait_for_app(teacher)
    _wait_text(projector, words["closed"])
    teacher.locator(".st-key-class_reveal button").click()
    wait_for_app(teacher)
    projector.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for(timeout=PATIENCE_MS)  # both votes
    _wait_text(projector, words["votes"])
    screenshot(projector, f"peer-projector-reveal-{language}")
    wait_for_alert(phone, words["right"])
    screenshot(phone, f"peer-phone-revealed-{language}")
    screenshot(teacher, f"peer-cockpit-revealed-{language}")

    # Pause: eyes on the projector, until the teacher resumes.
    teacher.locator(".st-key-class_pause label").click()
    wait_for_app(teacher)
    for student in students:
        _wait_text(student, words["paused"])
    screenshot(phone, f"peer-phone-paused-{language}")
    teacher.locator(".st-key-class_pause label").click()
    wait_for_app(teacher)
    for student in students:
        student.wait_for_function(
            "expected => !document.body.innerText.includes(expected)", arg=words["paused"], timeout=PATIENCE_MS
        )
    for page in (teacher, projector, *students):
        assert page.locator('[data-testid="stException"]').count() == 0
