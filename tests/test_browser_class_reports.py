"""A class's report through a real ``streamlit run`` (issue 30 §6): the route
``/class/report/<id>`` (the teacher's HttpOnly cookie required; a wrong id, another teacher's,
no cookie: each a page that says why, never a traceback; ``no-store``, no script allowed), the
SQLite sweep at the server's start-up, and in Chromium a whole class ended by its teacher, the
report found again on the Live class page, opened, printed to PDF (``page.pdf``), and
screenshot in English and Chinese (test-artifacts/screenshots/class-report-*.png)."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest

from classroom import model
from classroom.model import Lesson, Mistake, Question, Setup
from classroom.report_store import KEPT, SQLiteReports
from classroom.reports import RETENTION, new_report
from harness.browser import screenshot, start_class, wait_for_alert, wait_for_app
from harness.server import ARTIFACTS, streamlit_replicas
from tests.test_browser_accessibility import _serious

pytestmark = pytest.mark.browser

SECRET, OTHER = "t" * 22, "o" * 22
CRAFTED_INPUT = "<img src=x onerror=alert(1)>"  # a crafted setup's text: printed as text, never markup


def _report(secret: str, ended_at: float):
    mistakes = (Mistake(9.0, "divisor"), Mistake(1 / 9, "one_share"))
    first = Question(1, Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5, "input": CRAFTED_INPUT}),
                     (2, 2), 1.0, mistakes=mistakes, vote=2, asked_at=0.0, closed_at=95.0)  # fmt: skip
    second = Question(2, Setup("step_by_step", {"kernel_h": 2, "padding_h": 1, "count_include_pad": False}), (0, 0),
                      1.0, mistakes=(Mistake(0.25, "padding_counted"),), asked_at=100.0, closed_at=130.0)  # fmt: skip
    lesson = Lesson("HQCMT", model.teacher_digest(secret), asked=(first, second))
    answers = {1: {"a": 1.0, "b": 9.0, "c": 1.0, "d": 1 / 9, "e": 9.0}, 2: {"a": 1.0, "b": 0.25, "c": 1.0}}
    again = {1: {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 9.0}}
    sure = {(1, 2): {"a": True, "b": True, "c": False, "e": True}}
    return new_report(lesson, answers, again, sure, ended_at, "en")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server with a store of its own, which already holds three reports: the teacher's, another
    teacher's and an expired one (swept when the server starts, by no write of anyone's)."""
    path = tmp_path_factory.mktemp("reports") / "classes.sqlite3"
    store, now = SQLiteReports(path), time.time()
    mine, theirs = _report(SECRET, now), _report(OTHER, now)
    expired = _report(SECRET, now - RETENTION - 60)
    assert [store.keep(r, r.ended_at) for r in (mine, theirs, expired)] == [KEPT] * 3
    with streamlit_replicas(1, env={"CLASS_STORE": f"sqlite:///{path}"}) as [(url, _)]:
        yield url, store, mine, theirs, expired


def _get(url: str, secret: str | None = None, method: str = "GET") -> tuple[int, object, str]:
    headers = {"Cookie": f"avgpool_teacher=HQCMT:{secret}"} if secret else {}
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_the_route_serves_the_report_to_its_teacher_alone(server):
    url, store, mine, theirs, expired = server
    assert store.load(expired.owner, expired.id, expired.ended_at) is None  # swept at start-up
    assert store.load(mine.owner, mine.id, time.time()) == mine

    status, headers, page = _get(f"{url}/class/report/{mine.id}", SECRET)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-store" and "default-src 'none'" in headers["Content-Security-Policy"]
    assert "Class HQCMT" in page and "Question 1: ∂L/∂x[2, 2]" in page and "2 of 5 right" in page
    assert "4 of 5 right" in page and "from 9: 1" in page and "1 min 35 s" in page and "30 s" in page
    assert "the divisor was forgotten" in page and "@page { size: A4 portrait" in page
    assert CRAFTED_INPUT not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page
    assert "第 1 题" in _get(f"{url}/class/report/{mine.id}?lang=zh", SECRET)[2]

    cases = {
        "no cookie": (f"{url}/class/report/{mine.id}", None, 403, "opens only in the browser that taught"),
        "another teacher's": (f"{url}/class/report/{theirs.id}", SECRET, 404, "No report of yours"),
        "another teacher's, theirs": (f"{url}/class/report/{mine.id}", OTHER, 404, "No report of yours"),
        "unknown id": (f"{url}/class/report/{'x' * 22}", SECRET, 404, "No report of yours"),
        "crafted id": (f"{url}/class/report/%3Cscript%3E", SECRET, 404, "No report of yours"),
        "long id": (f"{url}/class/report/{'a' * 5000}", SECRET, 404, "No report of yours"),
        "expired": (f"{url}/class/report/{expired.id}", SECRET, 404, "No report of yours"),
        "damaged cookie": (f"{url}/class/report/{mine.id}", "%%%", 403, "opens only in the browser"),
    }
    for name, (address, secret, expected, said) in cases.items():
        status, headers, page = _get(address, secret)
        assert (status, said in page) == (expected, True), name
        assert "Traceback" not in page and "<script" not in page and headers["Cache-Control"] == "no-store", name
    assert _get(f"{url}/class/report/{mine.id}", SECRET, "POST")[0] == 405


WORDS = {
    "en": {"end": "End the class", "list": "Your class reports", "kept": "kept for 30 days", "open": "Open",
           "question": "Question 1:", "right": "right", "send": "Send"},
    "zh": {"end": "结束这堂课", "list": "你的课堂报告", "kept": "保留 30 天", "open": "打开",
           "question": "第 1 题", "right": "人正确", "send": "提交"},
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_teacher_ends_a_class_finds_its_report_and_prints_it(server, new_context, language):
    url = server[0]
    words = WORDS[language]
    teacher = new_context(viewport={"width": 1440, "height": 900}).new_page()
    code = start_class(teacher, f"{url}/live_class?lang={language}")
    teacher.locator(".st-key-class_use_default button").click()
    wait_for_app(teacher)
    teacher.locator(".st-key-class_ask_pick button").click()
    wait_for_app(teacher)
    join = re.search(r"https?://\S+\?class=\S+", teacher.locator("code").first.inner_text())[0]
    student = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    student.goto(join)
    wait_for_app(student, fresh=True)
    student.locator(".st-key-class_answer input").fill("1/4")
    student.get_by_role("button", name=words["send"]).click()
    wait_for_app(student)

    teacher.get_by_role("button", name=words["end"]).click()  # the popover, then its confirmation
    teacher.locator(".st-key-class_end button").click()
    wait_for_app(teacher)
    wait_for_alert(teacher, words["kept"])
    box = teacher.locator(".st-key-class_reports")
    box.get_by_text(words["list"]).wait_for()
    assert code in box.inner_text()
    screenshot(teacher, f"class-report-list-{language}")
    assert not _serious(teacher)  # axe-core's WCAG 2.1 A and AA rules

    with teacher.context.expect_page() as opened:
        box.get_by_role("link", name=re.compile(words["open"])).first.click()
    report = opened.value
    report.wait_for_load_state()
    assert "/class/report/" in report.url and f"lang={language}" in report.url
    text = report.locator("body").inner_text()
    assert code in text and words["question"] in text and words["right"] in text
    report.set_viewport_size({"width": 1440, "height": 900})
    report.screenshot(path=str(ARTIFACTS / "screenshots" / f"class-report-page-{language}.png"), full_page=True)
    pdf = report.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
    (ARTIFACTS / "screenshots" / f"class-report-{language}.pdf").write_bytes(pdf)

    # A richer report (two votes, a countdown, misconceptions), as its teacher's browser opens it.
    seeded = new_context(viewport={"width": 1440, "height": 900})
    seeded.add_cookies([{"name": "avgpool_teacher", "value": f"HQCMT:{SECRET}", "url": url}])
    page = seeded.new_page()
    page.goto(f"{url}/class/report/{server[2].id}?lang={language}")
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"class-report-votes-{language}.png"), full_page=True)
    assert not _serious(page)

    # The list on the teacher's phone (its cookie from the seeded store): one report, the seeded one.
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.add_cookies([{"name": "avgpool_teacher", "value": f"HQCMT:{SECRET}", "url": url}])
    listed = phone.new_page()
    listed.goto(f"{url}/live_class?lang={language}")
    wait_for_app(listed, fresh=True)
    box = listed.locator(".st-key-class_reports")
    box.get_by_text(words["list"]).wait_for()
    rows = box.locator('[class*="st-key-report_csv_"]')  # one Download CSV per report
    assert box.get_by_text("HQCMT").count() == 1 and rows.count() == 1  # not another teacher's
    screenshot(listed, f"class-report-list-phone-{language}")
    assert len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4"))) == 1  # two questions fit one A4 page
    page.emulate_media(media="print")  # as printed: an A4 page's width at 96 dpi
    page.set_viewport_size({"width": 794, "height": 1123})
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"class-report-print-{language}.png"), full_page=True)
