"""ONNX Runtime: the layer exported by ``torch.onnx.export(dynamo=True)`` at one opset, run
by ONNX Runtime on the CPU. Inference only (no backward), and float32: ONNX Runtime has no
float64 AveragePool kernel."""

from __future__ import annotations

from frameworks.base import Snippet, mask_code, port_geometry
from pooling import PoolPlan
from scenario.params import PoolParams

OPSET_17 = 17

RUN = """
example = torch.zeros(1, 1, {height}, {width})  # float32: ONNX Runtime has no float64 AveragePool
program = torch.onnx.export(Pool().eval(), (example,), dynamo=True, opset_version={opset}, verbose=False)
session = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])


def run(x, grad_y):
    (y,) = session.run(None, {{session.get_inputs()[0].name: x[None, None].astype(np.float32)}})
    return y[0, 0], None  # inference: no backward
"""
EXPORT = "torch.onnx.export(Pool(), (x,), dynamo=True, opset_version={opset})"  # the own call, in one line
IMPORTS = "import numpy as np\nimport onnxruntime as ort\nimport torch\nimport torch.nn.functional as F\n"


def newest_opset() -> int:
    """The newest opset torch's exporter writes."""
    from torch.onnx._constants import ONNX_MAX_OPSET

    return ONNX_MAX_OPSET


def native(params: PoolParams, plan: PoolPlan, opset: int) -> Snippet:
    call = params.torch_call("F.avg_pool2d", "x")
    height, width = plan.input_shape[-2:]
    body = f"\n\nclass Pool(torch.nn.Module):\n    def forward(self, x):\n        return {call}\n"
    code = IMPORTS + body + RUN.format(height=height, width=width, opset=opset)
    return Snippet(code, f"{EXPORT.format(opset=opset)}  # Pool: {call}", dtype="float32", backward=False)


def port(params: PoolParams, plan: PoolPlan, opset: int) -> Snippet:
    """Pad explicitly (zeros), average without padding, and rescale to torch's divisor."""
    g = port_geometry(plan)
    (kh, kw), (sh, sw), (top, left), (bottom, right) = g["kernel"], g["stride"], g["before"], g["after"]
    kernel, stride = f"({kh}, {kw})", f"({sh}, {sw})"
    if params.divisor_override is not None:
        divisor = f"DIVISOR = {params.divisor_override}  # divisor_override"
    else:
        divisor = (
            mask_code(plan, g) + "\n"
            f"DIVISOR = F.avg_pool2d(torch.tensor(MASK[None, None]).float(), {kernel}, {stride}) * {kh * kw}"
        )
    body = (
        f"\n{divisor}\n\n\nclass Pool(torch.nn.Module):\n    def forward(self, x):\n"
        f"        padded = F.pad(x, ({left}, {right}, {top}, {bottom}))  # zeros, torch's padding and overhang\n"
        f"        return F.avg_pool2d(padded, {kernel}, {stride}) * {kh * kw} / DIVISOR\n"
    )
    height, width = plan.input_shape[-2:]
    code = IMPORTS + body + RUN.format(height=height, width=width, opset=opset)
    pool = f"F.avg_pool2d(F.pad(x, ({left}, {right}, {top}, {bottom})), {kernel}, {stride}) * {kh * kw} / DIVISOR"
    setting = f"{EXPORT.format(opset=opset)}  # Pool: {pool}"
    return Snippet(code, setting, dtype="float32", backward=False)
