"""End to end: a real `streamlit run app.py` server, driven in headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from numpy.testing import assert_allclose
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from harness.browser import (
    ARTIFACTS,
    GRID,
    click_cell,
    grid_cell_texts,
    grid_highlights,
    screenshot,
    wait_for_alert,
    wait_for_app,
)
from pooling.reference import torch_avg_pool2d
from scenario.numbers import parse_number

pytestmark = pytest.mark.browser


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def _markdown(page) -> list[str]:
    return page.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()


def _captions(page) -> list[str]:
    return page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()


def _alerts(page) -> list[str]:
    return page.locator('[data-testid="stAlert"]').all_inner_texts()


def test_classic_example_draws_one_quarter_in_every_input_gradient_cell(page, app_url):
    page.goto(f"{app_url}/classic")
    wait_for_app(page, fresh=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(GRID).count() == 6
    # The fourth chart is ∂L/∂x: 16 cells, each printed as 0.25.
    assert grid_cell_texts(page, 3) == ["0.25"] * 16
    assert grid_cell_texts(page, 2) == ["1"] * 4
    screenshot(page, "classic-example")


def test_playground_kernel_slider_redraws_all_four_charts(page, app_url):
    page.goto(f"{app_url}/?height=6&width=6")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert page.locator(GRID).count() == 4
    # kernel 2 on 6x6: y and ∂L/∂y are 3x3, x and ∂L/∂x 6x6.
    assert [len(grid_cell_texts(page, i)) for i in range(4)] == [36, 9, 9, 36]
    screenshot(page, "playground-kernel-2")
    slider = page.locator(".st-key-kernel_h input[type='range']")
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    _no_exception(page)
    assert slider.input_value() == "3"
    # kernel 3, stride 3: y and ∂L/∂y are 2x2; every ∂L/∂x cell is 1/9.
    assert [len(grid_cell_texts(page, i)) for i in range(4)] == [36, 4, 4, 36]
    assert set(grid_cell_texts(page, 3)) == {"1/9"}
    screenshot(page, "playground-kernel-3")


def _elements_sent(frames: list[bytes]) -> tuple[list[str], list[str]]:
    """The elements a run sent (type, and label or text) and how the run finished."""
    elements, finished = [], []
    for frame in frames:
        message = ForwardMsg()
        message.ParseFromString(frame)
        if message.WhichOneof("type") == "script_finished":
            finished.append(ForwardMsg.ScriptFinishedStatus.Name(message.script_finished))
        if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
            kind = message.delta.new_element.WhichOneof("type")
            element = getattr(message.delta.new_element, kind)
            elements.append(f"{kind}: {getattr(element, 'label', '') or getattr(element, 'body', '')}")
    return elements, finished


def test_a_slider_change_resends_only_the_part_of_the_page_it_changes(page, app_url):
    """Every element a run sends costs the server and the browser time: a kernel change
    reruns only the pooling fragment (ui/scenario.py), not the input controls, the page links
    or the Display section, which stay on screen as they were."""
    frames: list[bytes] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda frame: frames.append(frame)))
    page.goto(f"{app_url}/?height=6&width=6")
    wait_for_app(page, fresh=True)
    frames.clear()
    page.locator(".st-key-kernel_h input[type='range']").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert set(grid_cell_texts(page, 3)) == {"1/9"}  # kernel 3: the new numbers are drawn
    elements, finished = _elements_sent(frames)
    assert finished == ["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"], finished
    assert "slider: Kernel size" in elements and "bidi_component: " in elements, elements
    for unchanged in ("page_link", "selectbox: Source", "slider: Height H", "checkbox: Presentation mode"):
        assert not any(element.startswith(unchanged) for element in elements), elements
    assert len(elements) <= 20, elements


def test_a_cell_named_in_the_url_gives_way_to_a_click_and_stays_across_slider_changes(page, app_url):
    """The link's ``explain=`` is read once: a later click wins, and a slider change (a
    fragment rerun of the same page) keeps the clicked cell, not the one in the link."""
    page.goto(f"{app_url}/?height=6&width=6&explain=x-1-1")
    wait_for_app(page, fresh=True)
    assert any("∂L/∂x[1, 1]" in text for text in _alerts(page)), _alerts(page)
    click_cell(page, 3, 4, 4)
    assert any("∂L/∂x[4, 4]" in text for text in _alerts(page)), _alerts(page)
    page.locator(".st-key-kernel_h input[type='range']").focus()
    page.keyboard.press("ArrowRight")
    wait_for_app(page)
    assert set(grid_cell_texts(page, 3)) == {"1/9"}
    assert any("∂L/∂x[4, 4]" in text for text in _alerts(page)), _alerts(page)
    assert "explain=x-4-4" in page.url


def test_playground_click_on_an_output_cell_lights_its_window(page, app_url):
    page.goto(app_url)
    wait_for_app(page, fresh=True)
    click_cell(page, 1, 1, 0)  # y[1, 0]
    _no_exception(page)
    caption = next(text for text in _alerts(page) if "y[1, 0]" in text)
    assert "y[1, 0] = mean of x[2:4, 0:2] = (8 + 9 + 12 + 13) / 4 = 10.5" in caption
    assert "split into 4 shares of 0.25" in caption
    # The orange window outline is drawn on x and on ∂L/∂x, the cell in black on y and ∂L/∂y.
    for index in (0, 3):
        assert grid_highlights(page, index) == [[2, 4, 0, 2, "#ff8c00"]]
    for index in (1, 2):
        assert grid_highlights(page, index) == [[1, 2, 0, 1, "#111111"]]
    screenshot(page, "playground-click-output")


def test_playground_click_on_an_input_cell_lists_its_shares(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    click_cell(page, 3, 2, 2)  # ∂L/∂x[2, 2]
    _no_exception(page)
    assert any(
        text.strip().endswith("y[2, 0], y[2, 1], y[2, 2]).") and "∂L/∂x[2, 2] = 1/9 + 1/9" in text
        for text in _alerts(page)
    ), _alerts(page)
    # Nine windows cover the centre: each has its own colour, and marks its output in that colour.
    windows = [h for h in grid_highlights(page, 0) if h[4] != "#111111"]
    outputs = grid_highlights(page, 1)
    assert len(windows) == 9 and len({h[4] for h in windows}) == 9
    assert sorted(h[4] for h in outputs) == sorted(h[4] for h in windows)
    screenshot(page, "playground-click-input")


def test_playground_shared_url_reproduces_the_view(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&kernel_w=3&stride_h=1&stride_w=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert len(grid_cell_texts(page, 1)) == 9  # a 3x3 output
    gradient = grid_cell_texts(page, 3)
    assert gradient[0] == "1/9" and gradient[12] == "1"  # corner 1/9, centre 9/9
    assert page.locator(".st-key-kernel_h input[type='range']").input_value() == "3"
    screenshot(page, "playground-shared-url")


def test_playground_bad_url_warns_and_keeps_working(page, app_url):
    page.goto(f"{app_url}/?kernel_h=abc&height=0&loss=%3Cscript%3Ealert(1)%3C/script%3E")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    alerts = " ".join(_alerts(page))
    assert "kernel_h=abc" in alerts and "height=0" in alerts and "loss=<script>" in alerts
    assert page.locator("script:text('alert(1)')").count() == 0
    assert len(grid_cell_texts(page, 3)) == 16
    screenshot(page, "playground-bad-url")


def test_playground_invalid_pooling_shows_an_error_not_a_traceback(page, app_url):
    page.goto(f"{app_url}/?kernel_h=7&height=3&width=3")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert any("kernel 7 is larger than the padded input" in text for text in _alerts(page))
    screenshot(page, "playground-invalid")


def _numbers(texts: list[str]) -> np.ndarray:
    return np.array([parse_number(text.removeprefix("≈")) for text in texts])


def test_step_by_step_scrubber_accumulates_the_shares(page, app_url):
    page.goto(f"{app_url}/step_by_step?kernel_h=3&stride_h=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    assert set(grid_cell_texts(page, 3)) == {"0"}
    slider = page.locator(".st-key-step input[type='range']")
    for step in (1, 2):
        slider.focus()
        page.keyboard.press("ArrowRight")
        wait_for_app(page)
        assert slider.input_value() == str(step)
        # torch: the gradient of the first `step` outputs only.
        mask = (np.arange(9) < step).reshape(3, 3)
        _, expected = torch_avg_pool2d(np.ones((5, 5)), mask.astype(float), 3, 1)
        assert_allclose(_numbers(grid_cell_texts(page, 3)), expected.ravel(), atol=1e-3)
    assert any(text.startswith("Step 2 of 9: ∂L/∂y[0, 1] = 1, divisor 9") for text in _markdown(page))
    screenshot(page, "step-by-step-2")


def test_step_by_step_play_runs_to_the_end(page, app_url):
    page.goto(f"{app_url}/step_by_step?kernel_h=3&stride_h=1&height=5&width=5&input=ones&speed=4")
    wait_for_app(page, fresh=True)
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for(timeout=5_000)
    page.get_by_role("button", name="Play").wait_for(timeout=15_000)  # back to Play at the end
    wait_for_app(page)
    _no_exception(page)
    assert page.locator(".st-key-step input[type='range']").input_value() == "9"
    _, expected = torch_avg_pool2d(np.ones((5, 5)), np.ones((3, 3)), 3, 1)
    assert_allclose(_numbers(grid_cell_texts(page, 3)), expected.ravel(), atol=1e-3)
    screenshot(page, "step-by-step-end")


def test_under_the_hood_click_a_row_of_a(page, app_url):
    page.goto(f"{app_url}/under_the_hood")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    click_cell(page, 0, 2, 5)  # row 2 of A (4 x 16)
    wait_for_alert(page, "Row 2 of A is y[1, 0]: 0.25 in columns 8, 9, 12, 13.")
    assert any("A x equals torch's y" in text for text in _alerts(page))
    screenshot(page, "under-the-hood")


def test_average_vs_max_draws_three_poolings(page, app_url):
    page.goto(f"{app_url}/average_vs_max?input=ones")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    # max pooling of all ones: the first cell of each 2x2 window gets the whole gradient.
    assert grid_cell_texts(page, 4) == ["1", "0", "1", "0", "0", "0", "0", "0", "1", "0", "1", "0", "0", "0", "0", "0"]
    assert sum("Matches torch" in text for text in _alerts(page)) == 3
    screenshot(page, "average-vs-max")


def test_quiz_surprise_answer_and_score(page, app_url):
    page.goto(f"{app_url}/quiz")
    wait_for_app(page, fresh=True)
    page.get_by_role("button", name="Surprise me").click()
    wait_for_app(page)
    _no_exception(page)
    question = next(text for text in _markdown(page) if text.startswith("What is ∂L/∂x["))
    assert question  # the asked cell is named
    assert page.locator(GRID).count() == 3  # ∂L/∂x hidden
    # no ∂L/∂x is this large
    page.get_by_role("textbox", name="Your answer (a number, or a fraction written a/b)").fill(
        "12345"
    )  # no ∂L/∂x is this large
    page.get_by_role("button", name="Check").click()
    wait_for_app(page)
    _no_exception(page)
    assert page.locator(GRID).count() == 4  # revealed
    assert any("Not quite: you said 12345" in text for text in _alerts(page)), _alerts(page)
    assert page.locator('[data-testid="stMetricValue"]').inner_text() == "0 / 1"
    screenshot(page, "quiz")


def test_playground_downloads_the_tensors(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    page.get_by_text("Export: the numbers and the PyTorch code").click()
    wait_for_app(page)  # its content is drawn by the rerun that opening it starts
    assert "export=true" in page.url
    with page.expect_download() as download_info:
        page.get_by_role("button", name="grad_input.csv").click()
    grad_input = np.loadtxt(download_info.value.path(), delimiter=",")
    _, expected = torch_avg_pool2d(np.ones((5, 5)), np.ones((3, 3)), 3, 1)
    assert_allclose(grad_input, expected, rtol=1e-12, atol=1e-12)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="all.json").click()
    assert download_info.value.suggested_filename == "avgpool_view.json"
    document = json.loads(Path(download_info.value.path()).read_text())
    assert document["pooling"]["kernel_size"] == [3, 3]
    assert_allclose(document["grad_input"], expected, rtol=1e-12, atol=1e-12)
    # The four grids as one self-contained plotly page, built when clicked.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="grids.html: the four grids as one interactive page").click()
    assert download_info.value.suggested_filename == "avgpool_k3x3_s1x1_p0x0_playground.html"
    html = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "x: input (5×5)" in html and '"format": "svg"' in html and "<script src=" not in html
    _no_exception(page)


def test_grid_png_download(page, app_url):
    page.goto(f"{app_url}/?kernel_h=3&stride_h=1&height=5&width=5")
    wait_for_app(page, fresh=True)
    with page.expect_download() as download_info:
        page.locator(".grids figure").nth(3).get_by_role("button", name="Save ∂L/∂x = x.grad as a PNG image").click()
    download = download_info.value
    assert download.suggested_filename == "avgpool_k3x3_s1x1_p0x0_playground_grad_input.png"
    from PIL import Image

    with Image.open(download.path()) as image:
        assert image.format == "PNG"
        assert image.width >= 3 * 200  # drawn at 3x: sharp on a slide
        # The picture holds the red of the gradient (every cell of ∂L/∂x is positive here).
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert any(r > 200 and g < 170 and b < 170 for _, (r, g, b) in colours)


def test_two_sessions_change_settings_at_the_same_time_and_stay_apart(new_context, app_url):
    first = new_context(viewport={"width": 1600, "height": 1000}).new_page()
    second = new_context(viewport={"width": 1600, "height": 1000}).new_page()
    first.goto(f"{app_url}/?height=6&width=6")
    second.goto(f"{app_url}/?height=6&width=6&input=ones")
    wait_for_app(first, fresh=True)
    wait_for_app(second)
    # Both change something at once: the first its kernel, the second its loss.
    first.locator(".st-key-kernel_h input[type='range']").focus()
    first.keyboard.press("ArrowRight")
    loss = second.locator(".st-key-loss").get_by_role("combobox")
    loss.click()
    loss.fill("mean")
    second.keyboard.press("Enter")
    wait_for_app(first)
    wait_for_app(second)
    # The first: kernel 3 on arange 6x6 with loss sum -> every cell covered once gets 1/9.
    assert first.locator(".st-key-kernel_h input[type='range']").input_value() == "3"
    assert set(grid_cell_texts(first, 3)) == {"1/9"}
    # The second: still kernel 2, now the mean loss -> 1/9 per output, 1/36 per cell.
    assert second.locator(".st-key-kernel_h input[type='range']").input_value() == "2"
    assert set(grid_cell_texts(second, 3)) == {"1/36"}  # 0.02778 is not exact: its fraction
    assert "input=ones" in second.url and "input=ones" not in first.url
    for page in (first, second):
        _no_exception(page)


def test_an_upload_over_the_limit_is_refused_with_a_message(page, app_url, tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"1," * 1_100_000)  # 2.2 MB: over the CSV uploader's 1 MB (ui/controls.py)
    page.goto(f"{app_url}/?input=csv")
    wait_for_app(page, fresh=True)
    page.locator('.st-key-csv_file input[type="file"]').set_input_files(str(big))
    page.get_by_text("File must be 1.0MB or smaller").wait_for(timeout=15_000)
    _no_exception(page)
    assert any("Upload a CSV file" in text for text in _alerts(page))  # the page still works


def test_a_preset_link_inside_the_app_opens_the_preset_not_the_old_settings(page, app_url):
    page.goto(f"{app_url}/?kernel_h=5&height=8&width=8&input=ones")
    wait_for_app(page, fresh=True)
    page.locator('[data-testid="stSidebar"]').get_by_text("Presets").click()
    wait_for_app(page)
    card = page.locator('[data-testid="stVerticalBlock"]').filter(has_text="Overlapping windows").last
    card.get_by_text("Playground").click()
    wait_for_app(page)
    _no_exception(page)
    assert page.locator(".st-key-kernel_h input[type='range']").input_value() == "3"
    assert page.locator(".st-key-height input[type='range']").input_value() == "5"
    assert any("Overlapping windows:" in alert for alert in _alerts(page))
    assert grid_cell_texts(page, 3)[12] == "1"  # the centre collects 9 shares of 1/9
    # The server logged no warning for it (setting widgets from a preset is what we mean).
    port = app_url.rsplit(":", 1)[1]
    log = (ARTIFACTS / f"streamlit-{port}.log").read_text()
    assert "Session State API" not in log


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("lang=x%60%20[Log%20in](//e.vil)%20%60", "[Log in](//e.vil)"),
        ("lang=%60![](//127.1:9/a)%60", "![](//127.1:9/a)"),
        ("input=custom&x=1,[Log%20in](//e.vil)", "[Log in](//e.vil)"),
    ],
)
def test_markdown_from_a_link_reaches_the_reader_as_text(page, app_url, query, shown):
    """A link's text is quoted back as typed: no link to click, no image that makes every
    reader's browser fetch an address chosen by whoever wrote the link."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{app_url}/?{query}")
    wait_for_app(page, fresh=True)
    _no_exception(page)
    alerts = page.locator('[data-testid="stAlert"]')
    assert any(shown in text for text in alerts.all_inner_texts()), alerts.all_inner_texts()
    assert alerts.locator("a, img").count() == 0
    elsewhere = [url for url in requested if urlsplit(url).netloc != urlsplit(app_url).netloc]
    assert not [url for url in elsewhere if "e.vil" in url or "127.1" in url], elsewhere
