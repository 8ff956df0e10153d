"""Ground truth: the same pooling run through real torch autograd in float64.

The only module of ``pooling`` that imports torch. Used by the tests and by the app's
"matches torch" check; also holds a central finite-difference gradient, which needs no
autograd at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "classic_example",
    "conv_equivalent",
    "finite_difference_grad",
    "torch_adaptive_avg_pool2d",
    "torch_avg_pool2d",
    "torch_max_pool2d",
]


def _run(pool: Callable[[torch.Tensor], torch.Tensor], x: np.ndarray, grad_output: np.ndarray | None):
    """Forward with torch; backward of ``loss = (y * grad_output).sum()`` so that dL/dy = grad_output.

    torch's 2D pooling wants (C, H, W) or (N, C, H, W): a 2D input gets a channel axis.
    """
    x = np.asarray(x, dtype=np.float64)
    squeeze = x.ndim == 2
    tensor = torch.tensor(x[None] if squeeze else x, dtype=torch.float64, requires_grad=True)
    y = pool(tensor)
    if grad_output is None:
        grad_input = None
    else:
        upstream = torch.tensor(np.asarray(grad_output, dtype=np.float64), dtype=torch.float64)
        y.backward(upstream.reshape(y.shape))
        grad_input = tensor.grad.numpy()
        grad_input = grad_input[0] if squeeze else grad_input
    y = y.detach().numpy()
    return (y[0] if squeeze else y), grad_input


def torch_avg_pool2d(
    x: np.ndarray,
    grad_output: np.ndarray | None,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(y, grad_input) from ``F.avg_pool2d`` and autograd; torch's own errors pass through."""
    return _run(
        lambda t: F.avg_pool2d(t, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override),
        x,
        grad_output,
    )


def torch_max_pool2d(
    x: np.ndarray,
    grad_output: np.ndarray | None,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(y, grad_input) from ``F.max_pool2d`` and autograd."""
    return _run(lambda t: F.max_pool2d(t, kernel_size, stride, padding, ceil_mode=ceil_mode), x, grad_output)


def torch_adaptive_avg_pool2d(
    x: np.ndarray, grad_output: np.ndarray | None, output_size: int | Sequence[int | None]
) -> tuple[np.ndarray, np.ndarray | None]:
    """(y, grad_input) from ``F.adaptive_avg_pool2d`` and autograd."""
    return _run(lambda t: F.adaptive_avg_pool2d(t, output_size), x, grad_output)


def finite_difference_grad(
    forward: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    grad_output: np.ndarray,
    step: float = 1e-6,
) -> np.ndarray:
    """Central differences of ``loss(x) = (forward(x) * grad_output).sum()``, one cell at a time.

    ``dL/dx[i] ~ (loss(x + h e_i) - loss(x - h e_i)) / 2h``. Average pooling is linear, so
    this is exact up to rounding (about ``1e-10`` for values of order 1).
    """
    x = np.asarray(x, dtype=np.float64)
    grad_output = np.asarray(grad_output, dtype=np.float64)
    grad = np.zeros_like(x)
    shifted = x.copy()
    for index in np.ndindex(x.shape):
        shifted[index] = x[index] + step
        loss_plus = float((forward(shifted) * grad_output).sum())
        shifted[index] = x[index] - step
        loss_minus = float((forward(shifted) * grad_output).sum())
        shifted[index] = x[index]
        grad[index] = (loss_plus - loss_minus) / (2 * step)
    return grad


def classic_example(seed: int = 0):
    """The article's code: AvgPool2d(2, 2) on a random 4x4 x, loss = y.sum()."""
    torch.manual_seed(seed)
    avg_pool = torch.nn.AvgPool2d(kernel_size=(2, 2), stride=(2, 2))

    x = torch.randn(1, 1, 4, 4, requires_grad=True)
    y = avg_pool(x)

    # Compute some loss
    loss = y.sum()
    print(loss)

    # Compute gradients
    loss.backward()

    # Check gradients
    print(x.grad)
    return x, y, loss


def conv_equivalent(
    x: np.ndarray,
    grad_output: np.ndarray,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    divisor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Average pooling as a convolution with one kernel K, filled with 1/divisor.

    Forward: conv2d of the zero-padded x with K. Backward: conv_transpose2d of dL/dy with the
    same K, cropped by the padding. Both equal avg_pool2d exactly when every window divides
    by ``divisor``. Returns (y, grad_input) for a 2D x.
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    K = torch.full((1, 1, kh, kw), 1.0 / divisor, dtype=torch.float64)
    x = torch.tensor(x, dtype=torch.float64)[None, None]
    dL_dy = torch.tensor(grad_output, dtype=torch.float64)[None, None]
    (height, width), (out_h, out_w) = x.shape[-2:], dL_dy.shape[-2:]
    # The windows reach (out - 1) * stride + kernel padded cells: pad (or crop) x to exactly that.
    reach_h, reach_w = (out_h - 1) * sh + kh, (out_w - 1) * sw + kw
    x_padded = F.pad(x, (pw, reach_w - width - pw, ph, reach_h - height - ph))

    y = F.conv2d(x_padded, K, stride=(sh, sw))
    grad_padded = F.conv_transpose2d(dL_dy, K, stride=(sh, sw))  # reach_h x reach_w
    grad_input = F.pad(grad_padded, (-pw, width + pw - reach_w, -ph, height + ph - reach_h))
    return y[0, 0].numpy(), grad_input[0, 0].numpy()
