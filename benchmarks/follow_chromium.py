"""Do real browser tabs keep following a live class? ``N`` students in headless Chromium (one
context each, as separate devices) join a class on one `streamlit run app.py`; the teacher,
over the protocol (harness/client.py), moves the kernel ``--changes`` times; after each
change every tab must show the new kernel within 8 s. Prints which tabs did not.

    python benchmarks/follow_chromium.py --students 30

bench_live_class.py emulates tabs with protocol clients (cheap enough for 60 of them); this
checks what it cannot: that a browser's own timers keep every tab following under load.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import browser
from harness.client import Session
from harness.server import streamlit_replicas


async def _start(url: str, size: int) -> tuple[Session, str]:
    """The teacher's tab: a class started, the Playground at ``size`` x ``size`` sent."""
    teacher = await Session.open(url, "", page="live_class")
    while "class_start" not in teacher.widgets:  # a fresh server's first run goes through the router
        await teacher.rerun()
    await teacher.rerun(teacher.state("class_start", trigger_value=True))
    code = next(re.search(r"[A-Z]{5}", text)[0] for text in teacher.texts if "## " in text)
    teacher.page, teacher.query = "", f"class={code}&height={size}&width={size}"
    await teacher.rerun()
    return teacher, code


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--changes", type=int, default=12)
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args()
    store = f"sqlite:///{tempfile.mkdtemp()}/classes.sqlite3"
    loop = asyncio.new_event_loop()  # the teacher's protocol client, beside Playwright's own loop
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def teacher_does(coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    with streamlit_replicas(1, env={"CLASS_STORE": store}) as replicas, sync_playwright() as playwright:
        url = replicas[0][0]
        teacher, code = teacher_does(_start(url, args.size))
        chromium = playwright.chromium.launch(executable_path=browser.chromium_path(), args=browser.CHROMIUM_ARGS)
        pages = []
        for _ in range(args.students):
            page = chromium.new_context(viewport={"width": 1000, "height": 700}).new_page()
            page.goto(f"{url}/?class={code}")
            pages.append(page)
        for page in pages:
            browser.wait_for_app(page, fresh=True)
        kernel, missed = 2, 0
        for change in range(args.changes):
            kernel = 3 if kernel == 2 else 2
            teacher_does(teacher.slide("kernel_h", kernel))
            started, waiting = time.time(), set(range(len(pages)))
            while waiting and time.time() - started < 8:
                for index in sorted(waiting):
                    shown = pages[index].locator('[data-testid="stMarkdown"]').filter(has_text=f"kernel_size={kernel}")
                    if shown.count():
                        waiting.discard(index)
                time.sleep(0.1)
            missed += len(waiting)
            print(f"change {change + 1}: kernel {kernel}; tabs not showing it after 8 s: {sorted(waiting) or 'none'}")
            time.sleep(1.5)
        chromium.close()
    print(f"{args.students} Chromium tabs, {args.changes} changes: {missed} missed")


if __name__ == "__main__":
    main()
