"""Where a class's report is kept after the class: the class's store (``CLASS_STORE``: SQLite
embedded, or Redis for replicas), in a table and keys of its own.

A report is kept ``RETENTION`` (30 days) after its class ended, or until its teacher deletes
it: Redis by key expiry; SQLite by ``sweep``, run on every write and read of reports and by
the server once an hour (``app.py``'s lifespan), so an expired report is gone even when no
one keeps a new one. Every read names its owner (the digest of the teacher's secret): another
teacher's report is as absent as one that never was. Every method raises
``classroom.store.StoreUnavailable`` when the store cannot be reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from pathlib import Path
from typing import Protocol

from classroom.reports import MAX_REPORT_BYTES, MAX_REPORTS, MAX_REPORTS_PER_TEACHER, ClassReport
from classroom.store import RedisClient, SQLiteFile, StoreUnavailable, open_named

__all__ = [
    "KEPT",
    "NOT_KEPT",
    "SWEEP_EVERY",
    "RedisReports",
    "ReportStore",
    "SQLiteReports",
    "open_report_store",
    "process_reports",
    "sweeping",
]

KEPT = "kept"
NOT_KEPT = ("too_large", "teacher_full", "full")  # why a report was not kept (``report.not_kept_<why>``)
SWEEP_EVERY = 3600.0  # seconds between two sweeps of expired reports by a server


class ReportStore(Protocol):
    """The operations the reports need. ``now`` is seconds since the epoch (tests pass their own)."""

    def keep(self, report: ClassReport, now: float) -> str:
        """Keep a report: ``KEPT``, or why not (one of ``NOT_KEPT``)."""

    def load(self, owner: str, report_id: str, now: float) -> ClassReport | None:
        """The report ``report_id`` if ``owner`` owns it and it is within its retention."""

    def owned(self, owner: str, now: float) -> list[ClassReport]:
        """Every report ``owner`` keeps, the newest first."""

    def delete(self, owner: str, report_id: str) -> bool:
        """Delete ``owner``'s report ``report_id``; False when there is none such."""

    def sweep(self, now: float) -> int:
        """Forget every report past its retention; how many were forgotten."""


def open_report_store(address: str | None = None) -> ReportStore:
    """Class reports in the store ``CLASS_STORE`` names (``classroom.store.open_named``)."""
    return open_named(address, RedisReports, SQLiteReports)


@functools.cache
def process_reports() -> ReportStore | StoreUnavailable:
    """The report store ``CLASS_STORE`` names, opened once per process (or why it cannot be)."""
    try:
        return open_report_store()
    except StoreUnavailable as error:
        return error


@contextlib.asynccontextmanager
async def sweeping(app=None, every: float = SWEEP_EVERY, clock=time.time):
    """A server's lifespan (``app.py``): expired reports swept at start-up, then every
    ``every`` seconds, in a worker thread; an unreachable store is tried again next time."""

    async def sweep_now() -> None:
        store = process_reports()
        if not isinstance(store, StoreUnavailable):
            with contextlib.suppress(StoreUnavailable):
                await asyncio.to_thread(store.sweep, clock())

    async def sweep_forever() -> None:
        while True:
            await asyncio.sleep(every)
            await sweep_now()

    await sweep_now()
    task = asyncio.create_task(sweep_forever())
    try:
        yield None
    finally:
        task.cancel()


SCHEMA = """
CREATE TABLE IF NOT EXISTS class_reports (id TEXT PRIMARY KEY, owner TEXT, ended REAL, expires REAL, data TEXT);
CREATE INDEX IF NOT EXISTS class_reports_owner ON class_reports (owner, expires);
"""


class SQLiteReports(SQLiteFile):
    """Reports in the class's SQLite file (WAL mode), one connection per thread."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def keep(self, report: ClassReport, now: float) -> str:
        data = report.to_json()
        if len(data.encode()) > MAX_REPORT_BYTES:
            return "too_large"
        self.sweep(now)
        owned = self._run("SELECT COUNT(*) FROM class_reports WHERE owner = ?", report.owner)[0][0]
        if owned >= MAX_REPORTS_PER_TEACHER:
            return "teacher_full"
        inserted = self._run(  # one statement: reports kept at once cannot overshoot the deployment's limit
            """INSERT INTO class_reports SELECT ?, ?, ?, ?, ?
               WHERE (SELECT COUNT(*) FROM class_reports) < ? RETURNING id""",
            report.id, report.owner, report.ended_at, report.expires, data, MAX_REPORTS,
        )  # fmt: skip
        return KEPT if inserted else "full"

    def load(self, owner: str, report_id: str, now: float) -> ClassReport | None:
        rows = self._run("SELECT data FROM class_reports WHERE id = ? AND owner = ? AND expires >= ?",
                         report_id, owner, now)  # fmt: skip
        return ClassReport.from_json(rows[0][0]) if rows else None

    def owned(self, owner: str, now: float) -> list[ClassReport]:
        self.sweep(now)
        rows = self._run("SELECT data FROM class_reports WHERE owner = ? ORDER BY ended DESC", owner)
        return [ClassReport.from_json(data) for (data,) in rows]

    def delete(self, owner: str, report_id: str) -> bool:
        return bool(self._run("DELETE FROM class_reports WHERE id = ? AND owner = ? RETURNING id", report_id, owner))

    def sweep(self, now: float) -> int:
        return len(self._run("DELETE FROM class_reports WHERE expires < ? RETURNING id", now))


# Redis: a report under avgpool:report:<id> (a hash: owner, data) expiring at the end of its
# retention (EXPIREAT); each teacher's reports in avgpool:reports:<owner>, and every report in
# avgpool:report-index, sorted sets scored by expiry (their expired members dropped as read).

KEEP = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[4])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'teacher_full' end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then return 'full' end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'data', ARGV[2])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[7])
redis.call('EXPIREAT', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[7])
return 'kept'
"""


class RedisReports(RedisClient):
    """Reports in the class's Redis (``redis://host:port/db``)."""

    INDEX = "avgpool:report-index"

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self._keep = self._redis.register_script(KEEP)

    @staticmethod
    def _key(report_id: str) -> str:
        return f"avgpool:report:{report_id}"

    @staticmethod
    def _owner_key(owner: str) -> str:
        return f"avgpool:reports:{owner}"

    def keep(self, report: ClassReport, now: float) -> str:
        data = report.to_json()
        if len(data.encode()) > MAX_REPORT_BYTES:
            return "too_large"
        keys = [self._key(report.id), self._owner_key(report.owner), self.INDEX]
        args = [report.owner, data, int(report.expires), now, MAX_REPORTS_PER_TEACHER, MAX_REPORTS, report.id]
        return self._call(self._keep, keys, args).decode()

    def load(self, owner: str, report_id: str, now: float) -> ClassReport | None:
        kept_owner, data = self._call(self._redis.hmget, self._key(report_id), "owner", "data")
        if data is None or kept_owner is None or kept_owner.decode() != owner:
            return None
        report = ClassReport.from_json(data.decode())
        return report if report.expires >= now else None

    def owned(self, owner: str, now: float) -> list[ClassReport]:
        self._call(self._redis.zremrangebyscore, self._owner_key(owner), "-inf", now)
        ids = [found.decode() for found in self._call(self._redis.zrange, self._owner_key(owner), 0, -1)]
        reports = [self.load(owner, report_id, now) for report_id in ids]
        return sorted((r for r in reports if r is not None), key=lambda report: -report.ended_at)

    def delete(self, owner: str, report_id: str) -> bool:
        if self.load(owner, report_id, 0.0) is None:
            return False
        self._call(self._redis.delete, self._key(report_id))
        self._call(self._redis.zrem, self._owner_key(owner), report_id)
        self._call(self._redis.zrem, self.INDEX, report_id)
        return True

    def sweep(self, now: float) -> int:
        """The reports themselves expire by Redis's key expiry; the index drops them here."""
        return int(self._call(self._redis.zremrangebyscore, self.INDEX, "-inf", now))
