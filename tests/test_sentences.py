"""Sentences a teacher would correct, read as a teacher would (scenario/explain.py and the
pages that write them). The numbers come from torch's autograd where they are gradients."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pooling import windows
from pooling.reference import torch_avg_pool2d
from scenario.explain import (
    explain_input_cell,
    explain_output_cell,
    output_size_text,
    replay_step_text,
    windows_covering,
)
from scenario.inputs import CLASSIC_X
from tests.conftest import alerts, open_app


def test_one_input_cell_gets_its_gradient_whole_not_one_share_of_one():
    window = windows((2, 2), 1)[0]
    text = explain_output_cell(window, np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)))
    assert "1 shares" not in text
    assert text.endswith("its gradient 1 goes whole to its one input cell.")


def test_a_window_into_the_padding_is_a_mean_named_as_a_slice():
    """kernel 3, padding 1, count_include_pad: y[0, 0] is the mean of 9 cells, 5 of them padding."""
    window = windows((4, 4), 3, 1, 1)[0]
    x = np.arange(16.0).reshape(4, 4)
    y, _ = torch_avg_pool2d(x, np.ones((4, 4)), kernel_size=3, stride=1, padding=1)
    text = explain_output_cell(window, x, y, np.ones((4, 4)))
    assert text.startswith("y[0, 0] = mean of x[0:2, 0:2] = (0 + 1 + 4 + 5) / 9 (5 padding cells add 0")
    assert "sum over" not in text and "…" not in text
    assert "= 10/9 ≈ 1.111" in text  # (0 + 1 + 4 + 5) / 9, exactly


def test_a_rounded_result_is_never_written_as_exact():
    """The classic x: its printed terms are rounded, so their mean is written with ≈."""
    window = windows((4, 4), 2)[0]
    y, _ = torch_avg_pool2d(CLASSIC_X, np.ones((2, 2)), kernel_size=2)
    text = explain_output_cell(window, CLASSIC_X, y, np.ones((2, 2)))
    assert " / 4 ≈ " in text and " / 4 = " not in text


def test_a_short_fraction_is_written_with_its_decimal():
    """count_include_pad=False on 6 x 6, kernel 3, padding 1, stride 1: ∂L/∂x[0, 0] = 25/36."""
    plan_windows = windows((6, 6), 3, 1, 1, count_include_pad=False)
    _, grad = torch_avg_pool2d(
        np.zeros((6, 6)), np.ones((6, 6)), kernel_size=3, stride=1, padding=1, count_include_pad=False
    )
    covering = windows_covering(plan_windows, 0, 0)
    text = explain_input_cell(0, 0, covering, np.ones((6, 6)), grad)
    assert text.startswith("∂L/∂x[0, 0] = 1/4 + 1/6 + 1/6 + 1/9 = 25/36 ≈ 0.6944"), text


def test_the_cell_loss_and_a_large_loss_are_written_as_elsewhere():
    at = open_app({"loss": "cell"})
    summary = next(m.value for m in at.markdown if "input gives" in m.value)
    assert "`loss = y[..., 0, 0]`" in summary and "y[0, 0, 0, 0]" not in summary
    at = open_app({"height": "64", "width": "64", "input": "ones", "loss": "square"})
    summary = next(m.value for m in at.markdown if "input gives" in m.value)
    assert "e+" not in summary and "512" in summary  # 0.5 * 32 * 32 * 1², in the app's own style


def test_under_the_hood_says_where_the_equivalence_breaks_in_its_header():
    at = open_app(
        {"kernel_h": "3", "stride_h": "1", "padding_h": "1", "count_include_pad": "false"}, "pages/under_the_hood.py"
    )
    headers = [header.value for header in at.header]
    assert "Average pooling as a convolution, and where that breaks" in headers
    assert "With one divisor, it is a convolution" not in headers
    assert any("equivalence breaks" in message for message in alerts(at))


def _ceil_sentence(count_include_pad: bool, language: str) -> tuple[str, np.ndarray, np.ndarray]:
    """y[3, 3] of 6 × 6, kernel 3, stride 2, padding 1, ceil_mode (the issue's link), explained."""
    x = np.arange(36.0).reshape(6, 6) + 1
    settings = {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": count_include_pad}
    y, _ = torch_avg_pool2d(x, np.ones((4, 4)), **settings)
    window = windows((6, 6), 3, 2, 1, ceil_mode=True, count_include_pad=count_include_pad)[-1]
    return explain_output_cell(window, x, y, np.ones((4, 4)), language), x, y


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_the_ceil_mode_overhang_is_counted_out_loud(count_include_pad, language):
    """The last window's 3×3 kernel holds 1 real cell and 3 padding cells; its other 5 cells
    overhang past the padding. The sentence names all of them, so its divisor (torch's: 4 with
    the padding counted, 1 without) adds up: real + padding + overhang = 9."""
    text, x, y = _ceil_sentence(count_include_pad, language)
    divisor = int(re.search(r"\) / (\d+)", text).group(1))
    assert y[3, 3] * divisor == x[5, 5]  # torch's divisor is the one written
    padding, overhang = (int(n) for n in re.findall(r"(\d+) (?:padding cells|个填充格|cells lie|个格子落在)", text))
    assert (padding, overhang) == (3, 5) and 1 + padding + overhang == 9, text
    assert divisor == (1 + padding if count_include_pad else 1)
    assert "3×3" in text and ("ceil_mode's overhang" in text or "ceil_mode 的越界部分" in text), text


def test_a_window_without_overhang_says_nothing_of_it():
    window = windows((6, 6), 3, 2, 1, ceil_mode=True)[0]
    text = explain_output_cell(window, np.ones((6, 6)), np.ones((4, 4)), np.ones((4, 4)))
    assert "overhang" not in text and "(5 padding cells add 0 but count in the divisor)" in text


@pytest.mark.parametrize(
    "n, kernel, stride, padding", [(6, 3, 2, 1), (5, 2, 2, 0), (11, 4, 3, 2), (9, 3, 3, 1), (10, 5, 4, 0)]
)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_output_size_says_how_far_the_last_kernel_overhangs(n, kernel, stride, padding, language):
    """The kernel and overhang the sentence names leave torch's divisor for the last window
    (count_include_pad, read from pooling ones): kernel − overhang cells per axis."""
    text = output_size_text(n, kernel, stride, padding, True, "H", language)
    said_kernel, overhang = (int(n) for n in re.findall(r"(\d+)(?: overhangs|: torch| 格卷积核| 格，)", text))
    settings = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": True}
    y, _ = torch_avg_pool2d(np.ones((n, n)), np.ones(_out_shape(n, kernel, stride, padding)), **settings)
    last = windows((n, n), kernel, stride, padding, ceil_mode=True)[-1]
    assert said_kernel == kernel and overhang > 0, text
    assert np.isclose(last.input_cells / y[-1, -1], (kernel - overhang) ** 2), text


def _out_shape(n: int, kernel: int, stride: int, padding: int) -> tuple[int, int]:
    size = windows((n, n), kernel, stride, padding, ceil_mode=True)[-1].out_row + 1
    return size, size


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_replay_step_of_an_overhanging_window_accounts_for_its_divisor(language):
    """Step by step's line for y[3, 3] of the issue's link: divisor 4 (torch's), 1 input cell,
    3 padding cells and the kernel's other 5 cells past the padding: 9, the kernel's area."""
    x = np.arange(36.0).reshape(6, 6) + 1
    y, _ = torch_avg_pool2d(x, np.ones((4, 4)), kernel_size=3, stride=2, padding=1, ceil_mode=True)
    window = windows((6, 6), 3, 2, 1, ceil_mode=True)[-1]
    line = replay_step_text(16, 16, window, x, y, np.ones((4, 4)), language)
    divisor = int(re.search(r"(?:divisor|除数) (\d+)", line).group(1))
    assert y[3, 3] * divisor == x[5, 5]
    padding, overhang = (int(n) for n in re.findall(r"(\d+) (?:padding cells|个填充格|cells lie|个格子落在)", line))
    assert ("the one input cell" in line or "唯一的输入格子" in line) and (padding, overhang) == (3, 5), line
    assert 1 + padding == divisor, line
    first = replay_step_text(1, 16, windows((6, 6), 3, 2, 1, ceil_mode=True)[0], x, y, np.ones((4, 4)), language)
    assert "ceil_mode" not in first  # a window that fits says nothing of an overhang


def test_one_padding_cell_one_overhang_cell_and_one_share_read_in_the_singular():
    """A 2×1 kernel with padding 1 (one padding cell in the top window) and with ceil_mode on 3
    rows (one kernel cell past the input): never "1 padding cells", "other 1 cells", "the 1
    shares" (every sentence that counts cells, in the Playground and Step by step)."""
    x = np.arange(9.0).reshape(3, 3)
    padded = windows((3, 3), (2, 1), (1, 1), (1, 0))[0]
    overhang = windows((3, 3), (2, 1), (2, 1), ceil_mode=True)[-1]
    counted_out = windows((3, 3), (2, 1), (1, 1), (1, 0), count_include_pad=False)[0]
    y, ones = np.zeros((4, 3)), np.ones((4, 3))
    told = {
        "padded": explain_output_cell(padded, x, y, ones),
        "overhang": explain_output_cell(overhang, x, y, ones),
        "not counted": explain_output_cell(counted_out, x, y, ones),
        "step, padded": replay_step_text(1, 12, padded, x, y, ones),
        "step, overhang": replay_step_text(6, 6, overhang, x, y, ones),
    }
    assert "(1 padding cell adds 0 but counts in the divisor)" in told["padded"]
    assert "the one share that falls on padding goes nowhere." in told["padded"]
    assert "the 2×1 kernel's other cell lies beyond the input" in told["overhang"]
    assert "(1 padding cell is not counted)" in told["not counted"]
    assert "to the one input cell of x[0:1, 0:1] (its one padding cell gets nothing)" in told["step, padded"]
    assert "kernel's other cell lies beyond the input" in told["step, overhang"]
    for name, sentence in told.items():
        assert not re.search(r"\b1 (padding )?(cells|shares)\b|the 1 shares|other 1 cells", sentence), (name, sentence)
