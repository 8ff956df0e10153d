"""The page "In a network" through AppTest: every grid it draws is the network's, checked
against torch autograd on the same weights; a clicked cell's explanation names its channel
and its shares; the Playground link carries a channel exactly; the presets gallery leads here."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from numpy.testing import assert_allclose

from pooling.reference import torch_avg_pool2d, torch_digits_network
from scenario.network import load_digits_cnn
from scenario.typed_grid import decode_grid
from tests.conftest import alerts, grid_values, grids_on_page, open_app, select_cell

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


def test_the_playground_link_carries_the_channel_exactly():
    at = open_app({"digit": "4", "target": "1", "channel1": "1"}, PAGE)
    link = next(button.proto.url for button in at.get("link_button"))
    query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
    assert query["input"] == "custom" and query["loss"] == "custom" and query["height"] == "8"
    x = np.array([[float(cell) for cell in row] for row in decode_grid(query["x"], "x")])
    grad = np.array([[float(cell) for cell in row] for row in decode_grid(query["grad"], "grad")])
    x1, grad_y1 = (grid_values(grid) for grid in grids_on_page(at)[5:8:2])  # the grids drawn
    assert np.array_equal(x, x1) and np.array_equal(grad, grad_y1)  # every value exactly


def test_bad_choices_in_the_url_are_said():
    at = open_app({"digit": "99", "channel2": "x"}, PAGE)
    warnings = " ".join(alerts(at))
    assert "digit" in warnings and "channel2" in warnings and not at.exception


def test_the_presets_gallery_leads_to_the_network():
    at = open_app(page="pages/presets.py")
    assert any(link.proto.page.endswith("network") for link in at.get("page_link"))
