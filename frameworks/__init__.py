"""Average pooling in other frameworks, run live and judged against our exact core.

One small module per framework, each with ``native(params, plan)`` (the framework's own call
closest to the setup) and ``port(params, plan)`` (code in that framework that gives torch's
numbers); both return code that runs (``frameworks.base``). ``check`` runs one framework on
one setup and says where it agrees with the core, where not, and which known public issue
(``frameworks.divergences``) the difference matches. Frameworks are imported only when run.

    check("tensorflow", PoolParams((3, 3), (2, 2), (1, 1)), x, grad_y)  # -> Verdict
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from frameworks import (
    jax_flax,
    keras3,
    onnx_preflight,
    onnx_runtime,
    tensorflow_tape,
    torch_compile,
    torch_eager,
    workers,
)
from frameworks.base import Attempt, Snippet, run_snippet
from frameworks.compare import Difference, compare
from frameworks.divergences import KnownDivergence, known_divergences
from frameworks.explain import CellReason, explain_cell
from frameworks.jobs import Job, Jobs
from pooling import avg_backward, avg_forward
from scenario.params import PoolParams

__all__ = [
    "FRAMEWORKS",
    "Framework",
    "FrameworksBusy",
    "Job",
    "NewSetupLater",
    "NewSetups",
    "Result",
    "Unavailable",
    "Verdict",
    "check",
    "check_in_worker",
    "explain_in_worker",
    "preflight_in_worker",
    "submit_check",
]


@dataclass(frozen=True)
class Framework:
    """A framework's two snippets' makers, and the worker its code runs in (its name is in the
    catalogue: ``frameworks.report.framework_name``)."""

    native: Callable
    port: Callable
    runtime: str = "torch"  # frameworks.workers.RUNTIMES: its worker, and its lane here


FRAMEWORKS: dict[str, Framework] = {
    "torch": Framework(torch_eager.native, torch_eager.port),
    "compile": Framework(torch_compile.native, torch_compile.port, "compile"),
    "onnx17": Framework(
        functools.partial(onnx_runtime.native, opset=onnx_runtime.OPSET_17),
        functools.partial(onnx_runtime.port, opset=onnx_runtime.OPSET_17),
    ),
    "onnx_newest": Framework(
        lambda params, plan: onnx_runtime.native(params, plan, onnx_runtime.newest_opset()),
        lambda params, plan: onnx_runtime.port(params, plan, onnx_runtime.newest_opset()),
    ),
    "flax": Framework(jax_flax.native, jax_flax.port, "jax"),
    "keras": Framework(keras3.native, keras3.port, "jax"),
    "tensorflow": Framework(tensorflow_tape.native, tensorflow_tape.port, "tensorflow"),
}


@dataclass(frozen=True)
class Result:
    """One snippet run and judged: its numbers, and each pass against the core (None: not computed)."""

    attempt: Attempt
    forward: Difference | None
    backward: Difference | None

    @property
    def agrees(self) -> bool:
        passes = [self.forward, self.backward] if self.attempt.snippet.backward else [self.forward]
        return self.attempt.error is None and all(p is not None and p.agrees for p in passes)


@dataclass(frozen=True)
class Verdict:
    """A framework on one setup: its own call, the known issues its difference matches, and
    the port (run only when the own call cannot say the setup or does not agree)."""

    framework: str
    native: Result
    known: tuple[KnownDivergence, ...] = ()
    port: Result | None = None


def _judge(snippet: Snippet, x: np.ndarray, grad_y: np.ndarray, exact: tuple[np.ndarray, np.ndarray]) -> Result:
    attempt = run_snippet(snippet, x, grad_y)
    if attempt.error is not None:
        return Result(attempt, None, None)
    forward = compare(attempt.y, exact[0], snippet.dtype)
    backward = None if attempt.grad_x is None else compare(attempt.grad_x, exact[1], snippet.dtype)
    return Result(attempt, forward, backward)


def check(key: str, params: PoolParams, x: np.ndarray, grad_y: np.ndarray) -> Verdict:
    """Run framework ``key`` on x (2D) with ∂L/∂y ``grad_y``, and judge it against the core."""
    framework = FRAMEWORKS[key]
    plan = params.plan(x.shape)
    exact = (avg_forward(x, plan), avg_backward(grad_y, plan))
    native = _judge(framework.native(params, plan), x, grad_y, exact)
    found = {"forward": native.attempt.y, "backward": native.attempt.grad_x}
    dtype = native.attempt.snippet.dtype
    known = () if native.attempt.error else tuple(known_divergences(key, plan, x, grad_y, found, dtype))
    port_snippet = None if native.agrees and native.attempt.snippet.cannot is None else framework.port(params, plan)
    port = None if port_snippet is None else _judge(port_snippet, x, grad_y, exact)
    return Verdict(key, native, known, port)


# The frameworks' lanes: a thread per runtime (its worker process runs one snippet at a time),
# so a framework's import or compile holds up only the frameworks of its runtime, and a tab
# never waits in its script for any of them (``submit_check`` returns a job to watch). Their
# CPU time is not the calling tab's (ui/fairness.py budgets a tab's script thread; an import or
# a compile costs seconds once per server, not per tab). What they may cost is bounded here
# instead: at most MAX_WAITING runs are asked for and not finished, over every lane.
_LANES = {
    runtime: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"frameworks-{runtime}")
    for runtime in workers.RUNTIMES
}
MAX_WAITING = 32  # a new setup asks for 7 runs: four or so tabs' new setups at once
_waiting = 0
_waiting_changed = threading.Condition()  # held to read or change _waiting; notified on each change
JOBS = Jobs()  # every verdict asked for on this server, by setup


class FrameworksBusy(Exception):
    """The frameworks' lanes have ``waiting`` runs waiting already: try again in a moment."""

    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} runs are waiting for the frameworks")
        self.waiting = waiting


class Unavailable(Exception):
    """A framework cannot run on this server (``reason``: an i18n key; ``params``: its values)."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason, self.params = reason, params


class NewSetupLater(Exception):
    """A slow framework ran its share of new setups this minute: ``seconds`` until the next."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"a new setup again in {seconds:.0f} s")
        self.seconds = seconds


def submit_check(key: str, params: PoolParams, x: np.ndarray, grad_y: np.ndarray) -> Job:
    """The job computing ``check(key, ...)`` in its runtime's lane: the one any tab asked for on
    this setup already (running or done), else a new one; the caller does not wait. Raises
    Unavailable (torch.compile without a C++ compiler), NewSetupLater when a slow framework has
    run its share of new setups this minute, FrameworksBusy when MAX_WAITING runs wait already."""
    digest = _digest(key, params, x, grad_y)
    with _submitting:  # two tabs asking for one new setup get one job
        if (job := JOBS.job(digest)) is not None:
            return job
        if key == "compile" and (compiler := torch_compile.missing_compiler()) is not None:
            raise Unavailable("frameworks.no_compiler", compiler=compiler)
        _take_a_place()
        share = NEW_SETUPS.get(key)
        if share is not None and (seconds := share.admit()) is not None:
            _leave_a_place(None)
            raise NewSetupLater(seconds)
        runtime = FRAMEWORKS[key].runtime
        job = Job(key, cold=runtime not in workers.running(), submitted=JOBS.clock())
        job.future = _LANES[runtime].submit(JOBS.run, job, check, key, params, x, grad_y)
        job.future.add_done_callback(_leave_a_place)
        return JOBS.add(digest, job)


def check_in_worker(key: str, params: PoolParams, x: np.ndarray, grad_y: np.ndarray) -> Verdict:
    """``submit_check``'s job, waited for (benchmarks and tests; the page watches the job)."""
    return submit_check(key, params, x, grad_y).future.result()


_submitting = threading.Lock()


def _digest(key: str, params: PoolParams, x: np.ndarray, grad_y: np.ndarray) -> str:
    """One setup of one framework, as a key: the numbers' bytes and shapes, not their repr."""
    parts = [key, repr(params), str(x.shape), str(grad_y.shape)]
    digest = hashlib.sha256("|".join(parts).encode())
    digest.update(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    digest.update(np.ascontiguousarray(grad_y, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _take_a_place() -> None:
    """One more run asked for and not finished; FrameworksBusy when MAX_WAITING are already."""
    global _waiting
    with _waiting_changed:
        if _waiting >= MAX_WAITING:
            raise FrameworksBusy(_waiting)
        _waiting += 1
        _waiting_changed.notify_all()


def _leave_a_place(_future: object) -> None:
    global _waiting
    with _waiting_changed:
        _waiting -= 1
        _waiting_changed.notify_all()


def explain_in_worker(
    key: str, port: bool, params: PoolParams, x: np.ndarray, grad_y: np.ndarray, grid: str, row: int, col: int
) -> CellReason | None:
    """Why a cell of framework ``key``'s own call (or its port) differs from torch's
    (``frameworks.explain``), found by running it again in its runtime's lane, on a setup
    already checked (no new compile), in its runtime's lane. Raises FrameworksBusy as
    ``submit_check``."""
    return _in_worker(FRAMEWORKS[key].runtime, _explain, key, port, params, x, grad_y, grid, row, col)


def preflight_in_worker(data: bytes) -> onnx_preflight.Preflight:
    """An ONNX file's pre-flight (``frameworks.onnx_preflight``: parsing it, each pooling node run
    alone in ONNX Runtime) in the torch lane (ONNX Runtime's). Raises FrameworksBusy as ``submit_check``."""
    return _in_worker("torch", onnx_preflight.preflight, data)


def _explain(key, port, params, x, grad_y, grid, row, col) -> CellReason | None:
    framework, plan = FRAMEWORKS[key], params.plan(x.shape)
    snippet = (framework.port if port else framework.native)(params, plan)
    try:
        return None if snippet is None else explain_cell(snippet, plan, x, grad_y, grid, row, col)
    except Exception:  # a framework's odd numbers are no reason to tell, never a crash of the page
        return None


def _in_worker(runtime: str, function: Callable, *args):
    """``function(*args)`` in ``runtime``'s lane, waited for; FrameworksBusy when MAX_WAITING
    runs wait already."""
    _take_a_place()
    future = _LANES[runtime].submit(function, *args)
    future.add_done_callback(_leave_a_place)
    return future.result()


class NewSetups:
    """At most ``limit`` new setups per ``window`` seconds for one slow framework on a server
    (torch.compile: seconds of a core per new setup): a tab that keeps changing the setup with
    compile on cannot keep the compile lane busy for everyone. ``clock`` is injectable.

    >>> now = [0.0]
    >>> compiles = NewSetups(2, 60.0, clock=lambda: now[0])
    >>> compiles.admit(), compiles.admit(), compiles.admit()
    (None, None, 60.0)
    >>> now[0] = 61.0; compiles.admit()
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.admitted: deque[float] = deque()
        self.lock = threading.Lock()

    def admit(self) -> float | None:
        """None: go ahead (counted); else the seconds until the next new setup is admitted."""
        with self.lock:
            now = self.clock()
            while self.admitted and self.admitted[0] <= now - self.window:
                self.admitted.popleft()
            if len(self.admitted) >= self.limit:
                return (self.admitted[0] if self.admitted else now) + self.window - now
            self.admitted.append(now)
            return None


# New setups per minute and server for the slow frameworks (torch.compile: 4-24 s of a core each).
NEW_SETUPS = {"compile": NewSetups(limit=6, window=60.0)}
