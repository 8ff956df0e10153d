"""Ground truth: the same pooling run through real torch autograd in float64.

The only module of ``pooling`` that imports torch. Used by the tests and by the app's
"matches torch" check; also holds a central finite-difference gradient, which needs no
autograd at all, and the small digits CNN (``DigitsCNN``): the one definition that
``scripts/train_digits.py`` trains and ``torch_digits_network`` runs beside the numpy
network of ``scenario/network.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "DIGITS_PIXEL_MAX",
    "DigitsCNN",
    "classic_example",
    "conv_equivalent",
    "finite_difference_grad",
    "torch_adaptive_avg_pool2d",
    "torch_avg_pool2d",
    "torch_digits_network",
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


# ---------------------------------------------------------------------------------------
# The digits CNN: 8x8 handwritten digits (scikit-learn's load_digits, pixels 0..16).

DIGITS_PIXEL_MAX = 16.0  # load_digits' pixels are 0..16; the network sees pixels / 16


class DigitsCNN(torch.nn.Module):
    """conv 3x3 (4 channels, padding 1) -> ReLU -> AvgPool2d(2) -> conv 3x3 (8 channels,
    padding 1) -> ReLU -> AdaptiveAvgPool2d(1) -> linear(8 -> 10): logits of the ten digits.
    Takes pixels (N, 1, 8, 8) of 0..16 and divides them by 16 itself.

    >>> DigitsCNN()(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.pool1 = torch.nn.AvgPool2d(2)
        self.conv2 = torch.nn.Conv2d(4, 8, kernel_size=3, padding=1)
        self.pool2 = torch.nn.AdaptiveAvgPool2d(1)
        self.linear = torch.nn.Linear(8, 10)

    def steps(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every intermediate by name: conv1, x1 (its ReLU, the first pooling's input), y1,
        conv2, x2 (its ReLU, the global pooling's input), y2, logits."""
        out = {"conv1": self.conv1(pixels / DIGITS_PIXEL_MAX)}
        out["x1"] = F.relu(out["conv1"])
        out["y1"] = self.pool1(out["x1"])
        out["conv2"] = self.conv2(out["y1"])
        out["x2"] = F.relu(out["conv2"])
        out["y2"] = self.pool2(out["x2"])
        out["logits"] = self.linear(out["y2"].flatten(1))
        return out

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.steps(pixels)["logits"]

    @classmethod
    def from_arrays(cls, weights: Mapping[str, np.ndarray], dtype: torch.dtype = torch.float64) -> DigitsCNN:
        """The network with these weights (``state_dict`` names: ``conv1.weight``, ...)."""
        network = cls().to(dtype)
        state = {name: torch.tensor(np.asarray(weights[name]), dtype=dtype) for name in network.state_dict()}
        network.load_state_dict(state)
        return network


def torch_digits_network(
    weights: Mapping[str, np.ndarray], pixels: np.ndarray, targets: Sequence[int] | np.ndarray
) -> dict[str, np.ndarray]:
    """The digits CNN in float64 through torch autograd: every intermediate of
    ``DigitsCNN.steps``, ``probabilities``, the ``losses`` per image and their sum ``loss``
    (cross-entropy with ``reduction="sum"``: each image's gradients are its own), the gradient
    of ``loss`` at each intermediate (``grad_x1``, ``grad_y1``, ``grad_conv2``, ``grad_x2``,
    ``grad_y2``, ``grad_logits``; kept with ``retain_grad``), and Grad-CAM at x2: the
    standard one, of each target's logit (``gradcam_weights`` (N, 8), ``gradcam`` (N, 4, 4),
    ``gradcam_8x8``), and the same of each target's log-probability (``gradcam_logp_*``)."""
    network = DigitsCNN.from_arrays(weights)
    target = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    steps = network.steps(torch.tensor(np.asarray(pixels), dtype=torch.float64))
    for name in ("x1", "y1", "conv2", "x2", "y2", "logits"):
        steps[name].retain_grad()
    losses = F.cross_entropy(steps["logits"], target, reduction="none")
    losses.sum().backward()
    # Grad-CAM's gradient: of each target's logit (the class score before the softmax) at
    # x2, from a pass of its own (another backward would add to the gradients kept above).
    again = network.steps(torch.tensor(np.asarray(pixels), dtype=torch.float64))
    score = again["logits"][torch.arange(len(target)), target].sum()
    (score_grad,) = torch.autograd.grad(score, again["x2"])
    out = {name: tensor.detach().numpy() for name, tensor in steps.items()}
    out |= {f"grad_{name}": steps[name].grad.numpy() for name in ("x1", "y1", "conv2", "x2", "y2", "logits")}
    out["probabilities"] = torch.softmax(steps["logits"], 1).detach().numpy()
    out["losses"], out["loss"] = losses.detach().numpy(), losses.sum().detach().numpy()
    size = tuple(steps["conv1"].shape[-2:])
    # log p(target) = -loss: its gradient at x2 is -∂L/∂x2.
    for prefix, grads in (("gradcam", score_grad), ("gradcam_logp", -steps["x2"].grad)):
        channel_weights = grads.mean(dim=(2, 3))  # α: each channel's global average gradient
        cam = F.relu((channel_weights[:, :, None, None] * steps["x2"].detach()).sum(1))
        out[f"{prefix}_weights"], out[prefix] = channel_weights.numpy(), cam.numpy()
        out[f"{prefix}_8x8"] = F.interpolate(cam[:, None], size=size, mode="nearest")[:, 0].numpy()
    return out
