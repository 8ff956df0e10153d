"""Both languages in a real Chromium: the browser's language as the default, Chinese glyphs
that actually render, and the teacher's path: a preset link in Chinese, in presentation
mode, to the PyTorch script, without touching the sidebar."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.browser import screenshot, wait_for_app

pytestmark = pytest.mark.browser

# Draw two different Chinese characters on a canvas: without a CJK font both come out as the
# same "missing glyph" box.
GLYPHS_DIFFER = """() => {
    const draw = (ch) => {
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 40;
        const context = canvas.getContext("2d");
        context.font = "32px sans-serif";
        context.fillText(ch, 2, 34);
        return Array.from(context.getImageData(0, 0, 40, 40).data).join(",");
    };
    return draw("实") !== draw("验");
}"""


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_browser_language_picks_chinese_and_its_glyphs_render(new_context, app_url):
    context = new_context(locale="zh-CN", viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert page.locator("h1").first.inner_text() == "实验场"
    assert "lang" not in page.url  # the browser chose: a shared link keeps the reader's language
    assert page.evaluate(GLYPHS_DIFFER), "Chinese renders as boxes: install fonts-noto-cjk"
    screenshot(page, "zh-playground")


def test_an_english_browser_switches_to_chinese(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3")
    wait_for_app(page, fresh=True)
    assert page.locator("h1").first.inner_text() == "Playground"
    switch = page.locator(".st-key-lang")
    switch.locator("input").click()
    page.get_by_role("option", name="简体中文").click()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "实验场"
    assert "lang=zh" in page.url and "kernel_h=3" in page.url
    # Another page keeps the language and the settings.
    page.locator('[data-testid="stSidebarNav"], [data-testid="stSidebar"]').get_by_text("逐步回放").click()
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "逐步回放"
    assert "lang=zh" in page.url and "kernel_h=3" in page.url


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_a_chinese_preset_link_in_presentation_mode_to_the_pytorch_script(page, app_url, width, height, tmp_path):
    page.set_viewport_size({"width": width, "height": height})
    # The teacher prepares: the presets page, in Chinese, in presentation mode.
    page.goto(f"{app_url}/presets?lang=zh&present=1")
    wait_for_app(page, fresh=True)
    card = page.locator('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stVerticalBlock"]')
    card = card.filter(has_text="重叠的窗口").last
    # On a projector the card's links are its buttons (no address to copy from a wall).
    link = card.locator('[data-testid="stPageLink"] a').first.get_attribute("href")
    link = link if link.startswith("http") else app_url + "/" + link.lstrip("/")
    assert "preset=overlap" in link and "lang=zh" in link and "present=1" in link
    # In class: open the shared link; nothing in the sidebar is touched.
    page.goto(link)
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert page.locator("h1").first.inner_text() == "实验场"
    assert page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "true"
    screenshot(page, f"zh-preset-present-{width}x{height}")
    page.get_by_text("导出：数据与 PyTorch 代码").click()
    wait_for_app(page)
    script = page.locator('[data-testid="stCode"] code').last.inner_text()
    assert "kernel_size=3" in script and "stride=1" in script
    # The students run it: y and x.grad come out, the centre collects 9 shares of 1/9.
    path = tmp_path / "reproduce.py"
    path.write_text(script)
    printed = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True).stdout
    assert "x.grad" in printed and "1.0000" in printed
