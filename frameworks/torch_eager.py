"""torch, eager, float64: the call itself (our core is checked against it on every page)."""

from __future__ import annotations

from frameworks.base import Snippet
from pooling import PoolPlan
from scenario.params import PoolParams

RUN = """
def run(x, grad_y):
    x = torch.tensor(x[None, None], requires_grad=True)  # (N, C, H, W), float64
    y = pool(x)
    y.backward(torch.tensor(grad_y[None, None]))  # ∂L/∂y in, ∂L/∂x out
    return y.detach()[0, 0].numpy(), x.grad[0, 0].numpy()
"""


def native(params: PoolParams, plan: PoolPlan) -> Snippet:
    call = params.torch_call("F.avg_pool2d", "x")
    code = f"import torch\nimport torch.nn.functional as F\n\n\ndef pool(x):\n    return {call}\n\n{RUN}"
    return Snippet(code, call)


def port(params: PoolParams, plan: PoolPlan) -> Snippet | None:
    return None  # the call is torch's own
