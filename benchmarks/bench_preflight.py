"""Time and memory of an ONNX file's pre-flight (frameworks/onnx_preflight.py), against reading
the same file's bytes as a protobuf alone.

    python benchmarks/bench_preflight.py      # the table recorded in docs/benchmarks.md

Files, built here with onnx.helper: one AveragePool node; MAX_NODES + 8 nodes (the cap); a
file at the size cap (one node and a 10 MB initializer); the same bytes mutated at random
(mostly "not ONNX"). The first call imports onnx and ONNX Runtime (timed apart). Baseline in
the same run: ``onnx.ModelProto().ParseFromString`` of the same bytes. Memory: the process's
peak resident set (``ru_maxrss``) before and after.
"""

from __future__ import annotations

import contextlib
import random
import resource
import statistics
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from frameworks.onnx_preflight import MAX_BYTES, MAX_NODES, preflight

REPEATS = 7


def _model(count: int = 1, filler: int = 0) -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    names = ["x", *(f"y{n}" for n in range(1, count)), "y"]
    attributes = {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}
    nodes = [helper.make_node("AveragePool", [a], [b], **attributes) for a, b in pairwise(names)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "C", "H", "W"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    weights = [numpy_helper.from_array(np.zeros(filler // 4, np.float32), "w")] if filler else []
    graph = helper.make_graph(nodes, "g", [x], [y], initializer=weights)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def _median_ms(function, data: bytes) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(data)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _parse(data: bytes) -> None:
    import onnx
    from google.protobuf.message import DecodeError

    with contextlib.suppress(DecodeError):  # random bytes: the parse's cost up to its refusal
        onnx.ModelProto().ParseFromString(data)


def main() -> None:
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731
    before = rss()
    start = time.perf_counter()
    preflight(_model())
    print(f"first call (imports onnx and ONNX Runtime): {time.perf_counter() - start:.2f} s, peak {rss():.0f} MB "
          f"(was {before:.0f} MB)")  # fmt: skip
    at_cap = _model(filler=MAX_BYTES - 2048)
    rng = random.Random(0)
    mutated = bytearray(_model())
    for _ in range(3):
        mutated[rng.randrange(len(mutated))] = rng.randrange(256)
    files = {
        "one AveragePool node": _model(),
        f"{MAX_NODES + 8} nodes ({MAX_NODES} checked)": _model(MAX_NODES + 8),
        f"{len(at_cap) / 2**20:.1f} MB (the cap), one node": at_cap,
        "random bytes, 4 kB": bytes(rng.randrange(256) for _ in range(4096)),
        "a node's bytes mutated": bytes(mutated),
    }
    print("| file | bytes | parse alone (ms, baseline) | pre-flight (ms) | pre-flight / parse |")
    print("|---|---:|---:|---:|---:|")
    for name, data in files.items():
        parse, checked = _median_ms(_parse, data), _median_ms(preflight, data)
        print(f"| {name} | {len(data):,} | {parse:.2f} | {checked:.1f} | {checked / max(parse, 1e-3):.0f}× |")
    print(f"peak resident after: {rss():.0f} MB")


if __name__ == "__main__":
    main()
