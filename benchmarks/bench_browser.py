"""What a student waits for in a real browser: Chromium (Playwright) against `streamlit run`.

    python benchmarks/bench_browser.py              # 20 changes per view
    python benchmarks/bench_browser.py --changes 40

In one run, on this machine:
- the floor: a bare one-slider Streamlit app (benchmarks/floor_app.py), slider key press to
  its new value on screen: what any Streamlit round trip costs here;
- the Playground at 4x4, 16x16 and 64x64 and the 128x128 picture: kernel slider key press
  to every grid drawn again with the new numbers (and the run over);
- a click on a cell (16x16): to its highlighted windows (drawn in the browser, no round trip)
  and to its written explanation (Python's answer);
- Step by step played at 4 steps per second: the speed it reaches;
- "In a network": another digit picked, to every grid of the page drawn again (issue 21).

Times are taken inside the page (performance.now() at the key press or the click, the
component's own "drawn" time stamp), so Playwright's own overhead is not counted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.browser import CHROMIUM_ARGS, cell_centre, chromium_path, streamlit_server, wait_for_app

# Time stamps of the latest key press and pointer press, taken by the page itself.
STAMP_INPUT = """() => {
    if (window.__stamped) return;
    window.__stamped = true;
    document.addEventListener("keydown", () => (window.__t0 = performance.now()), true);
    document.addEventListener("pointerdown", () => (window.__t0 = performance.now()), true);
}"""
GRID_ROOT = (
    """() => document.querySelector('[data-testid="stBidiComponentIsolated"]').shadowRoot.querySelector('.grids')"""
)
IDLE = """document.querySelector('[data-testid="stApp"]').dataset.testScriptState === 'notRunning'"""
# Resolves with the milliseconds from the key press to the grids drawn with a new kernel.
GRIDS_REDRAWN = f"""([before, kernel]) => {{
    const root = ({GRID_ROOT})();
    const summary = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
        .map(element => element.textContent).find(text => text.includes('nn.AvgPool2d(')) || '';
    const fresh = Number(root.dataset.drawn) > before && summary.includes('kernel_size=' + kernel);
    return fresh && {IDLE} ? Number(root.dataset.drawnAt) - window.__t0 : false;
}}"""
FLOOR_SHOWN = f"""(value) => {{
    const shown = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
        .some(element => element.textContent.trim() === 'value ' + value);
    return shown && {IDLE} ? performance.now() - window.__t0 : false;
}}"""
HIGHLIGHTED = f"""() => {{
    const root = ({GRID_ROOT})();
    return root.dataset.selectedAt ? Number(root.dataset.selectedAt) - window.__t0 : false;
}}"""
EXPLAINED = f"""(cell) => {{
    const shown = [...document.querySelectorAll('[data-testid="stAlert"]')].some(a => a.textContent.includes(cell));
    return shown && {IDLE} ? performance.now() - window.__t0 : false;
}}"""
VIEWS = {
    "4x4": "height=4&width=4",
    "16x16": "height=16&width=16&input=random",
    "64x64": "height=64&width=64&input=random",
    "128x128 image": "input=image",
}
GOALS = {"16x16": 250, "64x64": 400}  # p95, ms (issue 10)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _slider_changes(page, url: str, slider: str, changes: int, done, value) -> list[float]:
    """Press ArrowRight/ArrowLeft on a slider ``changes`` times; ms until ``done`` holds each time."""
    page.goto(url)
    wait_for_app(page)
    page.evaluate(STAMP_INPUT)
    samples = []
    handle = page.locator(f".st-key-{slider} input[type='range']")
    for change in range(changes):
        handle.focus()
        before = int(handle.input_value())
        after = before + (1 if change % 2 == 0 else -1)
        # Read what the page shows before the key press: a fast redraw may be over before
        # the next line runs, and a count read after it would then wait for one more.
        expected = value(page, after)
        page.keyboard.press("ArrowRight" if change % 2 == 0 else "ArrowLeft")
        samples.append(page.wait_for_function(done, arg=expected, polling="raf", timeout=60_000).json_value())
        wait_for_app(page)
    return samples


def _clicks(page, url: str, clicks: int) -> tuple[list[float], list[float]]:
    """Click cells of ∂L/∂x (16x16): ms to the highlighted windows, and to the explanation."""
    page.goto(url)
    wait_for_app(page)
    page.evaluate(STAMP_INPUT)
    highlight, explanation = [], []
    for index in range(clicks):
        row, col = 3 + index % 9, 2 + (index * 5) % 11
        page.evaluate(f"() => {{ delete ({GRID_ROOT})().dataset.selectedAt; }}")
        page.mouse.click(*cell_centre(page, 3, row, col))
        highlight.append(page.wait_for_function(HIGHLIGHTED, polling="raf", timeout=60_000).json_value())
        explained = page.wait_for_function(EXPLAINED, arg=f"∂L/∂x[{row}, {col}]", polling="raf", timeout=60_000)
        explanation.append(explained.json_value())
        wait_for_app(page)
    return highlight, explanation


# "In a network": every grid component of the page drawn again since the pick, and the run over.
ALL_ROOTS = """() => [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .map(host => host.shadowRoot && host.shadowRoot.querySelector('.grids')).filter(Boolean)"""
ALL_DRAWN = f"""() => ({ALL_ROOTS})().map(root => Number(root.dataset.drawn))"""
PAGE_REDRAWN = f"""(before) => {{
    const roots = ({ALL_ROOTS})();
    const fresh = roots.length === before.length && roots.every((root, i) => Number(root.dataset.drawn) > before[i]);
    return fresh && {IDLE} ? Math.max(...roots.map(root => Number(root.dataset.drawnAt))) - window.__t0 : false;
}}"""


def _digit_picks(page, url: str, picks: int) -> list[float]:
    """Pick another digit on "In a network": ms from the click to every grid of the page drawn."""
    page.goto(url)
    wait_for_app(page)
    page.evaluate(STAMP_INPUT)
    buttons = page.locator(".st-key-digit button")
    samples = []
    for pick in range(picks):
        before = page.evaluate(ALL_DRAWN)
        buttons.nth(1 + pick % 19).click()
        samples.append(page.wait_for_function(PAGE_REDRAWN, arg=before, polling="raf", timeout=60_000).json_value())
        wait_for_app(page)
    return samples


def _replay_speed(page, url: str) -> float:
    """Steps per second that Step by step reaches when playing at 4 steps per second."""
    page.goto(url)
    wait_for_app(page)
    slider = page.locator(".st-key-step input[type='range']")
    page.get_by_role("button", name="Play").click()
    seen: dict[int, float] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        step = int(slider.input_value())
        seen.setdefault(step, time.monotonic())
        if step == int(slider.get_attribute("max")):
            break
        page.wait_for_timeout(10)
    steps = sorted(seen)
    return (steps[-1] - steps[1]) / (seen[steps[-1]] - seen[steps[1]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        with streamlit_server(timeout=120, app="benchmarks/floor_app.py") as url:
            floor = _slider_changes(page, url, "value", args.changes, FLOOR_SHOWN, lambda _, after: after)
        rows.append(("one-slider app (floor)", floor, None))
        with streamlit_server(timeout=120) as url:
            for name, query in VIEWS.items():
                kernel = lambda page, after: [int(page.evaluate(f"() => ({GRID_ROOT})().dataset.drawn")), after]  # noqa: E731
                samples = _slider_changes(page, f"{url}/?{query}", "kernel_h", args.changes, GRIDS_REDRAWN, kernel)
                rows.append((f"kernel change, {name}", samples, GOALS.get(name)))
            highlight, explanation = _clicks(page, f"{url}/?height=16&width=16&input=random", args.changes)
            rows.append(("click to highlighted windows, 16x16", highlight, 100))
            rows.append(("click to written explanation, 16x16", explanation, 250))
            speed = _replay_speed(page, f"{url}/step_by_step?kernel_h=3&stride_h=1&height=6&width=6&speed=4")
            rows.append(
                ("another digit, In a network (12 grids)", _digit_picks(page, f"{url}/network", args.changes), 250)
            )
        browser.close()

    floor_p50 = statistics.median(floor)
    print("| what | p50 (ms) | p95 (ms) | max (ms) | p50 / floor | goal (p95) |")
    print("|---|---:|---:|---:|---:|---|")
    for name, samples, goal in rows:
        p95 = _p95(samples)
        verdict = "" if goal is None else f"≤ {goal} ms: {'met' if p95 <= goal else 'NOT met'}"
        ratio = statistics.median(samples) / floor_p50
        print(
            f"| {name} | {statistics.median(samples):.0f} | {p95:.0f} | {max(samples):.0f} | {ratio:.1f}× | {verdict} |"
        )
    ratio_16 = statistics.median(rows[2][1]) / floor_p50
    print(f"\n16x16 against the floor: {ratio_16:.1f}× (goal ≤ 2.5×: {'met' if ratio_16 <= 2.5 else 'NOT met'})")
    print(f"Step by step at 4 steps/s plays {speed:.2f} steps/s")


if __name__ == "__main__":
    main()
