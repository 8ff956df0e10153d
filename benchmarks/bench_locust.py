"""A class through nginx and two replicas, driven by Locust (the students are
``benchmarks/locustfile.py``): the figures in Locust's standard form, a CSV and an HTML
report per class size.

    python -m venv --system-site-packages .venv-locust
    .venv-locust/bin/pip install -r benchmarks/requirements-locust.txt
    .venv-locust/bin/python benchmarks/bench_locust.py                    # 30, then 60 students
    .venv-locust/bin/python benchmarks/bench_locust.py --students 30 --replicas 1

Locust is kept out of the test environment (it brings gevent and its own pytest pin). The
servers are this repository's app: ``--replicas`` of ``streamlit run app.py`` (one cookie
secret) behind ``deploy/nginx.conf``. Reports go to ``test-artifacts/locust/``. Goals
(issue 13): 30 students at p95 <= 3 s with 0 failures, 60 students with 0 failures.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from harness.server import ARTIFACTS, nginx_proxy, streamlit_replicas  # noqa: E402

SECRET = {"STREAMLIT_SERVER_COOKIE_SECRET": "bench-locust-shared-secret"}


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
    args = parser.parse_args()
    reports = ARTIFACTS / "locust"
    reports.mkdir(parents=True, exist_ok=True)
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
