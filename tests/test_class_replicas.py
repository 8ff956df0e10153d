"""A live class on a school's deployment, for real: nginx (``deploy/nginx.conf``) in front of
two replicas sharing one Redis (persistence on), a teacher and students in Chromium tabs.
The replica holding the teacher is lost mid-question, then Redis restarts mid-class: the
class, its question and every answer are kept, and while Redis is down everyone is told so
and the app still works for each of them alone."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from classroom.store import RedisStore
from harness.browser import GRID, start_class, wait_for_alert, wait_for_app
from harness.server import ARTIFACTS, free_port, nginx_proxy, redis_server, streamlit_replicas

pytestmark = pytest.mark.browser
COOKIE_SECRET = {"STREAMLIT_SERVER_COOKIE_SECRET": "one-secret-for-every-replica"}


@pytest.fixture(scope="module")
def tools():
    missing = [tool for tool in ("nginx", "redis-server") if shutil.which(tool) is None]
    if missing:
        message = f"not installed: {', '.join(missing)} (apt-get install nginx redis-server)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: in CI the replica tests must run")
        pytest.skip(message)


def _replica_of(response) -> str:
    return "http://" + response.headers["x-avgpool-replica"]


def _answer(page, typed: str) -> None:
    """Type an answer and send it, until the page confirms it (as a student would look)."""
    for attempt in range(3):
        box = page.locator(".st-key-class_answer input")
        box.wait_for(timeout=30_000)
        box.fill(typed)
        page.get_by_role("button", name="Send").click()
        wait_for_app(page)
        try:
            wait_for_alert(page, f"Your answer {typed} is in", timeout=10_000)
            return
        except Exception:
            if attempt == 2:
                raise


def test_a_class_survives_a_lost_replica_and_a_restarted_redis(tools, new_context, tmp_path):
    folder, port = ARTIFACTS / f"redis-class-{os.getpid()}", free_port()
    shutil.rmtree(folder, ignore_errors=True)
    address = f"redis://127.0.0.1:{port}/0"
    redis = redis_server(folder, port)
    redis.__enter__()
    try:
        with (
            streamlit_replicas(2, env={**COOKIE_SECRET, "CLASS_STORE": address}) as replicas,
            nginx_proxy([url for url, _ in replicas], tmp_path / "nginx") as proxy,
        ):
            redis = _lesson(proxy, dict(replicas), new_context, redis, folder, port)
    finally:
        redis.__exit__(None, None, None)


def _lesson(proxy, processes, new_context, redis, folder, port):
    store = RedisStore(f"redis://127.0.0.1:{port}/0")
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    code = start_class(teacher, f"{proxy}/live_class")
    response = teacher.goto(f"{proxy}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(teacher, fresh=True)
    lost = _replica_of(response)
    students = []
    for _ in range(3):
        student = new_context(viewport={"width": 1000, "height": 800}).new_page()
        student.goto(f"{proxy}/?class={code}")
        wait_for_app(student, fresh=True)
        students.append(student)
    teacher.goto(f"{proxy}/live_class?class={code}")
    wait_for_app(teacher, fresh=True)
    teacher.locator(".st-key-class_ask_pick button").click()
    wait_for_app(teacher)
    for student, typed in zip(students, ("1", "2", "3")):
        _answer(student, typed)
    question = store.load(code, time.time()).question.number
    answers = store.answers(code, question)
    assert sorted(answers.values()) == [1.0, 2.0, 3.0]

    # The teacher's replica dies: the teacher's tab and its students come back on the survivor.
    processes[lost].kill()
    processes[lost].wait()
    teacher.locator(".st-key-class_reveal button").wait_for(timeout=30_000)
    wait_for_alert(teacher, "3 answered", timeout=30_000)
    for student, typed in zip(students, ("4", "5", "6")):
        _answer(student, typed)  # each changes their answer, on whichever replica holds them now
    assert sorted(store.answers(code, question).values()) == [4.0, 5.0, 6.0]  # one per student, kept
    assert set(store.answers(code, question)) == set(answers)  # the same three students

    # Redis restarts mid-class: said while it is down, the pages still work alone; then it resumes.
    redis.__exit__(None, None, None)
    wait_for_alert(students[0], f"The class {code} cannot be reached", timeout=30_000)
    wait_for_alert(teacher, f"The class {code} cannot be reached", timeout=30_000)
    assert students[0].locator(GRID).count() >= 3  # the question's grids are still drawn
    redis = redis_server(folder, port)
    redis.__enter__()
    wait_for_alert(teacher, "3 answered", timeout=30_000)
    assert sorted(store.answers(code, question).values()) == [4.0, 5.0, 6.0]  # nothing lost
    teacher.locator(".st-key-class_reveal button").click()
    wait_for_app(teacher)
    for student in students:
        wait_for_alert(student, "Not quite", timeout=30_000)  # the reveal reaches everyone
    for page in (teacher, *students):
        assert page.locator('[data-testid="stException"]').count() == 0
    return redis
