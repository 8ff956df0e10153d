"""Export: the CSV/JSON downloads and the generated PyTorch script, run for real with Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from tests.conftest import grid_values, grids_on_page, open_app

# Run each generated script as it is, then dump what it printed and computed, for comparison.
# One Python process runs them all, one after the other (importing torch once).
RUNNER = """
import contextlib, io, json, runpy, sys
for path in sys.argv[1:]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        names = runpy.run_path(path)
    y, grad = names["y"].detach()[0, 0].tolist(), names["x"].grad[0, 0].tolist()
    print("RESULT", json.dumps({"printed": printed.getvalue(), "y": y, "grad": grad}))
"""


def _open(query: dict[str, str]) -> AppTest:
    return open_app({**query, "export": "true"})  # the Export expander, open


def _script(at: AppTest) -> str:
    return next(code.value for code in at.code if code.value.startswith('"""nn.AvgPool2d('))


QUERIES = [
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
]  # fmt: skip


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    """For each query: the page (AppTest), its script, and what running the script gave."""
    folder = tmp_path_factory.mktemp("scripts")
    pages = [_open(query) for query in QUERIES]
    paths = [folder / f"reproduce_{index}.py" for index in range(len(QUERIES))]
    for at, path in zip(pages, paths):
        path.write_text(_script(at))
    run = subprocess.run([sys.executable, "-c", RUNNER, *map(str, paths)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    results = [
        json.loads(line.removeprefix("RESULT ")) for line in run.stdout.splitlines() if line.startswith("RESULT")
    ]
    assert len(results) == len(QUERIES)
    return list(zip(pages, [path.read_text() for path in paths], results))


@pytest.mark.parametrize("index", range(len(QUERIES)))
def test_the_generated_script_reproduces_the_view(scripts, index):
    at, script, result = scripts[index]
    _, y, _, grad_input = (grid_values(figure) for figure in grids_on_page(at)[:4])
    assert "x.grad =" in result["printed"]  # the script prints y and x.grad itself
    # The script's loss is the one the page shows (one source: the Loss's torch code).
    loss_line = next(line for line in script.splitlines() if line.startswith("loss = "))
    assert any(loss_line in item.value for item in at.markdown), loss_line
    if QUERIES[index].get("lang") == "zh":
        assert "打印 y 和 x.grad" in script
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
