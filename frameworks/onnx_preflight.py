"""Pre-flight of an ONNX file: each of its AveragePool nodes run alone in ONNX Runtime on a
small input shaped by its attributes, and judged against the exact core (torch's numbers) on
torch's equivalent setting, with the fix when they differ.

The file is read as a protobuf message only: a file that points to external data is refused
(nothing it points to is read), and nothing of it runs but a copy of each pooling node rebuilt
from its checked attributes. Every refusal is a ``Problem``: a catalogue key and its values.

    preflight(model.SerializeToString())  # -> Preflight(problem=None, opset=17, nodes=(...))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from frameworks.compare import Difference, compare
from pooling import PoolingError, avg_forward
from scenario.params import KERNEL_MAX, PoolParams

__all__ = ["MAX_BYTES", "MAX_NODES", "MAX_SIDE", "NodeCheck", "Preflight", "Problem", "preflight", "sidebar_link"]

MAX_BYTES = 10 * 2**20  # the server's upload cap (.streamlit/config.toml); a model of pooling layers is a few kB
MAX_NODES = 32  # AveragePool nodes checked per file; the rest are counted
MAX_VALUE = KERNEL_MAX  # kernel, stride, pads and dilations: 16 at most, as the sidebar's kernel
MAX_SIDE = 16  # the page's largest x: a setting whose small input fits opens the page on it
# AveragePool's versions that changed what it takes or computes: count_include_pad (7), ceil_mode
# (10), the ceil_mode overhang rule (19, onnxruntime#16203).
OPSETS_TO_TRY = (7, 10, 19)
AUTO_PADS = ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER")
POOLING_OPS = ("MaxPool", "GlobalAveragePool", "GlobalMaxPool", "LpPool", "GlobalLpPool", "MaxRoiPool")


@dataclass(frozen=True)
class Problem:
    """Why a file or a node is refused or not compared: a catalogue key (``preflight.*``) and its values."""

    key: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NodeCheck:
    """One AveragePool node: its attributes as written (None: absent), and what was found.
    ``problem``: not run (a hostile attribute, or a setting torch has not); ``difference``:
    ONNX Runtime's y against the core's on ``side`` × ``side`` inputs; ``fix``: what makes them agree."""

    name: str
    attributes: dict
    problem: Problem | None = None
    params: PoolParams | None = None
    side: tuple[int, int] | None = None
    difference: Difference | None = None
    fix: Problem | None = None
    notes: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Preflight:
    """A file's verdict: refused (``problem``), or its opset and AveragePool nodes (``more``: beyond MAX_NODES)."""

    problem: Problem | None = None
    opset: int | None = None
    nodes: tuple[NodeCheck, ...] = ()
    more: int = 0


def preflight(data: bytes) -> Preflight:
    """Check an ONNX file's AveragePool nodes against torch; never raises for any ``data``.

    >>> preflight(b"kernel_shape,3").problem.key
    'preflight.not_onnx'
    """
    if len(data) > MAX_BYTES:
        return Preflight(
            Problem(
                "preflight.too_large", {"size": f"{len(data):,}", "most": f"{MAX_BYTES:,}", "mb": MAX_BYTES // 2**20}
            )
        )
    model, problem = _parse(data)
    if problem is not None:
        return Preflight(problem)
    opset, problem = _opset(model)
    if problem is not None:
        return Preflight(problem)
    pools, others = _pooling_nodes(model)
    if not pools:
        return Preflight(Problem("preflight.no_pool", {"others": ", ".join(sorted(set(others))) or "—"}), opset)
    nodes = tuple(_check_node(node, opset) for node in pools[:MAX_NODES])
    return Preflight(None, opset, nodes, max(0, len(pools) - MAX_NODES))


def sidebar_link(node: NodeCheck) -> dict[str, str] | None:
    """The page's own comparison on this node's setting, as URL parameters; None when the
    sidebar cannot say it (no torch setting, or an input larger than the page's 16×16)."""
    if node.params is None or node.side is None or max(node.side) > MAX_SIDE:
        return None
    p = node.params
    (kh, kw), (sh, sw), (ph, pw) = p.kernel_size, p.effective_stride, p.padding
    link = {"kernel_h": kh, "kernel_w": kw, "stride_h": sh, "stride_w": sw, "padding_h": ph, "padding_w": pw}
    link |= {"height": node.side[0], "width": node.side[1]}
    link |= {"ceil_mode": "true"} if p.ceil_mode else {}
    link |= {"count_include_pad": "false"} if not p.count_include_pad and p.padding != (0, 0) else {}
    link |= {"square": "false"} if (kh, sh, ph) != (kw, sw, pw) else {}
    return {key: str(value) for key, value in link.items()}


def _parse(data: bytes):
    """The model, from the bytes alone (``ParseFromString``: no path, so no external file is read)."""
    import onnx
    from google.protobuf.message import DecodeError

    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RecursionError, ValueError):
        return None, Problem("preflight.not_onnx")
    if not data or model.ir_version <= 0 or not model.HasField("graph") or not model.opset_import:
        return None, Problem("preflight.not_onnx")
    if _points_outside(model):
        return None, Problem("preflight.external_data")
    return model, None


def _node_lists(model):
    """Every list of nodes in a model: its graph's, those of graphs inside nodes' attributes
    (If, Loop, Scan), and its local functions'. A loop over a stack, not recursion: a file's
    nesting cannot exhaust Python's."""
    pending = [model.graph, *model.functions]
    while pending:
        current = pending.pop()
        yield current
        for node in current.node:
            for attribute in node.attribute:
                pending.extend([attribute.g] if attribute.HasField("g") else [])
                pending.extend(attribute.graphs)


def _points_outside(model) -> bool:
    """Whether any tensor of the model keeps its data in another file (``data_location`` EXTERNAL)."""
    from onnx import TensorProto

    for graph in _node_lists(model):
        tensors = [*getattr(graph, "initializer", ()), *(s.values for s in getattr(graph, "sparse_initializer", ()))]
        tensors += [attribute.t for node in graph.node for attribute in node.attribute if attribute.HasField("t")]
        tensors += [t for node in graph.node for attribute in node.attribute for t in attribute.tensors]
        if any(t.data_location == TensorProto.EXTERNAL or len(t.external_data) for t in tensors):
            return True
    return False


def _opset(model) -> tuple[int | None, Problem | None]:
    """The model's ONNX opset (its default domain's version), when onnx knows it."""
    import onnx

    newest = onnx.defs.onnx_opset_version()
    versions = [entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")]
    if not versions:
        return None, Problem("preflight.no_opset")
    if not 1 <= versions[0] <= newest:
        version = versions[0] if abs(versions[0]) < 10**6 else "…"
        return None, Problem("preflight.unknown_opset", {"opset": version, "newest": newest, "onnx": onnx.__version__})
    return versions[0], None


def _pooling_nodes(model) -> tuple[list, list[str]]:
    pools, others = [], []
    for current in _node_lists(model):
        for node in current.node:
            if node.domain in ("", "ai.onnx") and node.op_type == "AveragePool":
                pools.append(node)
            elif node.domain in ("", "ai.onnx") and node.op_type in POOLING_OPS:
                others.append(node.op_type)
    return pools, others


def _check_node(node, opset: int) -> NodeCheck:
    """One node: its attributes checked, torch's setting found, then run alone and compared."""
    attributes, problem = _attributes(node)
    name = node.name or "—"
    if problem is not None:
        return NodeCheck(name, attributes, problem)
    notes = ()
    if attributes.get("count_include_pad") is None and any(attributes.get("pads") or ()):
        notes = (Problem("preflight.note_default_pad"),)
    params, problem = _torch_setting(attributes)
    if problem is not None:
        return NodeCheck(name, attributes, problem, notes=notes)
    same = _same(attributes)
    side = _small_input(params, same)
    if same:
        pads = "×".join(map(str, params.padding))
        notes += (
            Problem("preflight.note_same", {"auto_pad": attributes["auto_pad"], "side": _text(side), "pads": pads}),
        )
    x = np.arange(1.0, side[0] * side[1] + 1).reshape(side)
    exact = avg_forward(x, params.plan(side))
    theirs, error = _run_alone(attributes, opset, x)
    if error is not None:
        problem = Problem("preflight.ort_failed", {"error": error})
        fix = _fix(attributes, opset, x, exact, params)
        return NodeCheck(name, attributes, problem, params, side, None, fix, notes)
    difference = compare(theirs, exact, "float32")
    fix = None if difference.agrees else _fix(attributes, opset, x, exact, params) or Problem("preflight.fix_port")
    return NodeCheck(name, attributes, None, params, side, difference, fix, notes)


def _same(attributes: dict) -> bool:
    return attributes.get("auto_pad", "NOTSET").startswith("SAME")


def _text(side: tuple[int, int]) -> str:
    return "×".join(map(str, side))


# Each attribute AveragePool takes: its protobuf type, how many values, and its range.
INTS, INT, STRING = "ints", "int", "string"
SCHEMA = {
    "kernel_shape": (INTS, 2, 1),
    "strides": (INTS, 2, 1),
    "pads": (INTS, 4, 0),
    "dilations": (INTS, 2, 1),
    "ceil_mode": (INT, None, 0),
    "count_include_pad": (INT, None, 0),
    "auto_pad": (STRING, None, None),
}


def _attributes(node) -> tuple[dict, Problem | None]:
    """The node's attributes as Python values, each checked for type, count and range before
    any tensor is built from it."""
    from onnx import AttributeProto

    kinds = {INTS: AttributeProto.INTS, INT: AttributeProto.INT, STRING: AttributeProto.STRING}
    values: dict = {}
    for attribute in node.attribute:
        if attribute.name not in SCHEMA:
            return values, Problem("preflight.unknown_attribute", {"attribute": attribute.name[:40]})
        kind, count, low = SCHEMA[attribute.name]
        if attribute.type != kinds[kind]:
            return values, Problem("preflight.bad_type", {"attribute": attribute.name, "kind": kind})
        if kind == INTS:
            value = tuple(attribute.ints)
            if len(value) != count:
                key = "preflight.not_2d" if attribute.name != "pads" else "preflight.pads_count"
                return values, Problem(key, {"attribute": attribute.name, "count": len(value), "want": count})
            high = MAX_VALUE
            if any(not low <= v <= high for v in value):
                key = "preflight.negative" if any(v < 0 for v in value) else "preflight.out_of_range"
                shown = [v if abs(v) < 10**6 else "…" for v in value]
                return values, Problem(key, {"attribute": attribute.name, "value": shown, "low": low, "high": high})
        elif kind == INT:
            value = attribute.i
            if value not in (0, 1):
                shown = value if abs(value) < 10**6 else "…"
                return values, Problem("preflight.not_switch", {"attribute": attribute.name, "value": shown})
        else:
            value = attribute.s.decode("utf-8", "replace")
            if value not in AUTO_PADS:
                return values, Problem("preflight.bad_auto_pad", {"allowed": ", ".join(AUTO_PADS)})
        values[attribute.name] = value
    if "kernel_shape" not in values:
        return values, Problem("preflight.no_kernel")
    return values, None


def _torch_setting(a: dict) -> tuple[PoolParams | None, Problem | None]:
    """``F.avg_pool2d``'s arguments for the node, or why torch has none."""
    auto_pad = a.get("auto_pad", "NOTSET")
    if a.get("dilations", (1, 1)) != (1, 1):
        return None, Problem("preflight.no_torch_dilations", {"dilations": list(a["dilations"])})
    if auto_pad.startswith("SAME"):
        if (padding := _same_padding(a)) is None:
            return None, Problem("preflight.no_torch_same", {"auto_pad": auto_pad})
        top, left, bottom, right = (*padding, *padding)
    else:
        top, left, bottom, right = (0, 0, 0, 0) if auto_pad == "VALID" else a.get("pads", (0, 0, 0, 0))
    if (top, left) != (bottom, right):
        return None, Problem("preflight.no_torch_asymmetric", {"pads": [top, left, bottom, right]})
    params = PoolParams(
        kernel_size=a["kernel_shape"],
        stride=a.get("strides", (1, 1)),
        padding=(top, left),
        ceil_mode=bool(a.get("ceil_mode", 0)) and not auto_pad.startswith("SAME"),  # SAME: ceil(n / s) cells
        count_include_pad=bool(a.get("count_include_pad", 0)),  # ONNX's default is 0, torch's True
    )
    try:
        params.plan(_small_input(params, auto_pad.startswith("SAME")))
    except PoolingError as error:
        return None, Problem("preflight.no_torch", {"reason": (error.key, error.params)})
    return params, None


def _same_padding(a: dict) -> tuple[int, int] | None:
    """The padding auto_pad SAME gives each side of an axis on an input whose side is a
    multiple of the stride: ONNX pads ``(ceil(n / s) - 1) * s + k - n`` cells in all, that is
    ``k - s``, none when that is below zero; None when it cannot split equally (torch pads both
    sides alike).

    >>> _same_padding({"kernel_shape": (3, 1), "strides": (1, 3), "auto_pad": "SAME_UPPER"})
    (1, 0)
    """
    totals = [max(k - s, 0) for k, s in zip(a["kernel_shape"], a.get("strides", (1, 1)))]
    return None if any(total % 2 for total in totals) else (totals[0] // 2, totals[1] // 2)


def _small_input(params: PoolParams, same: bool = False) -> tuple[int, int]:
    """The side of an input with two windows or more per axis, the last one overhanging
    under ceil_mode when the stride allows it: ``k - 2p + s + 1``; for auto_pad SAME, the
    next multiple of the stride (where its padding is ``_same_padding``'s)."""
    shape = zip(params.kernel_size, params.effective_stride, params.padding)
    sides = [(max(1, k - 2 * p + s + 1), s) for k, s, p in shape]
    return tuple(-(-side // s) * s if same else side for side, s in sides)


def _run_alone(attributes: dict, opset: int, x: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """ONNX Runtime's y for one AveragePool node, rebuilt from its checked attributes, alone in a
    model of its opset, on x (float32: ONNX Runtime's AveragePool has no float64)."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    node = helper.make_node("AveragePool", ["x"], ["y"], name="pool", **attributes)
    shape = [1, 1, *x.shape]
    graph = helper.make_graph(
        [node], "preflight", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )  # fmt: skip
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, ir_version=helper.find_min_ir_version_for(opsets))
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 4  # its refusals are returned, not logged
    try:
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        (y,) = session.run(None, {"x": x[None, None].astype(np.float32)})
    except Exception as error:  # ONNX Runtime refuses a node its opset does not allow: a finding, not a crash
        return None, str(error).split("\n")[0][:300]
    return np.asarray(y, dtype=np.float64)[0, 0], None


def _fix(attributes: dict, opset: int, x: np.ndarray, exact: np.ndarray, params: PoolParams) -> Problem | None:
    """What makes ONNX Runtime run the node and give torch's numbers, found by running it: for
    auto_pad SAME, its padding written out (``pads``, no ``auto_pad``); else the first newer
    opset that does (None: neither)."""
    if _same(attributes):
        (top, left) = params.padding
        written = {key: value for key, value in attributes.items() if key != "auto_pad"} | {
            "pads": (top, left, top, left)
        }
        theirs, error = _run_alone(written, opset, x)
        if error is None and compare(theirs, exact, "float32").agrees:
            return Problem(
                "preflight.fix_pads", {"auto_pad": attributes["auto_pad"], "pads": f"{top}, {left}, {top}, {left}"}
            )
    for other in OPSETS_TO_TRY:
        if other > opset:
            theirs, error = _run_alone(attributes, other, x)
            if error is None and compare(theirs, exact, "float32").agrees:
                return Problem("preflight.fix_opset", {"opset": other})
    return None
