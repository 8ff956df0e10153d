"""Latency in a real browser, and a classroom's load, against one `streamlit run app.py`.

    python benchmarks/bench_browser.py                 # 1 session, then 5 sessions x 10 changes
    python benchmarks/bench_browser.py --sessions 10   # more browsers (a class: bench_class.py)

Each "change" moves the kernel slider with the keyboard and waits until the script run is
over and all charts are drawn again (Chromium, via Playwright, on this machine). The server's
peak resident memory is read from /proc after the class has left. Everything runs on
localhost; the number of sessions and changes is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.client import peak_rss_mb
from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server

SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The Playground's one-line summary ("nn.AvgPool2d(kernel_size=2) on a 64×64 input gives ...").
SUMMARY = """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .map(element => element.innerText).find(text => text.includes('nn.AvgPool2d(')) || ''"""
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stElementContainer"].stPrintGraphic')]
    .every(container => container.querySelector('.main-svg'))"""


async def _settle(page) -> None:
    await page.wait_for_selector(SCRIPT_DONE, timeout=60_000)
    await page.wait_for_function(CHARTS_DRAWN, timeout=60_000)


async def _session(browser, url: str, changes: int, latencies: list[float], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(url, timeout=120_000)
        await page.wait_for_selector("h1", timeout=120_000)
        await _settle(page)
        slider = page.locator(".st-key-kernel_h input[type='range']")
        for change in range(changes):
            await slider.focus()
            before = await page.evaluate(SUMMARY)
            start = time.perf_counter()
            await page.keyboard.press("ArrowRight" if change % 2 == 0 else "ArrowLeft")
            # Done when the page describes the new kernel, the run is over and every chart is drawn.
            await page.wait_for_function(f"() => ({SUMMARY})() !== {before!r}", timeout=60_000)
            await _settle(page)
            latencies.append(time.perf_counter() - start)
            if await page.locator('[data-testid="stException"]').count():
                errors.append("exception on the page")
    except Exception as error:  # every failure is counted and reported
        errors.append(f"{type(error).__name__}: {str(error)[:80]}")
    finally:
        await context.close()


async def main_async(args) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        with streamlit_server(timeout=120) as url:
            print("| sessions | changes each | p50 (s) | p95 (s) | max (s) | errors | server peak RSS (MB) |")
            print("|---:|---:|---:|---:|---:|---:|---:|")
            for sessions, changes in ((1, args.changes * 2), (args.sessions, args.changes)):
                latencies: list[float] = []
                errors: list[str] = []
                await asyncio.gather(
                    *(_session(browser, f"{url}/?{args.query}", changes, latencies, errors) for _ in range(sessions))
                )
                ordered = sorted(latencies) or [float("nan")]
                p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
                print(
                    f"| {sessions} | {changes} | {statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} "
                    f"| {len(errors)} | {_server_peak_rss():.0f} |",
                    flush=True,
                )
                for error in errors[:5]:
                    print(f"  error: {error}")
        await browser.close()


def _server_peak_rss() -> float:
    """Peak resident memory of the newest streamlit server process on this machine."""
    candidates = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "streamlit run app.py" in command or ("-m streamlit run app.py" in command):
            candidates.append(int(status.parent.name))
    return peak_rss_mb(max(candidates)) if candidates else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--query", default="height=64&width=64", help="the Playground view under test")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
