"""TensorFlow: ``tf.nn.avg_pool2d`` (NHWC), backward by ``tf.GradientTape``, float64.

TensorFlow (and Keras) pad only by name: 'VALID' (none) or 'SAME' (as much as makes
ceil(H / stride) outputs, the odd cell at the end), and never count padding cells.
"""

from __future__ import annotations

from frameworks.base import Snippet, mask_code, port_geometry
from pooling import PoolPlan
from scenario.params import PoolParams

IMPORTS = "import numpy as np\nimport tensorflow as tf\n"
RUN = """

def run(x, grad_y):
    x = tf.constant(x[None, :, :, None])  # (N, H, W, C), float64
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = pool(x)
    if y.shape[1:3] != grad_y.shape:  # another output shape than torch's: no ∂L/∂y for it
        return y.numpy()[0, :, :, 0], None
    grad_x = tape.gradient(y, x, output_gradients=tf.constant(grad_y[None, :, :, None]))  # ∂L/∂y in
    return y.numpy()[0, :, :, 0], grad_x.numpy()[0, :, :, 0]
"""


def padding_name(params: PoolParams, plan: PoolPlan) -> tuple[str | None, str]:
    """Why 'VALID'/'SAME' cannot say this setup (None: 'VALID' is it exactly), and the closer of the two."""
    if params.divisor_override is not None:
        return "frameworks.cannot.no_divisor_override", "SAME" if any(params.padding) or params.ceil_mode else "VALID"
    if any(params.padding):
        return "frameworks.cannot.only_valid_same", "SAME"
    g = port_geometry(plan)
    if any(g["overhang"]):  # ceil_mode's last window reaches past x: 'SAME' pads at the end
        return "frameworks.cannot.only_valid_same", "SAME"
    return None, "VALID"


def native(params: PoolParams, plan: PoolPlan) -> Snippet:
    reason, name = padding_name(params, plan)
    (kh, kw), (sh, sw) = params.kernel_size, params.effective_stride
    call = f'tf.nn.avg_pool2d(x, ({kh}, {kw}), ({sh}, {sw}), "{name}")'
    return Snippet(IMPORTS + f"\n\ndef pool(x):\n    return {call}\n" + RUN, call, cannot=reason, runtime="tensorflow")


def port(params: PoolParams, plan: PoolPlan) -> Snippet:
    """Pad explicitly, average with 'VALID', rescale to torch's divisor."""
    g = port_geometry(plan)
    (kh, kw), (sh, sw), (top, left), (bottom, right) = g["kernel"], g["stride"], g["before"], g["after"]
    window = f'({kh}, {kw}), ({sh}, {sw}), "VALID"'
    if params.divisor_override is not None:
        divisor = f"DIVISOR = {params.divisor_override}  # divisor_override"
    else:
        divisor = mask_code(plan, g) + f"\nDIVISOR = tf.nn.avg_pool2d(MASK[None, :, :, None], {window}) * {kh * kw}"
    code = (
        IMPORTS + f"\n{divisor}\n\n\ndef pool(x):\n"
        f"    padded = tf.pad(x, [[0, 0], [{top}, {bottom}], [{left}, {right}], [0, 0]])  # torch's\n"
        f"    return tf.nn.avg_pool2d(padded, {window}) * {kh * kw} / DIVISOR  # window sums / torch's divisor\n" + RUN
    )
    return Snippet(code, f"tf.nn.avg_pool2d(tf.pad(x), {window}) * {kh * kw} / DIVISOR", runtime="tensorflow")
