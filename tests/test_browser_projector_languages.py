"""Presentation mode at 1280x720 draws a page's grids alike in both languages. Walking issue 28
on main: Average vs max with a padded x of ones (the issue's URL) prints x's numbers, and max
pooling's −∞ padding ring, in Chinese, while in English the same two grids print nothing (a
colour bar of "1 1 1" and an "Enlarge" instead): the English title with its buttons leaves the
grids less room. With the numbers goes the −∞ ring that §1 asks to "draw and say where it is"
(seen in /tmp/walk28/avm_present_proj.png against avm_present_proj_zh.png)."""

from __future__ import annotations

import pytest

from harness.browser import wait_for_app

pytestmark = pytest.mark.browser

PADDED = "average_vs_max?kernel_h=3&stride_h=1&height=5&width=5&input=ones&padding_h=1&present=1"
PRINTED = """() => Object.fromEntries([...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')]
  .flatMap(host => host.shadowRoot ? [...host.shadowRoot.querySelectorAll('figure.grid')] : [])
  .map(figure => [figure.dataset.key, JSON.parse(figure.querySelector('canvas').dataset.printed || '[]')]))"""


def _printed(new_context, app_url, language: str) -> dict[str, list[str]]:
    page = new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(f"{app_url}/{PADDED}&lang={language}")
    wait_for_app(page, fresh=True)
    return page.evaluate(PRINTED)


def test_a_projected_padded_x_prints_its_numbers_and_its_minus_infinity_in_both_languages(new_context, app_url):
    english, chinese = _printed(new_context, app_url, "en"), _printed(new_context, app_url, "zh")
    assert chinese["x"] and chinese["x_max"]  # the check can pass: Chinese prints them
    for key in ("x", "x_max"):
        assert english[key] == chinese[key], f"{key}: en printed {english[key][:8]}, zh {chinese[key][:8]}"
