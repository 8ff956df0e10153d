"""Train the digits CNN of the page "In a network" and write the file the app reads.

    python scripts/train_digits.py                      # writes scenario/digits_cnn.npz
    python scripts/train_digits.py --epochs 2 --out /tmp/quick.npz

scikit-learn's ``load_digits`` (1,797 handwritten digits of 8x8, pixels 0..16, inside the
wheel: nothing is downloaded), split once into 1,437 training and 360 test digits (stratified,
``random_state=SEED``). ``pooling.reference.DigitsCNN`` (the one definition, also the tests'
torch twin) is trained in float64 by Adam with a one-cycle learning rate, on one CPU thread
with torch's deterministic algorithms: the same command on the same machine writes the same
file, byte for byte. On another CPU the weights differ in their last bits (torch picks its vector
kernels by CPU; ~1e-15 here), never in the accuracy or any test digit's answer.
The test accuracy is measured by the numpy network the app runs (``scenario.network``).

The file holds the weights (float64), the whole test split (pixels as uint8, labels, their
rows in ``load_digits()``), ``shown`` (two test digits per class, the first in test order)
and ``meta`` (JSON: the accuracy, the command, the settings, the weights' fingerprint).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
import time
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from pooling.reference import DigitsCNN  # noqa: E402
from scenario.network import DATA_FILE, DigitsWeights, accuracy  # noqa: E402

SEED = 0
EPOCHS = 40
BATCH_SIZE = 32
MAX_LEARNING_RATE = 0.05
TEST_FRACTION = 0.2
SHOWN_PER_CLASS = 2


def split_digits(seed: int = SEED) -> dict[str, np.ndarray]:
    """load_digits split once: ``train_pixels``/``test_pixels`` (N, 1, 8, 8) of 0..16, their
    labels, and ``test_indices`` (the test digits' rows in ``load_digits()``)."""
    digits = load_digits()
    rows = np.arange(len(digits.target))
    train, test = train_test_split(rows, test_size=TEST_FRACTION, random_state=seed, stratify=digits.target)
    pixels = digits.images.reshape(-1, 1, 8, 8)
    return {
        "train_pixels": pixels[train],
        "train_labels": digits.target[train],
        "test_pixels": pixels[test],
        "test_labels": digits.target[test],
        "test_indices": test,
    }


@contextlib.contextmanager
def reproducible() -> Iterator[None]:
    """One thread and deterministic algorithms while inside (then torch's settings as before)."""
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def train(pixels: np.ndarray, labels: np.ndarray, epochs: int = EPOCHS, seed: int = SEED) -> dict[str, np.ndarray]:
    """DigitsCNN trained from ``torch.manual_seed(seed)``: its weights by ``state_dict`` name."""
    with reproducible():
        torch.manual_seed(seed)
        network = DigitsCNN().to(torch.float64)
        inputs, targets = torch.tensor(pixels, dtype=torch.float64), torch.tensor(labels, dtype=torch.long)
        batches = -(-len(inputs) // BATCH_SIZE)
        optimizer = torch.optim.Adam(network.parameters(), lr=MAX_LEARNING_RATE)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, MAX_LEARNING_RATE, total_steps=epochs * batches)
        order = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            shuffled = torch.randperm(len(inputs), generator=order)
            for batch in shuffled.split(BATCH_SIZE):
                optimizer.zero_grad()
                F.cross_entropy(network(inputs[batch]), targets[batch]).backward()
                optimizer.step()
                schedule.step()
    return {name: tensor.detach().numpy().copy() for name, tensor in network.state_dict().items()}


def fingerprint(weights: Mapping[str, np.ndarray]) -> str:
    """SHA-256 of the weights' names, shapes and float64 bytes (first 16 hex digits)."""
    digest = hashlib.sha256()
    for name in sorted(weights):
        array = np.ascontiguousarray(weights[name], dtype=np.float64)
        digest.update(f"{name}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def shown_rows(labels: np.ndarray, per_class: int = SHOWN_PER_CLASS) -> np.ndarray:
    """The first ``per_class`` rows of each class, class by class."""
    return np.concatenate([np.flatnonzero(labels == digit)[:per_class] for digit in range(10)])


def write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed``, but with fixed time stamps: the same arrays, the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())


def command_line(args: argparse.Namespace) -> str:
    """The command that makes this file, with only the options that differ from the defaults."""
    words = ["python", "scripts/train_digits.py"]
    if args.epochs != EPOCHS:
        words += ["--epochs", str(args.epochs)]
    if args.seed != SEED:
        words += ["--seed", str(args.seed)]
    if Path(args.out).resolve() != DATA_FILE:
        words += ["--out", str(args.out)]
    return " ".join(words)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"passes over the training digits ({EPOCHS})")
    parser.add_argument("--seed", type=int, default=SEED, help="the split, the initial weights and the batch order")
    parser.add_argument("--out", type=Path, default=DATA_FILE, help="where to write the file")
    args = parser.parse_args(argv)
    data = split_digits(args.seed)
    start = time.perf_counter()
    weights = train(data["train_pixels"], data["train_labels"], args.epochs, args.seed)
    seconds = time.perf_counter() - start
    test_accuracy = accuracy(DigitsWeights.from_arrays(weights), data["test_pixels"], data["test_labels"])
    meta = {
        "accuracy": test_accuracy,
        "correct": round(test_accuracy * len(data["test_labels"])),
        "test_count": len(data["test_labels"]),
        "train_count": len(data["train_labels"]),
        "command": command_line(args),
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": BATCH_SIZE,
        "max_learning_rate": MAX_LEARNING_RATE,
        "fingerprint": fingerprint(weights),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
    }
    write_npz(
        args.out,
        {
            **weights,
            "test_pixels": data["test_pixels"].astype(np.uint8),
            "test_labels": data["test_labels"].astype(np.uint8),
            "test_indices": data["test_indices"].astype(np.int16),
            "shown": shown_rows(data["test_labels"]).astype(np.int16),
            "meta": np.array(json.dumps(meta, sort_keys=True)),
        },
    )
    print(f"trained in {seconds:.1f} s; test accuracy {test_accuracy:.2%} ({meta['correct']}/{meta['test_count']})")
    print(f"wrote {args.out} (weights {meta['fingerprint']})")


if __name__ == "__main__":
    main()
