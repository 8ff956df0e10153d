"""Time our numpy forward+backward against torch's CPU kernels, in the same run.

    python benchmarks/bench_core.py            # the table recorded in README.md
    python benchmarks/bench_core.py --quick    # fewer repeats

Both sides get one thread (numpy's element-wise passes are single-threaded, so torch is
pinned with ``torch.set_num_threads(1)``), float64, one (1, 1, n, n) input, and the same
random upstream gradient. Each cell of the table is the best of several repeats.
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


def best_times(ours, theirs, repeats: int) -> tuple[float, float]:
    """Fastest of ``repeats`` runs of each, in milliseconds, after one warm-up. The two
    alternate, so a busy moment of the machine hits both alike."""
    ours(), theirs()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for run, record in ((ours, times[0]), (theirs, times[1])):
            start = time.perf_counter()
            run()
            record.append(time.perf_counter() - start)
    return 1000 * min(times[0]), 1000 * min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)

    print(f"numpy {np.__version__}, torch {torch.__version__}, threads: 1 each, float64")
    print("| n | kernel | stride | ours fwd+bwd (ms) | torch fwd+bwd (ms) | ours/torch |")
    print("|---:|---:|---:|---:|---:|---:|")
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

            def theirs(x_torch=x_torch, grad_torch=grad_torch, kernel=kernel, stride=stride) -> None:
                x_torch.grad = None
                F.avg_pool2d(x_torch, kernel, stride).backward(grad_torch)

            repeats = 3 if args.quick else 5 if n >= 1024 else 20
            ours_ms, torch_ms = best_times(ours, theirs, repeats)
            print(
                f"| {n} | {kernel} | {stride} | {ours_ms:.2f} | {torch_ms:.2f} | {ours_ms / torch_ms:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
