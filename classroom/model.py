"""A live class as plain data with pure transitions: no Streamlit, no storage.

A teacher starts a ``Lesson`` (a short code, a secret only the teacher holds); students join
with the code and follow the teacher's ``Setup`` (the page, the sidebar's values, the typed
grids, the cell explained). The teacher asks a ``Question`` (a cell's ∂L/∂x or y, graded by the
quiz's rule, ``scenario.quiz.is_right``), students answer until the teacher reveals, and the
class's answers are tallied, each wrong answer matched to the mistake that most likely gave it.

Answers and who is following are not in the ``Lesson``: sixty students write them at once,
so the store keeps them apart (``classroom.store``), one entry per student.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field, replace

from pooling import avg_backward, avg_forward
from scenario.compute import Computed
from scenario.numbers import exact_text
from scenario.quiz import is_right

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "IDLE_EXPIRY",
    "Confidence",
    "Lesson",
    "Mistake",
    "Question",
    "Seat",
    "Setup",
    "Tally",
    "accepting",
    "all_questions",
    "answer_hidden",
    "ask",
    "cell_name",
    "client_address",
    "close_answers",
    "confidence",
    "discuss",
    "end",
    "explore",
    "follow",
    "go_to_step",
    "join_key",
    "mistakes_for",
    "moves",
    "new_code",
    "new_secret",
    "new_student",
    "next_question",
    "normalized_code",
    "open_deck",
    "output_mistakes_for",
    "pause",
    "prepare",
    "publish",
    "question_open",
    "reveal",
    "show_answer",
    "stamped",
    "start",
    "tally",
    "teacher_digest",
    "teacher_may",
    "took",
    "valid_student",
    "vote_again",
]

# Five letters that cannot be confused with a digit or each other (no B 8, I L 1, O 0, S 5,
# Z 2): 20^5 = 3.2 million codes, with at most MAX_CLASSES in use on a server at a time.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 5
SECRET_BYTES = 16  # 128 bits: the teacher's secret
STUDENT_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")  # 16 random bytes, URL-safe base64
IDLE_EXPIRY = 3 * 3600  # seconds without a change before a class disappears
MAX_QUESTIONS = 100  # questions a class can ask (the CSV and the lesson stay small)
MAX_TALLIED = 5  # the most common wrong answers shown on the projector

Cell = tuple[int, int]
CELLS_NAMES = {"feeds": "x → y[{row}, {col}]", "sends": "∂L/∂y → ∂L/∂x[{row}, {col}]", "nothing": "∂L/∂x = 0"}


def new_code() -> str:
    """A random class code: ``new_code()`` -> e.g. ``'HQCMT'``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    """The teacher's secret: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(SECRET_BYTES)


def new_student() -> str:
    """An anonymous student's identity: 128 random bits (a cookie keeps it across reloads)."""
    return secrets.token_urlsafe(16)


def valid_student(text: object) -> bool:
    """Whether a student identity read back from a browser has the shape ``new_student`` makes."""
    return isinstance(text, str) and STUDENT_PATTERN.fullmatch(text) is not None


def normalized_code(typed: object) -> str | None:
    """A typed class code in its canonical form, or None when it cannot be one.

    >>> normalized_code(" hq-cmt "), normalized_code("HQCM"), normalized_code("HQCMB")
    ('HQCMT', None, None)
    """
    if not isinstance(typed, str) or len(typed) > 40:
        return None
    code = re.sub(r"[\s-]", "", typed).upper()
    if len(code) != CODE_LENGTH or any(letter not in CODE_ALPHABET for letter in code):
        return None
    return code


def client_address(peer: str | None, forwarded_for: str, trusted: Collection[str]) -> str:
    """Who is asking, for the limits on starting classes: the connection's own address (``peer``; None is
    loopback, which Streamlit hides), or, only when that is a proxy named in ``trusted`` (its
    address or network), the address that proxy saw (the last of ``X-Forwarded-For``: the
    proxy appends its peer).

    >>> client_address("203.0.113.9", "10.0.0.1", ()), client_address("10.1.1.1", "6.6.6.6, 203.0.113.9", {"10.1.1.1"})
    ('203.0.113.9', '203.0.113.9')
    >>> client_address(None, "6.6.6.6", ()), client_address(None, "203.0.113.9", {"127.0.0.1"})
    ('127.0.0.1', '203.0.113.9')
    """
    address = peer or "127.0.0.1"
    if not any(_within(known, proxy) for known in ({address} if peer else {"127.0.0.1", "::1"}) for proxy in trusted):
        return address
    return forwarded_for.split(",")[-1].strip() or address


def _within(address: str, proxy: str) -> bool:
    """Whether ``address`` is the proxy ``proxy`` names: an address, or a network (10.0.0.0/8)."""
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(proxy, strict=False)
    except ValueError:
        return address == proxy


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def teacher_digest(secret: str) -> str:
    """What the store keeps of a teacher's secret (a lesson's ``teacher``, a report's owner)."""
    return _digest(secret)


@dataclass(frozen=True)
class Setup:
    """What every following student sees: the page (its address, "" for the start page), the
    sidebar's values by key (``scenario.params.DEFAULTS``), the typed grids as a link carries
    them (``x``, ``grad``: ``scenario.typed_grid.encode_grid``) and the cell explained
    (``x-2-2``, ``y-0-1``, or None)."""

    page: str = ""
    controls: Mapping[str, object] = field(default_factory=dict)
    typed: Mapping[str, str] = field(default_factory=dict)
    explain: str | None = None


@dataclass(frozen=True)
class Mistake:
    """A wrong answer the app can explain: the value it gives, and the catalogue key
    (``class.mistake_<key>``) that says what most likely happened."""

    value: float
    key: str


@dataclass(frozen=True)
class Question:
    """The question asked: a cell of ∂L/∂x (``kind`` "grad_input") or of y ("output") on the
    setup shown when it was asked, its exact value (``truth``), the explanation of that value
    (the sum of shares, or the window's mean, in each language), the mistakes that give
    other values, and, when it is asked as a choice, the values offered (none: a typed number)."""

    number: int
    setup: Setup
    cell: Cell
    truth: float
    explanation: Mapping[str, str] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()
    revealed: bool = False
    kind: str = "grad_input"
    choices: tuple[float, ...] = ()  # asked as a choice: the values offered, the right one first (classroom/choices.py)
    # Peer instruction and the teacher's control of the answers (pure transitions below).
    vote: int = 1  # the vote being taken: 1, or 2 after the discussion
    discussing: bool = False  # vote 1 is closed and the class discusses it (nothing shown)
    closed: bool = False  # the teacher closed the answers of this vote
    closes_at: float | None = None  # the store's time at which this vote closes (a countdown)
    shown: str | None = None  # the wrong answer (its label) on the projector for discussion
    # When (the store's time) it was asked, its answers last closed, it was revealed: ``stamped``.
    asked_at: float | None = None
    closed_at: float | None = None
    revealed_at: float | None = None
    # A "which cells" question (kind "feeds", "sends" or "nothing": classroom/cells.py): the
    # right set, the misconceptions' sets by key, and the shape of the grid the class taps.
    cells: tuple[Cell, ...] = ()
    cell_mistakes: tuple[tuple[str, tuple[Cell, ...]], ...] = ()
    grid: tuple[int, int] = (0, 0)

    @property
    def target(self) -> str:
        """What is asked, as the app writes it: ``∂L/∂x[2, 2]`` or ``y[0, 1]``."""
        return cell_name(self.kind, self.cell)


def cell_name(kind: str, cell: Cell) -> str:
    """A question's cell as the app writes it (``kind`` "output": a cell of y; a "which cells"
    question: the cells asked for, by the grid they are tapped on).

    >>> cell_name("output", (0, 1)), cell_name("grad_input", (2, 2)), cell_name("feeds", (1, 1))
    ('y[0, 1]', '∂L/∂x[2, 2]', 'x → y[1, 1]')
    >>> cell_name("sends", (2, 3)), cell_name("nothing", (0, 0))
    ('∂L/∂y → ∂L/∂x[2, 3]', '∂L/∂x = 0')
    """
    if kind in CELLS_NAMES:
        return CELLS_NAMES[kind].format(row=cell[0], col=cell[1])
    return f"{'y' if kind == 'output' else '∂L/∂x'}[{cell[0]}, {cell[1]}]"


@dataclass(frozen=True)
class Lesson:
    """One class, as every session of it sees it. ``version`` grows with every change a
    following student must see (the setup, a question, a reveal, the end): sessions poll it.
    ``teacher`` is a digest of the teacher's secret, never the secret."""

    code: str
    teacher: str
    version: int = 1
    setup: Setup | None = None
    question: Question | None = None
    asked: tuple[Question, ...] = ()
    ended: bool = False
    preparing: bool = False  # the teacher prepares a question: students see no ∂L/∂x
    deck: str | None = None  # the teacher's deck, as its file holds it (classroom/deck.py), or None
    step: int | None = None  # the deck's step the class is at (from 0); None: not started
    paused: bool = False  # every student's screen says "eyes on the projector"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Lesson:
        data = json.loads(text)
        return cls(
            code=data["code"],
            teacher=data["teacher"],
            version=int(data["version"]),
            setup=_setup(data["setup"]),
            question=_question(data["question"]),
            asked=tuple(_question(question) for question in data["asked"]),
            ended=bool(data["ended"]),
            preparing=bool(data.get("preparing", False)),
            deck=data.get("deck"),
            step=None if data.get("step") is None else int(data["step"]),
            paused=bool(data.get("paused", False)),
        )


def _setup(data: dict | None) -> Setup | None:
    return None if data is None else Setup(data["page"], data["controls"], data["typed"], data["explain"])


def _question(data: dict | None) -> Question | None:
    if data is None:
        return None
    mistakes = tuple(Mistake(float(m["value"]), m["key"]) for m in data["mistakes"])
    cell = (int(data["cell"][0]), int(data["cell"][1]))
    setup = _setup(data["setup"]) or Setup()
    kind = data.get("kind") if data.get("kind") in ("output", *CELLS_NAMES) else "grad_input"
    choices = tuple(float(value) for value in data.get("choices", ()))
    closes_at = data.get("closes_at")
    cells = tuple((int(row), int(col)) for row, col in data.get("cells", ()))
    wrong_sets = tuple(
        (str(key), tuple((int(row), int(col)) for row, col in found)) for key, found in data.get("cell_mistakes", ())
    )
    grid = tuple(int(n) for n in data.get("grid", (0, 0)))
    return Question(
        int(data["number"]), setup, cell, float(data["truth"]), data["explanation"], mistakes, data["revealed"], kind,
        choices, vote=2 if data.get("vote") == 2 else 1, discussing=bool(data.get("discussing", False)),
        closed=bool(data.get("closed", False)), closes_at=None if closes_at is None else float(closes_at),
        shown=data.get("shown"), asked_at=_time(data.get("asked_at")), closed_at=_time(data.get("closed_at")),
        revealed_at=_time(data.get("revealed_at")), cells=cells, cell_mistakes=wrong_sets, grid=grid,
    )  # fmt: skip


def _time(value: object) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------------------------------
# The teacher's transitions. Each returns the next Lesson (with ``version`` one higher when
# students must see the change); the caller checks ``teacher_may`` first.


def start(code: str, secret: str) -> Lesson:
    """A new class under ``code``, driven by whoever holds ``secret``."""
    return Lesson(code=code, teacher=_digest(secret))


def join_key(lesson: Lesson) -> str:
    """The join link's own secret (``?class=CODE&key=...``, the QR code too): 128 bits derived
    from the teacher's digest, which never leaves the store, so only the teacher's link has it.
    A typed code is limited; a link with its key always joins (ui/classroom.py ``join``).

    A teacher keeps one secret for all their classes (their reports are found by it), so the
    key is the class's own: a student of one class holds no key to the teacher's next.

    >>> join_key(start("HQCMT", "s")) != join_key(start("HQCMA", "s"))
    True
    """
    mac = hmac.new(lesson.teacher.encode(), b"join link " + lesson.code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:SECRET_BYTES]).decode().rstrip("=")


def teacher_may(lesson: Lesson, secret: object) -> bool:
    """Whether ``secret`` is this class's teacher's (compared in constant time).

    >>> lesson = start("HQCMT", "s3cret")
    >>> teacher_may(lesson, "s3cret"), teacher_may(lesson, "guess"), teacher_may(lesson, None)
    (True, False, False)
    """
    return isinstance(secret, str) and hmac.compare_digest(_digest(secret), lesson.teacher)


def publish(lesson: Lesson, setup: Setup) -> Lesson:
    """The teacher's current setup: a new version only when it changed."""
    if lesson.setup == setup or lesson.ended:
        return lesson
    return replace(lesson, setup=setup, version=lesson.version + 1)


def prepare(lesson: Lesson, preparing: bool) -> Lesson:
    """The teacher prepares a question (or stops): meanwhile no student sees ∂L/∂x."""
    if lesson.preparing == preparing or lesson.ended:
        return lesson
    return replace(lesson, preparing=preparing, version=lesson.version + 1)


def ask(lesson: Lesson, question: Question) -> Lesson:
    """Ask a question (an unrevealed one still open is set aside, its answers kept)."""
    if lesson.ended or len(lesson.asked) >= MAX_QUESTIONS:
        return lesson
    asked = lesson.asked + ((lesson.question,) if lesson.question else ())
    numbered = replace(question, number=len(asked) + 1, revealed=False)
    return replace(lesson, question=numbered, asked=asked, preparing=False, version=lesson.version + 1)


def open_deck(lesson: Lesson, deck: str | None, step: int | None = None) -> Lesson:
    """The teacher's deck (its file's text, ``classroom.deck.deck_to_json``; None: no deck) and
    the step the class is at (None: not started). The setup stays as it is: only a step moves it.

    >>> lesson = open_deck(start("HQCMT", "s"), '{"steps": []}')
    >>> lesson.deck, lesson.step, lesson.version
    ('{"steps": []}', None, 2)
    """
    if lesson.ended or (lesson.deck, lesson.step) == (deck, step):
        return lesson
    return replace(lesson, deck=deck, step=step if deck is not None else None, version=lesson.version + 1)


def go_to_step(lesson: Lesson, step: int, setup: Setup) -> Lesson:
    """Step ``step`` of the deck (from 0): its ``setup`` goes to every follower, as a setup
    changed by hand does, and the index is kept (the teacher may leave the deck to show
    something live, then come back to it). A revealed question is put away first (kept for
    the CSV); while one is open and not revealed the class stays where it is.

    >>> lesson = open_deck(start("HQCMT", "s"), "deck")
    >>> stepped = go_to_step(lesson, 2, Setup("", {"kernel_h": 3}))
    >>> stepped.step, stepped.setup.controls, stepped.version
    (2, {'kernel_h': 3}, 3)
    """
    if lesson.ended or lesson.deck is None or step < 0 or question_open(lesson):
        return lesson
    if lesson.question is not None:
        lesson = next_question(lesson)
    if lesson.step == step and lesson.setup == setup:
        return lesson
    return replace(lesson, step=step, setup=setup, version=lesson.version + 1)


def question_open(lesson: Lesson) -> bool:
    """Whether a question is open and not revealed yet (the deck waits for the reveal)."""
    return lesson.question is not None and not lesson.question.revealed


def answer_hidden(lesson: Lesson) -> bool:
    """Whether students must not see the answer now: a question is being prepared, or is open
    and not revealed. Then every student's tab shows the question's page (x, y and ∂L/∂y),
    whether it follows or explores, whatever page it asks for.

    >>> lesson = start("HQCMT", "s")
    >>> answer_hidden(lesson), answer_hidden(prepare(lesson, True))
    (False, True)
    """
    return lesson.preparing or (lesson.question is not None and not lesson.question.revealed)


def reveal(lesson: Lesson) -> Lesson:
    """Show the class's answers and the right one (a wrong answer on show is put away)."""
    if lesson.question is None or lesson.question.revealed:
        return lesson
    question = replace(lesson.question, revealed=True, discussing=False, shown=None)
    return replace(lesson, question=question, version=lesson.version + 1)


def _change_open(lesson: Lesson, **changes: object) -> Lesson:
    """The open (unrevealed) question changed by ``changes``: a new version when it differs."""
    if lesson.ended or not question_open(lesson):
        return lesson
    question = replace(lesson.question, **changes)
    if question == lesson.question:
        return lesson
    return replace(lesson, question=question, version=lesson.version + 1)


def accepting(lesson: Lesson, now: float) -> bool:
    """Whether an answer sent at ``now`` (the store's time) is taken: a question is open, its
    vote is neither closed nor being discussed, and its countdown, if any, has not run out.

    >>> lesson = ask(start("HQCMT", "s"), Question(0, Setup(), (0, 0), 0.25))
    >>> accepting(lesson, 100.0), accepting(close_answers(lesson, 100.0), 100.0)
    (True, False)
    >>> counting = close_answers(lesson, 100.0, after=30)
    >>> accepting(counting, 129.9), accepting(counting, 130.0)
    (True, False)
    """
    question = lesson.question
    if not question_open(lesson) or question.closed or question.discussing:
        return False
    return question.closes_at is None or now < question.closes_at


def close_answers(lesson: Lesson, now: float, after: float = 0.0) -> Lesson:
    """Close the answers of the vote being taken: at once, or ``after`` seconds from ``now``
    (the store's time; answers are refused from then on by ``accepting``, no timer needed).
    Closing again during a countdown closes at once.

    >>> counting = close_answers(ask(start("HQCMT", "s"), Question(0, Setup(), (0, 0), 0.25)), 100.0, after=60)
    >>> again = close_answers(counting, 110.0, after=60)
    >>> counting.question.closes_at, again.question.closed, again.question.closes_at
    (160.0, True, None)
    """
    if not accepting(lesson, now):
        return lesson
    if after > 0 and lesson.question.closes_at is None:
        return _change_open(lesson, closes_at=now + after)
    return _change_open(lesson, closed=True, closes_at=None)


def discuss(lesson: Lesson) -> Lesson:
    """Peer instruction (Mazur): vote 1 is closed, nothing of it shown; the class discusses
    with their neighbours before voting again (``vote_again``).

    >>> lesson = discuss(ask(start("HQCMT", "s"), Question(0, Setup(), (0, 0), 0.25)))
    >>> lesson.question.discussing, accepting(lesson, 0.0), answer_hidden(lesson)
    (True, False, True)
    >>> again = vote_again(lesson)
    >>> again.question.vote, again.question.discussing, accepting(again, 0.0)
    (2, False, True)
    """
    if lesson.question is None or lesson.question.vote != 1:
        return lesson
    return _change_open(lesson, discussing=True, closed=True, closes_at=None)


def vote_again(lesson: Lesson) -> Lesson:
    """After the discussion, vote 2 opens (vote 1's answers are kept apart)."""
    if lesson.question is None or not lesson.question.discussing:
        return lesson
    return _change_open(lesson, vote=2, discussing=False, closed=False, closes_at=None, shown=None)


def show_answer(lesson: Lesson, label: str | None, wrong: Collection[str]) -> Lesson:
    """Put one wrong answer (its label in the tally; ``wrong``: the wrong labels now) on the
    projector for discussion, without the right one; None takes it down. Anything else, a
    crafted label or a right answer, changes nothing.

    >>> lesson = ask(start("HQCMT", "s"), Question(0, Setup(), (0, 0), 0.25))
    >>> show_answer(lesson, "1", ("1", "0.5")).question.shown, show_answer(lesson, "0.25", ("1",)) == lesson
    ('1', True)
    """
    if label is not None and label not in wrong:
        return lesson
    return _change_open(lesson, shown=label)


def pause(lesson: Lesson, paused: bool) -> Lesson:
    """Pause (every student's screen says "eyes on the projector") or resume the class."""
    if lesson.ended or lesson.paused == paused:
        return lesson
    return replace(lesson, paused=paused, version=lesson.version + 1)


def stamped(before: Lesson, after: Lesson, now: float) -> Lesson:
    """``after`` (a transition of ``before``) with the times of its question written in: when
    it was asked, when its answers last closed (at once, or a countdown's deadline; the
    reveal, if they never were), when it was revealed. The report says how long each took.

    >>> asked = stamped(start("HQCMT", "s"), ask(start("HQCMT", "s"), Question(0, Setup(), (0, 0), 0.25)), 10.0)
    >>> closed = stamped(asked, close_answers(asked, 40.0, after=30), 40.0)
    >>> shown = stamped(closed, reveal(closed), 95.0)
    >>> shown.question.asked_at, shown.question.closed_at, shown.question.revealed_at
    (10.0, 70.0, 95.0)
    """
    question, was = after.question, before.question
    if question is None or question == was:
        return after
    if was is None or was.number != question.number:
        question = was = replace(question, asked_at=now, closed_at=None, revealed_at=None)
    elif question.vote != was.vote:  # vote 2 opened: it closes again later
        question = replace(question, closed_at=None)
    if question.closes_at is not None:  # a countdown: closed at its deadline
        question = replace(question, closed_at=question.closes_at)
    elif (question.closed or question.discussing) and not (was.closed or was.discussing):
        question = replace(question, closed_at=min(now, was.closes_at or now))
    if question.revealed and question.revealed_at is None:
        question = replace(question, revealed_at=now, closed_at=min(question.closed_at or now, now))
    return replace(after, question=question)


def took(question: Question) -> float | None:
    """Seconds from the question's ask to the close of its answers (or its reveal); None: not known."""
    if question.asked_at is None or question.closed_at is None:
        return None
    return max(0.0, question.closed_at - question.asked_at)


def next_question(lesson: Lesson) -> Lesson:
    """Put the current question away (kept for the CSV): the class is back to following."""
    if lesson.question is None:
        return lesson
    return replace(lesson, question=None, asked=(*lesson.asked, lesson.question), version=lesson.version + 1)


def end(lesson: Lesson) -> Lesson:
    """The class is over: students are told, and the store forgets it."""
    return replace(next_question(lesson), ended=True, version=lesson.version + 2)


def all_questions(lesson: Lesson) -> tuple[Question, ...]:
    """Every question asked so far, in order."""
    return lesson.asked + ((lesson.question,) if lesson.question else ())


# ---------------------------------------------------------------------------------------
# One session's seat in a class: its role and whether it follows. Pure, kept by the UI under
# one session key.


@dataclass(frozen=True)
class Seat:
    """How this browser tab takes part: ``role`` is "teacher", "student" or "projector";
    ``following`` whether the teacher's setup is applied here; ``applied`` the lesson
    version last applied (a newer one is applied, or just noted while exploring); ``key``
    the class's join key, which the tab's events stream names (classroom/events.py)."""

    code: str
    role: str
    student: str
    following: bool = True
    applied: int = 0
    key: str = ""


def explore(seat: Seat) -> Seat:
    """'Explore on my own': the controls unlock, the teacher's changes stop arriving."""
    return replace(seat, following=False)


def follow(seat: Seat) -> Seat:
    """'Follow the teacher': the teacher's current setup is applied at once."""
    return replace(seat, following=True, applied=0)


# ---------------------------------------------------------------------------------------
# The class's answers, counted on reveal.


@dataclass(frozen=True)
class Tally:
    """The answers to one question: how many, how many right, every distinct answer with its
    count (most common first, as written on the chart), and the most common wrong answers
    with the mistake that most likely gave each (None: the app cannot tell)."""

    total: int
    right: int
    answers: tuple[tuple[str, int, bool], ...]
    common_wrong: tuple[tuple[str, int, str | None], ...]
    spellings: tuple[tuple[tuple[str, int], ...], ...] = ()  # per answer: each value given, its count
    mistakes: tuple[str | None, ...] = ()  # per answer: the mistake that most likely gave it
    students: tuple[tuple[str, ...], ...] = ()  # per answer: who gave it (never shown: for counts)


def tally(question: Question, answers: Mapping[str, float]) -> Tally:
    """Count the class's answers to ``question`` (one per student). Answers the grading rule
    cannot tell apart are one bar (``2/9`` and ``0.222``), written as the first given.

    >>> q = Question(1, Setup(), (0, 0), 0.25, mistakes=(Mistake(1.0, "divisor"),))
    >>> t = tally(q, {"a": 0.25, "b": 1.0, "c": 1.0, "d": 0.5, "e": 0.2501})
    >>> t.total, t.right, t.answers
    (5, 2, (('0.25', 2, True), ('1', 2, False), ('0.5', 1, False)))
    >>> t.common_wrong
    (('1', 2, 'divisor'), ('0.5', 1, None))
    """
    groups: list[list[float]] = []  # answers alike by the grading rule, in the order given
    who: list[list[str]] = []
    for student, value in answers.items():
        index = next((index for index, group in enumerate(groups) if is_right(value, group[0])), None)
        if index is None:
            groups.append([value])
            who.append([student])
        else:
            groups[index].append(value)
            who[index].append(student)
    order = sorted(range(len(groups)), key=lambda index: (-len(groups[index]), groups[index][0]))
    groups, who = [groups[index] for index in order], [who[index] for index in order]
    labels = [_group_label(question, group) for group in groups]
    rows = tuple((label, len(group), is_right(group[0], question.truth)) for label, group in zip(labels, groups))
    keys = tuple(_mistake(question, group[0]) for group in groups)
    wrong = [(label, count, key) for (label, count, right), key in zip(rows, keys) if not right]
    right = sum(count for _, count, correct in rows if correct)
    spellings = tuple(_spellings(group) for group in groups)
    students = tuple(tuple(group) for group in who)
    return Tally(len(answers), right, rows, tuple(wrong[:MAX_TALLIED]), spellings, keys, students)


def moves(
    question: Question, first: Mapping[str, float], second: Mapping[str, float]
) -> tuple[tuple[str, int, str | None], ...]:
    """Peer instruction's measure: how many students moved from each wrong answer of vote 1
    (its label, as the tally writes it) to the right one in vote 2, with the mistake that most
    likely gave it; most moved first.

    >>> q = Question(1, Setup(), (0, 0), 0.25, mistakes=(Mistake(1.0, "divisor"),))
    >>> moves(q, {"a": 1.0, "b": 1.0, "c": 0.5, "d": 0.25}, {"a": 0.25, "b": 1.0, "c": 0.25, "d": 0.25})
    (('1', 1, 'divisor'), ('0.5', 1, None))
    """
    moved: dict[str, list] = {}  # label -> [count, mistake]
    for student, value in first.items():
        if student in second and not is_right(value, question.truth) and is_right(second[student], question.truth):
            label = _group_label(question, [value])
            moved.setdefault(label, [0, _mistake(question, value)])[0] += 1
    ordered = sorted(moved.items(), key=lambda item: -item[1][0])  # stable: the first given first in a tie
    return tuple((label, count, key) for label, (count, key) in ordered)


@dataclass(frozen=True)
class Confidence:
    """How sure the class said it was, and how many of each were right (``unsaid``: no choice)."""

    sure: int = 0
    sure_right: int = 0
    unsure: int = 0
    unsure_right: int = 0
    unsaid: int = 0


def confidence(question: Question, answers: Mapping[str, float], sure: Mapping[str, bool]) -> Confidence:
    """The answers split by the confidence given with them (sure / not sure).

    >>> q = Question(1, Setup(), (0, 0), 0.25)
    >>> confidence(q, {"a": 0.25, "b": 1.0, "c": 1.0, "d": 0.25}, {"a": True, "b": True, "c": False})
    Confidence(sure=2, sure_right=1, unsure=1, unsure_right=0, unsaid=1)
    """
    counts = {"sure": 0, "sure_right": 0, "unsure": 0, "unsure_right": 0, "unsaid": 0}
    for student, value in answers.items():
        said = sure.get(student)
        name = "unsaid" if said is None else "sure" if said else "unsure"
        counts[name] += 1
        if said is not None and is_right(value, question.truth):
            counts[f"{name}_right"] += 1
    return Confidence(**counts)


def _answer_label(value: float) -> str:
    """Answers that print alike are one bar of the chart (4 significant digits, or a fraction)."""
    return exact_text(value).removeprefix("≈")


def _group_label(question: Question, group: list[float]) -> str:
    """A group of answers alike, by what they mean rather than who answered first: the right
    answer, or the mistake's value, or else the spelling given most often (the smallest of a tie)."""
    if is_right(group[0], question.truth):
        return _answer_label(question.truth)
    mistake = next((m for m in question.mistakes if is_right(group[0], m.value)), None)
    if mistake is not None:
        return _answer_label(mistake.value)
    return _spellings(group)[0][0]


def _spellings(group: list[float]) -> tuple[tuple[str, int], ...]:
    """The distinct values of a group as written, with how many gave each (most given first)."""
    counted: dict[str, int] = {}
    for value in sorted(group):
        counted[_answer_label(value)] = counted.get(_answer_label(value), 0) + 1
    return tuple(sorted(counted.items(), key=lambda item: -item[1]))


def _mistake(question: Question, value: float) -> str | None:
    return next((mistake.key for mistake in question.mistakes if is_right(value, mistake.value)), None)


def output_mistakes_for(computed: Computed, cell: Cell) -> tuple[Mistake, ...]:
    """The values that the usual mistakes give for ``y[cell]``: the window's values added
    but not divided, the padding counted in the divisor when it is not (or the other way
    round). Values equal to the truth, or to an earlier mistake's, are left out.

    >>> import numpy as np
    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.arange(16.0).reshape(4, 4), PoolParams((2, 2), padding=(1, 1)))
    >>> computed.y[0, 1], [(exact_text(m.value), m.key) for m in output_mistakes_for(computed, (0, 1))]
    (np.float64(0.75), [('3', 'output_divisor'), ('1.5', 'padding_not_counted')])
    """
    row, col = cell
    truth = float(computed.y[row, col])
    window = computed.window_of(row, col)
    x = computed.x
    values = x[max(window.row_start, 0) : window.row_stop, max(window.col_start, 0) : window.col_stop]
    found = [Mistake(float(values.sum()), "output_divisor")]
    params = computed.params
    if window.padding_cells and params.divisor_override is None:
        flipped = replace(params, count_include_pad=not params.count_include_pad)
        other = avg_forward(x, flipped.plan(x.shape))[row, col]
        found.append(Mistake(float(other), "padding_not_counted" if params.count_include_pad else "padding_counted"))
    return _distinct(found, truth)


def _distinct(found: list[Mistake], truth: float) -> tuple[Mistake, ...]:
    """The mistakes whose values differ from the truth and from an earlier mistake's."""
    kept: list[Mistake] = []
    for mistake in found:
        if not is_right(mistake.value, truth) and not any(is_right(mistake.value, k.value) for k in kept):
            kept.append(mistake)
    return tuple(kept)


def mistakes_for(computed: Computed, cell: Cell) -> tuple[Mistake, ...]:
    """The values that the usual mistakes give for ``∂L/∂x[cell]`` in this scenario, each
    with its key: the divisor forgotten (the shares' gradients summed, not divided), one
    share taken for the whole (an overlap missed), the padding counted when it is not (or
    the other way round), the mean loss's 1/N forgotten. Values equal to the truth, or to
    an earlier mistake's, are left out.

    >>> import numpy as np
    >>> from scenario.compute import compute_scenario
    >>> from scenario.params import PoolParams
    >>> computed = compute_scenario(np.zeros((5, 5)), PoolParams((3, 3), (1, 1)))
    >>> [(exact_text(m.value), m.key) for m in mistakes_for(computed, (2, 2))]
    [('9', 'divisor'), ('1/9', 'one_share')]
    """
    row, col = cell
    truth = float(computed.grad_input[row, col])
    covering = [w for w in computed.windows if w.row_start <= row < w.row_stop and w.col_start <= col < w.col_stop]
    grad_output = computed.loss.grad_output
    found: list[Mistake] = []
    if covering:
        found.append(Mistake(float(sum(grad_output[w.out_row, w.out_col] for w in covering)), "divisor"))
    if len(covering) > 1:
        first = covering[0]
        found.append(Mistake(float(grad_output[first.out_row, first.out_col] / first.divisor), "one_share"))
    params = computed.params
    if any(params.padding) and params.divisor_override is None and any(w.padding_cells for w in covering):
        flipped = replace(params, count_include_pad=not params.count_include_pad)
        other = avg_backward(grad_output, flipped.plan(computed.x.shape))[row, col]
        found.append(Mistake(float(other), "padding_not_counted" if params.count_include_pad else "padding_counted"))
    if computed.loss.name == "mean":
        found.append(Mistake(truth * computed.y.size, "mean"))
    return _distinct(found, truth)
