"""Server time and bytes per interaction on the Playground, measured with Streamlit's AppTest.

    python benchmarks/bench_app.py

For each input size, one warm-up run, then ``--repeats`` reruns of the whole Playground
script (what one interaction costs the server: widgets, the numpy core, the torch check,
figure building, serialising). Bytes are the figure JSON sent to the browser per rerun.
The baseline in the same run is the bare core: forward + backward alone.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from pooling import avg_pool2d, avg_pool2d_backward  # noqa: E402

CASES = [("4x4", {}), ("32x32", {"height": "32", "width": "32"}), ("64x64", {"height": "64", "width": "64"})]
GOALS_MS = {"64x64": 100, "128x128 image": 300}
GOAL_BYTES = {"128x128 image": 300_000}


def _png(size: int) -> bytes:
    pixels = (np.random.default_rng(0).random((size, size)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _app(query: dict[str, str], image: bytes | None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if image is not None:
        at.selectbox(key="input").set_value("image").run()
        at.file_uploader(key="image_file").upload("image.png", image, "image/png").run()
    assert not at.exception, at.exception
    return at


def _bytes(at: AppTest) -> int:
    return sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    rows = []
    cases = [(name, query, None) for name, query in CASES] + [("128x128 image", {}, _png(128))]
    for name, query, image in cases:
        at = _app(query, image)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            at.run()
            times.append(1000 * (time.perf_counter() - start))
        shape = {"4x4": (4, 4), "32x32": (32, 32), "64x64": (64, 64)}.get(name, (128, 128))
        x = np.random.default_rng(0).standard_normal(shape)
        start = time.perf_counter()
        for _ in range(args.repeats):
            avg_pool2d_backward(np.ones_like(avg_pool2d(x, 2)), x.shape, 2)
        core_ms = 1000 * (time.perf_counter() - start) / args.repeats
        rows.append((name, statistics.median(times), max(times), core_ms, _bytes(at)))

    print("| input | rerun median (ms) | rerun max (ms) | core fwd+bwd (ms) | figure JSON (kB) | goal |")
    print("|---|---:|---:|---:|---:|---|")
    for name, median, worst, core_ms, size in rows:
        goals = []
        if name in GOALS_MS:
            goals.append(f"≤ {GOALS_MS[name]} ms: {'met' if median <= GOALS_MS[name] else 'MISSED'}")
        if name in GOAL_BYTES:
            goals.append(f"≤ {GOAL_BYTES[name] // 1000} kB: {'met' if size <= GOAL_BYTES[name] else 'MISSED'}")
        print(f"| {name} | {median:.0f} | {worst:.0f} | {core_ms:.2f} | {size / 1000:.0f} | {'; '.join(goals)} |")


if __name__ == "__main__":
    main()
