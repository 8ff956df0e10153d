"""Every page in a real Chromium, in both languages and in the states that show more of a
page: no exception, no JavaScript error, every grid drawn, and accessibility as trusted web
apps measure it: axe-core's WCAG 2.1 A and AA rules, 0 serious or critical violations."""

from __future__ import annotations

import pytest

from harness.browser import GRID, grid_cell_texts, screenshot, wait_for_app

pytestmark = pytest.mark.browser

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],  # passes and the rest unlisted: a smaller answer, sooner
}
# (address, grids drawn there)
VIEWS = [
    ("/", 4),
    ("/?numbers=true&export=true&kernel_h=3&stride_h=1&padding_h=1", 6),  # both expanders open
    ("/?kernel_h=7&height=3&width=3", 1),  # an error on screen, and x
    ("/?height=64&width=64&input=random", 4),  # colour bars
    ("/step_by_step?step=2", 4),
    ("/under_the_hood?kernel_h=3&padding_h=1&count_include_pad=false", 5),  # A, x and the divisor maps
    ("/average_vs_max", 11),  # x, y and ∂L/∂x three times, and four more in the folded expander
    ("/quiz", 3),
    ("/presets", 9),
    ("/network", 12),  # the digit, two pooling layers' four grids, Grad-CAM's weights, map and overlay
    ("/classic", 6),
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
def test_every_page_works_and_has_no_serious_accessibility_violation(page, app_url, language):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    found = {}
    for view, grids in VIEWS:
        page.goto(f"{app_url}{view}{'&' if '?' in view else '?'}lang={language}")
        wait_for_app(page, fresh=True)
        assert page.locator('[data-testid="stException"]').count() == 0, view
        assert page.locator(GRID).count() == grids, view
        if violations := _serious(page):
            found[view] = violations
        name = view.strip("/").split("?")[0] or "playground"
        if view.startswith(f"/{name}") or view == "/":
            screenshot(page, f"{language}-{name}")
    assert grid_cell_texts(page, 3) == ["0.25"] * 16  # the classic page's ∂L/∂x, last
    assert errors == []
    assert found == {}


# The pages with display formulas (the sidebar's loss formula is on every page, folded away on a phone).
PHONE_VIEWS = ["/", "/under_the_hood?kernel_h=3&padding_h=1&count_include_pad=false", "/classic"]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_display_formulas_on_a_phone_are_no_scroll_region_out_of_the_keyboards_reach(new_context, app_url, language):
    """On a 390 px phone a display formula is no sideways scroll region (axe's
    scrollable-region-focusable: the folded sidebar's formula and a rounding pixel made
    serious ones), and each fits the screen, wrapped where it is long."""
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page, seen = context.new_page(), 0
    for view in PHONE_VIEWS:
        page.goto(f"{app_url}{view}{'&' if '?' in view else '?'}lang={language}")
        wait_for_app(page, fresh=True)
        assert _serious(page) == [], view
        formulas = page.eval_on_selector_all(
            '[data-testid="stMain"] .katex-display',
            "all => all.map(e => [getComputedStyle(e).overflowX, e.getBoundingClientRect().right])",
        )
        assert all(overflow == "visible" and right <= 390 for overflow, right in formulas), formulas
        seen += len(formulas)
    assert seen >= 4  # Under the hood's and the classic page's
    screenshot(page, f"phone-classic-formulas-{language}")
