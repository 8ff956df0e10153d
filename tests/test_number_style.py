"""One number style for the whole app (docs/numbers.md): every writer of numbers writes the
same value the same way. One table of values (noise, negatives, fractions, small, large,
infinite) goes through each writer: a grid's cell labels and its colour bar (which print the
cell's digits without ``≈``), its description, a clicked cell, the sentences (a share's sum,
a max-pool output); the browser's hover runs the same table in
tests/test_browser_number_style.py. The issue's cases are checked against torch
autograd, and a codebase test keeps every number going through ``scenario/numbers.py``."""

from __future__ import annotations

import re
import tomllib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from figures.grids import cell_labels, decode_values, describe_cell, gradient_grid, retitled, table_texts, value_grid
from figures.plotly_figure import _hover_texts
from figures.views import _grad_input_question, playground_grids
from pooling import windows
from pooling.reference import torch_avg_pool2d
from scenario.compute import compute_scenario
from scenario.explain import (
    explain_input_cell,
    explain_max_cell,
    explain_output_cell,
    number,
    products_text,
    windows_covering,
)
from scenario.export import pytorch_script, tensor_csv
from scenario.inputs import cell_text, generated_input, parse_csv
from scenario.numbers import (
    data_text,
    equals_text,
    exact_text,
    format_number,
    number_style,
    parse_number,
    printed_text,
)
from scenario.params import PoolParams
from scenario.typed_grid import decode_grid, encode_grid

REPO = Path(__file__).resolve().parents[1]
INF = float("inf")

# (a grid's values, the cell written, how a cell and a term write it, how a result writes it)
TABLE = [
    ("noise", [1.0, -9.868649107779169e-17], 1, "0", "= 0"),
    ("noise from 0.1 + 0.2", [0.1 + 0.2, 0.415], 0, "0.3", "= 0.3"),
    ("a decimal, not a fraction", [0.36000000000000004, 0.415, -0.0317], 0, "0.36", "= 0.36"),
    ("positive", [0.0144444, -0.0144444], 0, "≈0.01444", "≈ 0.01444"),
    ("negative: the same digits", [0.0144444, -0.0144444], 1, "≈−0.01444", "≈ −0.01444"),
    ("small, plain", [0.415, -0.0075], 1, "−0.0075", "= −0.0075"),
    ("tiny", [1.5e-5, 2.5e-5], 0, "1.5e−5", "= 1.5e−5"),
    ("large", [123456.7, 1.0], 0, "≈123457", "≈ 123457"),
    ("huge", [2.5e7, 1.0], 0, "2.5e7", "= 2.5e7"),
    ("a fraction grid", [1 / 4, 1 / 6, 1 / 9], 2, "1/9", "= 1/9 ≈ 0.1111"),
    ("an exact decimal in a fraction grid", [1 / 4, 1 / 6, 1 / 9], 0, "1/4", "= 1/4 = 0.25"),
    ("a negative fraction", [-1 / 3, 1.0], 0, "−1/3", "= −1/3 ≈ −0.3333"),
    ("a short fraction among decimals", [1 / 9, 0.415], 0, "≈0.1111", "= 1/9 ≈ 0.1111"),
    ("a whole number", [2.0, 1 / 9], 0, "2", "= 2"),
    ("infinite", [INF, 1.0], 0, "∞", "= ∞"),
    ("minus infinite", [-INF, 1.0], 0, "−∞", "= −∞"),
]
IDS = [case[0] for case in TABLE]
# A pooling of finite inputs has no infinite gradient: the sentences take the finite cases.
FINITE = [case for case in TABLE if np.isfinite(case[1][case[2]])]
# float32 holds no infinity of ours, and rounds 1.5e-5 to 1.50000005e-5 (written the same).
AS_FLOAT32 = [case for case in FINITE if not case[0].startswith("tiny")]


@pytest.mark.parametrize(("name", "values", "k", "cell", "result"), TABLE, ids=IDS)
def test_the_writer_writes_the_table(name, values, k, cell, result):
    style = number_style(np.array(values))
    assert exact_text(values[k], style=style) == cell, name
    assert equals_text(values[k], style=style) == result, name
    assert printed_text(values[k], style=style) == cell.removeprefix("≈"), name  # a cell's digits, no ≈


# Grids whose largest value needs an exponent print their cells and ticks in a power of ten
# that their title names (rule 4): the cell, and the title's end.
PRINTED = {"tiny": ("15", " (×10⁻⁶)", -6), "huge": ("25", " (×10⁶)", 6)}


@pytest.mark.parametrize(("name", "values", "k", "cell", "result"), TABLE, ids=IDS)
def test_every_grid_writer_writes_a_value_as_its_cell_does(name, values, k, cell, result):
    """Cell labels (the cell's digits, no ≈), the clicked cell, the colour bar's end ticks and
    the description."""
    row = np.array([values])
    printed, title, exponent = PRINTED.get(name, (cell.removeprefix("≈"), "", 0))
    for grid in (value_grid(row, "y", "y"), gradient_grid(row, "g", "g")):
        assert grid["labels"][k] == printed and grid["title"] in ("y" + title, "g" + title), name
        assert describe_cell(grid, 0, k) == f"{grid['name']}[0, {k}] {result}.", name
    finite = row[np.isfinite(row)] / 10.0**exponent
    ends = value_grid(row, "y", "y")["ticks"][::2]
    assert ends == [printed_text(end, 3, number_style(finite)) for end in (finite.min(), finite.max())]  # 3 digits
    if np.isfinite(values[k]):
        description = value_grid(np.full((2, 2), values[k]), "y", "y")["description"]
        assert description == f"y, 2 by 2, every cell {exact_text(values[k])}", name


@pytest.mark.parametrize(("name", "values", "k", "cell", "result"), FINITE, ids=[case[0] for case in FINITE])
def test_every_sentence_writes_a_value_as_its_grid_does(name, values, k, cell, result):
    """∂L/∂y and ∂L/∂x are the table's row; kernel 1: each input cell has one share, over 1."""
    grad = np.array([values])
    cover = windows_covering(windows(grad.shape, 1), 0, k)
    text = explain_input_cell(0, k, cover, grad, grad)
    term = f"({cell})" if cell.startswith(("−", "≈")) or "/" in cell else cell
    assert text.startswith(f"∂L/∂x[0, {k}] = {term}/1 {result} ("), (name, text)
    argmax = np.array([[k]])
    said = explain_max_cell("output", 0, 0, grad, argmax, grad[:, k : k + 1], None)
    assert f"= x[0, {k}] = {cell}; its whole gradient {exact_text(values[k])} goes" in said, (name, said)


@pytest.mark.parametrize(("name", "values", "k", "cell", "result"), AS_FLOAT32, ids=[case[0] for case in AS_FLOAT32])
def test_a_grid_sent_as_float32_reads_as_the_float64_sentence(name, values, k, cell, result):
    """Above 32 x 32 a grid travels as float32 (hover only): its hover, clicked cell and
    table still write 0.36, not ≈0.36, and 1/9, not ≈0.1111 (a tolerance for 7 digits)."""
    large = np.resize(np.array(values), (33, 33))
    grid = gradient_grid(large, "g", "g")
    assert grid["values"]["dtype"] == "f4" and grid["labels"] is None
    assert describe_cell(grid, 0, k) == f"g[0, {k}] {result}.", name
    assert table_texts(grid)[0][k] == cell, name


def test_a_value_not_computed_yet_is_a_blank_cell_and_a_dash_in_text():
    grid = value_grid(np.array([[1.0, np.nan]]), "y", "y")
    assert grid["labels"] == ["1", ""] and exact_text(np.nan) == "–" and equals_text(np.nan) == "= –"


def test_csv_export_writes_data_that_reads_back_exactly():
    """The export is data, not display: every digit float64 holds, read back by our reader."""
    values = np.array([[0.1 + 0.2, -1 / 3, 2.0], [1e-17, 2.5e7, -0.0144444]])
    csv = tensor_csv(values)
    assert csv.splitlines()[0] == "0.30000000000000004,-0.3333333333333333,2"
    assert np.array_equal(parse_csv(csv.encode()), values)
    assert [parse_number(data_text(v)) for v in values.ravel()] == values.ravel().tolist()


# --- The cases, against torch autograd (float64) -------------------------------------


def test_noise_is_written_as_the_zero_it_is():
    """64x64 random, kernel 3, padding 1, square loss, y[30, 30]: its nine x add up to
    exactly 0 (two-decimal numbers, added as fractions), float64 leaves -9.87e-17."""
    x = generated_input("random", 64, 64, 0)
    computed = compute_scenario(x, PoolParams((3, 3), (1, 1), (1, 1)), "square")
    y, grad_input = torch_avg_pool2d(x, computed.y, kernel_size=3, stride=1, padding=1)
    assert sum(Fraction(str(v)) for v in x[29:32, 29:32].ravel()) == 0 and 0 < abs(y[30, 30]) < 1e-15
    text = explain_output_cell(computed.window_of(30, 30), x, y, y)
    assert text.endswith(" / 9 = 0; its gradient 0 is split into 9 shares of 0."), text
    assert value_grid(y[24:32, 24:32], "y", "y")["labels"][6 * 8 + 6] == "0"
    assert not re.search(
        "e[−-]1", explain_input_cell(30, 31, windows_covering(computed.windows, 30, 31), y, grad_input)
    )


def test_a_mean_losss_share_is_written_as_the_grid_of_its_gradient():
    """Mean loss on a 3x3 output: ∂L/∂y is 1/9 in its grid and in the sentence, (1/9)/4."""
    x = np.arange(16.0).reshape(4, 4)
    computed = compute_scenario(x, PoolParams((2, 2), (1, 1)), "mean")
    _, grad_input = torch_avg_pool2d(x, computed.loss.grad_output, kernel_size=2, stride=1)
    assert set(gradient_grid(computed.loss.grad_output, "g")["labels"]) == {"1/9"}
    text = explain_input_cell(0, 0, windows_covering(computed.windows, 0, 0), computed.loss.grad_output, grad_input)
    assert text.startswith("∂L/∂x[0, 0] = (1/9)/4 ≈ 0.02778") or "(1/9)/4" in text, text
    assert "0.1111/4" not in text


def test_a_typed_fraction_stays_a_fraction():
    """∂L/∂y typed as -1/3: the share is (−1/3)/9, never (−0.3333)/9."""
    x = np.arange(25.0).reshape(5, 5)
    weights = np.full((3, 3), parse_number("-1/3"))
    computed = compute_scenario(x, PoolParams((3, 3), (1, 1)), "custom", weights=weights)
    _, grad_input = torch_avg_pool2d(x, weights, kernel_size=3, stride=1)
    text = explain_input_cell(2, 2, windows_covering(computed.windows, 2, 2), weights, grad_input)
    assert text.startswith("∂L/∂x[2, 2] = (−1/3)/9 + (−1/3)/9 + ") and text.count("(−1/3)/9") == 9, text
    assert "= −1/3 ≈ −0.3333 (" in text and "0.3333)/9" not in text


def test_one_grid_writes_one_kind_of_number():
    """No grid mixes fractions with decimals, or plain decimals with exponents (when its
    values are between 0.0001 and a million), and a negative has as many digits as a positive."""
    x = generated_input("random", 8, 8, 3)
    for loss in ("square", "random", "mean", "sum"):
        computed = compute_scenario(x, PoolParams((3, 3), (1, 1), (1, 1)), loss)
        for values in (computed.y, computed.loss.grad_output, computed.grad_input):
            labels = cell_labels(values)
            assert not (any("/" in label for label in labels) and any("." in label for label in labels)), labels
            assert all("e" not in label for label in labels), (loss, labels)
    mirrored = cell_labels(np.array([[0.0144444, -0.0144444, 5 / 72, -5 / 72]]))
    assert mirrored == ["0.01444", "−0.01444", "0.06944", "−0.06944"]
    assert gradient_grid(np.array([[0.0694444, -0.03]]), "g")["ticks"] == ["−0.0694", "0", "0.0694"]
    assert not any("≈" in label for label in mirrored)  # a cell prints its digits: no wall of ≈−


# --- Every writer goes through scenario/numbers.py ---------------------------------------------

APP = ["app.py", "classroom", "figures", "pages", "scenario", "ui"]
# A number written by hand: a format spec with a precision or a type (f"{x:.4g}", "{:e}"),
# repr/str of a float, round() into text, numpy's own printing, or plotly's d3 formats.
STRAY = re.compile(
    r"""\{[^{}"']*:[^{}"']*[.][0-9]+[eEfFgG%]\}|:[.][0-9]+[eEfFgG]\}|\brepr\(|str\(float|"""
    r"""np\.array2string|np\.format_float|%\{[a-z]+:[^}]+\}"""
)
JS_STRAY = re.compile(r"\.toFixed\(|\.toPrecision\(|\.toExponential\(|toLocaleString\(")


# Modules that store numbers rather than write them for people: the class store keeps an
# answer as repr(float), read back by float(), exactly.
NOT_WRITERS = {"scenario/numbers.py", "classroom/store.py"}


def _app_files(suffix: str) -> list[Path]:
    paths = [REPO / name for name in APP]
    files = [p for p in paths if p.is_file()] + [f for p in paths if p.is_dir() for f in p.rglob(f"*{suffix}")]
    return sorted(f for f in files if f.suffix == suffix)


def test_every_number_in_the_app_is_written_by_the_one_writer():
    stray = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in _app_files(".py")
        if path.relative_to(REPO).as_posix() not in NOT_WRITERS
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if STRAY.search(line) and "# not a number" not in line
    ]
    assert stray == [], "write numbers with scenario.numbers (docs/numbers.md):\n" + "\n".join(stray)


def test_the_browser_writes_numbers_only_in_its_mirror_of_the_writer():
    """grids.js formats numbers only inside formatValue (the mirror tested in Chromium)."""
    source = (REPO / "figures" / "component" / "grids.js").read_text()
    mirror = re.search(r"function formatValue\(.*?\n}\n", source, re.S)
    outside = source.replace(mirror.group(0), "")
    assert JS_STRAY.findall(mirror.group(0)) and not JS_STRAY.findall(outside)


def test_a_tiny_or_huge_grid_prints_its_cells_in_a_power_of_ten_its_title_names():
    """−3.245e−6 fits no cell: the grid prints −3.245 and its title says ×10⁻⁶, its hover,
    clicked cell and table still write the value; a scaled grid prints decimals, never the
    fractions its scaled values happen to be (1.4875 ×10⁶ is ≈1.488, not 119/80)."""
    tiny = gradient_grid(np.full((4, 4), -5.192e-5 / 16), "∂L/∂x2", "∂L/∂x")
    assert tiny["title"] == "∂L/∂x2 (×10⁻⁶)" and set(tiny["labels"]) == {"−3.245"}
    assert tiny["ticks"] == ["−3.25", "0", "3.25"] and tiny["short_labels"] == ["−3.2"] * 16
    assert describe_cell(tiny, 0, 0) == "∂L/∂x[0, 0] = −3.245e−6." and table_texts(tiny)[0][0] == "−3.245e−6"
    huge = gradient_grid(np.array([[1.4875e6, 2.2875e6]]), "g", "g", language="zh")
    assert huge["title"] == "g（×10⁶）" and huge["labels"] == ["1.488", "2.288"]
    assert retitled(huge, "h")["title"] == "h（×10⁶）"
    plain = value_grid(np.array([[1e-4, 999999.0]]), "y", "y")  # plain decimals from 0.0001 to a million
    assert plain["title"] == "y" and plain["labels"] == ["0.0001", "999999"]


def test_grids_read_together_print_in_one_power_of_ten():
    """A typed x of 1e-7 to 1.6e-6 with the square loss: ∂L/∂y (up to 1.35e-6) and the ∂L/∂x it
    is shared into (up to 3.375e-7) both print under ×10⁻⁶, so 0.35 / 4 reads 0.0875, not
    87.5 under ×10⁻⁹; x and y too. A grid that needs no power keeps its plain numbers."""
    x = np.arange(1, 17).reshape(4, 4) * 1e-7
    grids = playground_grids(compute_scenario(x, PoolParams((2, 2)), "square"), "en")
    assert {grid["title"][-7:] for grid in grids.values()} == {"(×10⁻⁶)"}, [g["title"] for g in grids.values()]
    assert grids["grad_output"]["labels"][0] == "0.35" and grids["grad_input"]["labels"][0] == "0.0875"
    assert grids["x"]["labels"][0] == "0.1" and grids["y"]["labels"][0] == "0.35"
    plain = playground_grids(compute_scenario(x, PoolParams((2, 2)), "sum"), "en")  # ∂L/∂y = 1: no power
    assert plain["grad_output"]["title"] == "∂L/∂y (sum)" and plain["grad_input"]["labels"][0] == "0.25"


def test_the_quiz_prints_its_grids_in_the_playgrounds_powers():
    """The quiz's x and y, ∂L/∂y and (once revealed) ∂L/∂x share powers as the Playground's do."""
    x = np.arange(1, 17).reshape(4, 4) * 1e-7
    computed = compute_scenario(x, PoolParams((2, 2)), "square")
    asked = _grad_input_question(computed, (3, 1), True, "en")
    shown = playground_grids(computed, "en")
    assert [asked[name]["title"][-7:] for name in asked] == [shown[name]["title"][-7:] for name in shown]
    assert asked["grad_input"]["labels"] == shown["grad_input"]["labels"]


# --- One minus sign: shown numbers write −, data keeps ASCII --------------------------------

# An ASCII hyphen as a number's sign: before a digit, a dot or ∞, and not after a letter, a
# digit or a bracket (x-2-1 names a cell, 0-9 a range); or in an exponent (1.5e-5).
ASCII_MINUS = re.compile(r"(?<![\w\])])-(?=[\d.∞])|(?<=\de)-(?=\d)")
# Negatives and negative exponents of every form: decimals, fractions, tiny and huge, whole,
# a grid printed under ×10⁻⁶, and −∞ (max pooling's padding).
NEGATIVES = [
    [-0.0144444, 0.0144444, -1 / 3],
    [-1 / 3, 1 / 9, -1 / 4],
    [-1.5e-5, 2.5e-5, 1.5e-5],
    [-2.5e7, 1.0, -123456.7],
    [-2.0, -0.0075, 0.415],
    [-3.245e-6, -5.192e-5, 1.709e-6],
    [-INF, 1.0, -0.25],
]


def ascii_minus_signs(texts: list[str]) -> list[str]:
    """The texts that write a number's minus sign as an ASCII hyphen."""
    return [text for text in texts if ASCII_MINUS.search(text)]


def _every_writer(values: list[float]) -> list[str]:
    """What every writer of numbers shows for a grid of ``values`` (docs/numbers.md's table)."""
    row, style = np.array([values]), number_style(np.array(values))
    texts = [f(v) for v in values for f in (format_number, exact_text, equals_text, printed_text, number)]
    texts += [f(v, style=style) for v in values for f in (exact_text, equals_text, printed_text)]
    for grid in (value_grid(row, "y", "y"), gradient_grid(row, "g", "g"), value_grid(np.resize(row, (33, 33)), "y")):
        texts += [grid["title"], grid["description"], *grid["ticks"], *(grid["labels"] or [])]
        texts += [*(grid["short_labels"] or []), *(cell for row in table_texts(grid) for cell in row)]
        texts += [describe_cell(grid, 0, k) for k in range(len(values))]
        texts += _hover_texts(grid, decode_values(grid)).ravel().tolist()  # plotly's grids.html
    texts.append(gradient_grid(np.full((2, 2), values[0]), "g", "g")["description"])
    if np.isfinite(values).all():
        cover = windows_covering(windows(row.shape, 1), 0, 0)
        texts.append(explain_input_cell(0, 0, cover, row, row))
        texts.append(explain_max_cell("output", 0, 0, row, np.array([[0]]), row[:, :1], None))
        texts.append(explain_output_cell(windows(row.shape, (1, len(values)))[0], row, row[:, :1], row[:, :1]))
        texts.append(products_text(zip(values, values[::-1])))
    return texts


@pytest.mark.parametrize("values", NEGATIVES, ids=["decimal", "fraction", "tiny", "huge", "whole", "×10⁻⁶", "inf"])
def test_every_writer_shows_a_negative_with_the_minus_sign(values):
    """Cells, ticks, titles, descriptions, hover (grids.js's mirror: test_browser_number_style),
    tables, clicked cells and sentences write −0.01444 and 1.5e−5, never -0.01444 or 1.5e-5."""
    texts = _every_writer(values)
    assert ascii_minus_signs(texts) == []
    assert any("\u2212" in text for text in texts)


def test_data_keeps_ascii_and_a_shown_number_reads_back():
    """The CSV, the PyTorch script and a link carry ASCII; a shown number pasted into a typed
    cell, a CSV or a link reads back as the number it shows."""
    values = np.array([[-0.0144444, -1 / 3], [-1.5e-5, 2.0]])
    assert tensor_csv(values) == "-0.0144444,-0.3333333333333333\n-1.5e-05,2\n"
    computed = compute_scenario(values, PoolParams((1, 1)), "custom", weights=values)
    script = pytorch_script(computed.params, "custom", values, 0, computed.loss)
    assert "\u2212" not in script and "[-0.0144444, -0.3333333333333333]" in script
    compile(script, "script.py", "exec")  # Python reads it
    assert cell_text(-6.659e-5) == "-6.659e-5"
    shown = [[exact_text(v, style=number_style(values)).removeprefix("≈") for v in row] for row in values]
    assert shown == [["−0.01444", "−0.3333"], ["−1.5e−5", "2"]]
    read = [[parse_number(text) for text in row] for row in shown]
    assert read == [[-0.01444, -0.3333], [-1.5e-5, 2.0]]
    assert parse_csv("\n".join(",".join(row) for row in shown).encode()).tolist() == read
    linked = encode_grid(shown)  # a link's grid: the reader's ASCII
    assert linked == "-0.01444,-0.3333;-1.5e-5,2" and decode_grid(";".join(",".join(r) for r in shown), "x") == [
        ["-0.01444", "-0.3333"],
        ["-1.5e-5", "2"],
    ]


# Where a number is shown as data, or as what one types: an ASCII hyphen is right there.
TYPED_EXAMPLES = {"error.input.number_text"}  # "type e.g. 0.25, -1.5, 1e-3 or 1/9": what a keyboard types


def test_no_catalogue_sentence_or_app_module_writes_a_minus_by_hand():
    """A literal "-∞" or "-0.5" in a sentence or a module's text would bypass the writer."""
    hand_written = []
    for name in ("en", "zh"):
        catalogue = tomllib.loads((REPO / "i18n" / f"{name}.toml").read_text())
        for key, value in _flattened(catalogue):
            prose = re.sub(r"`[^`]*`", "", value)  # code spans are code
            if key not in TYPED_EXAMPLES and ASCII_MINUS.search(prose):
                hand_written.append(f"{name}.toml {key}: {value}")
    literal = re.compile(r"""["'][^"'\n]*(?<![\w\])])-[\d.]*∞[^"'\n]*["']""")
    for path in _app_files(".py") + _app_files(".js"):
        hand_written += [
            f"{path.name}: {line.strip()}" for line in path.read_text().splitlines() if literal.search(line)
        ]
    assert hand_written == []


def _flattened(table: dict, prefix: str = "") -> list[tuple[str, str]]:
    pairs = []
    for key, value in table.items():
        if isinstance(value, dict):
            pairs += _flattened(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            pairs.append((f"{prefix}{key}", value))
    return pairs
