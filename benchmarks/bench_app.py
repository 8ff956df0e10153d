"""Server time and bytes per interaction on the Playground, against a real `streamlit run`.

    python benchmarks/bench_app.py [--repeats 20]

For each input, a client that speaks Streamlit's websocket protocol (harness/client.py)
opens the Playground, makes two warm-up changes, then moves the kernel slider back and forth
``--repeats`` times. Each change is timed from sending the slider's value to the server's
"script finished" (widgets, the numpy core, the cached torch check, figures, serialising,
sending), and its bytes are everything the server sent for it (mostly the figure JSON). The
baseline in the same run is the bare core: forward + backward alone.

A second table weighs the grid component's own code (grids.js and grids.css, ~30 kB): a
second server with ``--server.enableStaticServing false`` sends it with every run, as the
app did before it served the code as files (ui/display.py); the baseline for the bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.client import Session, server
from pooling import avg_pool2d, avg_pool2d_backward

CASES = {
    "4x4": "",
    "32x32": "height=32&width=32",
    "64x64": "height=64&width=64",
    "128x128 image": "input=image",
}
GOALS_MS = {"64x64": 100, "128x128 image": 300}
GOAL_BYTES = {"128x128 image": 300_000}
CODE_CASES = ("4x4", "64x64")  # the component's code weighed on these views


def _png(size: int) -> bytes:
    pixels = (np.random.default_rng(0).random((size, size)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _core_ms(size: int, repeats: int) -> float:
    x = np.random.default_rng(0).standard_normal((size, size))
    start = time.perf_counter()
    for _ in range(repeats):
        avg_pool2d_backward(np.ones_like(avg_pool2d(x, 2)), x.shape, 2)
    return 1000 * (time.perf_counter() - start) / repeats


async def _measure(url: str, query: str, repeats: int) -> tuple[list[float], list[int], int]:
    session = await Session.open(url, query)
    if "input=image" in query:
        await session.upload("image_file", "image.png", _png(128), "image/png")
    times, sizes, errors = [], [], 0
    for change in range(repeats + 2):
        seconds, received, exception = await session.slide("kernel_h", 3 if change % 2 == 0 else 2)
        errors += exception
        if change >= 2:  # two warm-up changes
            times.append(1000 * seconds)
            sizes.append(received)
    await session.close()
    return times, sizes, errors


def _interaction_table(url: str, repeats: int) -> dict[str, float]:
    """Time and bytes per change for each input; returns the median bytes by input."""
    print("| input | per change, median (ms) | max (ms) | core fwd+bwd (ms) | sent per change (kB) | errors | goal |")
    print("|---|---:|---:|---:|---:|---:|---|")
    sent = {}
    for name, query in CASES.items():
        times, sizes, errors = asyncio.run(_measure(url, query, repeats))
        median, size = statistics.median(times), statistics.median(sizes)
        sent[name] = size
        core = _core_ms(128 if "image" in name else int(name.split("x")[0]), repeats)
        goals = []
        if name in GOALS_MS:
            goals.append(f"≤ {GOALS_MS[name]} ms: {'met' if median <= GOALS_MS[name] else 'MISSED'}")
        if name in GOAL_BYTES:
            goals.append(f"≤ {GOAL_BYTES[name] // 1000} kB: {'met' if size <= GOAL_BYTES[name] else 'MISSED'}")
        print(
            f"| {name} | {median:.0f} | {max(times):.0f} | {core:.2f} | {size / 1000:.0f} | {errors} "
            f"| {'; '.join(goals)} |",
            flush=True,
        )
    return sent


def _code_table(now: dict[str, float], once: int, repeats: int) -> None:
    """Bytes per change with the component's code in every run (the baseline, measured now on
    a second server) against the code served once per tab (``now``, from the first table)."""
    with server("--server.enableStaticServing", "false") as (url, _):
        before = {name: statistics.median(asyncio.run(_measure(url, CASES[name], repeats))[1]) for name in CODE_CASES}
    columns = [f"{name}: sent per change (kB)" for name in CODE_CASES]
    print("\n| the grid component's code | " + " | ".join(columns) + " | loaded once per tab (kB) |")
    print("|---|" + "---:|" * (len(CODE_CASES) + 1))
    for label, sizes, loaded in (
        ("in every run (baseline: static serving off, as before)", before, 0),
        ("once per tab, from `app/static/` (now)", now, once),
    ):
        cells = [f"{sizes[name] / 1000:.1f}" for name in CODE_CASES] + [f"{loaded / 1000:.1f}"]
        print(f"| {label} | " + " | ".join(cells) + " |")


def _served_code_bytes(url: str) -> int:
    """What a tab loads once: the component's files as the server sends them."""
    return sum(len(requests.get(f"{url}/app/static/{name}", timeout=30).content) for name in ("grids.js", "grids.css"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with server() as (url, _):
        now = _interaction_table(url, args.repeats)
        once = _served_code_bytes(url)
    _code_table(now, once, args.repeats)


if __name__ == "__main__":
    main()
