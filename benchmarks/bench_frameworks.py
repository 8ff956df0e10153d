"""Time to each framework's verdict on the Across frameworks page, against the exact core alone.

    python benchmarks/bench_frameworks.py            # the table recorded in docs/benchmarks.md
    python benchmarks/bench_frameworks.py --no-compile   # without torch.compile (~25 s less)

One process, as the server runs them: each framework in turn runs ``frameworks.check`` (its own
call, judged, its known issues, its port when needed) on a first setup (the framework's import
and first calls included), on a second, new setup (a new export, a new compile), and on the
first setup again (its code kept, as for another x of a setup seen before; the page itself then
answers from its cache). The baseline, measured in the same run: the exact core's forward and
backward of the first setup. Memory: the process's resident set after each framework's runs.
Then a click's explanation (``frameworks.explain``) of a differing cell, for torch.compile, and
what worker processes would hold: each framework alone in a fresh process (its first setup),
its resident memory beside the shared process's. Inductor compiles into a fresh cache
directory (``TORCHINDUCTOR_CACHE_DIR``), so a compile is timed cold, not read from an earlier run's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from frameworks import FRAMEWORKS, check, explain_in_worker
from frameworks.report import framework_name
from pooling import avg_backward, avg_forward
from scenario.params import PoolParams

ROOT = Path(__file__).resolve().parents[1]
SHAPE = (8, 8)
FIRST = PoolParams((3, 3), (2, 2), ceil_mode=True)  # torch.compile's ∂L/∂x differs here
SECOND = PoolParams((2, 2), (1, 1), (1, 1))  # a setup not run before: new code everywhere
REPEATS = 9


def resident_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def setup(params: PoolParams, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(SHAPE), rng.standard_normal(params.plan(SHAPE).output_shape)


ALONE = """
import sys
sys.path.insert(0, {root!r})
from benchmarks.bench_frameworks import FIRST, resident_mb, setup
from frameworks import check
x, grad_y = setup(FIRST, 0)
check({key!r}, FIRST, x, grad_y)
print(resident_mb())
"""


def alone_mb(key: str) -> float:
    """Resident memory of a fresh process that ran only this framework's first setup."""
    code = ALONE.format(root=str(ROOT), key=key)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-compile", action="store_true", help="leave torch.compile out")
    parser.add_argument("--no-alone", action="store_true", help="skip the one-framework processes")
    args = parser.parse_args()
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="bench-inductor-"))  # before torch
    (x, grad_y), (x2, grad_y2) = setup(FIRST, 0), setup(SECOND, 1)
    plan = FIRST.plan(SHAPE)
    core = [timed(lambda: (avg_forward(x, plan), avg_backward(grad_y, plan))) for _ in range(20)]
    core_ms = 1000 * statistics.median(core)
    calls = (params.torch_call("F.avg_pool2d", "x") for params in (FIRST, SECOND))
    print(f"{SHAPE[0]}x{SHAPE[1]} x; the first setup {next(calls)}, the second {next(calls)}")
    print(f"baseline: the exact core's forward and backward, median of 20: {core_ms:.3f} ms")
    print(f"resident at rest (numpy, the frameworks package, no framework imported): {resident_mb():.0f} MB")
    print("| framework | first setup (s) | a new setup (s) | same setup again (ms, median) | again / core "
          "| resident after (MB) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for key in FRAMEWORKS:
        if key == "compile" and args.no_compile:
            continue
        first = timed(lambda key=key: check(key, FIRST, x, grad_y))
        new = timed(lambda key=key: check(key, SECOND, x2, grad_y2))
        again = [timed(lambda key=key: check(key, FIRST, x, grad_y)) for _ in range(REPEATS)]
        again = 1000 * statistics.median(again)
        print(
            f"| {framework_name(key, 'en')} | {first:.2f} | {new:.2f} | {again:.1f} | {again / core_ms:.0f}× "
            f"| {resident_mb():.0f} |"
        )
    if not args.no_compile:
        seconds = [timed(lambda cell=cell: explain_in_worker("compile", False, FIRST, x, grad_y, "grad", *cell))
                   for cell in ((7, 7), (6, 7), (2, 7))]  # fmt: skip
        print(f"a click's explanation, torch.compile ∂L/∂x (3 cells): {', '.join(f'{s:.2f} s' for s in seconds)}")
    shared = resident_mb()
    if args.no_alone:
        return
    keys = [key for key in FRAMEWORKS if not (key == "compile" and args.no_compile)]
    alone = {key: alone_mb(key) for key in keys}
    print(f"\nresident, all in this process: {shared:.0f} MB; each framework alone in a fresh process (MB):")
    print("| " + " | ".join(framework_name(key, "en") for key in keys) + " | sum |")
    print("|" + "---:|" * (len(keys) + 1))
    print("| " + " | ".join(f"{alone[key]:.0f}" for key in keys) + f" | {sum(alone.values()):.0f} |")


if __name__ == "__main__":
    main()
