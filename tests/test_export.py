"""Export: the CSV/JSON downloads and the generated PyTorch script, run for real with Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from tests.conftest import grid_values, grids_on_page, open_app

# Run the generated script as it is, then dump what it computed, for comparison.
HARNESS = (
    "import json, runpy; names = runpy.run_path({path!r}); "
    "print('RESULT', json.dumps({{'y': names['y'].detach()[0, 0].tolist(), 'grad': names['x'].grad[0, 0].tolist()}}))"
)


def _open(query: dict[str, str]) -> AppTest:
    return open_app({**query, "export": "true"})  # the Export expander, open


def _script(at: AppTest) -> str:
    return next(code.value for code in at.code if code.value.startswith('"""nn.AvgPool2d('))


@pytest.mark.parametrize(
    "query",
    [
        {},  # the default: arange 4x4, kernel 2, sum
        {"input": "classic"},
        {
            "input": "random",
            "height": "12",
            "width": "10",
            "kernel_h": "3",
            "stride_h": "2",
            "padding_h": "1",
            "loss": "square",
            "seed": "5",
        },
        {
            "input": "random",
            "height": "5",
            "width": "5",
            "loss": "random",
            "seed": "3",
            "ceil_mode": "true",
            "stride_h": "3",
        },
        {
            "input": "ramp",
            "height": "20",
            "width": "9",
            "kernel_h": "4",
            "stride_h": "1",
            "loss": "cell",
            "loss_row": "2",
            "loss_col": "3",
        },
        {"input": "checkerboard", "height": "16", "width": "16", "loss": "random", "divisor_override": "1"},
        {"lang": "zh", "input": "random", "height": "20", "width": "18", "seed": "4"},  # comments in Chinese
        {"lang": "zh", "input": "classic"},
        {
            "input": "ones",
            "height": "6",
            "width": "6",
            "kernel_h": "3",
            "padding_h": "1",
            "count_include_pad": "false",
            "loss": "mean",
        },
    ],
)
def test_the_generated_script_reproduces_the_view(query, tmp_path):
    at = _open(query)
    _, y, _, grad_input = (grid_values(figure) for figure in grids_on_page(at)[:4])
    path = tmp_path / "reproduce.py"
    path.write_text(_script(at))
    run = subprocess.run(
        [sys.executable, "-c", HARNESS.format(path=str(path))], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "x.grad =" in run.stdout  # the script prints y and x.grad itself
    # The script's loss is the one the page shows (one source: the Loss's torch code).
    loss_line = next(line for line in path.read_text().splitlines() if line.startswith("loss = "))
    assert any(loss_line in item.value for item in at.markdown), loss_line
    if query.get("lang") == "zh":
        assert "打印 y 和 x.grad" in path.read_text()
    result = json.loads(run.stdout.split("RESULT ", 1)[1])
    assert_allclose(result["y"], y, rtol=1e-12, atol=1e-12)
    assert_allclose(result["grad"], grad_input, rtol=1e-12, atol=1e-12)


def test_small_inputs_are_written_out_and_large_ones_use_the_seed():
    small = _script(_open({"input": "random", "height": "3", "width": "3"}))
    assert "default_rng" not in small and "torch.tensor([" in small
    large = _script(_open({"input": "random", "height": "20", "width": "20", "seed": "9"}))
    assert "np.random.default_rng(9)" in large


def test_download_buttons_are_offered():
    at = _open({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "5"})
    labels = {button.proto.label for button in at.get("download_button")}
    assert labels == {
        "x.csv",
        "y.csv",
        "grad_output.csv",
        "grad_input.csv",
        "all.json",
        "grids.html: the four grids as one interactive page",
    }
    # The files themselves are downloaded in Chromium (tests/test_browser.py).
