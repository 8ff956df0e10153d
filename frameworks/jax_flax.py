"""JAX and Flax: ``flax.linen.avg_pool`` (NHWC), backward by ``jax.grad``, float64 (x64 on).

Flax takes explicit padding and ``count_include_pad`` but has no ``ceil_mode`` and no
``divisor_override``; with ``count_include_pad`` it divides every window by the full kernel.
"""

from __future__ import annotations

import dataclasses

from frameworks.base import Snippet, mask_code, port_geometry
from pooling import PoolPlan
from scenario.params import PoolParams

IMPORTS = """import jax

jax.config.update("jax_enable_x64", True)  # float64, as torch's reference
import jax.numpy as jnp
import numpy as np
from flax import linen as nn
"""
RUN = """

def run(x, grad_y):
    x, grad_y = jnp.asarray(x[None, :, :, None]), jnp.asarray(grad_y[None, :, :, None])  # (N, H, W, C)
    y = pool(x)
    if y.shape != grad_y.shape:  # another output shape than torch's: no ∂L/∂y for it
        return np.asarray(y[0, :, :, 0]), None
    grad_x = jax.grad(lambda x: jnp.sum(pool(x) * grad_y))(x)  # L = sum(y * ∂L/∂y)
    return np.asarray(y[0, :, :, 0]), np.asarray(grad_x[0, :, :, 0])
"""


def cannot(params: PoolParams, plan: PoolPlan) -> tuple[str | None, PoolParams]:
    """What Flax cannot say of this setup, and the closest setup it can."""
    if params.divisor_override is not None:
        return "frameworks.cannot.no_divisor_override", dataclasses.replace(params, divisor_override=None)
    floor = dataclasses.replace(params, ceil_mode=False)
    if params.ceil_mode and floor.plan(plan.input_shape).output_shape != plan.output_shape:
        return "frameworks.cannot.no_ceil_mode", floor
    return None, params


def native(params: PoolParams, plan: PoolPlan) -> Snippet:
    reason, closest = cannot(params, plan)
    (kh, kw), (sh, sw), (ph, pw) = closest.kernel_size, closest.effective_stride, closest.padding
    call = (
        f"nn.avg_pool(x, ({kh}, {kw}), strides=({sh}, {sw}), padding=(({ph}, {ph}), ({pw}, {pw})), "
        f"count_include_pad={closest.count_include_pad})"
    )
    code = IMPORTS + f"\n\ndef pool(x):\n    return {call}\n" + RUN
    return Snippet(code, call, cannot=reason, runtime="jax")


def port(params: PoolParams, plan: PoolPlan) -> Snippet:
    """Pad explicitly, sum each window (``nn.pool`` with ``lax.add``), divide by torch's divisor."""
    g = port_geometry(plan)
    (kh, kw), (sh, sw), (top, left), (bottom, right) = g["kernel"], g["stride"], g["before"], g["after"]
    window = f'({kh}, {kw}), ({sh}, {sw}), "VALID"'
    if params.divisor_override is not None:
        divisor = f"DIVISOR = {params.divisor_override}  # divisor_override"
    else:
        divisor = f"\nDIVISOR = nn.pool(jnp.asarray(MASK)[None, :, :, None], 0.0, jax.lax.add, {window})"
        divisor = mask_code(plan, g) + divisor
    code = (
        IMPORTS + f"\n{divisor}\n\n\ndef pool(x):\n"
        f"    padded = jnp.pad(x, ((0, 0), ({top}, {bottom}), ({left}, {right}), (0, 0)))  # torch's\n"
        f"    return nn.pool(padded, 0.0, jax.lax.add, {window}) / DIVISOR  # window sums / torch's divisor\n" + RUN
    )
    return Snippet(code, f"nn.pool(jnp.pad(x), 0.0, jax.lax.add, {window}) / DIVISOR", runtime="jax")
