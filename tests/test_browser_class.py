"""A live class in Chromium against one real server: the class's push, its cookies, a reload, a
following student's address and page switches, the projector of a revealed question about y.
The whole lesson, every participant at every step, is tests/test_browser_lesson.py."""

from __future__ import annotations

import re
import time

import pytest

from classroom.store import open_store
from harness.browser import (
    GRID,
    PATIENCE_MS,
    click_cell,
    screenshot,
    start_class,
    wait_for_alert,
    wait_for_app,
    wait_for_grids,
)

pytestmark = pytest.mark.browser


def _settled_box(locator) -> dict:
    """The element's box once it stays put over two animation frames (after a resize the grids
    redraw a frame or two later): a condition, however slow the machine."""
    box = None
    for _ in range(100):
        locator.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        box, before = locator.bounding_box(), box
        if box == before:
            return box
    raise AssertionError(f"the element never settled: {box}")


def _grids_printed(page, index: int, expected: set[str], timeout: float = 15_000) -> None:
    """Wait until the index-th grid prints exactly these values (a follower's redraw)."""
    page.wait_for_function(
        """([index, expected]) => {
            const canvas = [...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')]
              .flatMap(host => [...host.shadowRoot.querySelectorAll('canvas')])[index];
            const printed = canvas && JSON.parse(canvas.dataset.printed || '[]');
            return printed && printed.length && printed.every(text => expected.includes(text));
        }""",
        arg=[index, sorted(expected)],
        timeout=timeout,
    )


def _pick_cell(teacher, grid: int, cell: tuple[int, int], explained: str) -> None:
    """The teacher clicks a cell of the cockpit's grids until the server explains it, as a
    teacher clicks again when nothing happened: the cockpit may still be redrawing its grids
    after the last action (the grid being replaced under the pointer, or not yet on screen)."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        try:
            wait_for_grids(teacher, 4)
            click_cell(teacher, grid, *cell)
            wait_for_alert(teacher, explained, timeout=30_000)
            return
        except (PlaywrightError, TypeError):  # TypeError: the grid had no box (not on screen) yet
            if attempt == 2:
                raise
            wait_for_app(teacher)


def test_a_teacher_reloads_the_cockpit_and_the_class_keeps_its_setup(new_context, app_url):
    """Kernel 3, stride 1 on the Playground; the cockpit; a reload (a new session, the teacher
    known by their cookie); back to the Playground by its link: the sidebar is the class's setup
    from the store, and the students' ∂L/∂x stays kernel 3's."""
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    teacher.goto(f"{app_url}/live_class")
    wait_for_app(teacher, fresh=True)
    with teacher.expect_response(lambda response: "/class/cookie" in response.url) as cookie_set:
        teacher.locator(".st-key-class_start button").click()
    assert cookie_set.value.status == 204
    wait_for_app(teacher)
    code = re.search(r"[A-Z]{5}", teacher.locator("h2").first.inner_text())[0]
    # The teacher's secret: set by the server, out of every script's reach (classroom/cookies.py).
    kept = {cookie["name"]: cookie for cookie in teacher.context.cookies()}["avgpool_teacher"]
    assert kept["value"].startswith(f"{code}:") and kept["httpOnly"] and kept["sameSite"] == "Strict"
    assert "avgpool_teacher" not in teacher.evaluate("document.cookie")
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(teacher, fresh=True)
    student = new_context(viewport={"width": 1280, "height": 800}).new_page()
    student.goto(f"{app_url}/?class={code}")
    wait_for_app(student, fresh=True)
    kernel_3 = {"1/9", "2/9", "1/3", "4/9", "2/3", "1"}
    _grids_printed(student, 3, kernel_3)
    teacher.locator('[data-testid="stPageLink"] a', has_text="Cockpit").first.click()
    # The cockpit's address first: on a busy machine its run may start after wait_for_app has
    # stopped looking (1 s), and the reload would then reload the Playground (seen in CI).
    teacher.wait_for_url(re.compile(r"/live_class"), timeout=PATIENCE_MS)
    wait_for_app(teacher)
    teacher.reload()
    wait_for_app(teacher, fresh=True)
    teacher.locator(".st-key-class_ask_pick button").wait_for()  # the cockpit, as the teacher
    teacher.locator('[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a', has_text="Playground").first.click()
    wait_for_app(teacher)
    _grids_printed(teacher, 3, kernel_3)
    wait_for_app(teacher)
    lesson = open_store().load(code, time.time())  # the server's store (this test run's file)
    assert (lesson.setup.controls["kernel_h"], lesson.setup.controls["stride_h"]) == (3, 1)
    _grids_printed(student, 3, kernel_3)
    for page in (teacher, student):
        assert page.locator('[data-testid="stException"]').count() == 0


def _revealed_y_question(code: str) -> None:
    """A class in the server's store with a question about y[1, 2] (kernel 3, stride 1 on a
    5x5 arange) asked, answered by six students and revealed, as the cockpit would leave it."""
    from classroom import model
    from classroom.model import Question, Setup
    from classroom.setups import computed_from_setup
    from i18n import LANGUAGES
    from scenario.explain import explain_pooled_cell

    setup = Setup("", {"kernel_h": 3, "stride_h": 1, "height": 5, "width": 5})
    computed, cell = computed_from_setup(setup), (1, 2)
    explanations = {}
    for language in LANGUAGES:
        numbers = computed_from_setup(setup, language)
        explanations[language] = explain_pooled_cell(
            "output", *cell, numbers.x, numbers.y, numbers.loss.grad_output, numbers.grad_input, numbers.windows,
            language,
        )  # fmt: skip
    question = Question(
        0, setup, cell, float(computed.y[cell]), explanations, model.output_mistakes_for(computed, cell), kind="output"
    )
    store, now = open_store(), time.time()
    lesson = model.ask(model.publish(model.start(code, model.new_secret()), setup), question)
    assert store.create(model.reveal(lesson), now)
    for answer in (13, 13, 13, 117, 117, 1):
        assert store.answer(code, 1, model.new_student(), answer, now)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_projector_fits_a_revealed_y_question(new_context, app_url, language):
    """At 1280x720 the projector shows the answers (chart, common wrong answers, the window's
    mean) and both grids of a revealed question about y, x and y, without scrolling."""
    from classroom.model import new_code

    code = new_code()
    _revealed_y_question(code)
    projector = new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(f"{app_url}/live_class?class={code}&view=projector&present=1&lang={language}")
    wait_for_app(projector, fresh=True)
    projector.locator('[data-testid="stPlotlyChart"]').wait_for(timeout=15_000)
    wait_for_alert(projector, "(7 + 8 + 9 + 12 + 13 + 14 + 17 + 18 + 19) / 9")
    wait_for_grids(projector, 2)
    boxes = [_settled_box(projector.locator(GRID).nth(index)) for index in (0, 1)]  # x, y
    for answers in ("stPlotlyChart", "stAlert"):  # the chart, the window's mean
        boxes.append(projector.locator(f'[data-testid="{answers}"]').first.bounding_box())
    screenshot(projector, f"class-projector-reveal-y-only-1280x720-{language}")
    assert max(box["y"] + box["height"] for box in boxes) <= 720 + 1, boxes
    assert projector.locator('[data-testid="stException"]').count() == 0


def test_a_following_student_hears_a_change_with_no_timer_ticking(new_context, app_url):
    """A student's tab runs nothing while the class does not change: every message it sends
    over its websocket is read, and none is a timer's rerun (``is_auto_rerun``); the
    teacher's change still reaches it, by the class's events stream (ui/class_listener.js)."""
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class")
    teacher.goto(f"{app_url}/?class={code}")
    wait_for_app(teacher, fresh=True)
    student = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sent = []
    student.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    student.goto(f"{app_url}/?class={code}")
    wait_for_app(student, fresh=True)
    _grids_printed(student, 3, {"0.25"})  # the classic 4x4
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(teacher, fresh=True)
    _grids_printed(student, 3, {"1/9", "2/9", "1/3", "4/9", "2/3", "1"})
    reruns = [message.rerun_script for message in map(_back_message, sent) if message.HasField("rerun_script")]
    assert reruns and not [rerun for rerun in reruns if rerun.is_auto_rerun], reruns
    assert student.locator('[data-testid="stException"]').count() == 0


def test_a_following_students_grids_change_from_the_push_before_its_page_reruns(new_context, app_url):
    """The teacher's change redraws a following student's grids from the view pushed on the
    class's events stream (classroom/followed.py, ui/class_listener.js), with the student's
    rerun held back on its way to the server: no run of the student's page drew them. Let
    through, the rerun makes the rest of the page consistent (the teacher's setup in the sidebar)."""
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class")
    teacher.goto(f"{app_url}/?class={code}")
    wait_for_app(teacher, fresh=True)
    student = new_context(viewport={"width": 1280, "height": 800}).new_page()
    held, holding = _holding_reruns(student)  # the student's reruns held while `holding`
    student.goto(f"{app_url}/?class={code}")
    wait_for_app(student, fresh=True)
    _grids_printed(student, 3, {"0.25"})  # the classic 4x4
    setup = student.locator(".st-key-class_teacher_setup")  # the teacher's setup, as the page drew it
    assert "Kernel size: 2" in setup.inner_text()
    holding.append(True)
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(teacher, fresh=True)
    _grids_printed(student, 3, {"1/9", "2/9", "1/3", "4/9", "2/3", "1"})  # from the push alone
    pushed = student.locator(".grids").first.get_attribute("data-pushed")
    assert pushed and pushed.isdigit(), pushed
    assert "Kernel size: 2" in setup.inner_text()  # the page itself has not run again
    holding.clear()
    for server, message in held:
        server.send(message)
    student.wait_for_function(
        "() => document.querySelector('.st-key-class_teacher_setup')?.innerText.includes('Kernel size: 3')"
    )
    _grids_printed(student, 3, {"1/9", "2/9", "1/3", "4/9", "2/3", "1"})
    assert student.locator('[data-testid="stException"]').count() == 0


def _address(page) -> dict[str, str]:
    """The view the tab's address names (not the class's parameters)."""
    from urllib.parse import parse_qsl, urlsplit

    return {key: value for key, value in parse_qsl(urlsplit(page.url).query) if key not in ("class", "key")}


def test_a_following_students_address_names_the_view_through_explore_follow_and_back(new_context, app_url):
    """A following student's sidebar draws no control, yet its address names the teacher's
    view (a copied link, Back). Exploring draws the controls at the teacher's values, the
    address unchanged; a page link, then Back, brings that view back; following again brings
    the block back and, with the listener's next run, the view into the address (the run
    that stopped drawing the controls could not write what Streamlit still bound to them)."""
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class")
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5&ceil_mode=true")
    wait_for_app(teacher, fresh=True)
    view = {"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5", "ceil_mode": "true"}
    student = new_context(viewport={"width": 1280, "height": 800}).new_page()
    student.goto(f"{app_url}/?class={code}")
    wait_for_app(student, fresh=True)
    student.wait_for_function("() => location.search.includes('kernel_h=3')")
    assert _address(student) == view and student.locator(".st-key-kernel_h").count() == 0
    assert "ceil_mode: true" in student.locator(".st-key-class_teacher_setup").inner_text()

    student.locator(".st-key-class_explore_sidebar button").click()
    kernel = student.locator(".st-key-kernel_h input[type='range']")
    kernel.wait_for()
    wait_for_app(student)
    assert kernel.input_value() == "3" and student.locator(".st-key-stride_h input").input_value() == "1"
    assert student.locator(".st-key-ceil_mode input").is_checked() and _address(student) == view
    student.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').nth(4).click()  # the Quiz
    student.wait_for_url(re.compile(r"/quiz"), timeout=PATIENCE_MS)
    wait_for_app(student)
    student.go_back()
    wait_for_app(student)
    student.wait_for_function("() => !location.pathname.includes('quiz')")
    kernel.wait_for()
    wait_for_app(student)
    assert kernel.input_value() == "3" and _address(student) == view, student.url

    student.locator(".st-key-class_follow button").click()
    student.locator(".st-key-class_teacher_setup").wait_for()
    student.wait_for_function("() => location.search.includes('kernel_h=3')", timeout=PATIENCE_MS)
    wait_for_app(student)
    assert _address(student) == view and student.locator(".st-key-kernel_h").count() == 0
    assert student.locator('[data-testid="stException"]').count() == 0


def _holding_reruns(page) -> tuple[list, list]:
    """Hold the page's reruns on their way to the server while the returned ``holding`` list
    is not empty; ``release(held)`` sends them. What the tab shows meanwhile came by push."""
    held, holding = [], []

    def route(socket) -> None:
        server = socket.connect_to_server()

        def to_server(message) -> None:
            if holding and isinstance(message, bytes) and _back_message(message).HasField("rerun_script"):
                held.append((server, message))
            else:
                server.send(message)

        socket.on_message(to_server)

    page.route_web_socket(re.compile(r".*/_stcore/stream"), route)
    return held, holding


def _clicked(message: bytes) -> list[str]:
    """The grid components' clicks (trigger values) a held rerun carries."""
    states = _back_message(message).rerun_script.widget_states.widgets
    return [state.id for state in states if "grids" in state.id and state.WhichOneof("value").endswith("trigger_value")]


def _release(held: list, holding: list) -> None:
    holding.clear()
    for server, message in held:
        server.send(message)
    held.clear()


def _pushed_prompt(page, expected: str) -> list[str]:
    """Wait until the class's pushed prompt (ui/class_listener.js) shows ``expected``; its
    lines, and that they are text: no element in it but its paragraphs."""
    box = page.locator(".st-key-class_listener .class-pushed")
    box.filter(has_text=expected).wait_for(timeout=30_000)
    assert box.evaluate("box => [...box.querySelectorAll('*')].every(child => child.tagName === 'P')")
    return box.locator("p").all_inner_texts()


def test_a_question_and_its_reveal_reach_a_following_student_by_push_without_the_answer(new_context, app_url):
    """A question's grids and prompt, then its answer, are drawn in a following student's tab
    from the views pushed on its events stream (classroom/followed.py), its reruns held back:
    no run of its page drew them. The question's view has no ∂L/∂x and says no answer; let
    through, the rerun brings the answer form, and the page's own prompt replaces the pushed one."""
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class")
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(teacher, fresh=True)
    student = new_context(viewport={"width": 1280, "height": 800}).new_page()
    held, holding = _holding_reruns(student)
    student.goto(f"{app_url}/?class={code}")
    wait_for_app(student, fresh=True)
    _grids_printed(student, 3, {"1/9", "2/9", "1/3", "4/9", "2/3", "1"})
    drawn = int(student.locator(".grids").first.get_attribute("data-drawn"))

    holding.append(True)
    teacher.goto(f"{app_url}/live_class?class={code}")
    wait_for_app(teacher, fresh=True)
    teacher.locator(".st-key-class_ask_pick button").click()
    wait_for_app(teacher)
    lines = _pushed_prompt(student, "Question 1: what is ∂L/∂x[")
    screenshot(student, "class-pushed-question")
    assert lines[1] == "nn.AvgPool2d(kernel_size=3, stride=1) on a 5×5 input, loss = y.sum()", lines
    wait_for_grids(student, 3)  # x, y, ∂L/∂y, in the Playground's component: no ∂L/∂x
    grids = student.locator(".grids").first
    assert int(grids.get_attribute("data-drawn")) > drawn and grids.get_attribute("data-pushed").isdigit()
    assert "answer" not in " ".join(lines).lower() and student.locator(".st-key-class_answer").count() == 0
    # A click on the pushed grids is not sent to the Playground, whose explanation would say ∂L/∂x.
    click_cell(student, 0, 1, 1, wait=False)
    student.wait_for_function(
        "() => !!document.querySelector('.st-key-playground_grids [data-testid=stBidiComponentIsolated]')"
        "?.shadowRoot.querySelector('.grids')?.dataset.selectedAt"
    )
    student.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    clicks = [_clicked(message) for _, message in held]
    assert not any(clicks), clicks
    _release(held, holding)
    student.locator(".st-key-class_answer input").wait_for(timeout=30_000)  # the page's rerun: the form
    wait_for_app(student)
    assert student.locator(".st-key-class_listener .class-pushed").is_hidden()  # the page says it now

    holding.append(True)
    teacher.locator(".st-key-class_reveal button").click()
    wait_for_app(teacher)
    lines = _pushed_prompt(student, "The answer: ")
    wait_for_grids(student, 4)  # ∂L/∂x too, once revealed
    assert student.locator(".st-key-class_answer input").count() == 1  # the page has not run again
    _release(held, holding)
    student.locator(".st-key-class_answer").wait_for(state="detached", timeout=30_000)
    assert student.locator('[data-testid="stException"]').count() == 0


def test_a_student_playing_step_by_step_follows_the_teacher_to_the_playground(new_context, app_url):
    """Step by step's Play is a timer in the browser (ui/replay_ticker.js), halted by the
    class's listener before it asks for the run that switches the page: a following student
    who plays when the teacher moves the class to the Playground lands there, whole, and
    sends no replay step behind that run (a step sent from Step by step after a switch would
    take the tab back; docs/decisions/0002). No message is a timer's (``is_auto_rerun``)."""
    teacher = new_context(viewport={"width": 1400, "height": 900}).new_page()
    code = start_class(teacher, f"{app_url}/live_class")
    teacher.goto(f"{app_url}/step_by_step?class={code}")
    wait_for_app(teacher, fresh=True)
    student = new_context(viewport={"width": 1280, "height": 800}).new_page()
    sent = []
    student.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    student.goto(f"{app_url}/?class={code}&speed=4")
    student.locator(".st-key-step_play button").wait_for(timeout=60_000)  # taken to Step by step
    wait_for_app(student)
    student.locator(".st-key-step_play button").click()
    student.get_by_role("button", name="Pause").wait_for()
    student.wait_for_function("() => Number(document.querySelector('.st-key-step input[type=range]')?.value) > 0")
    teacher.goto(f"{app_url}/?class={code}&kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(teacher, fresh=True)
    _grids_printed(student, 3, {"1/9", "2/9", "1/3", "4/9", "2/3", "1"})  # the Playground's ∂L/∂x
    wait_for_app(student)
    assert "step_by_step" not in student.url and student.locator(GRID).count() == 4, student.url
    reruns = [message.rerun_script for message in map(_back_message, sent) if message.HasField("rerun_script")]
    steps = [i for i, rerun in enumerate(reruns) if rerun.fragment_id]  # the replay's steps
    heard = [i for i, rerun in enumerate(reruns) if any("class_listener" in w.id for w in rerun.widget_states.widgets
                                                         if w.HasField("json_trigger_value"))]  # fmt: skip
    assert steps and heard and max(steps) < max(heard), (steps, heard)
    assert not [rerun for rerun in reruns if rerun.is_auto_rerun]
    assert student.locator('[data-testid="stException"]').count() == 0


def _back_message(frame):
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode("latin-1"))
    return message


def test_a_cookie_token_sets_its_cookies_httponly_once(app_url):
    """classroom/cookies.py: a token left in the store sets its cookies (HttpOnly, SameSite=
    Strict) once; used again, it is refused with a message."""
    import json

    import requests

    open_store().hand_over("a-test-token", json.dumps({"avgpool_student": "s" * 22}), 60, time.time())
    first = requests.post(f"{app_url}/class/cookie", data="a-test-token", timeout=30)
    assert first.status_code == 204
    assert first.headers["set-cookie"] == (
        f"avgpool_student={'s' * 22}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict"
    )
    again = requests.post(f"{app_url}/class/cookie", data="a-test-token", timeout=30)
    assert again.status_code == 400 and "reload the page" in again.text


HALT_PAGE = """
window.triggers = [];
window.sources = [];
window.EventSource = class { constructor(url) { window.sources.push(this); } addEventListener() {} close() {} };
const load = (code) => import("data:text/javascript," + encodeURIComponent(code));
window.mount = async (listenerJs, tickerJs) => {
  const [listener, ticker] = [(await load(listenerJs)).default, (await load(tickerJs)).default];
  const record = (who) => (event, value) => window.triggers.push([who, event, String(value)]);
  const [listenerRoot, tickerRoot] = [document.createElement("div"), document.createElement("div")];
  listener({ data: { path: "http://127.0.0.1/class/events?class=HQCMT", drawn: "3" }, parentElement: listenerRoot,
             setTriggerValue: record("listener") });
  window.tick = (step, epoch) => ticker({ data: { playing: true, step, interval_ms: 250, epoch },
                                           parentElement: tickerRoot, setTriggerValue: record("ticker") });
  window.hear = (version) => window.sources[0].onmessage({ data: version });
};
true; // what the script gives back (a function would be called)
"""


def test_the_class_listener_halts_the_replay_before_it_asks_for_a_run(new_context):
    """ui/class_listener.js and ui/replay_ticker.js in Chromium, on a clock the test drives: the
    replay steps every interval; once the listener hears a change it halts the replay, then asks
    for its run, and no step follows, however long; a render of the same whole run keeps it
    halted; the page's next whole run (a new epoch) plays on."""
    from harness.server import REPO

    page = new_context().new_page()
    page.clock.install(time=0)
    page.set_content("<html><body></body></html>")
    page.clock.pause_at(60_000)  # from here time moves only by run_for: no step fires between two calls
    page.evaluate(HALT_PAGE)
    page.evaluate(
        "([a, b]) => window.mount(a, b)",
        [(REPO / "ui" / name).read_text() for name in ("class_listener.js", "replay_ticker.js")],
    )
    page.evaluate("() => window.tick(1, 7)")
    page.clock.run_for(250)
    page.evaluate("() => window.tick(2, 7)")  # the step's run drew step 2
    page.clock.run_for(100)
    page.evaluate("() => window.hear('4')")  # the teacher's change
    page.clock.run_for(10_000)
    page.evaluate("() => window.tick(2, 7)")  # a late render of the same whole run
    page.clock.run_for(10_000)
    before = page.evaluate("() => window.triggers")
    page.evaluate("() => window.tick(2, 8)")  # the page's next whole run
    page.clock.run_for(250)
    after = page.evaluate("() => window.triggers")
    assert before == [["ticker", "tick", "1"], ["listener", "heard", "4"]], before
    assert after[len(before) :] == [["ticker", "tick", "2"]], after
