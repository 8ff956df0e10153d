"""Time the digits CNN's forward+backward in numpy against its torch twin, in the same run.

    python benchmarks/bench_network.py            # the table recorded in docs/benchmarks.md
    python benchmarks/bench_network.py --quick    # fewer repeats

float64, the shipped weights and test digits (``scenario/digits_cnn.npz``), batches of 1
(what picking a digit costs), 20 (the shown digits) and 360 (the whole test split). Ours is
``scenario.network.network_pass``: every intermediate, both poolings by our core, the loss,
every gradient down to the first pooling's ∂L/∂x, Grad-CAM. torch runs the same module
(``pooling.reference.DigitsCNN``, built once) forward and backward with every intermediate's
gradient kept, with one thread and with its default count; the last column is the call the
page's badge makes (``torch_digits_network``: it also builds the module from the arrays and
converts every result to numpy). Each cell is the best of several alternating repeats.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_core import best_times

from pooling.reference import DigitsCNN, torch_digits_network
from scenario.network import load_digits_cnn, network_pass

BATCHES = (1, 20, 360)


def torch_pass(network: DigitsCNN, pixels: torch.Tensor, targets: torch.Tensor) -> None:
    """Forward and backward through the module, keeping every intermediate's gradient."""
    steps = network.steps(pixels)
    for name in ("x1", "y1", "conv2", "x2", "y2", "logits"):
        steps[name].retain_grad()
    F.cross_entropy(steps["logits"], targets, reduction="sum").backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    data, default_threads = load_digits_cnn(), torch.get_num_threads()
    network = DigitsCNN.from_arrays(data.weights.arrays())
    # Only conv1's bias is a leaf that needs a gradient: the cheapest way to make autograd
    # compute every intermediate's gradient (as ours does) and no weight's (ours has none).
    for name, parameter in network.named_parameters():
        parameter.requires_grad_(name == "conv1.bias")

    print(f"torch {torch.__version__}, float64; torch threads: 1 and {default_threads}")
    print(
        "| digits | ours fwd+bwd (ms) | torch, 1 thread (ms) | ours/torch | "
        f"torch, {default_threads} threads (ms) | ours/torch | the badge's torch call (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count in BATCHES:
        pixels, targets = data.pixels[:count], data.labels[:count]
        pixels_torch, targets_torch = torch.tensor(pixels), torch.tensor(targets)

        def ours(pixels=pixels, targets=targets) -> None:
            network_pass(data.weights, pixels, targets)

        def theirs(threads: int, pixels_torch=pixels_torch, targets_torch=targets_torch):
            def run() -> None:
                torch.set_num_threads(threads)
                torch_pass(network, pixels_torch, targets_torch)

            return run

        def badge(pixels=pixels, targets=targets) -> None:
            torch.set_num_threads(default_threads)
            torch_digits_network(data.weights.arrays(), pixels, targets)

        repeats = 20 if args.quick else 200 if count < 360 else 50
        ours_ms, one_ms, default_ms, badge_ms = best_times([ours, theirs(1), theirs(default_threads), badge], repeats)
        print(
            f"| {count} | {ours_ms:.2f} | {one_ms:.2f} | {ours_ms / one_ms:.2f} | "
            f"{default_ms:.2f} | {ours_ms / default_ms:.2f} | {badge_ms:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
