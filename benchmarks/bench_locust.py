"""A class through nginx and two replicas, driven by Locust (the students are
``benchmarks/locustfile.py``): the figures in Locust's standard form, a CSV and an HTML
report per class size.

    python -m venv --system-site-packages .venv-locust
    .venv-locust/bin/pip install -r benchmarks/requirements-locust.txt
    .venv-locust/bin/python benchmarks/bench_locust.py                    # 30, then 60 students
    .venv-locust/bin/python benchmarks/bench_locust.py --students 30 --replicas 1
    .venv-locust/bin/python benchmarks/bench_locust.py --soak 1000        # a day of use, one server

Locust is kept out of the test environment (it brings gevent and its own pytest pin). The
servers are this repository's app: ``--replicas`` of ``streamlit run app.py`` (one cookie
secret) behind ``deploy/nginx.conf``. Reports go to ``test-artifacts/locust/``. Goals
(issue 13): 30 students at p95 <= 3 s with 0 failures, 60 students with 0 failures.

``--soak N``: N visitors' tabs open and close against one server (Locust's ``Visitor``, 10
at a time), the server's resident memory sampled every second and drawn as
``docs/soak.png``. Goal: memory after the soak within 50 MB of where it stood after the
first 100 tabs, 0 failures.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from harness.server import ARTIFACTS, memory_mb, nginx_proxy, streamlit_replicas  # noqa: E402

SECRET = {"STREAMLIT_SERVER_COOKIE_SECRET": "bench-locust-shared-secret"}


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


def run_soak(visits: int, chart: Path) -> None:
    """Locust's visitors against one server, its memory sampled meanwhile; table and chart."""
    prefix = ARTIFACTS / "locust" / f"soak_{visits}"
    samples: list[tuple[float, float]] = []
    with streamlit_replicas(1) as [(url, process)]:
        done = threading.Event()

        def sample() -> None:
            while not done.wait(1.0):
                samples.append((time.time(), memory_mb(process.pid)))

        sampler = threading.Thread(target=sample)
        sampler.start()
        command = [sys.executable, "-m", "locust", "-f", str(REPO / "benchmarks" / "locustfile.py"), "Visitor"]
        command += ["--headless", "-u", "10", "-r", "10", "--host", url, "--csv", str(prefix)]
        command += ["--csv-full-history", "--html", f"{prefix}.html", "--only-summary"]
        environment = {**os.environ, "SOAK_TABS": str(visits)}  # the Visitors stop Locust after that many
        try:
            subprocess.run(command, cwd=REPO, env=environment, check=True, capture_output=True, timeout=3600)
        finally:
            done.set()
            sampler.join()
    # Tabs opened by each moment, from Locust's per-second history; memory at that moment.
    opened = []
    with open(f"{prefix}_stats_history.csv", newline="") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "open a tab":
                opened.append((float(row["Timestamp"]), int(row["Total Request Count"])))
    curve = [(max((n for t, n in opened if t <= moment), default=0), moment, rss) for moment, rss in samples]
    with open(f"{prefix}_stats.csv", newline="") as file:
        failures = sum(int(row["Failure Count"]) for row in csv.DictReader(file) if row["Name"] == "Aggregated")
    print(f"{visits} tabs opened and closed by Locust, 10 at a time; the server's resident memory.\n")
    print("| tabs | seconds | RSS (MB) |")
    print("|---:|---:|---:|")
    start = curve[0][1]
    for step in range(100, visits + 1, 100):
        tabs, moment, rss = next((point for point in curve if point[0] >= step), curve[-1])
        print(f"| {tabs} | {moment - start:.0f} | {rss:.0f} |")
    settled = next(rss for tabs, _, rss in curve if tabs >= 100)
    final = curve[-1][2]
    verdict = "met" if abs(final - settled) <= 50 and failures == 0 else "NOT met"
    print(
        f"\nAfter 100 tabs: {settled:.0f} MB; at the end: {final:.0f} MB ({final - settled:+.0f} MB); "
        f"failures: {failures}. Goal (within 50 MB, 0 failures): {verdict}."
    )
    _chart(curve, chart)
    print(f"Chart: {chart.relative_to(REPO)}; Locust's reports: {prefix.relative_to(REPO)}*")


def run_class(host: str, students: int, seconds: int, prefix: Path) -> dict:
    """Locust, headless: ``students`` users for ``seconds``; the kernel changes' row of its CSV."""
    command = [sys.executable, "-m", "locust", "-f", str(REPO / "benchmarks" / "locustfile.py"), "--headless"]
    command += ["-u", str(students), "-r", str(students), "--run-time", f"{seconds}s", "--host", host]
    command += ["--csv", str(prefix), "--html", f"{prefix}.html", "--only-summary"]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=seconds + 300)
    with open(f"{prefix}_stats.csv", newline="") as file:
        rows = {row["Name"]: row for row in csv.DictReader(file)}
    return {"change": rows["kernel change"], "open": rows["open the Playground"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=40, help="how long each class works")
    parser.add_argument("--soak", type=int, metavar="TABS", help="a day of use instead: TABS tabs, one server")
    args = parser.parse_args()
    reports = ARTIFACTS / "locust"
    reports.mkdir(parents=True, exist_ok=True)
    if args.soak:
        run_soak(args.soak, REPO / "docs" / "soak.png")
        return
    with (
        streamlit_replicas(args.replicas, env=SECRET) as replicas,
        nginx_proxy([url for url, _ in replicas], reports / "nginx") as host,
    ):
        print(f"nginx and {args.replicas} replicas; Locust, {args.seconds} s per class, no pause.\n")
        print("| students | changes | failures | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | tab opens p95 (ms) |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for students in args.students:
            change, opened = run_class(host, students, args.seconds, reports / f"class_{students}").values()
            failures = int(change["Failure Count"]) + int(opened["Failure Count"])
            print(
                f"| {students} | {change['Request Count']} | {failures} | {change['50%']} | {change['95%']} "
                f"| {change['99%']} | {float(change['Max Response Time']):.0f} | {opened['95%']} |",
                flush=True,
            )
    print(f"\nCSV and HTML reports: {reports.relative_to(REPO)}/class_<students>*")


if __name__ == "__main__":
    main()
