"""The lesson mode of bench_live_class.py (issue 30's speed line: the figures of the live
class on push hold with a deck and a second vote):

    python benchmarks/bench_live_class.py --deck classic --peer --students 200

The same deployment as bench_live_class.py (nginx, two replicas, Redis; every tab a protocol
client doing what the browser does: the websocket, the class's events stream, one rerun per
newer state heard, within ``RERUN_SPREAD`` when its view was pushed). The teacher's tab stays
on the Live class cockpit, picks a built-in deck and starts it, then steps through it with
Next. At each step with a question it asks it, and with ``--peer`` runs peer instruction: the
students answer vote 1 with a confidence within ``--window`` seconds (a choice question by its
radio, a number typed), the teacher opens the discussion, puts one wrong answer on the
projector, opens vote 2, the students answer again (most now the right answer), the teacher
reveals. Without ``--peer``: one vote, then the reveal.

What is timed, from the teacher's button to each tab (the class's N students and projector):
- Next (the deck's start included): the step's grids (the pushed view of the new version,
  drawn at once by ui/class_listener.js), the whole page (a whole run whose listener says it
  drew that version), the projector's page;
- the question and the reveal: the pushed view (its prompt; the answer), the whole page (the
  answer form; the verdict), the projector's page (its title; the results);
- the discussion and vote 2: the pushed view (its phase's line), a student's whole page, the
  projector's page; the wrong answer shown: the projector's page (students are shown nothing
  of it);
- the cockpit's count: from the last answer of each vote stored (Redis polled every 5 ms) to
  the teacher's class bar counting every answer;
- idle: the replicas' CPU with the deck at its first step, against the floor app's tabs over
  the same seconds (bench_live_class.Floor); tabs that stopped following after each phase;
  tracebacks in the replicas' logs and exceptions on the tabs' pages.

The baseline, measured in the same run: the same lesson with a class of one student and one
projector. Goals: issue 27's figures (grids p95 <= 1.0 s, the whole page p95 <= 3 s, what a
student or the projector sees first of a question, a discussion, vote 2 or a reveal p95 <= 1.0 s,
the count within 0.5 s of the last answer, idle <= 5 % of a core, none stalled).

bench_live_class.py's ``main`` imports this module once it has registered itself under its
own name, so ``import bench_live_class`` here is that running module, not a second copy.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
from collections import defaultdict

import bench_live_class as live
from streamlit.proto.WidgetStates_pb2 import WidgetState

from classroom.choices import choice_labels, choice_order
from classroom.deck import Deck, stored_deck, words
from classroom.deck_library import BUILT_IN
from classroom.model import Question
from classroom.store import RedisStore
from scenario.numbers import exact_text

__all__ = ["lesson", "print_lesson"]

STUDENT_QUESTION = "#### Question "  # a student's page with the question (class.question)
PROJECTOR_QUESTION = ". What is "  # the projector's title during a question (class.projector_question)
DISCUSS = "Discuss with your neighbour"  # a student's and the projector's page (peer.discuss_*)
SHOWN = "An answer from the class:"  # the projector's, a wrong answer on show (peer.shown_projector)
VOTE2 = "**Vote 2:**"  # a student's and the projector's page once vote 2 opens (peer.vote2_*)
PUSHED_DISCUSS, PUSHED_VOTE2 = "Discuss with your neighbour:", "Vote 2: answer"  # the pushed view (class.pushed_*)
RIGHT_IN_VOTE2 = 0.7  # the share of the class that answers right in vote 2 (the rest: a wrong answer)
GOAL_GRIDS, GOAL_PAGE, GOAL_SEEN, GOAL_COUNT, GOAL_IDLE = 1.0, 3.0, 1.0, 0.5, 0.05  # issue 27
TRACEBACK = "Traceback (most recent call last)"


class Lesson:
    """One class's run of the deck: each phase's arrivals by what reached whom, the count's lags."""

    def __init__(self, room: live.Room, deck: Deck, args, rng: random.Random) -> None:
        self.room, self.deck, self.args, self.rng = room, deck, args, rng
        self.times: dict[str, list[float]] = defaultdict(list)
        self.missed: dict[str, int] = defaultdict(int)
        self.counts: dict[int, list[float]] = {1: [], 2: []}  # by vote: the last answer stored to counted
        self.stalled = 0
        self.answered = self.sent = 0
        self.others = 0.0  # what the machine's other processes spent meanwhile, share of a core
        self.exceptions = 0  # exceptions drawn on the class's pages
        self.restarts = 0  # the deck picked and started again: another had started (``_start``)

    async def _act(self, name: str, button: str, view: str | None = None, page=(), projector=()) -> None:
        """The teacher presses ``button``; when it reaches each student (its pushed view holding
        ``view`` and its whole page: ``page``'s texts, or none: a newer version drawn) and the
        projector (``projector``'s texts, or a newer version drawn)."""
        room, teacher = self.room, self.room.teacher
        before = await room.version()
        waits: dict[str, list[asyncio.Future]] = {}
        if view is not None:
            waits["view"] = [student.expect_view_after(before, view) for student in room.students]
        waits["page"] = [_page(student, page, before) for student in room.students]
        waits["projector"] = [_page(tab, projector, before) for tab in room.projectors]
        start = time.perf_counter()
        await live._whole_run(teacher, teacher.state(button, trigger_value=True))
        results = await asyncio.gather(*(_arrivals(futures, start) for futures in waits.values()))
        for part, (times, missed) in zip(waits, results):
            self.times[f"{name}: {part}"] += times
            self.missed[f"{name}: {part}"] += missed
        self.stalled += await live._stalled(room)

    async def _pause(self) -> None:
        """The teacher talks: every rerun of the last change (within RERUN_SPREAD) is over."""
        await asyncio.sleep(self.rng.uniform(self.args.pause, self.args.pause + 1.0))

    async def run(self, after_start=None) -> None:
        """Start the deck on the cockpit, then each step: its question, then Next."""
        teacher = self.room.teacher
        teacher.page = "live_class"  # the cockpit, where the deck is
        await live._whole_run(teacher)
        await self._start()
        if after_start is not None:
            await after_start(self.room)
        for index, step in enumerate(self.deck.steps):
            if step.question is not None:
                await self._pause()
                await self._question()
            if index + 1 < len(self.deck.steps):
                await self._pause()
                await self._act("next", "class_deck_next", "")

    async def _start(self, tries: int = 3) -> None:
        """Pick the deck and start it; the deck the class is on is checked in the store, and
        picked and started again if it is another. Once in five smoke runs the first deck of
        the picker started instead (the start button's callback takes the deck picked in the
        run that drew it; which run drew it then is not known): said as an error when it lasts."""
        teacher, title = self.room.teacher, words(self.deck.title, "en")
        for _ in range(tries):
            await live._whole_run(teacher, teacher.state("class_deck_pick", string_value=title))
            await self._act("next", "class_deck_start", "")  # the step's grids: any newer view
            if await self._on_deck():
                return
            self.restarts += 1
        self.room.errors.append(f"the cockpit did not start the deck {title!r} in {tries} tries")

    async def _on_deck(self, within: float = 5.0) -> bool:
        """Whether the store has the class on this deck within ``within`` seconds (polled)."""
        store, deadline = RedisStore(self.room.address), time.perf_counter() + within
        while time.perf_counter() < deadline:
            lesson = await asyncio.to_thread(store.load, self.room.code, time.time())
            if lesson.deck is not None and stored_deck(lesson.deck).title == self.deck.title:
                return True
            await asyncio.sleep(0.1)
        return False

    async def _question(self) -> None:
        """Ask the step's question; vote (twice with peer instruction, a wrong answer shown
        during the discussion); reveal."""
        await self._act("question", "class_deck_ask", live.PUSHED_QUESTION, (STUDENT_QUESTION,), (PROJECTOR_QUESTION,))
        question = RedisStore(self.room.address).load(self.room.code, time.time()).question
        await self._vote(question, 1)
        if self.args.peer:
            await self._pause()
            await self._act("discuss", "class_discuss", PUSHED_DISCUSS, page=(DISCUSS,), projector=(DISCUSS,))
            await self._pause()
            shown = sorted(key for key in self.room.teacher.finished_keys if re.fullmatch(r"class_show_\d+", key))
            if shown:
                await self._act("one wrong answer shown", shown[0], projector=(SHOWN,))
            else:
                self.room.errors.append("the cockpit offered no wrong answer to show")
            await self._pause()
            await self._act("vote 2", "class_vote_again", PUSHED_VOTE2, page=(VOTE2,), projector=(VOTE2,))
            await self._vote(question, 2)
        await self._pause()
        await self._act("reveal", "class_reveal", live.PUSHED_ANSWER, live.VERDICTS, (live.RESULTS,))

    async def _vote(self, question: Question, vote: int) -> None:
        """Every student answers within the window, with a confidence; the cockpit's count."""
        room, teacher = self.room, self.room.teacher
        key = RedisStore(room.address)._answers_key(room.code, question.number, vote)
        teacher.counts.clear()
        sent: list[float] = []

        async def answer(student: live.Follower, first: bool) -> None:
            await asyncio.sleep(self.rng.uniform(0, self.args.window))
            student.page, student.query = "live_class", student.location  # where the browser is now
            right = None if vote == 1 and not first else vote == 2 and self.rng.random() < RIGHT_IN_VOTE2
            try:
                states = _answer(student, question, room.code, right, self.rng)
            except KeyError:
                room.errors.append(f"a student has no answer form in vote {vote}")
                return
            await student.send(*states)
            sent.append(time.perf_counter())

        begin = time.perf_counter()
        total = len(room.students)
        stored, _ = await asyncio.gather(
            live._stored(room, key, total, begin + self.args.window + 20),
            asyncio.gather(*(answer(student, index == 0) for index, student in enumerate(room.students))),
        )
        deadline = time.perf_counter() + 5
        while (not teacher.counts or teacher.counts[-1][1] < len(stored)) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        if stored:
            shown = [when for when, count in teacher.counts if count >= len(stored) and when >= stored[-1]]
            self.counts[vote].append(min(shown) - stored[-1] if shown else float("inf"))
        self.answered, self.sent = self.answered + len(stored), self.sent + len(sent)


def _page(tab: live.Follower, texts: tuple[str, ...], before: int) -> asyncio.Future:
    """A tab's whole run showing one of ``texts`` (none: drawing a version newer than ``before``)."""
    return tab.expect(*texts) if texts else tab.expect_drawn(before)


async def _arrivals(futures: list[asyncio.Future], start: float, timeout: float = 20) -> tuple[list[float], int]:
    """Seconds from ``start`` to each future's moment (a run's: its end), and how many never came."""
    done, pending = await asyncio.wait(futures, timeout=timeout) if futures else (set(), set())
    for future in pending:
        future.cancel()
    moments = [future.result() for future in done]
    return [(moment[0] if isinstance(moment, tuple) else moment) - start for moment in moments], len(pending)


def _radio(tab: live.Follower, key: str, label: str | None, rng: random.Random) -> WidgetState:
    """The radio ``key`` set to ``label`` (a random option when it is None or not shown), as
    the browser sends a radio: its option's text."""
    widget, options = tab.radios[key]
    return WidgetState(id=widget, string_value=label if label in options else rng.choice(options))


def _answer(tab: live.Follower, question: Question, code: str, right: bool | None, rng: random.Random):
    """What a student's Send sends: a choice picked or a number typed, how sure, the button.
    ``right``: the right answer (True), a wrong one (False: the class's first student in vote 1,
    so that the cockpit has a wrong answer to show, a class of one too), any (None)."""
    sure = _radio(tab, "class_sure", None, rng)
    wrong = [m.value for m in question.mistakes] or [question.truth + 1]
    if question.choices:
        order = choice_order(question, code)
        labels = dict(zip(order, choice_labels(order)))
        pick = {True: question.choices[0], False: question.choices[-1], None: rng.choice(order)}[right]
        picked = _radio(tab, f"class_choice_{question.number}", labels[pick], rng)
    else:
        values = {True: [question.truth], False: wrong, None: [question.truth, *wrong, 1.0, 0.5]}[right]
        typed = exact_text(rng.choice(values)).removeprefix("≈")
        picked = tab.state("class_answer", string_value=typed)
    return [picked, sure, tab.state(live.SEND, trigger_value=True)]


async def _class(proxy: str, address: str, pids: list[int], students: int, deck: Deck, args, after=None):
    room = live.Room(proxy, address, pids)
    await room.start("")
    await room.join(students, projectors=args.projectors)
    lesson = Lesson(room, deck, args, random.Random(30))
    with live.Others() as others:
        await lesson.run(after)
    lesson.others = others.share
    lesson.exceptions = sum(tab.exceptions for tab in room.tabs)
    await live._end(room)
    await room.close()
    return lesson


async def _lesson_part(proxy: str, address: str, pids: list[int], others: list[int], floor, deck: Deck, args) -> dict:
    """The lesson with one student and one projector (the baseline), then with the class; the
    class idle (its deck at the first step) beside the floor's tabs over the same seconds."""
    baseline = await _class(proxy, address, pids, 1, deck, args)
    out: dict = {"baseline": baseline}

    async def idle(room: live.Room) -> None:
        out["floor_memory"] = await floor.open(len(room.tabs))
        out["idle"], out["floor_idle"] = await asyncio.gather(
            live._idle(pids, others, room.tabs, args.idle), live._idle(floor.pids, floor.others, floor.tabs, args.idle)
        )
        await floor.close()
        room.errors += floor.errors

    out["class"] = await _class(proxy, address, pids, args.students, deck, args, idle)
    return out


def _tracebacks(replicas: list[str]) -> tuple[int, str]:
    """Tracebacks in the replicas' logs, and the last line of the first one."""
    count, first = 0, ""
    for url in replicas:
        lines = (live.ARTIFACTS / f"streamlit-{url.rsplit(':', 1)[1]}.log").read_text(errors="replace").splitlines()
        for index, line in enumerate(lines):
            if TRACEBACK in line:
                count += 1
                after = [text for text in lines[index + 1 : index + 60] if text and not text.startswith(" ")]
                first = first or (after[0] if after else "?")
    return count, first


def _cell(values: list[float], missed: int) -> str:
    if not values:
        return f"none ({missed} missed)" if missed else "–"
    text = f"{statistics.median(values):.2f} / {live._pct(values, 0.95):.2f} / {max(values):.2f}"
    return text + (f" ({missed} missed)" if missed else "")


ROWS = (  # (the row, its key in Lesson.times, its goal on the p95, what the goal says)
    ("Next: the step's grids reach each student (pushed view)", "next: view", GOAL_GRIDS, "grids"),
    ("Next: each student's whole page", "next: page", GOAL_PAGE, "whole page"),
    ("Next: the projector's page", "next: projector", GOAL_PAGE, "whole page"),
    ("the question reaches each student (pushed view: grids, prompt)", "question: view", GOAL_SEEN, "seen first"),
    ("... each student's whole page (the answer form)", "question: page", GOAL_PAGE, "whole page"),
    ("... the projector (its page: the title)", "question: projector", GOAL_SEEN, "seen first"),
    ("discuss reaches each student (pushed view: the phase)", "discuss: view", GOAL_SEEN, "seen first"),
    ("... each student's whole page", "discuss: page", GOAL_PAGE, "whole page"),
    ("... the projector", "discuss: projector", GOAL_SEEN, "seen first"),
    ("one wrong answer shown: the projector", "one wrong answer shown: projector", GOAL_SEEN, "seen first"),
    ("vote 2 reaches each student (pushed view: the phase)", "vote 2: view", GOAL_SEEN, "seen first"),
    ("... each student's whole page (the answer form)", "vote 2: page", GOAL_PAGE, "whole page"),
    ("... the projector", "vote 2: projector", GOAL_SEEN, "seen first"),
    ("the reveal reaches each student (pushed view: the answer)", "reveal: view", GOAL_SEEN, "seen first"),
    ("... each student's whole page (the verdict)", "reveal: page", GOAL_PAGE, "whole page"),
    ("... the projector (its page: the results)", "reveal: projector", GOAL_SEEN, "seen first"),
)


def _goal(values: list[float], missed: int, goal: float, what: str) -> str:
    met = values and live._pct(values, 0.95) <= goal and not missed
    return f"{what} p95 ≤ {goal:g} s: {'met' if met else '**NOT met**'}"


def print_lesson(out: dict, args, deck: Deck, replicas: list[str]) -> None:
    base, klass = out["baseline"], out["class"]
    name = f"{len(klass.room.students)} + {len(klass.room.projectors)}"
    print(
        f"| the deck `{args.deck}` ({len(deck.steps)} steps), {'peer instruction' if args.peer else 'one vote'}; "
        f"p50 / p95 / max (s) | 1 + 1 (baseline) | {name} | arrivals | goal (issue 27) |"
    )
    print("|---|---:|---:|---:|---|")
    for label, key, goal, what in ROWS:
        if key not in klass.times and key not in klass.missed:
            continue
        times, missed = klass.times[key], klass.missed[key]
        print(
            f"| {label} | {_cell(base.times[key], base.missed[key])} | {_cell(times, missed)} "
            f"| {len(times)} of {len(times) + missed} | {_goal(times, missed, goal, what)} |"
        )
    for vote in (1, 2) if args.peer else (1,):
        lags = klass.counts[vote]
        met = lags and max(lags) <= GOAL_COUNT
        print(
            f"| the last answer of vote {vote} stored to the cockpit's count, each question (s) "
            f"| {', '.join(f'{lag:.2f}' for lag in base.counts[vote])} | {', '.join(f'{lag:.2f}' for lag in lags)} "
            f"| {len(lags)} votes | ≤ {GOAL_COUNT} s: {'met' if met else '**NOT met**'} |"
        )
    idle, floor = out["idle"], out["floor_idle"]
    print(
        f"| idle, the deck open: the replicas' CPU, % of a core (floor: as many bare tabs ticking every "
        f"{live.FLOOR_TICK:g} s) | floor {100 * floor['cpu']:.1f} % | {100 * idle['cpu']:.1f} % "
        f"| {args.idle:g} s, {len(klass.room.tabs)} tabs "
        f"| ≤ {100 * GOAL_IDLE:.0f} %: {'met' if idle['cpu'] <= GOAL_IDLE else '**NOT met**'} |"
    )
    stalled = klass.stalled
    print(
        f"| tabs that stopped following (after each phase) | {base.stalled} | {stalled} "
        f"| {len(klass.room.tabs)} tabs | 0: {'met' if not stalled else '**NOT met**'} |"
    )
    tracebacks, first = _tracebacks(replicas)
    print(
        f"| tracebacks in the replicas' logs (the whole run); exceptions on the tabs' pages "
        f"| {base.exceptions} on the pages | {tracebacks}; {klass.exceptions} on the pages "
        f"| both replicas | 0: {'met' if not tracebacks and not klass.exceptions else '**NOT met**'} |"
    )
    print(
        f"\nAnswers stored {klass.answered} of {klass.sent} sent; other processes' CPU during the lesson: "
        f"{100 * klass.others:.0f} % of a core (the baseline's: {100 * base.others:.0f} %)."
    )
    errors = base.room.errors + klass.room.errors
    print(f"Errors: {len(errors)}; the deck started again after another had: {base.restarts + klass.restarts} times.")
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")
    if first:
        print(f"  the first traceback ends: {first}")


def lesson(proxy: str, address: str, pids: list[int], others: list[int], floor, args) -> dict:
    """The lesson mode, run on the deployment bench_live_class.py's main started."""
    return asyncio.run(_lesson_part(proxy, address, pids, others, floor, BUILT_IN[args.deck], args))
