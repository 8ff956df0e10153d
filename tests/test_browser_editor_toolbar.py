"""The typed grids' hover toolbar (Streamlit's data editor: show, download, search, full screen)
must not cover the title of the expander it sits in. Issue 28 §3 saw it cover "Type the input x"
after "Open this channel in the Playground"; the fix there (a caption above the grid) holds only
for a link with ``from=``: a typed x or ∂L/∂y opened any other way still has its title's last
word hidden by the toolbar while the pointer is over the grid, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from harness.browser import wait_for_app

TYPED = "input=custom&height=3&width=3&loss=custom"
PAGES = ["", "average_vs_max"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# The box of an expander title's text (not the whole summary row, which spans the expander).
TITLE_BOXES = """() => [...document.querySelectorAll('[data-testid="stExpander"] summary')].map(summary => {
  const range = document.createRange();
  range.selectNodeContents(summary.querySelector('[data-testid="stMarkdownContainer"]') || summary);
  const box = range.getBoundingClientRect();
  return { text: summary.innerText.trim(), left: box.left, right: box.right, top: box.top, bottom: box.bottom };
})"""


def _overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _covered_titles(page) -> list[str]:
    """Hover each typed grid in turn: the titles its toolbar then covers."""
    covered = []
    editors = page.locator('[data-testid="stDataFrame"]')
    for index in range(editors.count()):
        editor = editors.nth(index)
        editor.scroll_into_view_if_needed()
        editor.hover()
        toolbar = page.locator('[data-testid="stElementToolbar"]').nth(index)
        toolbar.wait_for(state="visible")
        # The toolbar slides into place on hover (a CSS transition): measure where it ends.
        toolbar.evaluate("el => Promise.all(el.getAnimations({ subtree: true }).map(a => a.finished))")
        box = toolbar.bounding_box()
        tool = {"left": box["x"], "right": box["x"] + box["width"], "top": box["y"], "bottom": box["y"] + box["height"]}
        covered += [title["text"] for title in page.evaluate(TITLE_BOXES) if _overlaps(tool, title)]
    return covered


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_typed_grids_toolbar_leaves_its_expanders_title_readable(page, new_context, app_url, path, device):
    tab = page if device == "desktop" else new_context(**PHONE).new_page()
    tab.goto(f"{app_url}/{path}?{TYPED}")
    wait_for_app(tab, fresh=True)
    assert tab.locator('[data-testid="stDataFrame"]').count() >= 1
    assert _covered_titles(tab) == []


@pytest.mark.browser
def test_the_check_sees_a_title_kept_clear_by_a_caption_above_the_grid(page, app_url):
    """The check above can pass: a link from "Open this channel in the Playground" (``from=``)
    writes a caption above each typed grid, which moves the toolbar below the title."""
    page.goto(f"{app_url}/?{TYPED}&from=network:16:0:8:4")
    wait_for_app(page, fresh=True)
    assert page.get_by_text("These numbers come from").count() == 1
    assert _covered_titles(page) == []
