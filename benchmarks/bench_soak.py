"""A day of use against one `streamlit run app.py`: thousands of sessions open and close, and
the server's memory over time. No leak means memory settles and stays.

    python benchmarks/bench_soak.py                        # 1,000 sessions, 10 at a time
    python benchmarks/bench_soak.py --sessions 3000

Each session is a browser tab's worth of protocol (harness/client.py): it opens the
Playground at one of several views, moves the kernel slider twice, and closes; every 10th
uploads a CSV and every 50th an image first. The server's resident memory (VmRSS, from
/proc) is sampled every 50 sessions. Prints the table, and draws it as a chart
(docs/soak.png: plotly, rendered by Chromium). Goal (issue 13): after the soak, memory is
within 50 MB of where it stood after the first 100 sessions.

What bounds memory: every st.cache_data has max_entries; closed sessions are kept at most
128 at a time for 2 minutes (Streamlit's session storage), with their uploads.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from harness.client import Session, server  # noqa: E402

VIEWS = [
    "height=16&width=16&kernel_h=3&stride_h=1",
    "height=64&width=64&input=random",
    "input=classic",
    "height=8&width=8&loss=random&padding_h=1&kernel_h=3",
]
SAMPLE_EVERY = 50


def rss_mb(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


async def _tab(url: str, number: int, errors: list[str]) -> None:
    try:
        if number % 50 == 0:
            session = await Session.open(url, "input=image")
            await session.upload("image_file", "photo.png", _png(), "image/png")
        elif number % 10 == 0:
            session = await Session.open(url, "input=csv")
            await session.upload("csv_file", "grid.csv", b"1,2,3,4\n5,6,7,8\n9,10,11,12\n", "text/csv")
        else:
            session = await Session.open(url, VIEWS[number % len(VIEWS)])
        for kernel in (3, 2):
            _, _, exception = await session.slide("kernel_h", kernel)
            if exception:
                errors.append(f"session {number}: an exception on the page")
        await session.close()
    except Exception as error:  # every failure counts
        errors.append(f"session {number}: {type(error).__name__}: {str(error)[:80]}")


async def _soak(url: str, pid: int, sessions: int, concurrent: int) -> tuple[list[tuple], list[str]]:
    samples = [(0, 0.0, rss_mb(pid))]
    errors: list[str] = []
    start = time.perf_counter()
    for first in range(0, sessions, concurrent):
        await asyncio.gather(*(_tab(url, n, errors) for n in range(first, min(first + concurrent, sessions))))
        done = min(first + concurrent, sessions)
        if done % SAMPLE_EVERY == 0 or done == sessions:
            samples.append((done, time.perf_counter() - start, rss_mb(pid)))
            print(f"| {done} | {samples[-1][1]:.0f} | {samples[-1][2]:.0f} | {len(errors)} |", flush=True)
    return samples, errors


def _chart(samples: list[tuple], path: Path) -> None:
    """Memory against sessions, as a small PNG: a plotly figure drawn by headless Chromium."""
    import plotly.graph_objects as go
    from playwright.sync_api import sync_playwright

    from harness.browser import CHROMIUM_ARGS, chromium_path

    figure = go.Figure(go.Scatter(x=[s[0] for s in samples], y=[s[2] for s in samples], mode="lines+markers"))
    figure.update_layout(
        title="Server memory over a soak of sessions opening and closing",
        xaxis_title="sessions opened and closed",
        yaxis_title="resident memory (MB)",
        yaxis_rangemode="tozero",
        width=720,
        height=380,
        margin={"l": 70, "r": 30, "t": 50, "b": 70},
    )
    html = figure.to_html(include_plotlyjs=True, full_html=True, config={"staticPlot": True})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 720, "height": 380})
        page.set_content(html)
        page.wait_for_selector(".main-svg")
        page.screenshot(path=str(path))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--chart", default=str(REPO / "docs" / "soak.png"))
    args = parser.parse_args()
    with server() as (url, pid):
        print(f"{args.sessions} sessions, {args.concurrent} at a time; the server's resident memory.\n")
        print("| sessions | seconds | RSS (MB) | errors |")
        print("|---:|---:|---:|---:|")
        samples, errors = asyncio.run(_soak(url, pid, args.sessions, args.concurrent))
    settled = next(rss for done, _, rss in samples if done >= 100)
    final = samples[-1][2]
    verdict = "met" if abs(final - settled) <= 50 and not errors else "NOT met"
    print(
        f"\nAfter 100 sessions: {settled:.0f} MB; after {samples[-1][0]}: {final:.0f} MB "
        f"({final - settled:+.0f} MB); errors: {len(errors)}. Goal (within 50 MB, 0 errors): {verdict}."
    )
    for error in sorted(set(errors))[:5]:
        print(f"  error: {error}")
    _chart(samples, Path(args.chart))
    print(f"Chart: {args.chart}")


if __name__ == "__main__":
    main()
