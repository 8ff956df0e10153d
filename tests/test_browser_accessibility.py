"""Accessibility as trusted web apps measure it: axe-core (WCAG 2.1 A and AA rules) in a real
Chromium on every page, in both languages, and in the states that show more of a page."""

from __future__ import annotations

import pytest

from tests.browser import wait_for_app

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
VIEWS = [
    "/",
    "/?numbers=true&export=true&kernel_h=3&stride_h=1&padding_h=1",
    "/?kernel_h=7&height=3&width=3",  # an error on screen
    "/?height=64&width=64&input=random",  # colour bars
    "/step_by_step?step=2",
    "/under_the_hood?kernel_h=3&padding_h=1&count_include_pad=false",
    "/average_vs_max",
    "/quiz",
    "/presets",
    "/classic",
]


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=WCAG).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']}"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_serious_or_critical_violation_on_any_page(page, app_url, language):
    found = {}
    for view in VIEWS:
        page.goto(f"{app_url}{view}{'&' if '?' in view else '?'}lang={language}")
        wait_for_app(page)
        if violations := _serious(page):
            found[view] = violations
    assert found == {}
