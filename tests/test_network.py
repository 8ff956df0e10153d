"""The digits CNN in numpy (scenario/network.py) against its torch twin, autograd in float64.

Every intermediate and gradient against ``pooling.reference.torch_digits_network``; each
pooling layer's ∂L/∂x recomputed by torch's pooling from the x and ∂L/∂y the page shows; the
rules the page states (the global pooling spreads 1/16 of each channel's value, ∂L/∂y2 is
W[:, c] · (softmax - one-hot), Grad-CAM of the logit as Selvaraju et al. define it, and of
log p(target) as a control, each against torch autograd written out apart);
a batch pools each image and channel on its own; the shipped file's accuracy; training
reproducible (the script run again writes the same weights up to rounding, the same answers).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose, assert_array_equal

from harness.server import REPO
from pooling import avg_pool2d, avg_pool2d_backward
from pooling.reference import (
    DIGITS_PIXEL_MAX,
    DigitsCNN,
    torch_adaptive_avg_pool2d,
    torch_avg_pool2d,
    torch_digits_network,
)
from scenario.network import (
    PIXEL_MAX,
    NetworkPass,
    accuracy,
    conv2d_same,
    conv2d_same_backward,
    gradcam_cell_text,
    gradcam_pixel_text,
    gradcam_weight_text,
    load_digits_cnn,
    network_pass,
)

TOLERANCE = {"rtol": 1e-10, "atol": 1e-13}
# Retrained weights against the shipped ones (|w| < 2): rounding differs from CPU to CPU.
RETRAINED_WEIGHTS_ATOL = 1e-10
DATA = load_digits_cnn()
SCRIPT = REPO / "scripts" / "train_digits.py"


def _batches() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Named batches of (pixels, targets): the shown digits with their labels (small gradients:
    the network is right and sure) and with the wrong targets (large ones), and noise."""
    rng = np.random.default_rng(0)
    shown = DATA.pixels[DATA.shown], DATA.labels[DATA.shown]
    return {
        "shown digits, their labels": shown,
        "shown digits, wrong targets": (shown[0], (shown[1] + 3) % 10),
        "one digit": (DATA.pixels[:1], DATA.labels[:1]),
        "noise": (rng.uniform(0, 16, (5, 1, 8, 8)), rng.integers(0, 10, 5)),
    }


BATCHES = _batches()


def _ours(result: NetworkPass) -> dict[str, np.ndarray]:
    """The numpy pass under the torch twin's names."""
    pool1, pool2 = result.pool1, result.pool2
    return {
        "conv1": result.conv1,
        "x1": pool1.x,
        "y1": pool1.y,
        "conv2": result.conv2,
        "x2": pool2.x,
        "y2": pool2.y,
        "logits": result.logits,
        "probabilities": result.probabilities,
        "losses": result.losses,
        "loss": np.array(result.loss),
        "grad_logits": result.grad_logits,
        "grad_y2": pool2.grad_y,
        "grad_x2": pool2.grad_x,
        "grad_conv2": result.grad_conv2,
        "grad_y1": pool1.grad_y,
        "grad_x1": pool1.grad_x,
        "gradcam_weights": result.gradcam.weights,
        "gradcam": result.gradcam.map,
        "gradcam_8x8": result.gradcam.upsampled,
        "gradcam_logp_weights": result.gradcam_log_probability.weights,
        "gradcam_logp": result.gradcam_log_probability.map,
        "gradcam_logp_8x8": result.gradcam_log_probability.upsampled,
    }


@pytest.fixture(scope="module", params=list(BATCHES))
def case(request):
    """(name, numpy pass, torch twin's numbers) for each batch."""
    pixels, targets = BATCHES[request.param]
    return (
        request.param,
        network_pass(DATA.weights, pixels, targets),
        torch_digits_network(DATA.weights.arrays(), pixels, targets),
    )


def test_every_intermediate_and_gradient_matches_torch_autograd(case):
    name, result, theirs = case
    ours = _ours(result)
    assert set(ours) <= set(theirs)
    for key, value in ours.items():
        assert value.shape == theirs[key].shape, f"{name}: {key}"
        scale = max(np.abs(theirs[key]).max(), 1e-300)
        assert_allclose(value / scale, theirs[key] / scale, **TOLERANCE, err_msg=f"{name}: {key}")
    assert DIGITS_PIXEL_MAX == PIXEL_MAX


def test_shapes_are_torchs():
    result = network_pass(DATA.weights, *BATCHES["noise"])
    shapes = {key: value.shape for key, value in _ours(result).items()}
    assert shapes["x1"] == shapes["grad_x1"] == (5, 4, 8, 8)
    assert shapes["y1"] == shapes["grad_y1"] == (5, 4, 4, 4)
    assert shapes["x2"] == shapes["grad_x2"] == (5, 8, 4, 4)
    assert shapes["y2"] == shapes["grad_y2"] == (5, 8, 1, 1)
    assert result.pool1.plan.input_shape == (5, 4, 8, 8) and result.pool2.plan.input_shape == (5, 8, 4, 4)
    assert shapes["gradcam_8x8"] == shapes["gradcam_logp_8x8"] == (5, 8, 8)


def test_each_pooling_layers_gradient_recomputed_by_torch_from_the_shown_x_and_grad_y(case):
    name, result, _ = case
    pool1, pool2 = result.pool1, result.pool2
    y1, grad_x1 = torch_avg_pool2d(pool1.x, pool1.grad_y, kernel_size=2)
    assert_allclose(pool1.y, y1, rtol=1e-12, atol=1e-15, err_msg=name)
    assert_allclose(pool1.grad_x, grad_x1, rtol=1e-12, atol=1e-15, err_msg=name)
    y2, grad_x2 = torch_adaptive_avg_pool2d(pool2.x, pool2.grad_y, 1)
    assert_allclose(pool2.y, y2, rtol=1e-12, atol=1e-15, err_msg=name)
    assert_allclose(pool2.grad_x, grad_x2, rtol=1e-12, atol=1e-15, err_msg=name)


def test_the_global_pooling_spreads_each_channels_gradient_uniformly(case):
    """∂L/∂x2[n, c] is ∂L/∂y2[n, c] / 16 on every cell of the 4x4 map."""
    name, result, _ = case
    grad_x, grad_y = result.pool2.grad_x, result.pool2.grad_y
    assert_allclose(grad_x, np.broadcast_to(grad_y / 16, grad_x.shape), rtol=1e-15, atol=0, err_msg=name)
    assert (grad_x == grad_x[:, :, :1, :1]).all(), name


def test_grad_y2_is_the_classifiers_weight_column_times_softmax_minus_onehot(case):
    name, result, theirs = case
    weight = DATA.weights.linear_weight  # (10, 8): column c feeds channel c to every digit
    error = theirs["probabilities"] - np.eye(10)[result.targets]
    for image in range(len(result.targets)):
        for channel in range(8):
            expected = weight[:, channel] @ error[image]
            assert_allclose(result.pool2.grad_y[image, channel, 0, 0], expected, rtol=1e-10, atol=1e-15, err_msg=name)


def _torch_gradcam(pixels: np.ndarray, targets: np.ndarray, score: str) -> dict[str, np.ndarray]:
    """Grad-CAM as Selvaraju et al. define it, written out in torch (float64) apart from the
    twin: the score's gradient at x2 by autograd, α = its mean over each 4x4 map, the map
    ReLU(Σ_k α_k x2[k]), upsampled nearest to 8x8. ``score``: "logit" (the standard: the
    class score before the softmax) or "log_probability" (the control)."""
    network = DigitsCNN.from_arrays(DATA.weights.arrays())
    steps = network.steps(torch.tensor(pixels, dtype=torch.float64))
    rows, target = torch.arange(len(targets)), torch.as_tensor(targets)
    scores = steps["logits"] if score == "logit" else torch.log_softmax(steps["logits"], dim=1)
    (gradient,) = torch.autograd.grad(scores[rows, target].sum(), steps["x2"])
    alpha = gradient.mean(dim=(2, 3))
    cam = torch.relu(torch.einsum("nk,nkhw->nhw", alpha, steps["x2"].detach()))
    upsampled = F.interpolate(cam[:, None], scale_factor=2, mode="nearest")[:, 0]
    return {"weights": alpha.numpy(), "map": cam.numpy(), "upsampled": upsampled.numpy()}


@pytest.mark.parametrize("score", ["logit", "log_probability"])
def test_gradcam_is_selvaraju_et_als_of_the_logit_and_the_control_of_log_p(case, score):
    """The standard Grad-CAM differentiates the class score before the softmax; the control
    log p(target). Each against torch autograd written out here, not from our own output."""
    name, result, _ = case
    ours = result.gradcam if score == "logit" else result.gradcam_log_probability
    theirs = _torch_gradcam(BATCHES[name][0], np.asarray(BATCHES[name][1]), score)
    assert ours.score == score
    for key, value in theirs.items():
        ours_value = getattr(ours, key)
        assert ours_value.shape == value.shape, f"{name}: {key}"
        scale = max(np.abs(value).max(), 1e-300)
        assert_allclose(ours_value / scale, value / scale, **TOLERANCE, err_msg=f"{name}: {score} {key}")


def test_gradcam_weights_are_the_global_poolings_backward_averaged(case):
    """The standard α_k is W[target, k] / 16 (∂y_c/∂y2 = W[c, :], spread 1/16 over the map, then
    averaged); the control's is the mean of -∂L/∂x2. The map is ReLU of the weighted sum,
    each cell over the 2x2 pixels pool1 averaged into it."""
    name, result, _ = case
    weight = DATA.weights.linear_weight
    assert_allclose(result.gradcam.weights, weight[result.targets] / 16, rtol=1e-15, atol=0, err_msg=name)
    control = result.gradcam_log_probability
    assert_allclose(control.weights, -result.pool2.grad_x.mean(axis=(2, 3)), rtol=1e-13, atol=1e-300, err_msg=name)
    for cam in (result.gradcam, control):
        weighted = (cam.weights[:, :, None, None] * result.pool2.x).sum(axis=1)
        assert_allclose(cam.weighted_sum, weighted, rtol=1e-12, atol=1e-300, err_msg=name)
        assert_array_equal(cam.map, np.maximum(cam.weighted_sum, 0))
        assert_array_equal(cam.upsampled, np.kron(cam.map, np.ones((2, 2))))


def test_a_sure_network_leaves_the_log_probability_map_near_zero_and_not_the_standard_one():
    """Why Grad-CAM uses the logit: at the first digit (p(target) ≈ 1) the gradient of log p
    nearly vanishes, the logit's does not."""
    result = network_pass(DATA.weights, DATA.pixels[DATA.shown][:1], DATA.labels[DATA.shown][:1])
    assert result.probabilities[0, result.targets[0]] > 0.9999
    assert result.gradcam_log_probability.map.max() < 1e-3 < 1 < result.gradcam.map.max()


def test_the_hint_to_pick_another_class_is_said_only_when_true():
    """Every other target gives a larger ∂L/∂logits (torch autograd) exactly when the hint says so."""
    pixels = DATA.pixels[DATA.shown][:4]
    for image in range(len(pixels)):
        norms = []
        for target in range(10):
            logits = DigitsCNN.from_arrays(DATA.weights.arrays())(torch.tensor(pixels[image : image + 1]))
            logits.retain_grad()
            F.cross_entropy(logits, torch.tensor([target])).backward()
            norms.append(float(logits.grad.norm()))
        for target in range(10):
            result = network_pass(DATA.weights, pixels[image : image + 1], [target])
            said = result.other_targets_give_larger_gradients(0)
            true = all(norms[other] > norms[target] for other in range(10) if other != target)
            assert said == true, (image, target, norms)


def test_a_batch_pools_each_image_and_channel_on_its_own():
    pixels, targets = BATCHES["shown digits, wrong targets"]
    batch = _ours(network_pass(DATA.weights, pixels, targets))
    for image in range(len(targets)):
        alone = _ours(network_pass(DATA.weights, pixels[image : image + 1], targets[image : image + 1]))
        for key, value in alone.items():
            if key != "loss":
                assert_allclose(batch[key][image], value[0], rtol=1e-13, atol=1e-300, err_msg=f"{image} {key}")
    # and each channel of each image is the 2D pooling of that map alone
    result = network_pass(DATA.weights, pixels[:3], targets[:3])
    for layer, kernel in ((result.pool1, 2), (result.pool2, 4)):
        for image, channel in np.ndindex(layer.x.shape[:2]):
            x, grad_y = layer.x[image, channel], layer.grad_y[image, channel]
            assert_array_equal(layer.y[image, channel], avg_pool2d(x, kernel))
            assert_array_equal(layer.grad_x[image, channel], avg_pool2d_backward(grad_y, x.shape, kernel))


def test_the_shares_of_a_cell_add_up_to_its_gradient():
    result = network_pass(DATA.weights, *BATCHES["shown digits, wrong targets"])
    for layer, divisor in ((result.pool1, 4.0), (result.pool2, 16.0)):
        image, channel = 1, layer.x.shape[1] - 1
        for row, col in np.ndindex(layer.x.shape[2:]):
            shares = layer.shares(image, channel, row, col)
            assert len(shares) == 1  # neither pooling's windows overlap
            assert all(s.image == image and s.channel == channel and s.divisor == divisor for s in shares)
            window = (row // 2, col // 2) if divisor == 4 else (0, 0)
            assert (shares[0].out_row, shares[0].out_col) == window
            assert sum(s.value for s in shares) == layer.grad_x[image, channel, row, col]


def test_a_cell_is_explained_as_in_the_playground_for_its_channel():
    result = network_pass(DATA.weights, DATA.pixels[:1], [5])
    value = result.pool2.grad_y[0, 2, 0, 0]
    sentence = result.pool2.explain("input", 0, 2, 3, 1)
    assert sentence.startswith("∂L/∂x[3, 1] = ") and "/16" in sentence and "from y[0, 0]" in sentence
    assert f"{value:.3g}"[:4].lstrip("-") in sentence, sentence
    assert "split into 16 shares" in result.pool2.explain("output", 0, 2, 0, 0)
    assert "from y[1, 2]" in result.pool1.explain("input", 0, 3, 2, 5)


@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_the_convolutions_match_torch(kernel):
    rng = np.random.default_rng(kernel)
    x, weight, bias = (
        rng.standard_normal((2, 3, 6, 5)),
        rng.standard_normal((4, 3, kernel, kernel)),
        rng.standard_normal(4),
    )
    grad_output = rng.standard_normal((2, 4, 6, 5))
    x_torch = torch.tensor(x, requires_grad=True)
    out = F.conv2d(x_torch, torch.tensor(weight), torch.tensor(bias), padding=kernel // 2)
    out.backward(torch.tensor(grad_output))
    assert_allclose(conv2d_same(x, weight, bias), out.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert_allclose(conv2d_same_backward(grad_output, weight), x_torch.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "pixels, targets, message",
    [
        (np.zeros((8, 8)), [1], "shape (N, 1, H, W)"),
        (np.zeros((2, 1, 8, 8)), [1], "2 whole numbers"),
        (np.zeros((1, 1, 8, 8)), [1.0], "whole numbers"),
        (np.zeros((1, 1, 8, 8)), [10], "digits 0..9"),
    ],
)
def test_bad_input_is_refused_with_the_reason(pixels, targets, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        network_pass(DATA.weights, pixels, targets)


# ---------------------------------------------------------------------------------------
# The shipped file and the training script.


def _script():
    """scripts/train_digits.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("train_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_weights_give_the_stated_accuracy_on_the_test_split():
    from sklearn.datasets import load_digits

    digits, script = load_digits(), _script()
    split = script.split_digits(DATA.meta["seed"])
    assert_array_equal(DATA.test_indices, split["test_indices"])
    assert_array_equal(DATA.pixels, digits.images[DATA.test_indices][:, None])
    assert_array_equal(DATA.labels, digits.target[DATA.test_indices])
    assert len(DATA.labels) == DATA.meta["test_count"] == 360
    stated = DATA.accuracy
    assert accuracy(DATA.weights, DATA.pixels, DATA.labels) == stated > 0.9
    assert DATA.meta["correct"] == round(stated * 360)
    assert DATA.command == "python scripts/train_digits.py"
    assert DATA.meta["fingerprint"] == script.fingerprint(DATA.weights.arrays())
    assert sorted(DATA.labels[DATA.shown].tolist()) == sorted(list(range(10)) * 2)


def test_training_is_reproducible(tmp_path):
    """The script run again (a fresh process, the full training) writes the shipped weights up
    to the last bits, the same test digits, the same accuracy and the same answer for every test
    digit. Not bit for bit: torch picks its vector kernels by CPU, so another machine's rounding
    differs by ~1e-15 (RETRAINED_WEIGHTS_ATOL leaves five orders of magnitude above that)."""
    out = tmp_path / "digits.npz"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"test accuracy {DATA.accuracy:.2%}" in run.stdout
    again = load_digits_cnn(out)
    for name, array in DATA.weights.arrays().items():
        assert_allclose(again.weights.arrays()[name], array, rtol=0, atol=RETRAINED_WEIGHTS_ATOL, err_msg=name)
    for name in ("pixels", "labels", "test_indices", "shown"):
        assert_array_equal(getattr(again, name), getattr(DATA, name), err_msg=name)
    shipped, retrained = (network_pass(d.weights, DATA.pixels, DATA.labels) for d in (DATA, again))
    assert_array_equal(retrained.probabilities.argmax(axis=1), shipped.probabilities.argmax(axis=1))
    unrounded = ("command", "fingerprint")
    assert {k: v for k, v in again.meta.items() if k not in unrounded} == {
        k: v for k, v in DATA.meta.items() if k not in unrounded
    }
    assert again.command == f"python scripts/train_digits.py --out {out}"


def test_the_seed_decides_the_weights_and_training_leaves_torch_as_it_was():
    """Two short runs (one epoch) in this process: the same seed gives the same weights, another
    seed others; torch's thread count and deterministic mode come back as they were."""
    script, threads = _script(), torch.get_num_threads()
    split = script.split_digits()
    first, second, other = (script.train(split["train_pixels"], split["train_labels"], 1, seed) for seed in (0, 0, 1))
    assert all(np.array_equal(first[name], second[name]) for name in first)
    assert not np.array_equal(first["conv1.weight"], other["conv1.weight"])
    assert torch.get_num_threads() == threads and not torch.are_deterministic_algorithms_enabled()


def test_the_app_side_never_trains_nor_imports_torch():
    """scenario/network.py reads the shipped file: loading the network and running it imports
    no torch, no scikit-learn (nor Streamlit)."""
    probe = (
        "import sys; from scenario.network import load_digits_cnn, network_pass; d = load_digits_cnn(); "
        "network_pass(d.weights, d.pixels[:2], d.labels[:2]); "
        "print(sorted({'torch', 'sklearn', 'streamlit'} & set(sys.modules)))"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"


def test_gradcam_clicks_are_explained_in_both_languages():
    """Every weight, map cell and pixel of both Grad-CAMs has its sentence; in Chinese no English
    word is left (names and code aside), and a negative sum says why the map is 0."""
    from tests.test_i18n import english_words

    result = network_pass(DATA.weights, *BATCHES["shown digits, wrong targets"])
    for cam in (result.gradcam, result.gradcam_log_probability):
        zh = [gradcam_weight_text(result, cam, 1, k, "zh") for k in range(8)]
        zh += [gradcam_pixel_text(result, cam, 1, row, col, "zh") for row, col in np.ndindex(8, 8)]
        assert {sentence: words for sentence in zh if (words := english_words(sentence))} == {}
        for row, col in np.ndindex(4, 4):
            sentence = gradcam_cell_text(result, cam, 1, row, col)
            assert ("the ReLU keeps 0" in sentence) == (cam.weighted_sum[1, row, col] < 0), sentence


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_gradcam_cells_sum_shows_its_non_zero_channels_and_counts_the_rest(language):
    """x2 is after a ReLU, so many channels are exactly 0 at a cell: the sum writes the others
    (no row of "·0" terms) and says how many were 0; the sum is still the map's value."""
    result = network_pass(DATA.weights, *BATCHES["shown digits, wrong targets"])
    cam, seen = result.gradcam, 0
    for row, col in np.ndindex(4, 4):
        x2 = result.pool2.x[1, :, row, col]
        zeros = int((x2 == 0).sum())
        sentence = gradcam_cell_text(result, cam, 1, row, col, language)
        terms = sentence.split("= ReLU(")[2].split(") = ReLU(")[0]
        assert terms.count("·") == 8 - zeros and not re.search(r"·0(?![.\d])", terms), sentence
        said = (f"{zeros} of the 8 channels" if language == "en" else f"8 个通道中有 {zeros} 个") in sentence
        assert said == (zeros > 0), sentence
        seen += 0 < zeros < 8
    assert seen, "some cell has both zero and non-zero channels"
