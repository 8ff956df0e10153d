"""The page "In a network" through AppTest: every grid it draws is the network's, checked
against torch autograd on the same weights; a clicked cell's explanation names its channel
and its shares; Grad-CAM is the standard one (of the logit), over the digit, each click
explained with its numbers, the log-probability variant a labelled alternative; the
Playground link carries a channel rounded and says where it comes from; the presets gallery
leads here."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from numpy.testing import assert_allclose

from figures.outline import iso_outline
from pooling.reference import torch_avg_pool2d, torch_digits_network
from scenario.network import load_digits_cnn
from scenario.numbers import equals_text, format_number, printed_text
from scenario.typed_grid import decode_grid
from tests.conftest import alerts, grid_values, grids_on_page, open_app, select_cell, settled

PAGE = "pages/network.py"


def _torch(digit: int, target: int) -> dict:
    data = load_digits_cnn()
    targets = data.labels[data.shown].copy()
    targets[digit] = target
    return torch_digits_network(data.weights.arrays(), data.pixels[data.shown], targets)


@pytest.mark.parametrize(("digit", "target", "channel1", "channel2"), [(0, None, 0, 0), (7, 2, 3, 5)])
def test_every_grid_is_the_networks_as_torch_computes_it(digit, target, channel1, channel2):
    data = load_digits_cnn()
    target = int(data.labels[data.shown][digit]) if target is None else target
    query = {"digit": str(digit), "target": str(target), "channel1": str(channel1), "channel2": str(channel2)}
    at = open_app(query, PAGE)
    theirs = _torch(digit, target)
    grids = grids_on_page(at)
    pixels, x2, _, grad_y2, grad_x2, x1, y1, grad_y1, grad_x1 = (grid_values(grid) for grid in grids[:9])
    assert_allclose(pixels, data.pixels[data.shown][digit, 0])
    shown = {"x2": x2, "grad_x2": grad_x2, "x1": x1, "y1": y1, "grad_y1": grad_y1, "grad_x1": grad_x1}
    for name, ours in shown.items():
        channel = channel2 if name.endswith("2") else channel1
        assert_allclose(ours, theirs[name][digit, channel], rtol=1e-9, atol=1e-12, err_msg=name)
    assert_allclose(grad_y2[0, 0], theirs["grad_y2"][digit, channel2, 0, 0], rtol=1e-9, atol=1e-15)
    assert_allclose(grad_x2, grad_y2[0, 0] / 16)  # the global pooling spreads it evenly: 1/16 each
    # The 2x2 pooling's ∂L/∂x recomputed by torch from the ∂L/∂y the page shows.
    assert_allclose(grad_x1, torch_avg_pool2d(x1, grad_y1, kernel_size=2)[1], rtol=1e-9, atol=1e-15)
    assert any("Matches torch" in text for text in alerts(at))


def test_a_clicked_cell_is_explained_with_its_channel_and_shares():
    at = open_app({"digit": "3", "target": "5", "channel1": "2"}, PAGE)
    select_cell(at, "network_pool1", "input", 5, 6, "grad_input")
    at.run()
    explained = next(text for text in alerts(at) if text.startswith("Channel 2: ∂L/∂x[5, 6] = "))
    assert "its one share, from y[2, 3]" in explained
    select_cell(at, "network_pool2", "input", 1, 1, "grad_input")
    at.run()
    assert any(text.startswith("Channel 0: ∂L/∂x[1, 1] = ") and "/16" in text for text in alerts(at))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_page_opens_on_a_digit_whose_gradients_can_be_read_and_says_why(language):
    """A digit the network is sure of sends back gradients of ~1e-5 (every grid under a power
    of ten, a sum of e-15 terms): the page opens on the digit it answers right but is least
    sure of, about its label, and says why it chose it."""
    data = load_digits_cnn()
    at = open_app({"lang": language}, PAGE)
    assert not at.exception
    labels = data.labels[data.shown]
    right = [n for n in range(len(labels)) if _torch(n, int(labels[n]))["probabilities"][n].argmax() == labels[n]]
    sure = [_torch(n, int(labels[n]))["probabilities"][n, labels[n]] for n in right]
    digit = right[int(np.argmin(sure))]
    assert at.session_state["digit"] == digit and at.session_state["target"] == labels[digit]
    titles = [grid["title"] for grid in grids_on_page(at)]
    assert not any("×10" in title for title in titles), titles  # every gradient printed as itself
    said = " ".join(item.value for item in at.markdown)
    probability = format_number(100 * min(sure), 3)
    assert f"{probability}\u00a0%" in said and ("least sure" if language == "en" else "最没把握") in said


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_sum_behind_the_global_poolings_gradient_writes_its_factors_as_cells_do(language):
    """∂L/∂y2[c] = Σ_k W[k, c]·(p_k − [k = target]), written out: each factor in 4 significant
    digits as a grid's cell prints it (no "(≈−3.342)·(≈2.08e−15)"), negatives in parentheses,
    said once; the result with ≈. The numbers are torch's."""
    digit, channel = 0, 0
    at = open_app({"digit": str(digit), "lang": language}, PAGE)
    theirs = _torch(digit, 0)
    said = next(item.value for item in at.markdown if item.value.startswith("∂L/∂y2[0] = Σₖ"))
    weights, errors = load_digits_cnn().weights.linear_weight[:, channel], theirs["grad_logits"][digit]
    factor = lambda v: f"({printed_text(v)})" if v < 0 else printed_text(v)  # noqa: E731
    terms = " + ".join(f"{factor(w)}·{factor(e)}" for w, e in zip(weights, errors))
    assert f"= {terms} **{equals_text(theirs['grad_y2'][digit, channel, 0, 0])}**" in said, said
    assert "(≈" not in said.split(" **")[0] and ("4 significant" in said or "4 位有效数字" in said)


def test_the_playground_links_tiny_gradients_are_written_as_the_app_writes_numbers():
    """A digit sure of itself (0·1): its ∂L/∂y1 is about 1e-5, sent as 6.659e-5 (the app's
    style, docs/numbers.md), not Python's 6.659e-05, into the Playground's editor."""
    at = open_app({"digit": "0"}, PAGE)
    link = next(button.proto.url for button in at.get("link_button"))
    cells = [cell for row in decode_grid(parse_qs(urlsplit(link).query)["grad"][0], "grad") for cell in row]
    assert "6.659e-5" in cells and not any(re.search(r"e\+|e-0", cell) for cell in cells), cells


def test_the_playground_link_carries_the_channel_rounded_and_says_where_it_comes_from():
    """The link sends x1 and ∂L/∂y1 of the channel rounded to 4 significant digits (short
    cells, not 17-digit floats); the Playground opened from it computes from exactly those
    numbers (torch, from the link's values), equal to the network's grids to that rounding.
    A caption names the digit, the layer, the channel and the rounding."""
    at = open_app({"digit": "11", "target": "1", "channel1": "1"}, PAGE)
    link = next(button.proto.url for button in at.get("link_button"))
    query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
    assert query["input"] == "custom" and query["loss"] == "custom" and query["height"] == "8"
    texts = {name: decode_grid(query[name], name) for name in ("x", "grad")}
    assert max(len(cell) for rows in texts.values() for row in rows for cell in row) <= len("-1.234e-05")
    x, grad = (np.array([[float(cell) for cell in row] for row in texts[name]]) for name in ("x", "grad"))
    x1, grad_y1 = (grid_values(grid) for grid in grids_on_page(at)[5:8:2])  # the grids drawn
    assert_allclose(x, x1, rtol=5e-4, atol=0)
    assert_allclose(grad, grad_y1, rtol=5e-4, atol=0)
    assert np.array_equal(x, np.vectorize(lambda v: float(f"{v:.4g}"))(x1))
    caption = " ".join(item.value for item in at.caption)
    assert (
        "x1 of channel 1" in caption and "digit 5·2" in caption and "class 1" in caption and "4 significant" in caption
    )
    playground = open_app(query)
    said = " ".join(item.value for item in playground.caption)
    assert "come from *In a network*: x1 of the digit 5·2, channel 1" in said
    assert "∂L/∂y1 that reaches channel 1 of the digit 5·2 from the loss about class 1" in said
    assert "rounded to 4 significant digits" in said
    px, py, pgrad, pgrad_x = (grid_values(grid) for grid in grids_on_page(playground)[:4])
    y, grad_x = torch_avg_pool2d(x, grad, kernel_size=2)
    assert np.array_equal(px, x) and np.array_equal(pgrad, grad)
    assert_allclose(py, y, rtol=1e-12)
    assert_allclose(pgrad_x, grad_x, rtol=1e-12)
    # An edited x is no longer the network's: the link forgets where its numbers came from.
    edit = {"edited_rows": {0: {"0": "7"}}, "added_rows": [], "deleted_rows": []}
    playground.session_state["typed_x_8x8_0"] = edit
    playground.run()
    assert "from" not in playground.query_params
    assert not any("In a network" in item.value for item in playground.caption)


@pytest.mark.parametrize("given", ["network:99:1:1:4", "network:1:1:1", "**bold** <b>x</b>", "network:1:1:1:4:5"])
def test_a_bad_source_in_a_playground_link_is_said_not_echoed(given):
    at = open_app({"input": "custom", "loss": "custom", "from": given})
    captions = [item.value for item in at.caption]
    assert sum("from= is not understood" in caption for caption in captions) == 2  # above x and ∂L/∂y
    assert not any("bold" in caption or "<b>" in caption for caption in captions)


def _opened_gradcam(digit: int, target: int):
    at = open_app({"digit": str(digit), "target": str(target)}, PAGE)
    return at, _torch(digit, target)


@pytest.mark.parametrize(("digit", "target"), [(0, 0), (7, 2)])
def test_gradcam_is_the_standard_one_over_the_digit_as_torch_computes_it(digit, target):
    """The channel weights, the 4x4 map and the map over the digit are Grad-CAM of the logit
    (torch autograd), the digit's outline over the overlay, the 2x2 blocks of its upsampling
    outlined."""
    at, theirs = _opened_gradcam(digit, target)
    weights, cam, overlay = grids_on_page(at)[9:12]
    assert_allclose(grid_values(weights)[0], theirs["gradcam_weights"][digit], rtol=1e-12, atol=1e-15)
    assert_allclose(grid_values(cam), theirs["gradcam"][digit], rtol=1e-9, atol=1e-12)
    assert_allclose(grid_values(overlay), theirs["gradcam_8x8"][digit], rtol=1e-9, atol=1e-12)
    pixels = load_digits_cnn().pixels[load_digits_cnn().shown][digit, 0]
    # The digit is drawn as its outline, where its ink is half its darkest (16: the level 8).
    assert overlay["underlay"]["level"] == 8.0 and overlay["underlay"]["outline"] == iso_outline(pixels, 8.0)
    assert sorted(overlay["outlines"]) == sorted([r, r + 2, c, c + 2] for r in range(0, 8, 2) for c in range(0, 8, 2))
    assert overlay["labels"] is None and cam["link"] == "output" and overlay["link"] == "input"
    assert any("Selvaraju" in item.value and "nearest neighbour" in item.value for item in at.markdown)


def test_a_click_on_gradcam_is_explained_with_its_numbers():
    """A weight: W[target, k] / 16; a map cell: the weighted sum, its ReLU; a pixel: its 2x2 block,
    then the same sum. The numbers are torch's."""
    digit, target = 0, 0
    at, theirs = _opened_gradcam(digit, target)
    weight = load_digits_cnn().weights.linear_weight[target, 3]
    select_cell(at, "network_gradcam_weights", "cell", 0, 3, "weights")
    at.run()
    alpha = equals_text(theirs["gradcam_weights"][digit, 3])  # "≈ 0.1287": rounded, so said with ≈
    assert any(f"α3 = {format_number(weight)} / 16 {alpha}" in t for t in alerts(at))
    value = equals_text(theirs["gradcam"][digit, 1, 2])
    select_cell(at, "network_gradcam", "output", 1, 2, "map")
    at.run()
    explained = next(text for text in alerts(at) if text.startswith("Grad-CAM[1, 2] = ReLU(Σₖ αₖ · x2[k, 1, 2])"))
    speaking = int((theirs["x2"][digit, :, 1, 2] != 0).sum())  # channels at 0 are counted, not written
    assert f") **{value}** (each factor to 4 significant digits)." in explained
    assert explained.count("·") == 1 + speaking and f"{8 - speaking} of the 8 channels" in explained
    assert "(≈" not in explained.split(" = ReLU(")[2]  # the factors print as cells do: no wall of (≈−…)
    select_cell(at, "network_gradcam", "input", 3, 5, "overlay")
    at.run()
    pixel = next(text for text in alerts(at) if text.startswith("Pixel [3, 5]"))
    assert "2×2 block (rows 2–3, columns 4–5)" in pixel and "map cell [1, 2]" in pixel and "nearest" in pixel
    assert pixel.endswith(explained)  # then the map cell it copies, said as the cell is


def test_a_negative_weighted_sum_says_why_the_map_is_zero():
    at, theirs = _opened_gradcam(0, 0)
    row, col = map(int, np.argwhere(theirs["gradcam"][0] == 0)[0])
    select_cell(at, "network_gradcam", "output", row, col, "map")
    at.run()
    assert any(text.startswith(f"Grad-CAM[{row}, {col}]") and "the ReLU keeps 0" in text for text in alerts(at))


def test_the_log_probability_variant_is_a_labelled_alternative_as_torch_computes_it():
    digit, target = 0, 0
    at, theirs = _opened_gradcam(digit, target)
    assert len(grids_on_page(at)) == 12  # folded: drawn only when opened
    at.session_state["network_gradcam_logp"] = True
    at.run()
    weights, cam, overlay = grids_on_page(at)[12:15]
    assert_allclose(grid_values(weights)[0], theirs["gradcam_logp_weights"][digit], rtol=1e-9, atol=1e-20)
    assert_allclose(grid_values(overlay), theirs["gradcam_logp_8x8"][digit], rtol=1e-9, atol=1e-20)
    assert grid_values(cam).max() < 1e-3 < 1 < theirs["gradcam"][digit].max()  # why the logit is the standard
    assert "−∂L/∂x2" in weights["title"] and "log p" in cam["title"]
    assert any("so that a sure network still shows where it looked" in item.value for item in at.markdown)


@pytest.mark.parametrize(("target", "said"), [(0, True), (3, False)])
def test_the_hint_to_pick_another_class_is_said_only_when_true(target, said):
    """Digit 0·1 is a sure 0: about class 0 every other class gives larger gradients; about 3 not."""
    at = open_app({"digit": "0", "target": str(target)}, PAGE)
    assert any("pick one to see larger gradients" in item.value for item in at.markdown) == said


def test_bad_choices_in_the_url_are_said():
    at = open_app({"digit": "99", "channel2": "x"}, PAGE)
    warnings = " ".join(alerts(at))
    assert "digit" in warnings and "channel2" in warnings and not at.exception


def test_the_presets_gallery_leads_to_the_network():
    at = open_app(page="pages/presets.py")
    assert any(link.proto.page.endswith("network") for link in at.get("page_link"))


def test_the_first_pooling_layer_opens_across_frameworks_with_its_numbers():
    """Beside the Playground's link, one to Across frameworks with the same setup and numbers:
    the layer (2×2, no padding) that every framework there computes as torch does."""
    at = open_app({"digit": "3", "channel1": "2"}, PAGE)
    playground, frameworks = (urlsplit(button.proto.url) for button in at.get("link_button")[:2])
    assert frameworks.path.endswith("/frameworks") and frameworks.query == playground.query
    page = open_app({key: values[0] for key, values in parse_qs(frameworks.query).items()}, "pages/frameworks.py")
    settled(page)  # each column comes as its framework finishes: all of them
    verdicts = page.table[0].value
    assert len(verdicts) == 7 and set(verdicts["y"]) == {"agrees"}, verdicts  # torch.compile too (on by default)
    assert set(verdicts["∂L/∂x"]) == {"agrees", "no backward (inference only)"}, verdicts
    said = " ".join(item.value for item in page.caption)
    assert "come from *In a network*: x1 of the digit" in said


@pytest.mark.parametrize("language", ["en", "zh"])
def test_why_this_digit_is_read_first_above_the_digit(language):
    """On a projector (1280x720) the sentence saying why the page opens on this digit fell
    below the fold, centred beside the 8x8 digit: it is its own paragraph, under the pickers
    and above the digit, and the prediction beside the digit starts at its top."""
    at = open_app({"lang": language}, PAGE)
    texts = [item.value for item in at.main.get("markdown")]
    opening = next(i for i, text in enumerate(texts) if text.startswith(("The page opens on", "页面从")))
    prediction = next(i for i, text in enumerate(texts) if "−log p(" in text)
    assert opening < prediction and "−log p(" not in texts[opening]
    assert at.columns, "the digit and its prediction side by side"
    assert all(column.proto.vertical_alignment == 0 for column in at.columns[:2])  # 0 = TOP, not CENTER


@pytest.mark.parametrize("language", ["en", "zh"])
def test_grad_cams_overlay_title_is_short_and_its_blocks_said_below(language):
    """On a phone the overlay's title "over the digit: 2×2 blocks" wrapped over 4 lines and
    pushed its grid below the 4×4 map's: a short title, the 2×2 blocks and the digit's
    outline said in a caption under the two grids. The title names Grad-CAM (a slide's PNG
    carries it alone: "on the digit" said nothing there), and the log-probability variant's
    its own score."""
    at = open_app({"lang": language}, PAGE)
    at.session_state["network_gradcam_logp"] = True
    at.run()
    titles = [grid["title"] for grid in grids_on_page(at)]
    overlays = [
        title
        for title in titles
        if title.startswith(("Grad-CAM on", "Grad-CAM 叠", "Grad-CAM of log p on", "log p 的 Grad-CAM 叠"))
    ]
    assert len(overlays) == 2 and len(set(overlays)) == 2, titles
    assert all(len(overlay) <= 30 and "2×2" not in overlay for overlay in overlays), titles
    assert "log p" in overlays[1] and "log p" not in overlays[0]
    captions = [item.value for item in at.caption]
    assert any("2×2" in caption and ("block" in caption or "块" in caption) for caption in captions)
    assert any(
        ("dark line" in caption or "黑线" in caption) and "8" in caption and "16" in caption for caption in captions
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_pages_sentences_keep_a_percent_with_its_number_and_the_command_unbracketed(language):
    """On a phone "(51.4" and "%)" split over two lines: a non-breaking space keeps them
    together. The training command is not wrapped in brackets (inline code's padding read as
    "( python scripts/train_digits.py ,"). The digit picker says what "8·1" means."""
    at = open_app({"lang": language}, PAGE)
    said = " ".join(item.value for item in at.main.get("markdown"))
    assert re.search(r"\d %", said) is None and "\u00a0%" in said, said
    assert re.search(r"[(（]`|`[,，)）]", said) is None, said
    label = at.get("button_group")[0].label if at.get("button_group") else at.main.get("segmented_control")[0].label
    assert "8·1" in label and "8·2" in label, label
