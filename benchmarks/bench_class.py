"""A whole class against one `streamlit run app.py`: clients that speak Streamlit's own
websocket protocol, as the browser does, without drawing anything.

    python benchmarks/bench_class.py                  # 30 students x 10 changes, then 1 student
    python benchmarks/bench_class.py --sessions 60    # a larger class

Each client opens a session on the Playground (``/_stcore/stream``), waits for the first
run to finish, then changes the kernel slider 10 times. A change is timed from sending the
new slider value to the server's "script finished" message, so it is the server's share of
what a student waits for (the browser's drawing comes on top: see bench_browser.py). A run
that ends with an exception on the page, or any protocol failure, counts as an error. The
server's peak resident memory comes from /proc. Everything stays on localhost.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser import streamlit_server


async def _rerun(socket, query: str, widgets: list[WidgetState]) -> None:
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.widget_states.widgets.extend(widgets)
    await socket.send(message.SerializeToString())


async def _until_finished(socket, found: dict) -> tuple[int, bool]:
    """Read messages until the script run is over; note the kernel slider's widget id and the
    Playground's summary line. Returns (bytes received, whether the page showed an exception)."""
    received, exception = 0, False
    while True:
        data = await asyncio.wait_for(socket.recv(), timeout=120)
        received += len(data)
        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "exception":
                exception = True
            if element.WhichOneof("type") == "slider" and element.slider.query_param_key == "kernel_h":
                found["kernel_h"] = element.slider.id
            if element.WhichOneof("type") == "markdown" and "nn.AvgPool2d(" in element.markdown.body:
                found["summary"] = element.markdown.body
        if kind == "script_finished":
            return received, exception


async def _student(url: str, query: str, changes: int, results: dict) -> None:
    socket_url = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(
            socket_url, subprotocols=["streamlit"], origin=url, max_size=None, open_timeout=120
        ) as socket:
            found: dict = {}
            await _rerun(socket, query, [])
            await _until_finished(socket, found)
            for change in range(changes):
                kernel = WidgetState(id=found["kernel_h"])
                kernel.double_array_value.data[:] = [3.0 if change % 2 == 0 else 2.0]
                start = time.perf_counter()
                await _rerun(socket, query, [kernel])
                received, exception = await _until_finished(socket, found)
                results["latencies"].append(time.perf_counter() - start)
                results["bytes"].append(received)
                if exception:
                    results["errors"].append("exception on the page")
                elif f"kernel_size={kernel.double_array_value.data[0]:.0f}" not in found.get("summary", ""):
                    results["errors"].append("the page does not show the new kernel")
    except Exception as error:  # every failure is counted and reported
        results["errors"].append(f"{type(error).__name__}: {str(error)[:80]}")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _server_pid(port: str) -> int:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "streamlit run app.py" in command and f"--server.port {port}" in command:
            return int(cmdline.parent.name)
    raise RuntimeError("no streamlit server found")


async def main_async(args) -> None:
    with streamlit_server(timeout=120) as url:
        pid = _server_pid(url.rsplit(":", 1)[1])
        print(f"Playground view `{args.query}`, kernel slider moved back and forth; server time per change.\n")
        print("| students | changes each | p50 (s) | p95 (s) | max (s) | errors | kB per change | server peak RSS (MB) |")  # noqa: E501
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for sessions in (args.sessions, 1):
            results: dict = {"latencies": [], "bytes": [], "errors": []}
            await asyncio.gather(*(_student(url, args.query, args.changes, results) for _ in range(sessions)))
            ordered = sorted(results["latencies"]) or [float("nan")]
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            kilobytes = statistics.median(results["bytes"]) / 1024 if results["bytes"] else float("nan")
            print(
                f"| {sessions} | {args.changes} | {statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} "
                f"| {len(results['errors'])} | {kilobytes:.0f} | {_peak_rss_mb(pid):.0f} |",
                flush=True,
            )
            for error in results["errors"][:5]:
                print(f"  error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--query", default="height=64&width=64", help="the Playground view under test")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
