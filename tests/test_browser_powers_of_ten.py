"""Tiny and huge numbers in real Chromium: a grid whose values need an exponent (−3.245e−6)
prints them in a power of ten its title names (−3.245 under ×10⁻⁶), so that they fit its
cells, instead of an empty coloured square (docs/numbers.md, rule 4)."""

from __future__ import annotations

import pytest

from harness.browser import wait_for_app

pytestmark = pytest.mark.browser


def _figures(page, section: str) -> dict[str, tuple[str, list[str]]]:
    """Each grid of a section (its Streamlit key), by name: its title and the labels printed."""
    return page.locator(f".st-key-{section} figure").evaluate_all(
        """figures => Object.fromEntries(figures.map(figure => [figure.dataset.key, [
            figure.querySelector(".title").textContent,
            JSON.parse(figure.querySelector("canvas").dataset.printed || "[]")]]))"""
    )


def test_the_global_poolings_gradients_print_their_numbers(new_context, app_url):
    """Digit 0·1, the loss about its own label: the network is ~100 % sure, ∂L/∂y2 is about
    −5.2e−5 and every cell of ∂L/∂x2 gets a 16th, −3.245e−6 (the sentence under it)."""
    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/network?digit=0")
    wait_for_app(page, fresh=True)
    figures = _figures(page, "network_pool2")
    title, printed = figures["grad_input"]
    assert title.endswith("(×10⁻⁶)") and len(printed) == 16, figures
    assert set(printed) <= {"−3.245", "−3.2"}, printed  # all 16 cells alike, in one of the label lengths
    title, printed = figures["grad_output"]
    assert title.endswith("(×10⁻⁶)") and printed == ["−51.92"], figures
    sentence = page.get_by_text("each of the channel's 16 cells of ∂L/∂x2 gets").inner_text()
    assert "−3.245e−6" in sentence  # the sentence writes the value itself: −3.245 × 10⁻⁶


@pytest.mark.parametrize("size", ["1e-7", "1e6"])
def test_a_typed_x_of_tiny_or_huge_values_prints_every_grid(page, app_url, size):
    """x of 1e-7 (or 1e6) times 1 to 16, the square loss: x, y, ∂L/∂y and ∂L/∂x all print,
    in one power of ten."""
    x = ";".join(",".join(f"{4 * row + col + 1}*{size}".replace("*1e", "e") for col in range(4)) for row in range(4))
    page.goto(f"{app_url}/?input=custom&loss=square&x={x}")
    wait_for_app(page, fresh=True)
    figures = _figures(page, "playground_grids")
    assert len(figures) == 4, figures
    for name, (title, printed) in figures.items():
        assert printed and not any("e" in label for label in printed), (name, title, printed)
    powers = {title[title.index("(×10") :] for title, _ in figures.values()}
    assert len(powers) == 1, figures  # x and y, ∂L/∂y and ∂L/∂x: one power of ten, 0.35 / 4 = 0.0875
