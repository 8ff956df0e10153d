"""Time our numpy forward+backward against torch's CPU kernels, in the same run.

    python benchmarks/bench_core.py            # the table recorded in docs/benchmarks.md
    python benchmarks/bench_core.py --quick    # fewer repeats

float64, one (1, 1, n, n) input, and the same random upstream gradient on both sides. torch
runs twice: with one thread (``torch.set_num_threads(1)``, like numpy's element-wise passes)
and with its default thread count (what a user gets). Each cell of the table is the best of
several repeats.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pooling import avg_pool2d, avg_pool2d_backward

SIZES = (64, 256, 1024, 2048)
CONFIGS = ((2, 2), (3, 1), (7, 1), (15, 1))  # (kernel, stride)


def best_times(runs, repeats: int) -> list[float]:
    """Fastest of ``repeats`` runs of each, in milliseconds, after one warm-up. They take
    turns, so a busy moment of the machine hits all alike."""
    for run in runs:
        run()
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, record in zip(runs, times):
            start = time.perf_counter()
            run()
            record.append(time.perf_counter() - start)
    return [1000 * min(record) for record in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    rng = np.random.default_rng(0)

    print(f"numpy {np.__version__}, torch {torch.__version__}, float64; torch threads: 1 and {default_threads}")
    print(
        "| n | kernel | stride | ours fwd+bwd (ms) | torch, 1 thread (ms) | ours/torch | "
        f"torch, {default_threads} threads (ms) | ours/torch |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in SIZES:
        x = rng.standard_normal((1, 1, n, n))
        for kernel, stride in CONFIGS:
            out = (n - kernel) // stride + 1
            grad_output = rng.standard_normal((1, 1, out, out))
            x_torch = torch.tensor(x, requires_grad=True)
            grad_torch = torch.tensor(grad_output)

            def ours(x=x, grad_output=grad_output, kernel=kernel, stride=stride) -> None:
                avg_pool2d(x, kernel, stride)
                avg_pool2d_backward(grad_output, x.shape, kernel, stride)

            def theirs(threads: int, x_torch=x_torch, grad_torch=grad_torch, kernel=kernel, stride=stride):
                def run() -> None:
                    torch.set_num_threads(threads)
                    x_torch.grad = None
                    F.avg_pool2d(x_torch, kernel, stride).backward(grad_torch)

                return run

            repeats = 3 if args.quick else 5 if n >= 1024 else 20
            ours_ms, one_ms, default_ms = best_times([ours, theirs(1), theirs(default_threads)], repeats)
            print(
                f"| {n} | {kernel} | {stride} | {ours_ms:.2f} | {one_ms:.2f} | {ours_ms / one_ms:.2f} | "
                f"{default_ms:.2f} | {ours_ms / default_ms:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
