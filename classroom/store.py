"""Where a live class is kept: outside the Streamlit processes, so that every session of a
class, on any replica, sees the same lesson.

One small interface, ``ClassStore``, two implementations:

- ``SQLiteStore``: the embedded default. A file in ``data/`` (WAL mode: readers never wait
  for the writer), nothing to install or start; a class survives a restart of the server.
- ``RedisStore``: for replicas, a real Redis (``CLASS_STORE=redis://host:6379/0``). Idle
  classes expire by Redis's own key expiry.

``open_store()`` picks one from the ``CLASS_STORE`` environment variable. Every method raises
``StoreUnavailable`` when the store cannot be reached (the app then works for each student
alone, and says so). Lessons are saved by compare-and-set on their ``version``, so two tabs
of one teacher cannot overwrite each other's change; answers and presence are one entry per
student, written without a lock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, TypeVar

from classroom.cells import MAX_SIDE, CellsError, mask_length
from classroom.model import IDLE_EXPIRY, MAX_QUESTIONS, Lesson

__all__ = [
    "MAX_ANSWERS",
    "MAX_CLASSES",
    "PRESENCE_WINDOW",
    "ClassStore",
    "RedisClient",
    "RedisStore",
    "SQLiteFile",
    "SQLiteStore",
    "StoreUnavailable",
    "open_named",
    "open_store",
]

MAX_CLASSES = 200  # classes one deployment holds at a time
MAX_ANSWERS = 500  # answers to one question (one per student)
MAX_MASK = mask_length((MAX_SIDE, MAX_SIDE))  # a "which cells" answer: 64×64 bits in base64
PRESENCE_WINDOW = 15.0  # seconds: a student seen within this is in the class
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "classes.sqlite3"


class StoreUnavailable(RuntimeError):
    """The class store cannot be reached (Redis down, the file locked or unwritable)."""


class ClassStore(Protocol):
    """The operations a class needs. ``now`` is seconds since the epoch (tests pass their own)."""

    def create(self, lesson: Lesson, now: float) -> bool:
        """Keep a new lesson; False when its code is taken or the store is full."""

    def load(self, code: str, now: float) -> Lesson | None:
        """The lesson under ``code`` (None: none, or expired)."""

    def version(self, code: str) -> int | None:
        """The lesson's version alone: what following sessions poll, cheaply."""

    def save(self, lesson: Lesson, expected: int, now: float) -> bool:
        """Replace the lesson if its stored version is still ``expected``."""

    def delete(self, code: str) -> None:
        """Forget the class, its answers and who was in it."""

    def answer(
        self, code: str, question: int, student: str, value: float, now: float, vote: int = 1, sure: bool | None = None
    ) -> bool:
        """One student's answer in ``vote`` (1, or 2 after a discussion), with how sure they
        said they were (None: not said); a later one replaces it; False past ``MAX_ANSWERS``."""

    def answers(self, code: str, question: int, vote: int = 1) -> dict[str, float]:
        """Every student's answer to one question, in one vote."""

    def answer_cells(
        self, code: str, question: int, student: str, mask: str, now: float, vote: int = 1, sure: bool | None = None
    ) -> bool:
        """One student's set of cells (a mask, ``classroom.cells.encode_mask``, read by the
        caller against the question's grid) in ``vote``; counted with the answers (``answers``
        gives 0 for it), so counts, votes and confidences are as for a number. Raises
        CellsError for a mask longer than ``MAX_MASK``; False past ``MAX_ANSWERS``."""

    def cell_answers(self, code: str, question: int, vote: int = 1) -> dict[str, str]:
        """Every student's mask for one "which cells" question, in one vote."""

    def confidences(self, code: str, question: int, vote: int = 1) -> dict[str, bool]:
        """How sure each student said they were of their answer (those who said)."""

    def answer_count(self, code: str, question: int, vote: int = 1) -> int:
        """How many students have answered (not what)."""

    def clock(self) -> float:
        """The store's time (seconds since the epoch): one clock for every replica, by which
        a countdown closes the answers (``model.accepting``)."""

    def seen(self, code: str, student: str, following: bool, now: float) -> None:
        """A student's tab is in the class (and follows, or explores)."""

    def seen_all(self, code: str, students: Mapping[str, bool], now: float) -> None:
        """``seen`` for many students at once (student -> following), in one write."""

    def presence(self, code: str, now: float) -> tuple[int, int]:
        """(students in the class, of whom following) seen within ``PRESENCE_WINDOW``."""

    def attempts(self, key: str, window: float, now: float) -> int:
        """How many attempts ``key`` has made in this ``window`` (seconds): a rate limit."""

    def attempt(self, key: str, window: float, now: float) -> None:
        """Count one attempt of ``key`` in this ``window``."""

    def hand_over(self, token: str, value: str, ttl: float, now: float) -> None:
        """Keep ``value`` under the one-time ``token`` for ``ttl`` seconds (a cookie's value
        on its way to the browser: classroom/cookies.py)."""

    def take(self, token: str, now: float) -> str | None:
        """The value kept under ``token``, forgotten as it is read (None: unknown, taken, expired)."""

    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""


T = TypeVar("T")


def open_named(address: str | None, redis: Callable[[str], T], sqlite: Callable[[Path], T]) -> T:
    """What ``CLASS_STORE`` (or ``address``) names, opened by ``redis`` (``redis://…``,
    ``rediss://``, ``unix://``) or ``sqlite`` (``sqlite:///path``; when unset, the file in
    ``data/classes.sqlite3``): the class store, homework and reports share one address."""
    address = address if address is not None else os.environ.get("CLASS_STORE", "")
    if address.startswith(("redis://", "rediss://", "unix://")):
        return redis(address)
    if address.startswith("sqlite:///"):
        return sqlite(Path(address.removeprefix("sqlite:///")))
    if address:
        raise ValueError(f"CLASS_STORE={address!r}: use redis://host:port/db or sqlite:///path")
    return sqlite(DEFAULT_PATH)


def open_store(address: str | None = None) -> ClassStore:
    """The class store ``CLASS_STORE`` names (``open_named``)."""
    return open_named(address, RedisStore, SQLiteStore)


# ---------------------------------------------------------------------------------------
# SQLite: one file, one connection per thread (Streamlit runs each session in its own).

SCHEMA = """
CREATE TABLE IF NOT EXISTS lessons (code TEXT PRIMARY KEY, version INTEGER, data TEXT, touched REAL);
CREATE TABLE IF NOT EXISTS answers (code TEXT, question INTEGER, student TEXT, value REAL,
                                    vote INTEGER NOT NULL DEFAULT 1, sure INTEGER, mask TEXT,
                                    PRIMARY KEY (code, question, vote, student));
CREATE TABLE IF NOT EXISTS presence (code TEXT, student TEXT, following INTEGER, seen REAL,
                                     PRIMARY KEY (code, student));
CREATE TABLE IF NOT EXISTS limits (key TEXT, at REAL);
CREATE INDEX IF NOT EXISTS limits_key ON limits (key, at);
CREATE TABLE IF NOT EXISTS handovers (token TEXT PRIMARY KEY, value TEXT, expires REAL);
"""


class SQLiteFile:
    """A SQLite file in WAL mode, one connection per thread, its tables made on opening
    (``schema``): the class store's, homework's and the reports' (classroom/homework_store.py,
    report_store.py), in the same file."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._db() as db:
                self._prepare(db)
                db.executescript(schema)
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailable(f"{self.path}: {error}") from error

    def _prepare(self, db: sqlite3.Connection) -> None:
        """Before the tables are made: a file of an older version brought up to date."""

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def _run(self, sql: str, *args: object) -> list[tuple]:
        try:
            return self._db().execute(sql, args).fetchall()
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error


class SQLiteStore(SQLiteFile):
    """The embedded store: a SQLite file in WAL mode."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def _prepare(self, db: sqlite3.Connection) -> None:
        _migrate(db)

    def _expire(self, now: float) -> None:
        """Forget classes idle for longer than ``IDLE_EXPIRY`` (done when one is created)."""
        for (code,) in self._run("SELECT code FROM lessons WHERE touched < ?", now - IDLE_EXPIRY):
            self.delete(code)
        self._run("DELETE FROM limits WHERE at < ?", now - IDLE_EXPIRY)

    def create(self, lesson: Lesson, now: float) -> bool:
        self._expire(now)
        if self._run("SELECT COUNT(*) FROM lessons")[0][0] >= MAX_CLASSES:
            return False
        inserted = self._run(
            "INSERT OR IGNORE INTO lessons VALUES (?, ?, ?, ?) RETURNING code",
            lesson.code,
            lesson.version,
            lesson.to_json(),
            now,
        )
        return bool(inserted)

    def load(self, code: str, now: float) -> Lesson | None:
        rows = self._run("SELECT data, touched FROM lessons WHERE code = ?", code)
        if not rows or rows[0][1] < now - IDLE_EXPIRY:
            return None
        return Lesson.from_json(rows[0][0])

    def version(self, code: str) -> int | None:
        rows = self._run("SELECT version FROM lessons WHERE code = ?", code)
        return rows[0][0] if rows else None

    def save(self, lesson: Lesson, expected: int, now: float) -> bool:
        updated = self._run(
            "UPDATE lessons SET version = ?, data = ?, touched = ? WHERE code = ? AND version = ? RETURNING code",
            lesson.version,
            lesson.to_json(),
            now,
            lesson.code,
            expected,
        )
        return bool(updated)

    def delete(self, code: str) -> None:
        for table in ("lessons", "answers", "presence"):
            self._run(f"DELETE FROM {table} WHERE code = ?", code)

    def answer(
        self, code: str, question: int, student: str, value: float, now: float, vote: int = 1, sure: bool | None = None
    ) -> bool:
        where = "code = ? AND question = ? AND vote = ?"
        known = self._run(f"SELECT 1 FROM answers WHERE {where} AND student = ?", code, question, vote, student)
        if not known and self.answer_count(code, question, vote) >= MAX_ANSWERS:
            return False
        self._run(
            "INSERT OR REPLACE INTO answers (code, question, student, value, vote, sure) VALUES (?, ?, ?, ?, ?, ?)",
            code, question, student, value, vote, None if sure is None else int(sure),
        )  # fmt: skip
        self._run("UPDATE lessons SET touched = ? WHERE code = ?", now, code)
        return True

    def answers(self, code: str, question: int, vote: int = 1) -> dict[str, float]:
        rows = self._run(
            "SELECT student, value FROM answers WHERE code = ? AND question = ? AND vote = ?", code, question, vote
        )
        return dict(rows)

    def answer_cells(
        self, code: str, question: int, student: str, mask: str, now: float, vote: int = 1, sure: bool | None = None
    ) -> bool:
        _check_mask(mask)
        if not self.answer(code, question, student, 0.0, now, vote, sure):
            return False
        where = "code = ? AND question = ? AND vote = ? AND student = ?"
        self._run(f"UPDATE answers SET mask = ? WHERE {where}", mask, code, question, vote, student)
        return True

    def cell_answers(self, code: str, question: int, vote: int = 1) -> dict[str, str]:
        rows = self._run(
            "SELECT student, mask FROM answers WHERE code = ? AND question = ? AND vote = ? AND mask IS NOT NULL",
            code, question, vote,
        )  # fmt: skip
        return dict(rows)

    def confidences(self, code: str, question: int, vote: int = 1) -> dict[str, bool]:
        rows = self._run(
            "SELECT student, sure FROM answers WHERE code = ? AND question = ? AND vote = ? AND sure IS NOT NULL",
            code, question, vote,
        )  # fmt: skip
        return {student: bool(sure) for student, sure in rows}

    def answer_count(self, code: str, question: int, vote: int = 1) -> int:
        where = "code = ? AND question = ? AND vote = ?"
        return self._run(f"SELECT COUNT(*) FROM answers WHERE {where}", code, question, vote)[0][0]

    def clock(self) -> float:
        return time.time()  # one file, one machine: its clock

    def seen(self, code: str, student: str, following: bool, now: float) -> None:
        self._run("INSERT OR REPLACE INTO presence VALUES (?, ?, ?, ?)", code, student, int(following), now)

    def seen_all(self, code: str, students: Mapping[str, bool], now: float) -> None:
        rows = [(code, student, int(following), now) for student, following in students.items()]
        db = self._db()
        try:
            db.execute("BEGIN")  # one transaction: one write to the file for them all
            db.executemany("INSERT OR REPLACE INTO presence VALUES (?, ?, ?, ?)", rows)
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreUnavailable(str(error)) from error

    def presence(self, code: str, now: float) -> tuple[int, int]:
        rows = self._run(
            "SELECT COUNT(*), COALESCE(SUM(following), 0) FROM presence WHERE code = ? AND seen >= ?",
            code,
            now - PRESENCE_WINDOW,
        )
        return int(rows[0][0]), int(rows[0][1])

    def attempts(self, key: str, window: float, now: float) -> int:
        return self._run("SELECT COUNT(*) FROM limits WHERE key = ? AND at >= ?", key, now - window)[0][0]

    def attempt(self, key: str, window: float, now: float) -> None:
        self._run("INSERT INTO limits VALUES (?, ?)", key, now)

    def hand_over(self, token: str, value: str, ttl: float, now: float) -> None:
        self._run("DELETE FROM handovers WHERE expires < ?", now)
        self._run("INSERT OR REPLACE INTO handovers VALUES (?, ?, ?)", token, value, now + ttl)

    def take(self, token: str, now: float) -> str | None:
        rows = self._run("DELETE FROM handovers WHERE token = ? RETURNING value, expires", token)
        return rows[0][0] if rows and rows[0][1] >= now else None

    def ping(self) -> None:
        self._run("SELECT 1")


def _check_mask(mask: object) -> None:
    """A mask the store keeps: text of at most ``MAX_MASK`` characters (its cells are read
    against the question's grid by the caller, ``classroom.cells.read_mask``)."""
    if not isinstance(mask, str) or len(mask) > MAX_MASK:
        raise CellsError("mask")


def _migrate(db: sqlite3.Connection) -> None:
    """A file written before votes were kept apart: its answers become vote 1's; one written
    before "which cells" questions: its answers get a mask column."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(answers)")]
    if columns and "vote" in columns and "mask" not in columns:
        db.execute("ALTER TABLE answers ADD COLUMN mask TEXT")
    if columns and "vote" not in columns:
        db.execute("ALTER TABLE answers RENAME TO answers_before_votes")
        db.executescript(SCHEMA)
        db.execute("INSERT INTO answers (code, question, student, value) "
                   "SELECT code, question, student, value FROM answers_before_votes")  # fmt: skip
        db.execute("DROP TABLE answers_before_votes")


# ---------------------------------------------------------------------------------------
# Redis: a hash per lesson (version, data), a hash of answers per question, a sorted set of
# who was seen when; every key of a class expires IDLE_EXPIRY after its last change.

# Compare-and-set in one step on the server: replace the lesson only if its version is the
# one this session read.
SAVE_IF_VERSION = """
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'data', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""


class RedisClient:
    """A connection to the class's Redis (``redis://host:port/db``, a password in the address
    if set), each call's failure raised as ``StoreUnavailable``: the class store's, homework's
    and the reports'."""

    def __init__(self, address: str, **options: object) -> None:
        import redis  # only deployments with replicas need the client

        self._errors = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(address, socket_timeout=2.0, socket_connect_timeout=2.0, **options)
        self.address = address

    def _call(self, function, *args):
        try:
            return function(*args)
        except self._errors as error:
            raise StoreUnavailable(f"Redis: {error}") from error


class RedisStore(RedisClient):
    """A class store in Redis."""

    def __init__(self, address: str) -> None:
        super().__init__(address, health_check_interval=10)
        self._save = self._redis.register_script(SAVE_IF_VERSION)

    @staticmethod
    def _key(code: str, part: str = "lesson") -> str:
        return f"avgpool:{part}:{code}"

    def _touch(self, code: str, *keys: str) -> None:
        pipe = self._redis.pipeline()
        for key in (self._key(code), *keys):
            pipe.expire(key, IDLE_EXPIRY)
        self._call(pipe.execute)

    def create(self, lesson: Lesson, now: float) -> bool:
        classes = self._key("all", "classes")
        self._call(self._redis.zremrangebyscore, classes, "-inf", now - IDLE_EXPIRY)
        if self._call(self._redis.zcard, classes) >= MAX_CLASSES:
            return False
        key = self._key(lesson.code)
        if not self._call(self._redis.hsetnx, key, "version", lesson.version):
            return False
        pipe = self._redis.pipeline()
        pipe.hset(key, "data", lesson.to_json())
        pipe.expire(key, IDLE_EXPIRY)
        pipe.zadd(classes, {lesson.code: now})
        self._call(pipe.execute)
        return True

    def load(self, code: str, now: float) -> Lesson | None:
        data = self._call(self._redis.hget, self._key(code), "data")
        return None if data is None else Lesson.from_json(data.decode())

    def version(self, code: str) -> int | None:
        version = self._call(self._redis.hget, self._key(code), "version")
        return None if version is None else int(version)

    def save(self, lesson: Lesson, expected: int, now: float) -> bool:
        key = self._key(lesson.code)
        saved = self._call(self._save, [key], [expected, lesson.version, lesson.to_json(), IDLE_EXPIRY])
        if saved:
            self._call(self._redis.zadd, self._key("all", "classes"), {lesson.code: now})
            self._touch(lesson.code, self._key(lesson.code, "presence"))
        return bool(saved)

    def delete(self, code: str) -> None:
        keys = [self._key(code), self._key(code, "presence")]
        for number in range(1, MAX_QUESTIONS + 2):
            parts = ("answers", "sure", "cells")
            keys += [self._answers_key(code, number, vote, part) for vote in (1, 2) for part in parts]
        self._call(self._redis.delete, *keys)
        self._call(self._redis.zrem, self._key("all", "classes"), code)

    def _answers_key(self, code: str, question: int, vote: int = 1, part: str = "answers") -> str:
        """A vote's answers (a hash student -> value) or confidences (student -> 1 or 0); vote 1's
        answers keep the key they had before there were two votes."""
        return f"{self._key(code, part)}:{question}" + ("" if vote == 1 else f":{vote}")

    def answer(
        self, code: str, question: int, student: str, value: float, now: float, vote: int = 1, sure: bool | None = None
    ) -> bool:
        key, sure_key = self._answers_key(code, question, vote), self._answers_key(code, question, vote, "sure")
        known = self._call(self._redis.hexists, key, student)
        if not known and self._call(self._redis.hlen, key) >= MAX_ANSWERS:
            return False
        pipe = self._redis.pipeline()  # MULTI: the answer and its confidence together
        pipe.hset(key, student, repr(value))
        if sure is None:
            pipe.hdel(sure_key, student)
        else:
            pipe.hset(sure_key, student, int(sure))
        self._call(pipe.execute)
        self._touch(code, key, sure_key)
        return True

    def answers(self, code: str, question: int, vote: int = 1) -> dict[str, float]:
        stored = self._call(self._redis.hgetall, self._answers_key(code, question, vote))
        return {student.decode(): float(value) for student, value in stored.items()}

    def answer_cells(
        self, code: str, question: int, student: str, mask: str, now: float, vote: int = 1, sure: bool | None = None
    ) -> bool:
        _check_mask(mask)
        cells_key = self._answers_key(code, question, vote, "cells")
        self._call(self._redis.hset, cells_key, student, mask)  # first: a count never runs ahead of its mask
        if not self.answer(code, question, student, 0.0, now, vote, sure):
            self._call(self._redis.hdel, cells_key, student)
            return False
        self._touch(code, cells_key)
        return True

    def cell_answers(self, code: str, question: int, vote: int = 1) -> dict[str, str]:
        stored = self._call(self._redis.hgetall, self._answers_key(code, question, vote, "cells"))
        return {student.decode(): mask.decode() for student, mask in stored.items()}

    def confidences(self, code: str, question: int, vote: int = 1) -> dict[str, bool]:
        stored = self._call(self._redis.hgetall, self._answers_key(code, question, vote, "sure"))
        return {student.decode(): value == b"1" for student, value in stored.items()}

    def answer_count(self, code: str, question: int, vote: int = 1) -> int:
        return int(self._call(self._redis.hlen, self._answers_key(code, question, vote)))

    def clock(self) -> float:
        seconds, micros = self._call(self._redis.time)  # Redis's clock: the same for every replica
        return seconds + micros / 1e6

    def seen(self, code: str, student: str, following: bool, now: float) -> None:
        # One sorted set per class: member "1:<id>" (following) or "0:<id>", scored by time.
        key = self._key(code, "presence")
        pipe = self._redis.pipeline()
        pipe.zrem(key, f"{int(not following)}:{student}")
        pipe.zadd(key, {f"{int(following)}:{student}": now})
        pipe.zremrangebyscore(key, "-inf", now - PRESENCE_WINDOW)
        pipe.expire(key, IDLE_EXPIRY)
        self._call(pipe.execute)

    def seen_all(self, code: str, students: Mapping[str, bool], now: float) -> None:
        if not students:
            return
        key = self._key(code, "presence")
        pipe = self._redis.pipeline()
        pipe.zrem(key, *(f"{int(not following)}:{student}" for student, following in students.items()))
        pipe.zadd(key, {f"{int(following)}:{student}": now for student, following in students.items()})
        pipe.zremrangebyscore(key, "-inf", now - PRESENCE_WINDOW)
        pipe.expire(key, IDLE_EXPIRY)
        self._call(pipe.execute)

    def presence(self, code: str, now: float) -> tuple[int, int]:
        members = self._call(self._redis.zrangebyscore, self._key(code, "presence"), now - PRESENCE_WINDOW, "+inf")
        return len(members), sum(member.startswith(b"1:") for member in members)

    @staticmethod
    def _bucket(key: str, window: float, now: float) -> str:
        return f"avgpool:limit:{key}:{int(now // window)}"  # a fixed window per key

    def attempts(self, key: str, window: float, now: float) -> int:
        return int(self._call(self._redis.get, self._bucket(key, window, now)) or 0)

    def attempt(self, key: str, window: float, now: float) -> None:
        pipe = self._redis.pipeline()
        pipe.incr(self._bucket(key, window, now))
        pipe.expire(self._bucket(key, window, now), int(window) + 1)
        self._call(pipe.execute)

    def hand_over(self, token: str, value: str, ttl: float, now: float) -> None:
        self._call(self._redis.set, f"avgpool:handover:{token}", value, max(1, int(ttl)))  # ex: seconds

    def take(self, token: str, now: float) -> str | None:
        value = self._call(self._redis.getdel, f"avgpool:handover:{token}")
        return None if value is None else value.decode()

    def ping(self) -> None:
        self._call(self._redis.ping)
