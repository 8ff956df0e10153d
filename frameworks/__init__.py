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
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from frameworks import jax_flax, keras3, onnx_preflight, onnx_runtime, tensorflow_tape, torch_compile, torch_eager
from frameworks.base import Attempt, Snippet, run_snippet
from frameworks.compare import Difference, compare
from frameworks.divergences import KnownDivergence, known_divergences
from frameworks.explain import CellReason, explain_cell
from pooling import avg_backward, avg_forward
from scenario.params import PoolParams

__all__ = [
    "FRAMEWORKS",
    "Framework",
    "FrameworksBusy",
    "NewSetupLater",
    "NewSetups",
    "Result",
    "Verdict",
    "check",
    "check_in_worker",
    "explain_in_worker",
    "preflight_in_worker",
]


@dataclass(frozen=True)
class Framework:
    """A framework's two snippets' makers, and what it needs first (its name is in the
    catalogue: ``frameworks.report.framework_name``)."""

    native: Callable
    port: Callable


FRAMEWORKS: dict[str, Framework] = {
    "torch": Framework(torch_eager.native, torch_eager.port),
    "compile": Framework(torch_compile.native, torch_compile.port),
    "onnx17": Framework(
        functools.partial(onnx_runtime.native, opset=onnx_runtime.OPSET_17),
        functools.partial(onnx_runtime.port, opset=onnx_runtime.OPSET_17),
    ),
    "onnx_newest": Framework(
        lambda params, plan: onnx_runtime.native(params, plan, onnx_runtime.newest_opset()),
        lambda params, plan: onnx_runtime.port(params, plan, onnx_runtime.newest_opset()),
    ),
    "flax": Framework(jax_flax.native, jax_flax.port),
    "keras": Framework(keras3.native, keras3.port),
    "tensorflow": Framework(tensorflow_tape.native, tensorflow_tape.port),
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


# The frameworks' own thread: one run at a time (Dynamo, TensorFlow and JAX keep global state),
# and its CPU time is not the calling tab's (ui/fairness.py budgets a tab's script thread; a
# framework's first import and a compile cost seconds once per server, not per tab). What it
# may cost is bounded here instead: at most MAX_WAITING runs wait for it (each tab waits for
# one at a time, so this bounds the tabs computing a new setup at once).
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frameworks")
MAX_WAITING = 16
_waiting = 0
_waiting_changed = threading.Condition()  # held to read or change _waiting; notified on each change


class FrameworksBusy(Exception):
    """The frameworks' thread has ``waiting`` runs waiting already: try again in a moment."""

    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} runs are waiting for the frameworks")
        self.waiting = waiting


class NewSetupLater(Exception):
    """A slow framework ran its share of new setups this minute: ``seconds`` until the next."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"a new setup again in {seconds:.0f} s")
        self.seconds = seconds


def check_in_worker(key: str, params: PoolParams, x: np.ndarray, grad_y: np.ndarray) -> Verdict:
    """``check``, run in the frameworks' thread; the caller waits for it (call it for a setup
    not seen before: the page caches verdicts). Raises NewSetupLater when a slow framework has
    run its share of new setups this minute, FrameworksBusy when MAX_WAITING runs wait already."""
    share = NEW_SETUPS.get(key)
    if share is not None and (seconds := share.admit()) is not None:
        raise NewSetupLater(seconds)
    return _in_worker(check, key, params, x, grad_y)


def explain_in_worker(
    key: str, port: bool, params: PoolParams, x: np.ndarray, grad_y: np.ndarray, grid: str, row: int, col: int
) -> CellReason | None:
    """Why a cell of framework ``key``'s own call (or its port) differs from torch's
    (``frameworks.explain``), found by running it again in the frameworks' thread, on a setup
    already checked (no new compile). Raises FrameworksBusy as ``check_in_worker``."""
    return _in_worker(_explain, key, port, params, x, grad_y, grid, row, col)


def preflight_in_worker(data: bytes) -> onnx_preflight.Preflight:
    """An ONNX file's pre-flight (``frameworks.onnx_preflight``: parsing it, each pooling node run
    alone in ONNX Runtime) in the frameworks' thread. Raises FrameworksBusy as ``check_in_worker``."""
    return _in_worker(onnx_preflight.preflight, data)


def _explain(key, port, params, x, grad_y, grid, row, col) -> CellReason | None:
    framework, plan = FRAMEWORKS[key], params.plan(x.shape)
    snippet = (framework.port if port else framework.native)(params, plan)
    try:
        return None if snippet is None else explain_cell(snippet, plan, x, grad_y, grid, row, col)
    except Exception:  # a framework's odd numbers are no reason to tell, never a crash of the page
        return None


def _in_worker(function: Callable, *args):
    """``function(*args)`` in the frameworks' thread, waited for; FrameworksBusy when
    MAX_WAITING runs wait already."""
    global _waiting
    with _waiting_changed:
        if _waiting >= MAX_WAITING:
            raise FrameworksBusy(_waiting)
        _waiting += 1
        _waiting_changed.notify_all()
    try:
        return _WORKER.submit(function, *args).result()
    finally:
        with _waiting_changed:
            _waiting -= 1
            _waiting_changed.notify_all()


class NewSetups:
    """At most ``limit`` new setups per ``window`` seconds for one slow framework on a server
    (torch.compile: seconds of a core per new setup): a tab that keeps changing the setup with
    compile on cannot keep the frameworks' thread busy for everyone. ``clock`` is injectable.

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
