"""Keras 3 on its JAX backend: ``keras.layers.AveragePooling2D`` (NHWC), float64, backward by
``jax.grad`` (Keras has no gradient API of its own). Its padding is TensorFlow's:
'valid' or 'same', padding cells not counted."""

from __future__ import annotations

import os

from frameworks.base import Snippet, mask_code, port_geometry
from frameworks.tensorflow_tape import padding_name
from pooling import PoolPlan
from scenario.params import PoolParams

# Keras picks its backend once, at its import, which TensorFlow may do first: set it now.
os.environ.setdefault("KERAS_BACKEND", "jax")

IMPORTS = """import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # before keras is imported
import jax

jax.config.update("jax_enable_x64", True)  # float64, as torch's reference
import jax.numpy as jnp
import keras
import numpy as np

assert keras.backend.backend() == "jax", f"Keras runs on {keras.backend.backend()} in this process"
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


def native(params: PoolParams, plan: PoolPlan) -> Snippet:
    reason, name = padding_name(params, plan)
    (kh, kw), (sh, sw) = params.kernel_size, params.effective_stride
    call = f'keras.layers.AveragePooling2D(({kh}, {kw}), ({sh}, {sw}), padding="{name.lower()}", dtype="float64")'
    return Snippet(IMPORTS + f"\npool = {call}\n" + RUN, call, cannot=reason, runtime="jax")


def port(params: PoolParams, plan: PoolPlan) -> Snippet:
    """Pad explicitly, average with 'valid', rescale to torch's divisor (``keras.ops``)."""
    g = port_geometry(plan)
    (kh, kw), (sh, sw), (top, left), (bottom, right) = g["kernel"], g["stride"], g["before"], g["after"]
    window = f'({kh}, {kw}), ({sh}, {sw}), "valid"'
    if params.divisor_override is not None:
        divisor = f"DIVISOR = {params.divisor_override}  # divisor_override"
    else:
        divisor = f"\nDIVISOR = keras.ops.average_pool(MASK[None, :, :, None], {window}) * {kh * kw}"
        divisor = mask_code(plan, g) + divisor
    code = (
        IMPORTS + f"\n{divisor}\n\n\ndef pool(x):\n"
        f"    padded = keras.ops.pad(x, [[0, 0], [{top}, {bottom}], [{left}, {right}], [0, 0]])  # torch's\n"
        f"    return keras.ops.average_pool(padded, {window}) * {kh * kw} / DIVISOR\n" + RUN
    )
    return Snippet(code, f"keras.ops.average_pool(keras.ops.pad(x), {window}) * {kh * kw} / DIVISOR", runtime="jax")
