"""torch.compile (Inductor, on the CPU), float64: the same call, compiled.

Each setup's code compiles once per process (the code text is the cache key, see
``frameworks.base``); the first compile of a process takes the longest.
"""

from __future__ import annotations

import os
import shutil

from frameworks.base import Snippet
from frameworks.torch_eager import RUN
from pooling import PoolPlan
from scenario.params import PoolParams


def missing_compiler() -> str | None:
    """The C++ compiler Inductor would call on the CPU when it is not there, else None.

    Inductor (torch 2.13, ``torch._inductor.config.cpp.cxx``) calls ``$CXX``, or ``g++`` when
    CXX is unset, and gives up when that command is not found; so does this, without importing
    torch (the server's process never does). The workers inherit the server's environment."""
    compiler = os.environ.get("CXX", "g++")
    return None if shutil.which(compiler) else compiler


def prepare() -> None:
    """Compile in this process (no pool of compiler workers), and raise rather than fall back
    to eager silently when too many setups were compiled."""
    import torch._dynamo
    import torch._inductor.config

    torch._inductor.config.compile_threads = 1
    torch._dynamo.config.recompile_limit = 64
    torch._dynamo.config.fail_on_recompile_limit_hit = True


def native(params: PoolParams, plan: PoolPlan) -> Snippet:
    call = params.torch_call("F.avg_pool2d", "x")
    code = (
        "import torch\nimport torch.nn.functional as F\n\n\n"
        f"@torch.compile(dynamic=False)  # Inductor, CPU\ndef pool(x):\n    return {call}\n\n{RUN}"
    )
    return Snippet(code, f"torch.compile(lambda x: {call})(x)", runtime="compile")


def port(params: PoolParams, plan: PoolPlan) -> Snippet | None:
    """Sum each window (divisor_override=1) and divide by torch's divisor, worked out from
    ones by the same call: the backward then divides by exactly what the forward did."""
    if params.divisor_override is not None:
        return None  # already one divisor for every window
    sums = PoolParams(**{**params.__dict__, "divisor_override": 1}).torch_call("F.avg_pool2d", "x")
    code = (
        "import torch\nimport torch.nn.functional as F\n\n\n"
        "@torch.compile(dynamic=False)  # Inductor, CPU\n"
        "def pool(x):\n"
        "    ones = torch.ones_like(x)\n"
        f"    divisor = {sums.replace('(x,', '(ones,')} / {params.torch_call('F.avg_pool2d', 'ones')}\n"
        f"    return {sums} / divisor\n\n{RUN}"
    )
    return Snippet(code, f"torch.compile(lambda x: {sums} / divisor)(x)", runtime="compile")
