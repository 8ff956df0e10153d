"""The small digits CNN of the page "In a network", in numpy: every intermediate and gradient.

conv 3x3 (4 channels, padding 1) -> ReLU -> AvgPool2d(2) -> conv 3x3 (8 channels, padding 1)
-> ReLU -> AdaptiveAvgPool2d(1) -> linear(8 -> 10) -> cross-entropy, on scikit-learn's 8x8
digits (pixels 0..16, divided by 16 on the way in). ``scripts/train_digits.py`` trains it with
torch and writes ``scenario/digits_cnn.npz``: the weights, the 360 test digits and the test
accuracy; the app only reads that file (``load_digits_cnn``), it never trains.

Both pooling layers are our core's (``avg_forward``/``avg_backward`` with a ``PoolPlan`` made
for the whole batch (N, C, H, W)); the convolutions are nine shifted products, one per kernel
cell. ``network_pass`` runs forward and backward and keeps every number the page shows, in a
``NetworkPass``. Its torch twin is ``pooling.reference.torch_digits_network``.

>>> data = load_digits_cnn()
>>> result = network_pass(data.weights, data.pixels[:2], data.labels[:2])
>>> result.pool1.x.shape, result.pool1.y.shape, result.pool2.x.shape, result.pool2.y.shape
((2, 4, 8, 8), (2, 4, 4, 4), (2, 8, 4, 4), (2, 8, 1, 1))
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

import numpy as np

from i18n import text
from pooling import PoolPlan, Window, adaptive_plan, avg_backward, avg_forward, pool_plan
from scenario.explain import explain_pooled_cell, number, products_text, windows_covering
from scenario.numbers import equals_text, format_number

__all__ = [
    "DATA_FILE",
    "PIXEL_MAX",
    "DigitsData",
    "DigitsWeights",
    "GradCam",
    "NetworkPass",
    "PlaygroundSource",
    "PoolingLayer",
    "Share",
    "accuracy",
    "conv2d_same",
    "conv2d_same_backward",
    "gradcam_cell_text",
    "gradcam_pixel_text",
    "gradcam_weight_text",
    "load_digits_cnn",
    "network_pass",
    "opening_digit",
]

DATA_FILE = Path(__file__).with_name("digits_cnn.npz")
PIXEL_MAX = 16.0  # load_digits' pixels are 0..16; the network sees pixels / 16 (as DigitsCNN)


# ---------------------------------------------------------------------------------------
# The shipped file: weights, test digits, what training recorded.


@dataclass(frozen=True)
class DigitsWeights:
    """The trained weights, float64, with torch's shapes (out channels first)."""

    conv1_weight: np.ndarray  # (4, 1, 3, 3)
    conv1_bias: np.ndarray  # (4,)
    conv2_weight: np.ndarray  # (8, 4, 3, 3)
    conv2_bias: np.ndarray  # (8,)
    linear_weight: np.ndarray  # (10, 8): row k scores digit k
    linear_bias: np.ndarray  # (10,)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> DigitsWeights:
        """From torch's ``state_dict`` names (``conv1.weight``, ...), as float64."""
        return cls(**{f.name: np.asarray(arrays[_torch_name(f.name)], dtype=np.float64) for f in fields(cls)})

    def arrays(self) -> dict[str, np.ndarray]:
        """By torch's ``state_dict`` names: what ``DigitsCNN.from_arrays`` takes."""
        return {_torch_name(f.name): getattr(self, f.name) for f in fields(self)}


def _torch_name(field: str) -> str:
    """``conv1_weight`` -> ``conv1.weight``."""
    layer, _, kind = field.rpartition("_")
    return f"{layer}.{kind}"


@dataclass(frozen=True)
class DigitsData:
    """What ``scripts/train_digits.py`` shipped: the weights, the whole test split (pixels
    (M, 1, 8, 8) of 0..16, labels (M,), their rows in ``load_digits()``), ``shown`` (rows of
    the test split to offer first: two per digit), the test accuracy of these weights and the
    command that trained them; ``meta`` holds everything the script recorded."""

    weights: DigitsWeights
    pixels: np.ndarray
    labels: np.ndarray
    test_indices: np.ndarray
    shown: np.ndarray
    accuracy: float
    command: str
    meta: Mapping[str, object]


@lru_cache(maxsize=4)
def load_digits_cnn(path: str | Path = DATA_FILE) -> DigitsData:
    """The shipped network and test digits (read once per process; the arrays are read-only).

    >>> data = load_digits_cnn()
    >>> data.pixels.shape, data.labels.shape, data.accuracy > 0.9
    ((360, 1, 8, 8), (360,), True)
    """
    with np.load(path) as stored:
        arrays = {name: np.array(stored[name]) for name in stored.files}
    meta = json.loads(str(arrays.pop("meta")))
    for array in arrays.values():
        array.setflags(write=False)
    return DigitsData(
        weights=DigitsWeights.from_arrays(arrays),
        pixels=arrays["test_pixels"].astype(np.float64),
        labels=arrays["test_labels"].astype(np.int64),
        test_indices=arrays["test_indices"],
        shown=arrays["shown"],
        accuracy=float(meta["accuracy"]),
        command=str(meta["command"]),
        meta=MappingProxyType(meta),
    )


@lru_cache(maxsize=4)
def opening_digit(path: str | Path = DATA_FILE) -> int:
    """The shown digit "In a network" opens on: of those the network answers right, the one it
    is least sure of. A sure answer (p = 0.99996) sends back ∂L/∂logits = p - onehot of about
    1e-5, so every gradient below it reads as a power of ten; an unsure one sends back numbers
    a learner can follow, and still about the digit's own label.

    >>> data = load_digits_cnn()
    >>> int(data.labels[data.shown][opening_digit()])
    8
    """
    data = load_digits_cnn(path)
    labels = data.labels[data.shown]
    result = network_pass(data.weights, data.pixels[data.shown], labels)
    sure = result.probabilities[np.arange(len(labels)), labels]
    sure = np.where(result.predictions == labels, sure, np.inf)  # only the digits it answers right
    return int(np.argmin(sure))


# ---------------------------------------------------------------------------------------
# A pooling layer of the network, and the shares behind one cell of its ∂L/∂x.


@dataclass(frozen=True)
class Share:
    """One term of ∂L/∂x[image, channel, row, col]: output (out_row, out_col) of the same
    image and channel sends it ``grad_output / divisor``."""

    image: int
    channel: int
    out_row: int
    out_col: int
    grad_output: float
    divisor: float

    @property
    def value(self) -> float:
        return self.grad_output / self.divisor


@dataclass(frozen=True)
class PoolingLayer:
    """One pooling layer for a batch: its plan (checked once for (N, C, H, W)), its input x,
    output y, the ∂L/∂y that arrives from the layer above (``grad_y``) and the ∂L/∂x it sends
    down (``grad_x``). Every image and channel is pooled on its own by the same windows."""

    plan: PoolPlan
    x: np.ndarray
    y: np.ndarray
    grad_y: np.ndarray
    grad_x: np.ndarray

    @cached_property
    def windows(self) -> list[Window]:
        """The windows of one (H, W) map: the same for every image and channel."""
        return self.plan.windows()

    def shares(self, image: int, channel: int, row: int, col: int) -> list[Share]:
        """The terms that add up to ``grad_x[image, channel, row, col]``: one per window
        covering the cell, each from an output of the same image and channel.

        >>> layer = network_pass(load_digits_cnn().weights, np.zeros((1, 1, 8, 8)), [3]).pool2
        >>> [(s.channel, s.out_row, s.out_col, s.divisor) for s in layer.shares(0, 5, 2, 1)]
        [(5, 0, 0, 16.0)]
        """
        grad_y = self.grad_y[image, channel]
        return [
            Share(image, channel, w.out_row, w.out_col, float(grad_y[w.out_row, w.out_col]), w.divisor)
            for w in windows_covering(self.windows, row, col)
        ]

    def explain(self, kind: str, image: int, channel: int, row: int, col: int, language: str = "en") -> str | None:
        """The Playground's sentence for a cell of one image's channel: ``kind`` "output" (a
        cell of y or ∂L/∂y) or "input" (a cell of x or ∂L/∂x); the page names the channel."""
        n, c = image, channel
        maps = self.x[n, c], self.y[n, c], self.grad_y[n, c], self.grad_x[n, c]
        return explain_pooled_cell(kind, row, col, *maps, self.windows, language)


# ---------------------------------------------------------------------------------------
# The pass: forward, loss, backward, Grad-CAM.


@dataclass(frozen=True)
class GradCam:
    """Grad-CAM (Selvaraju et al. 2017) of one score per image, at x2 (the 8 maps of 4x4 the
    global pooling averages): ``weights`` α (N, 8), each channel's global average of
    ∂score/∂x2; ``weighted_sum`` Σ_k α_k · x2[k] (N, 4, 4) before the ReLU. ``score`` names
    what was differentiated: "logit" (the class score before the softmax: the standard
    Grad-CAM) or "log_probability" (log p(target) = -loss: an alternative, shown as a control)."""

    score: str
    grad_y2: np.ndarray  # (N, 8) ∂score/∂y2: W[target, :] for the logit, -∂L/∂y2 for log p
    weights: np.ndarray
    weighted_sum: np.ndarray

    @property
    def map(self) -> np.ndarray:
        """ReLU(Σ_k α_k · x2[k]): only what speaks for the class (N, 4, 4)."""
        return np.maximum(self.weighted_sum, 0.0)

    @property
    def upsampled(self) -> np.ndarray:
        """The map over the 8x8 digit, nearest-neighbour: map cell (i, j) fills the 2x2 pixels
        [2i:2i+2, 2j:2j+2], the ones the first pooling averaged into it (N, 8, 8)."""
        return self.map.repeat(UPSAMPLING, axis=1).repeat(UPSAMPLING, axis=2)


UPSAMPLING = 2  # the 4x4 map over the 8x8 digit: each cell covers the 2x2 block pool1 averaged


@dataclass(frozen=True)
class NetworkPass:
    """Every number of one forward and backward pass for a batch of N digits. ``pool1`` is
    AvgPool2d(2) (x1 = ReLU(conv1) (N, 4, 8, 8) -> y1 (N, 4, 4, 4)), ``pool2`` the global
    average pooling (x2 = ReLU(conv2) (N, 8, 4, 4) -> y2 (N, 8, 1, 1)). The loss is the sum
    of the images' cross-entropies, so each image's gradients are its own (as if alone).
    ``gradcam`` is the standard Grad-CAM of each target's logit; ``gradcam_log_probability``
    the same built on log p(target) instead, for comparison."""

    pixels: np.ndarray  # (N, 1, 8, 8), 0..16
    targets: np.ndarray  # (N,) the class each loss is about
    conv1: np.ndarray  # (N, 4, 8, 8) before the ReLU
    pool1: PoolingLayer
    conv2: np.ndarray  # (N, 8, 4, 4) before the ReLU
    grad_conv2: np.ndarray  # (N, 8, 4, 4) ∂L/∂x2 where conv2 > 0, else 0
    pool2: PoolingLayer
    logits: np.ndarray  # (N, 10)
    probabilities: np.ndarray  # (N, 10) softmax
    losses: np.ndarray  # (N,) -log probabilities[n, targets[n]]
    grad_logits: np.ndarray  # (N, 10) softmax - one-hot
    gradcam: GradCam  # of the target's logit y_c (the class score before the softmax)
    gradcam_log_probability: GradCam  # of log p(target) = -loss: α = global average of -∂L/∂x2

    @property
    def loss(self) -> float:
        return float(self.losses.sum())

    @property
    def predictions(self) -> np.ndarray:
        return self.logits.argmax(axis=1)

    def other_targets_give_larger_gradients(self, image: int) -> bool:
        """Whether every other target would send a larger gradient back: true exactly when the
        target is the network's answer. ∂L/∂logits = p - onehot(t) has |p - onehot(t)|² =
        Σ p² + 1 - 2 p_t, smallest for the largest p_t."""
        return bool(self.targets[image] == self.predictions[image])


def network_pass(weights: DigitsWeights, pixels: np.ndarray, targets: Sequence[int] | np.ndarray) -> NetworkPass:
    """Forward and backward of ``loss = sum of cross_entropy(network(pixels[n]), targets[n])``.

    >>> data = load_digits_cnn()
    >>> result = network_pass(data.weights, data.pixels[:1], [0])
    >>> w, g = data.weights.linear_weight, result.grad_logits[0]
    >>> bool(np.allclose(result.pool2.grad_y[0, :, 0, 0], w.T @ g))  # W[:, c] · (softmax - onehot)
    True
    >>> bool(np.allclose(result.pool2.grad_x[0, 3], result.pool2.grad_y[0, 3, 0, 0] / 16))
    True
    """
    pixels, targets = _checked(pixels, targets)
    # Forward: both poolings by our core, each with one plan for the whole batch.
    conv1 = conv2d_same(pixels / PIXEL_MAX, weights.conv1_weight, weights.conv1_bias)
    x1 = np.maximum(conv1, 0.0)
    plan1 = pool_plan(x1.shape, kernel_size=2)
    y1 = avg_forward(x1, plan1)
    conv2 = conv2d_same(y1, weights.conv2_weight, weights.conv2_bias)
    x2 = np.maximum(conv2, 0.0)
    plan2 = adaptive_plan(x2.shape, 1)
    y2 = avg_forward(x2, plan2)
    logits = y2[:, :, 0, 0] @ weights.linear_weight.T + weights.linear_bias
    probabilities, losses, grad_logits = _softmax_cross_entropy(logits, targets)
    # Backward, layer by layer: each ∂L/∂y is what the layer above sends down.
    grad_y2 = (grad_logits @ weights.linear_weight)[:, :, None, None]  # W[:, c] · (softmax - onehot)
    grad_x2 = avg_backward(grad_y2, plan2)  # 1/16 of each channel's value on every cell
    grad_conv2 = np.where(conv2 > 0, grad_x2, 0.0)  # the ReLU passes it where it was open
    grad_y1 = conv2d_same_backward(grad_conv2, weights.conv2_weight)
    grad_x1 = avg_backward(grad_y1, plan1)
    # Grad-CAM: of the target's logit (the standard), and of log p(target) (a control).
    onehot = np.eye(logits.shape[1])[targets]
    gradcam = _gradcam("logit", onehot, weights.linear_weight, x2, plan2)
    gradcam_log_probability = _gradcam("log_probability", -grad_logits, weights.linear_weight, x2, plan2)
    return NetworkPass(
        pixels=pixels,
        targets=targets,
        conv1=conv1,
        pool1=PoolingLayer(plan1, x1, y1, grad_y1, grad_x1),
        conv2=conv2,
        grad_conv2=grad_conv2,
        pool2=PoolingLayer(plan2, x2, y2, grad_y2, grad_x2),
        logits=logits,
        probabilities=probabilities,
        losses=losses,
        grad_logits=grad_logits,
        gradcam=gradcam,
        gradcam_log_probability=gradcam_log_probability,
    )


# ---------------------------------------------------------------------------------------
# One channel sent to the Playground: where its numbers came from.

SHOWN_DIGITS, POOL1_CHANNELS = 20, 4


@dataclass(frozen=True)
class PlaygroundSource:
    """Which numbers a link from this page gave the Playground: x1 of one shown digit's channel
    and the ∂L/∂y1 that reaches it from the loss about ``target``, rounded to ``digits``
    significant digits. In the link as ``from=network:<digit>:<channel>:<target>:<digits>``.

    >>> PlaygroundSource.parse("network:11:1:5:4")
    PlaygroundSource(digit=11, channel=1, target=5, digits=4)
    >>> PlaygroundSource(11, 1, 5, 4).text()
    'network:11:1:5:4'
    """

    digit: int
    channel: int
    target: int
    digits: int

    def text(self) -> str:
        return ":".join(["network", *(str(n) for n in (self.digit, self.channel, self.target, self.digits))])

    @classmethod
    def parse(cls, text: str) -> PlaygroundSource:
        """From the link's text; a ValueError for anything else (the link is untrusted)."""
        kind, *numbers = str(text).split(":")
        limits = (SHOWN_DIGITS, POOL1_CHANNELS, 10, 18)
        if kind != "network" or len(numbers) != 4 or not all(n.isdecimal() and len(n) <= 2 for n in numbers):
            raise ValueError("not network:<digit>:<channel>:<class>:<digits>")
        values = [int(n) for n in numbers]
        if not all(0 <= value < limit for value, limit in zip(values, limits)) or values[3] == 0:
            raise ValueError("a number out of range")
        return cls(*values)

    def caption(self, grid: str, language: str = "en") -> str:
        """Where the typed ``grid`` ("x" or "grad") came from: digit, layer, channel, rounding."""
        data = load_digits_cnn()
        label = int(data.labels[data.shown][self.digit])
        name = f"{label}·{self.digit % 2 + 1}"
        key = {"x": "network.from_x", "grad": "network.from_grad"}[grid]
        return text(language, key, digit=name, channel=self.channel, target=self.target, digits=self.digits)


# ---------------------------------------------------------------------------------------
# A click on Grad-CAM, explained with its numbers.


def gradcam_weight_text(result: NetworkPass, cam: GradCam, image: int, channel: int, language: str = "en") -> str:
    """α_k of one channel: the global average of the score's gradient at x2[k], with the numbers.

    >>> result = network_pass(load_digits_cnn().weights, load_digits_cnn().pixels[:1], [0])
    >>> gradcam_weight_text(result, result.gradcam, 0, 3).split(": so ")[1]  # α3 = W[0, 3] / 16
    '**α3 = 2.059 / 16 ≈ 0.1287**.'
    """
    key = "network.gradcam_alpha" if cam.score == "logit" else "network.gradcam_alpha_logp"
    return text(
        language, key, channel=channel, target=int(result.targets[image]),
        gradient=format_number(cam.grad_y2[image, channel]), gradient_is=equals_text(cam.grad_y2[image, channel]),
        alpha=equals_text(cam.weights[image, channel]),
    )  # fmt: skip


def gradcam_cell_text(result: NetworkPass, cam: GradCam, image: int, row: int, col: int, language: str = "en") -> str:
    """One cell of the 4x4 map: ReLU of Σ_k α_k · x2[k, row, col], every term written out."""
    alphas, x2 = cam.weights[image], result.pool2.x[image, :, row, col]
    speaking = x2 != 0  # x2 is after a ReLU: the channels at exactly 0 are counted, not written as "·0"
    terms = products_text(zip(alphas[speaking], x2[speaking])) or "0"
    total = cam.weighted_sum[image, row, col]
    sentence = text(
        language, "network.gradcam_cell", row=row, col=col, terms=terms, total=number(total),
        value=equals_text(max(total, 0.0)),
    )  # fmt: skip
    if zeros := int((~speaking).sum()):
        sentence += " " + text(language, "network.gradcam_cell_zeros", zeros=zeros, row=row, col=col)
    if total < 0:
        sentence += " " + text(language, "network.gradcam_cell_negative", target=int(result.targets[image]))
    return sentence


def gradcam_pixel_text(result: NetworkPass, cam: GradCam, image: int, row: int, col: int, language: str = "en") -> str:
    """A pixel of the map over the digit: the 2x2 block of the map cell it copies, then that cell."""
    i, j = row // UPSAMPLING, col // UPSAMPLING
    block = {"r0": UPSAMPLING * i, "r1": UPSAMPLING * i + 1, "c0": UPSAMPLING * j, "c1": UPSAMPLING * j + 1}
    cell = gradcam_cell_text(result, cam, image, i, j, language)
    return text(language, "network.gradcam_pixel", row=row, col=col, i=i, j=j, cell=cell, **block)


def accuracy(weights: DigitsWeights, pixels: np.ndarray, labels: Sequence[int] | np.ndarray) -> float:
    """The share of digits whose highest logit is their label.

    >>> data = load_digits_cnn()
    >>> accuracy(data.weights, data.pixels, data.labels) == data.accuracy
    True
    """
    return float((network_pass(weights, pixels, labels).predictions == np.asarray(labels)).mean())


def _checked(pixels: np.ndarray, targets: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels as float64 (N, 1, H, W) and one class 0..9 per image, or a ValueError saying why not."""
    pixels, targets = np.asarray(pixels, dtype=np.float64), np.asarray(targets)
    if pixels.ndim != 4 or pixels.shape[1] != 1:
        raise ValueError(f"pixels must have shape (N, 1, H, W), got {pixels.shape}: use pixels[:, None] for (N, H, W)")
    if targets.shape != pixels.shape[:1] or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(f"targets must be {pixels.shape[0]} whole numbers (one per image), got {targets!r}")
    if targets.size and (targets.min() < 0 or targets.max() > 9):
        raise ValueError(f"targets must be digits 0..9, got {targets.tolist()}")
    return pixels, targets.astype(np.int64)


def _gradcam(score: str, grad_logits: np.ndarray, linear_weight: np.ndarray, x2: np.ndarray, plan: PoolPlan) -> GradCam:
    """Grad-CAM of a score whose gradient at the logits is ``grad_logits`` (N, 10): back
    through the classifier and the global pooling to x2 (1/16 of each channel's value on
    every cell), then each channel's weight is the global average of that gradient."""
    grad_y2 = grad_logits @ linear_weight
    grad_x2 = avg_backward(grad_y2[:, :, None, None], plan)
    weights = avg_forward(grad_x2, plan)[:, :, 0, 0]  # α_k = mean over the 4x4 map of ∂score/∂x2[k]
    return GradCam(score, grad_y2, weights, np.einsum("nc,nchw->nhw", weights, x2))


def _softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Softmax, each image's cross-entropy, and its gradient at the logits (softmax - one-hot)."""
    shifted = logits - logits.max(axis=1, keepdims=True)  # same softmax, no overflow
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    probabilities = np.exp(log_probabilities)
    rows = np.arange(len(targets))
    grad_logits = probabilities.copy()
    grad_logits[rows, targets] -= 1.0
    return probabilities, -log_probabilities[rows, targets], grad_logits


# ---------------------------------------------------------------------------------------
# Convolutions with an odd kernel and "same" padding (k // 2), stride 1.


def conv2d_same(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``F.conv2d(x, weight, bias, padding=k // 2)`` for x (N, C, H, W), weight (O, C, k, k).

    >>> conv2d_same(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)))[0, 0].tolist()
    [[4.0, 6.0, 4.0], [6.0, 9.0, 6.0], [4.0, 6.0, 4.0]]
    """
    size, pad = weight.shape[-1], weight.shape[-1] // 2
    height, width = x.shape[-2:]
    padded = np.zeros(x.shape[:2] + (height + 2 * pad, width + 2 * pad))  # a ring of zeros
    padded[:, :, pad : pad + height, pad : pad + width] = x
    out = np.zeros((x.shape[0], weight.shape[0], height, width))
    for u in range(size):
        for v in range(size):
            # kernel cell (u, v) weighs every input shifted by (u - pad, v - pad)
            out += np.einsum("nchw,oc->nohw", padded[:, :, u : u + height, v : v + width], weight[:, :, u, v])
    return out if bias is None else out + bias[:, None, None]


def conv2d_same_backward(grad_output: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """∂L/∂x of ``conv2d_same`` given ∂L/∂out: the same convolution with the kernel turned
    180° and its in and out channels swapped (each input cell collects the gradients of the
    outputs it fed, weighted as it was).

    >>> conv2d_same_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)))[0, 0, 0].tolist()
    [4.0, 6.0, 4.0]
    """
    return conv2d_same(grad_output, weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
