"""Every preset's lesson, checked against torch on the view its link opens."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

from i18n import text
from pooling import Window
from pooling.reference import torch_adaptive_avg_pool2d, torch_avg_pool2d
from scenario.compute import Computed
from scenario.network import load_digits_cnn, network_pass
from scenario.numbers import exact_text, number_style
from scenario.params import params_from_settings, widget_values
from scenario.presets import PRESETS, Preset
from tests.conftest import APP, grid_values, grids_on_page, open_app


@dataclass(frozen=True)
class Seen:
    """What a preset's view shows, as the core computes it from the preset's own setup
    (``Preset.compute``), its gradients checked against torch autograd first."""

    computed: Computed

    @property
    def grad(self) -> np.ndarray:
        return self.computed.grad_input

    @property
    def divisors(self) -> np.ndarray:
        return self.computed.plan.divisors

    def window(self, row: int, col: int) -> Window:
        return self.computed.window_of(row, col)

    def setting(self, key: str) -> int:
        return int(self.computed.params.kwargs()[key][0])


class Claim(NamedTuple):
    """One number a preset's title or lesson states, and the values it states it of: the
    number holds when every one of them equals it. ``number`` None: a claim in words only
    (``values`` then gives booleans, all true)."""

    number: str | None
    values: Callable[[Seen], object]


def _edges(seen: Seen) -> tuple[int, int]:
    """The last output row and column: ceil_mode's partial windows."""
    return seen.divisors.shape[0] - 1, seen.divisors.shape[1] - 1


def _edge_cells(seen: Seen) -> list[int]:
    """The input cells each partial window along an edge (not the corner) holds."""
    last_row, last_col = _edges(seen)
    right = [seen.window(i, last_col).input_cells for i in range(last_row)]
    return right + [seen.window(last_row, j).input_cells for j in range(last_col)]


CLAIMS: dict[str, list[Claim]] = {
    # name: every number its title and lesson state (in any order), each with what it is of
    "classic": [
        Claim("4", lambda seen: seen.computed.x.shape),  # the title's 4×4
        Claim("4", lambda seen: seen.computed.x.shape),
        Claim("2", lambda seen: seen.setting("kernel_size")),
        Claim("2", lambda seen: seen.setting("stride")),
        Claim("1/4", lambda seen: seen.grad),  # every cell
    ],
    "overlap": [
        Claim("3", lambda seen: seen.setting("kernel_size")),
        Claim("1", lambda seen: seen.setting("stride")),
        Claim("9", lambda seen: seen.divisors.size),  # all 9 windows ...
        Claim("9", lambda seen: seen.computed.plan.coverage()[2, 2]),  # ... hold the centre
        Claim("1/9", lambda seen: 1 / seen.divisors),  # its shares
        Claim("1", lambda seen: seen.grad[2, 2]),
        Claim("1", lambda seen: seen.computed.plan.coverage()[0, 0]),  # a corner's windows
        Claim("1/9", lambda seen: seen.grad[0, 0]),
    ],
    "gaps": [
        Claim("2", lambda seen: seen.setting("kernel_size")),
        Claim("3", lambda seen: seen.setting("stride")),
        Claim(None, lambda seen: seen.computed.plan.coverage()[2, :] == 0),  # the middle row
        Claim(None, lambda seen: seen.computed.plan.coverage()[:, 2] == 0),  # and column
        Claim(None, lambda seen: (seen.grad[2, :] == 0, seen.grad[:, 2] == 0)),  # no gradient
    ],
    "padding": [
        Claim("4", lambda seen: seen.window(0, 0).input_cells),
        Claim("4", lambda seen: seen.window(0, 0).divisor),
        Claim("1/4", lambda seen: seen.grad[0, 0]),
    ],
    "padding counted": [
        Claim("9", lambda seen: seen.window(0, 0).divisor),
        Claim(None, lambda seen: seen.window(0, 0).padding_cells > 0),  # padding included
        Claim("1/9", lambda seen: seen.grad[0, 0]),
    ],
    "ceil_mode": [
        # The partial windows along an edge (not the corner): the cells they hold, their cells' gradient.
        Claim("2", lambda seen: [seen.divisors[:-1, -1], seen.divisors[-1, :-1], _edge_cells(seen)]),
        Claim("1/2", lambda seen: [seen.grad[:-1, -1], seen.grad[-1, :-1]]),
        Claim("1", lambda seen: (seen.window(*_edges(seen)).input_cells, seen.window(*_edges(seen)).divisor)),
        Claim("1", lambda seen: seen.grad[-1, -1]),  # the corner cell
        Claim(None, lambda seen: seen.computed.x.shape[0] % seen.setting("stride") != 0),  # windows do not fit
    ],
    "sum pooling": [
        Claim("1", lambda seen: seen.computed.params.divisor_override),  # divisor_override=1 ...
        Claim("1", lambda seen: seen.divisors),  # ... divides by 1
        Claim("1", lambda seen: seen.grad),
    ],
    "mean loss": [
        Claim("1/4", lambda seen: seen.computed.loss.grad_output),
        Claim("4", lambda seen: seen.divisors),
        Claim("1/16", lambda seen: seen.grad),
    ],
    "image": [
        Claim("4", lambda seen: seen.setting("kernel_size")),
        Claim("4", lambda seen: np.divide(seen.computed.x.shape, seen.computed.y.shape)),  # 4 times smaller
        Claim("1/16", lambda seen: seen.grad),
    ],
}
# A number as a lesson writes it: 9, 1/9, 0.25 (not the 2 of "AvgPool2d", nor digits in a name).
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:\.\d+)?(?:/\d+)?(?![A-Za-z0-9_])")


# A fraction with the decimal its grid writes it as: "1/4 = 0.25" (one number stated).
WITH_DECIMAL = re.compile(r"(\d+/\d+) = (\d+\.\d+)")


def _stated(sentence: str) -> list[Fraction]:
    for fraction, decimal in WITH_DECIMAL.findall(sentence):
        assert Fraction(fraction) == Fraction(decimal), sentence
    return sorted(Fraction(number) for number in NUMBER.findall(WITH_DECIMAL.sub(r"\1", sentence)))


def _flat(values: object) -> np.ndarray:
    """Every value a claim is of, as one flat float array (from numbers, arrays, and lists of them)."""
    if isinstance(values, list | tuple):
        return np.concatenate([_flat(part) for part in values]) if values else np.empty(0)
    return np.ravel(np.asarray(values, dtype=float))


def _seen(preset: Preset) -> Seen:
    """The preset's numbers by the core, checked against torch autograd (float64)."""
    computed = preset.compute()
    torch_y, torch_grad = torch_avg_pool2d(computed.x, computed.loss.grad_output, **computed.params.kwargs())
    assert_allclose(computed.y, torch_y, rtol=1e-12, atol=1e-12)
    assert_allclose(computed.grad_input, torch_grad, rtol=1e-12, atol=1e-12)
    return Seen(computed)


def test_every_preset_has_its_claims():
    assert {preset.name for preset in PRESETS} == set(CLAIMS)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_every_number_a_preset_states_is_what_its_own_setup_computes(preset, language):
    """Each number in a preset's title and lesson, in both languages, is one of its claims,
    and each claim holds on the numbers the preset's link opens (the core's, equal to torch's)."""
    claims = CLAIMS[preset.name]
    sentence = f"{preset.title(language)} {preset.lesson(language)}"
    assert _stated(sentence) == sorted(Fraction(claim.number) for claim in claims if claim.number), sentence
    seen = _seen(preset)
    for claim in claims:
        values = _flat(claim.values(seen))
        expected = True if claim.number is None else float(Fraction(claim.number))
        assert values.size and np.allclose(values, expected, rtol=1e-12, atol=0), (claim.number, values, sentence)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_a_gradient_a_lesson_states_reads_as_its_grid_writes_it(preset, language):
    """A lesson saying "every cell gets 1/4" beside a grid of 0.25 reads as two numbers: a
    value of ∂L/∂y or ∂L/∂x that a lesson states is written as its grid writes it (1/9 in a
    grid of ninths), or as its fraction followed by that ("1/4 = 0.25", docs/numbers.md rule 6)."""
    computed, lesson = preset.compute(), preset.lesson(language)
    for grid in (computed.loss.grad_output, computed.grad_input):
        for match in NUMBER.finditer(lesson):
            value = float(Fraction(match.group()))
            if not np.isclose(grid, value, rtol=1e-12, atol=0).any():
                continue  # a kernel size, a count: not a value of this grid
            written = exact_text(value, style=number_style(grid))
            paired = WITH_DECIMAL.match(lesson, match.start())
            assert written in (match.group(), paired and paired.group(2)), (match.group(), written, lesson)


def _open_link(settings: dict[str, str]) -> AppTest:
    return open_app(settings)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_preset_link_opens_a_view_that_teaches_its_lesson(preset):
    at = _open_link(preset.settings)
    assert not at.warning and not at.error
    x, y, grad_output, grad_input = (grid_values(figure) for figure in grids_on_page(at)[:4])
    kwargs = params_from_settings(widget_values(preset.settings)).kwargs()
    torch_y, torch_grad = torch_avg_pool2d(x, grad_output, **kwargs)
    assert_allclose(y, torch_y, rtol=1e-12, atol=1e-12)
    assert_allclose(grad_input, torch_grad, rtol=1e-12, atol=1e-12)
    assert_allclose(grad_input, preset.compute().grad_input, rtol=0, atol=0)  # the numbers its claims are of


def test_presets_page_previews_match_the_links():
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/presets.py").run()
    assert not at.exception
    previews = [grid_values(figure) for figure in grids_on_page(at)]
    assert len(previews) == len(PRESETS)
    for preset, preview in zip(PRESETS, previews):
        linked = grid_values(grids_on_page(_open_link(preset.settings))[3])
        assert_allclose(preview, linked, rtol=0, atol=0, err_msg=preset.name)


def _link(preset) -> dict[str, str]:
    return {**preset.settings, "preset": preset.key}


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.name)
def test_a_preset_link_shows_its_lesson_until_the_view_changes(preset):
    at = open_app(_link(preset))
    assert not at.warning
    assert [info.value for info in at.info][:1] == [f"**{preset.title()}:** {preset.lesson()}"]
    at.slider(key="kernel_h").set_value(at.slider(key="kernel_h").value + 1).run()
    assert not any(preset.lesson() in info.value for info in at.info)
    assert "preset" not in at.query_params


def test_a_preset_link_followed_inside_the_app_replaces_the_sidebar_settings():
    """Settings changed earlier in the session must not leak into the preset's view."""
    at = open_app({"kernel_h": "5", "height": "8", "width": "8", "ceil_mode": "true"})
    at.switch_page("pages/presets.py").run()
    overlap = next(preset for preset in PRESETS if preset.name == "overlap")
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in _link(overlap).items():
        at.query_params[key] = value
    at.switch_page("pages/playground.py").run()
    assert not at.exception
    assert at.slider(key="kernel_h").value == 3 and at.slider(key="height").value == 5
    assert at.toggle(key="ceil_mode").value is False
    assert overlap.lesson() in at.info[0].value


def test_presets_page_links_carry_the_preset_language_and_presentation_mode():
    at = open_app({"lang": "zh"}, "pages/presets.py")
    links = [code.value for code in at.code]
    assert len(links) == len(PRESETS)
    for preset, link in zip(PRESETS, links):
        assert f"preset={preset.key}" in link and "lang=zh" in link
    # On a projector the links are the buttons alone (no address to copy from a wall).
    at = open_app({"lang": "zh", "present": "1"}, "pages/presets.py")
    assert not at.code
    buttons = [link.proto.query_string for link in at.get("page_link") if "preset=" in link.proto.query_string]
    assert len(buttons) == 2 * len(PRESETS)
    assert all("lang=zh" in query and "present=1" in query for query in buttons)


def test_an_unknown_preset_is_named():
    at = open_app({"preset": "zebra"})
    assert any("preset=zebra" in warning.value for warning in at.warning)
    assert "preset" not in at.query_params


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_network_cards_numbers_are_the_networks(language):
    """The Presets page's card for "In a network": its 2×2 pooling is the network's first pooling,
    and each cell of the global pooling's input gets 1/16 of its channel's gradient (torch's
    adaptive_avg_pool2d backward on the network's own numbers, float64)."""
    data = load_digits_cnn()
    result = network_pass(data.weights, data.pixels[data.shown][:2], data.labels[data.shown][:2])
    sentence = f"{text(language, 'presets.network_title')} {text(language, 'presets.network_lesson')}"
    assert _stated(sentence) == sorted(Fraction(n) for n in ("2", "2", "1/16")), sentence
    assert (result.pool1.plan.rows.kernel, result.pool1.plan.cols.kernel) == (2, 2)
    _, torch_grad = torch_adaptive_avg_pool2d(result.pool2.x, result.pool2.grad_y, 1)
    assert_allclose(result.pool2.grad_x, torch_grad, rtol=1e-12, atol=1e-15)
    assert_allclose(torch_grad, np.broadcast_to(result.pool2.grad_y / 16, torch_grad.shape), rtol=1e-12, atol=1e-15)
