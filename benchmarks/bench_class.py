"""A whole class against one `streamlit run app.py`: clients that speak Streamlit's own
websocket protocol (harness/client.py), as the browser does, without drawing anything.

    python benchmarks/bench_class.py                  # the class, then beside 5 worst-case tabs
    python benchmarks/bench_class.py --sessions 60    # a larger class
    python benchmarks/bench_class.py --worst 0        # the class only

Each student opens the Playground (64x64 by default) and moves the kernel slider 10 times. A
change is timed from sending the slider's value to the server's "script finished" (the
server's share of the wait; the browser's drawing comes on top, see bench_browser.py). A run
that shows an exception, a page that does not show the new kernel, or any protocol failure
counts as an error. The class runs three ways: every student changing back to back with no
pause (harder than a real class); students who think ``--pause`` seconds (0.5 to 1.5 times
that, at random) between changes, as in a lesson; and that same class while ``--worst`` tabs
rerun the most expensive legitimate view back to back: a 128 x 128 upload, kernel 1,
stride 1, "The numbers behind the picture", "Export" and both "The numbers as tables" open.
That view's own cost per rerun (server CPU seconds, bytes sent) is measured first, one tab
alone. Then one student alone, and the largest image the app reads (16 megapixels) uploaded
once. The server's peak resident memory comes from /proc after each part. Localhost only.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.client import Session, server
from harness.server import memory_mb

# The most expensive view a student can legitimately open (issue 19): a 128 x 128 upload,
# kernel 1 and stride 1 (as many outputs as inputs), every expander open.
WORST_QUERY = "input=image&kernel_h=1&stride_h=1&numbers=true&export=true"
WORST_TABLES = ("playground_grids_tables", "playground_maps_tables")  # keyed expanders, not in the URL
LARGEST_IMAGE = 4000  # px a side: 16 megapixels, the most the app reads (scenario/inputs.py)


class Run(NamedTuple):
    """One part of the benchmark: how many students, their pause between changes (s), and
    how many worst-case tabs rerun beside them."""

    students: int
    pause: float = 0.0
    worst: int = 0


def _results() -> dict:
    return {"latencies": [], "bytes": [], "errors": []}


def _record(results: dict, seconds: float, received: int, problem: str | None) -> None:
    results["latencies"].append(seconds)
    results["bytes"].append(received)
    if problem:
        results["errors"].append(problem)


async def _student(url: str, query: str, changes: int, pause: float, results: dict, seed: int) -> None:
    thinking = random.Random(seed)  # each student thinks for their own, repeatable, times
    try:
        session = await Session.open(url, query)
        for change in range(changes):
            await asyncio.sleep(pause * thinking.uniform(0.5, 1.5))
            kernel = 3 if change % 2 == 0 else 2
            seconds, received, exception = await session.slide("kernel_h", kernel)
            problem = "exception on the page" if exception else None
            if not exception and not any(f"kernel_size={kernel}" in text for text in session.texts):
                problem = "the page does not show the new kernel"
            _record(results, seconds, received, problem)
        await session.close()
    except Exception as error:  # every failure is counted and reported
        results["errors"].append(f"{type(error).__name__}: {str(error)[:80]}")


async def _class(url: str, run: Run, query: str, changes: int) -> tuple[dict, dict]:
    """The class's results, and those of the worst-case tabs rerunning beside it until every
    student is done."""
    results, beside, done = _results(), _results(), asyncio.Event()
    tabs = [asyncio.create_task(_worst_tab(url, beside, done)) for _ in range(run.worst)]
    await asyncio.gather(*(_student(url, query, changes, run.pause, results, seed) for seed in range(run.students)))
    done.set()
    await asyncio.gather(*tabs)
    return results, beside


class _Tab(Session):
    """A session that also knows the keyed expanders (blocks, not elements), to open them."""

    def _read(self, data: bytes) -> tuple[bool, bool]:
        reply = ForwardMsg()
        reply.ParseFromString(data)
        if reply.WhichOneof("type") == "delta" and reply.delta.WhichOneof("type") == "add_block":
            block = reply.delta.add_block
            if block.WhichOneof("type") == "expandable" and block.expandable.id:
                self.widgets.setdefault(block.expandable.id.split("-", 2)[-1], block.expandable.id)
        return super()._read(data)


async def _open_worst_view(url: str) -> _Tab:
    """A tab on the worst view: the upload, then each table expander opened (and kept open)."""
    session = await _Tab.open(url, WORST_QUERY)
    await session.upload("image_file", "image.png", _noise_png(128), "image/png")
    for key in WORST_TABLES:
        state = WidgetState(id=session.widgets[key])
        state.bool_value = True
        session.kept.append(state)
        await session.rerun()
    return session


async def _worst_tab(url: str, results: dict, done: asyncio.Event) -> None:
    """Rerun the worst view back to back until ``done``."""
    try:
        session = await _open_worst_view(url)
        while not done.is_set():
            seconds, received, exception = await session.rerun()
            _record(results, seconds, received, "exception on the worst view" if exception else None)
        await session.close()
    except Exception as error:  # every failure is counted and reported
        results["errors"].append(f"{type(error).__name__}: {str(error)[:80]}")


async def _worst_alone(url: str, pid: int, reruns: int) -> tuple[dict, float]:
    """One worst-case tab alone: its reruns, and the server's CPU seconds per rerun."""
    results = _results()
    session = await _open_worst_view(url)
    start = _cpu_seconds(pid)
    for _ in range(reruns):
        seconds, received, exception = await session.rerun()
        _record(results, seconds, received, "exception on the worst view" if exception else None)
    cpu = (_cpu_seconds(pid) - start) / reruns
    await session.close()
    return results, cpu


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _noise_png(size: int) -> bytes:
    pixels = (np.random.default_rng(0).random((size, size)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _summary(results: dict) -> tuple[float, float, float, float]:
    """p50, p95 and max (s) of the latencies, and the median bytes."""
    ordered = sorted(results["latencies"]) or [float("nan")]
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    size = statistics.median(results["bytes"]) if results["bytes"] else float("nan")
    return statistics.median(ordered), p95, ordered[-1], size


def _photo_jpeg(size: int) -> bytes:
    """A photo-like JPEG (a smooth gradient with noise), built in stripes."""
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
    seconds, _, exception = await session.upload("image_file", "photo.jpg", data, "image/jpeg")
    summary = next((text for text in session.texts if "nn.AvgPool2d(" in text), "")
    await session.close()
    return seconds, exception, summary


def _largest_upload(url: str, pid: int) -> None:
    """The largest image the app reads: its time, and the server's peak memory around it."""
    data = _photo_jpeg(LARGEST_IMAGE)
    before = memory_mb(pid, peak=True)
    seconds, exception, summary = asyncio.run(_upload(url, data))
    after = memory_mb(pid, peak=True)
    full_size_mb = LARGEST_IMAGE**2 / 1e6  # one 8-bit grayscale copy at full size
    print(
        f"\nA {LARGEST_IMAGE} x {LARGEST_IMAGE} JPEG ({len(data) / 1e6:.1f} MB file) uploaded: {seconds:.2f} s, "
        f"{'an exception' if exception else 'no exception'}; {summary.split(';')[0].replace('`', '')}. "
        f"Server peak RSS {before:.0f} -> {after:.0f} MB (one full-size 8-bit copy would be "
        f"{full_size_mb:.0f} MB)."
    )


def _worst_table(url: str, pid: int, reruns: int) -> None:
    """The worst view's own cost: one tab alone, rerunning it."""
    results, cpu = asyncio.run(_worst_alone(url, pid, reruns))
    p50, p95, _, size = _summary(results)
    print(f"The worst-case view (`{WORST_QUERY}`, a 128 x 128 PNG uploaded, both tables open), one tab:\n")
    print("| reruns | p50 (s) | p95 (s) | server CPU per rerun (s) | MB per rerun | errors |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {reruns} | {p50:.2f} | {p95:.2f} | {cpu:.2f} | {size / 1e6:.2f} | {len(results['errors'])} |\n")


def _class_table(url: str, pid: int, args: argparse.Namespace) -> None:
    """The class changing back to back, then paced alone (the baseline) and beside the
    worst-case tabs, then one student alone."""
    print(f"Playground `{args.query}`, kernel slider moved back and forth; server time per change.\n")
    print(
        "| students | pause (s) | worst-case tabs beside | changes each | p50 (s) | p95 (s) | max (s) | errors "
        "| kB per change | peak RSS (MB) | worst-case reruns meanwhile | their p95 (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs = [Run(args.sessions), Run(args.sessions, args.pause)]
    runs += [Run(args.sessions, args.pause, args.worst)] if args.worst else []
    for run in [*runs, Run(1)]:
        results, beside = asyncio.run(_class(url, run, args.query, args.changes))
        p50, p95, longest, size = _summary(results)
        reruns, beside_p95 = (len(beside["latencies"]), f"{_summary(beside)[1]:.2f}") if run.worst else ("–", "–")
        print(
            f"| {run.students} | {run.pause:g} | {run.worst} | {args.changes} | {p50:.2f} | {p95:.2f} | {longest:.2f} "
            f"| {len(results['errors']) + len(beside['errors'])} | {size / 1000:.0f} "
            f"| {memory_mb(pid, peak=True):.0f} | {reruns} | {beside_p95} |",
            flush=True,
        )
        for error in sorted(set(results["errors"] + beside["errors"]))[:5]:
            print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--pause", type=float, default=2.0, help="a paced student's mean pause between changes (s)")
    parser.add_argument("--query", default="height=64&width=64", help="the Playground view under test")
    parser.add_argument("--worst", type=int, default=5, help="worst-case tabs beside the paced class (0: none)")
    parser.add_argument("--reruns", type=int, default=10, help="reruns of the worst view, one tab alone")
    args = parser.parse_args()
    with server() as (url, pid):
        if args.worst:
            _worst_table(url, pid, args.reruns)
        _class_table(url, pid, args)
        _largest_upload(url, pid)


if __name__ == "__main__":
    main()
