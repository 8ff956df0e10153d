"""A whole class against one `streamlit run app.py`: clients that speak Streamlit's own
websocket protocol (harness/client.py), as the browser does, without drawing anything.

    python benchmarks/bench_class.py                  # 30 students x 10 changes, then 1 student
    python benchmarks/bench_class.py --sessions 60    # a larger class

Each student opens the Playground (64x64 by default) and moves the kernel slider 10 times,
all students at once. A change is timed from sending the slider's value to the server's
"script finished" (the server's share of the wait; the browser's drawing comes on top, see
bench_browser.py). A run that shows an exception, a page that does not show the new kernel,
or any protocol failure counts as an error. Then a 10000 x 10000 image is uploaded once.
The server's peak resident memory comes from /proc after each part. Localhost only.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.client import Session, server
from harness.server import memory_mb


async def _student(url: str, query: str, changes: int, results: dict) -> None:
    try:
        session = await Session.open(url, query)
        for change in range(changes):
            kernel = 3 if change % 2 == 0 else 2
            seconds, received, exception = await session.slide("kernel_h", kernel)
            results["latencies"].append(seconds)
            results["bytes"].append(received)
            if exception:
                results["errors"].append("exception on the page")
            elif not any(f"kernel_size={kernel}" in text for text in session.texts):
                results["errors"].append("the page does not show the new kernel")
        await session.close()
    except Exception as error:  # every failure is counted and reported
        results["errors"].append(f"{type(error).__name__}: {str(error)[:80]}")


async def _class(url: str, sessions: int, query: str, changes: int) -> dict:
    results: dict = {"latencies": [], "bytes": [], "errors": []}
    await asyncio.gather(*(_student(url, query, changes, results) for _ in range(sessions)))
    return results


def _huge_jpeg(size: int = 10_000) -> bytes:
    """A 10000 x 10000 photo-like JPEG (a smooth gradient with noise), built in stripes."""
    image = Image.new("L", (size, size))
    rng = np.random.default_rng(0)
    for top in range(0, size, 1000):
        rows = np.arange(top, top + 1000)[:, None]
        stripe = (rows + np.arange(size)[None, :]) * 255 // (2 * size) + rng.integers(0, 20, (1000, size))
        image.paste(Image.fromarray(stripe.astype(np.uint8)), (0, top))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


async def _upload(url: str, data: bytes) -> tuple[float, bool, str]:
    session = await Session.open(url, "input=image")
    seconds, _, exception = await session.upload("image_file", "huge.jpg", data, "image/jpeg")
    summary = next((text for text in session.texts if "nn.AvgPool2d(" in text), "")
    await session.close()
    return seconds, exception, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--query", default="height=64&width=64", help="the Playground view under test")
    args = parser.parse_args()
    with server() as (url, pid):
        print(f"Playground `{args.query}`, kernel slider moved back and forth; server time per change.\n")
        print("| students | changes each | p50 (s) | p95 (s) | max (s) | errors | kB per change | peak RSS (MB) |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for sessions in (args.sessions, 1):
            results = asyncio.run(_class(url, sessions, args.query, args.changes))
            ordered = sorted(results["latencies"]) or [float("nan")]
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            kilobytes = statistics.median(results["bytes"]) / 1000 if results["bytes"] else float("nan")
            print(
                f"| {sessions} | {args.changes} | {statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} "
                f"| {len(results['errors'])} | {kilobytes:.0f} | {memory_mb(pid, peak=True):.0f} |",
                flush=True,
            )
            for error in sorted(set(results["errors"]))[:5]:
                print(f"  error: {error}")
        data = _huge_jpeg()
        before = memory_mb(pid, peak=True)
        seconds, exception, summary = asyncio.run(_upload(url, data))
        after = memory_mb(pid, peak=True)
        full_size_mb = 10_000 * 10_000 / 1e6  # one 8-bit grayscale copy at full size
        print(
            f"\nA 10000 x 10000 JPEG ({len(data) / 1e6:.1f} MB file) uploaded: {seconds:.2f} s, "
            f"{'an exception' if exception else 'no exception'}; {summary.split(';')[0].strip('`')}. "
            f"Server peak RSS {before:.0f} -> {after:.0f} MB (one full-size 8-bit copy would be "
            f"{full_size_mb:.0f} MB)."
        )


if __name__ == "__main__":
    main()
