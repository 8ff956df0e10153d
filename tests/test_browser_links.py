""" "Copy link to this view" in a real Chromium: the link it copies is the view on screen (a
slider moved in a fragment's run, the classic page's random draw), and opened elsewhere it
shows the same view."""

from __future__ import annotations

import pytest

from harness.browser import GRID, grid_cell_texts, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture
def clipboard_page(new_context, app_url):
    context = new_context(viewport={"width": 1440, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    return context.new_page()


def _copied_link(page) -> str:
    """Press "Copy link to this view" in the sidebar; the link the clipboard then holds."""
    page.locator(".copy-link button").click()
    page.locator(".copy-link .status").filter(has_text="Link copied.").wait_for()
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert page.locator(".copy-link input").input_value() == link  # shown too
    return link


def test_the_copied_link_opens_the_view_on_screen(clipboard_page, new_context, app_url):
    page = clipboard_page
    page.goto(f"{app_url}/?height=6&width=6")
    wait_for_app(page, fresh=True)
    slider = page.locator(".st-key-kernel_h input[type='range']")
    slider.focus()
    page.keyboard.press("ArrowRight")  # a fragment's run: the sidebar's button is not redrawn
    wait_for_app(page)
    link = _copied_link(page)
    assert "kernel_h=3" in link and "height=6" in link
    other = new_context(viewport={"width": 1440, "height": 900}).new_page()
    other.goto(link)
    wait_for_app(other, fresh=True)
    assert other.locator(GRID).count() == 4
    assert set(grid_cell_texts(other, 3)) == {"1/9"}  # kernel 3, stride 3: every cell 1/9
    # The classic page: each "Draw a new random x" is in the link, and the link shows that x.
    page.goto(f"{app_url}/classic")
    wait_for_app(page, fresh=True)
    page.locator(".st-key-classic_new_x button").click()
    wait_for_app(page)
    link = _copied_link(page)
    assert "draw=1" in link
    x = grid_cell_texts(page, 0)
    other.goto(link)
    wait_for_app(other, fresh=True)
    assert grid_cell_texts(other, 0) == x


def test_the_copied_link_never_carries_a_class(clipboard_page, app_url):
    """A class's code, its join key, the projector's view and a student's id stay out of the
    copied link: a teacher who shares a view does not share a way into the class."""
    page = clipboard_page
    page.goto(f"{app_url}/?height=6&width=6&class=HQCMT&key=k3y&view=projector&student=s1")
    wait_for_app(page, fresh=True)
    assert "key=k3y" in page.url  # what the address bar still holds (the code: refused, dropped)
    link = _copied_link(page)
    assert "height=6" in link and not any(f"{name}=" in link for name in ("class", "key", "view", "student")), link


def test_every_link_written_for_someone_else_starts_at_the_apps_address(new_context, app_url):
    """A preset's link, a network channel's, the class's join link and a deck's link each start
    at the app's own address as this browser reached it, without the page's path
    (``ui.url.app_address``)."""
    from classroom.deck import deck_link
    from classroom.deck_library import BUILT_IN
    from harness.browser import start_class

    page = new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{app_url}/presets")
    wait_for_app(page, fresh=True)
    written = page.locator('[data-testid="stCode"]').all_text_contents()
    assert written and all(link.startswith(f"{app_url}/?") for link in written), written
    page.goto(f"{app_url}/network")
    wait_for_app(page, fresh=True)
    opened = [link.get_attribute("href") for link in page.locator("a[href*='from=network']").all()]
    assert len(opened) == 2 and opened[0].startswith(f"{app_url}/?") and opened[1].startswith(f"{app_url}/frameworks?")
    start_class(page, f"{app_url}{deck_link(BUILT_IN['classic'])}")
    page.locator(".st-key-class_deck_start button").first.click()
    wait_for_app(page)
    written = page.locator('[data-testid="stCode"]').all_text_contents()  # the deck's link is in a folded expander
    join = [link for link in written if "?class=" in link]
    deck = [link for link in written if "?deck=" in link]
    assert join and join[0].startswith(f"{app_url}/?class="), written
    assert deck and deck[0].startswith(f"{app_url}/live_class?deck="), written
