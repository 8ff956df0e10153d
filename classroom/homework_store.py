"""Where homework is kept: the class's store (``CLASS_STORE``: SQLite embedded, or Redis for
replicas), in tables and keys of its own.

A homework and its students' progress are kept ``RETENTION`` (30 days) after it is assigned,
then forgotten (Redis by its key expiry; SQLite by a sweep when a homework is assigned or,
at most once a ``SWEEP_EVERY`` seconds, read). Every
student's progress is one entry (``MAX_STUDENTS`` per homework), written without a lock: a
student writes only their own. Every method raises ``classroom.store.StoreUnavailable`` when
the store cannot be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from classroom.homework import MAX_HOMEWORKS, MAX_STUDENTS, Homework, Progress
from classroom.store import RedisClient, SQLiteFile, open_named

__all__ = ["HomeworkStore", "RedisHomework", "SQLiteHomework", "open_homework_store"]


class HomeworkStore(Protocol):
    """The operations homework needs. ``now`` is seconds since the epoch (tests pass their own)."""

    def create(self, homework: Homework, now: float) -> bool:
        """Keep a new homework; False when its code is taken or the store holds ``MAX_HOMEWORKS``."""

    def load(self, code: str, now: float) -> Homework | None:
        """The homework under ``code`` (None: none, or past its retention)."""

    def progress(self, code: str, student: str) -> Progress | None:
        """One student's progress (None: not started)."""

    def save_progress(self, code: str, student: str, progress: Progress, now: float) -> bool:
        """Keep one student's progress; False when the homework already counts ``MAX_STUDENTS``
        others."""

    def progresses(self, code: str) -> list[Progress]:
        """Every student's progress (for the report)."""

    def changes(self, code: str) -> int:
        """How many times any student's progress was saved: the report redraws when it grows."""

    def delete(self, code: str) -> None:
        """Forget the homework and its progress."""


def open_homework_store(address: str | None = None) -> HomeworkStore:
    """Homework in the store ``CLASS_STORE`` names (``classroom.store.open_named``)."""
    return open_named(address, RedisHomework, SQLiteHomework)


SCHEMA = """
CREATE TABLE IF NOT EXISTS homework (code TEXT PRIMARY KEY, data TEXT, expires REAL, changes INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS homework_progress (code TEXT, student TEXT, data TEXT, PRIMARY KEY (code, student));
"""


SWEEP_EVERY = 60.0  # seconds between two sweeps of expired homework on reads (a write each)


class SQLiteHomework(SQLiteFile):
    """Homework in the class's SQLite file (WAL mode), one connection per thread."""

    _swept = float("-inf")  # when this process last swept (reads sweep at most once a minute)

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def _sweep(self, now: float) -> None:
        """Forget every homework past its retention, with its students' progress."""
        self._swept = now
        for (code,) in self._run("SELECT code FROM homework WHERE expires < ?", now):
            self.delete(code)

    def create(self, homework: Homework, now: float) -> bool:
        self._sweep(now)
        if self._run("SELECT COUNT(*) FROM homework")[0][0] >= MAX_HOMEWORKS:
            return False
        inserted = self._run("INSERT OR IGNORE INTO homework (code, data, expires) VALUES (?, ?, ?) RETURNING code",
                             homework.code, homework.to_json(), homework.expires)  # fmt: skip
        return bool(inserted)

    def load(self, code: str, now: float) -> Homework | None:
        if now - self._swept >= SWEEP_EVERY:  # not only when the next homework is assigned
            self._sweep(now)
        rows = self._run("SELECT data, expires FROM homework WHERE code = ?", code)
        return Homework.from_json(rows[0][0]) if rows and rows[0][1] >= now else None

    def progress(self, code: str, student: str) -> Progress | None:
        rows = self._run("SELECT data FROM homework_progress WHERE code = ? AND student = ?", code, student)
        return Progress.from_json(rows[0][0]) if rows else None

    def save_progress(self, code: str, student: str, progress: Progress, now: float) -> bool:
        saved = self._run(  # one statement: the count and the write cannot be split by another student's
            """INSERT INTO homework_progress SELECT ?, ?, ?
               WHERE EXISTS (SELECT 1 FROM homework WHERE code = ? AND expires >= ?)
                 AND (EXISTS (SELECT 1 FROM homework_progress WHERE code = ? AND student = ?)
                      OR (SELECT COUNT(*) FROM homework_progress WHERE code = ?) < ?)
               ON CONFLICT (code, student) DO UPDATE SET data = excluded.data RETURNING code""",
            code, student, progress.to_json(), code, now, code, student, code, MAX_STUDENTS,
        )  # fmt: skip
        if saved:
            self._run("UPDATE homework SET changes = changes + 1 WHERE code = ?", code)
        return bool(saved)

    def progresses(self, code: str) -> list[Progress]:
        rows = self._run("SELECT data FROM homework_progress WHERE code = ? ORDER BY rowid", code)
        return [Progress.from_json(data) for (data,) in rows]

    def changes(self, code: str) -> int:
        rows = self._run("SELECT changes FROM homework WHERE code = ?", code)
        return int(rows[0][0]) if rows else 0

    def delete(self, code: str) -> None:
        self._run("DELETE FROM homework WHERE code = ?", code)
        self._run("DELETE FROM homework_progress WHERE code = ?", code)


# Redis: the homework under avgpool:homework:<code> (a hash: data, changes), its students'
# progress in avgpool:homework:<code>:progress (a hash by student), an index of every homework
# scored by its expiry; every key expires with the homework (EXPIREAT).

SAVE_PROGRESS = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIREAT', KEYS[1], ARGV[4])
redis.call('HINCRBY', KEYS[2], 'changes', 1)
return 1
"""

CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
if redis.call('HSETNX', KEYS[1], 'data', ARGV[1]) == 0 then return 0 end
redis.call('EXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
return 1
"""


class RedisHomework(RedisClient):
    """Homework in the class's Redis."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self._save = self._redis.register_script(SAVE_PROGRESS)
        self._create = self._redis.register_script(CREATE)

    @staticmethod
    def _key(code: str, part: str = "") -> str:
        return f"avgpool:homework:{code}" + (f":{part}" if part else "")

    def create(self, homework: Homework, now: float) -> bool:
        keys = [self._key(homework.code), "avgpool:homework-index"]
        args = [homework.to_json(), int(homework.expires), now, MAX_HOMEWORKS, homework.code]
        return bool(self._call(self._create, keys, args))

    def load(self, code: str, now: float) -> Homework | None:
        data = self._call(self._redis.hget, self._key(code), "data")
        homework = None if data is None else Homework.from_json(data.decode())
        return homework if homework is not None and homework.expires >= now else None

    def progress(self, code: str, student: str) -> Progress | None:
        data = self._call(self._redis.hget, self._key(code, "progress"), student)
        return None if data is None else Progress.from_json(data.decode())

    def save_progress(self, code: str, student: str, progress: Progress, now: float) -> bool:
        homework = self.load(code, now)
        if homework is None:
            return False
        keys = [self._key(code, "progress"), self._key(code)]
        args = [student, progress.to_json(), MAX_STUDENTS, int(homework.expires)]
        return bool(self._call(self._save, keys, args))

    def progresses(self, code: str) -> list[Progress]:
        stored = self._call(self._redis.hgetall, self._key(code, "progress"))
        return [Progress.from_json(data.decode()) for data in stored.values()]

    def changes(self, code: str) -> int:
        return int(self._call(self._redis.hget, self._key(code), "changes") or 0)

    def delete(self, code: str) -> None:
        self._call(self._redis.delete, self._key(code), self._key(code, "progress"))
        self._call(self._redis.zrem, "avgpool:homework-index", code)
