"""A school's deployment, for real: nginx with ``deploy/nginx.conf`` in front of two replicas
of ``streamlit run app.py`` (one cookie secret, XSRF protection on), a class of protocol
clients (``harness/client.py``) and Chromium tabs through it, and a replica lost mid-lesson
(with the uploads it held).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import shutil
import time

import numpy as np
import pytest
from PIL import Image

from harness.browser import GRID, PATIENCE_MS, REPO, REQUESTED, grid_cell_texts, wait_for_alert, wait_for_app
from harness.client import Session, run
from harness.server import nginx_proxy, streamlit_replicas

pytestmark = pytest.mark.browser
# Every replica signs cookies (the XSRF token among them) with the same secret.
COOKIE_SECRET = {"STREAMLIT_SERVER_COOKIE_SECRET": "one-secret-for-every-replica"}


@pytest.fixture(scope="module")
def nginx_binary():
    if shutil.which("nginx") is None:
        message = "Debian's nginx is not installed (apt-get install nginx)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: in CI the replica tests must run")
        pytest.skip(message)


@pytest.fixture(scope="module")
def school(nginx_binary, tmp_path_factory):
    """(nginx's URL, the two replicas as (URL, process)). The last test of this module kills
    one of them."""
    with (
        streamlit_replicas(2, env=COOKIE_SECRET) as replicas,
        nginx_proxy([url for url, _ in replicas], tmp_path_factory.mktemp("nginx")) as proxy,
    ):
        yield proxy, replicas


_run = run  # protocol clients on their own event loop (Playwright's sync API keeps one here)


def _kernel_shown(session: Session) -> int | None:
    for text in session.texts:
        if "nn.AvgPool2d(kernel_size=" in text:
            return int(text.split("kernel_size=", 1)[1].split(")")[0].split(",")[0])
    return None


async def _student(url: str, number: int, errors: list, replicas: list) -> None:
    """Open the Playground at some kernel, move the slider twice, check every answer."""
    kernel = 2 + number % 3
    try:
        session = await Session.open(url, f"kernel_h={kernel}&height=8&width=8")
        replicas.append(session.replica)
        shown = [_kernel_shown(session)]
        for change in (kernel + 1, kernel):
            await session.slide("kernel_h", change)
            shown.append(_kernel_shown(session))
        await session.close()
        if shown != [kernel, kernel + 1, kernel]:
            errors.append(f"student {number} saw kernels {shown}")
    except Exception as error:  # every failure counts
        errors.append(f"student {number}: {type(error).__name__}: {error}")


def _png(size: int = 40) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((np.indices((size, size)).sum(0) * 3 % 256).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _uploads(url: str) -> list[str]:
    """A CSV and an image, uploaded through the proxy: the inputs the page then pools."""
    csv = await Session.open(url, "input=csv")
    await csv.upload("csv_file", "grid.csv", b"1,2,3\n4,5,6\n7,8,9\n", "text/csv")
    image = await Session.open(url, "input=image")
    await image.upload("image_file", "picture.png", _png(), "image/png")
    summaries = [next(text for text in session.texts if "nn.AvgPool2d(" in text) for session in (csv, image)]
    for session in (csv, image):
        await session.close()
    return summaries


def test_a_class_and_uploads_through_nginx_and_two_replicas(school):
    proxy, replicas = school
    replicas = [url for url, _ in replicas]
    errors: list[str] = []
    answered_by: list[str] = []

    async def lesson() -> list[str]:
        await asyncio.gather(*(_student(proxy, number, errors, answered_by) for number in range(20)))
        return await _uploads(proxy)

    csv_summary, image_summary = _run(lesson())
    assert errors == []
    # The route cookie spreads the class over both replicas.
    assert sorted(set(answered_by)) == sorted(url.removeprefix("http://") for url in replicas)
    assert min(answered_by.count(url.removeprefix("http://")) for url in replicas) >= 3
    # The uploads reached the replica holding their session, XSRF check passed, and were pooled.
    assert "on a 3×3 input" in csv_summary
    assert "on a 40×40 input" in image_summary


def test_the_proxy_hides_what_students_never_need(school):
    """Streamlit's metrics are served by each replica, not through the school's proxy; the
    deployment's own configuration names no replica address in its responses."""
    import requests

    proxy, replicas = school
    assert requests.get(f"{proxy}/_stcore/metrics", timeout=30).status_code == 404
    assert requests.get(f"{replicas[0][0]}/_stcore/metrics", timeout=30).status_code == 200
    assert requests.get(f"{proxy}/_stcore/health", timeout=30).text == "ok"
    assert "X-Avgpool-Replica" not in (REPO / "deploy" / "nginx.conf").read_text()
    assert int(re.search(r"client_max_body_size (\d+)m", (REPO / "deploy" / "nginx.conf").read_text())[1]) <= 11


def test_a_tab_in_chromium_through_nginx(school, page):
    proxy, _ = school
    page.goto(f"{proxy}/?kernel_h=3&stride_h=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert grid_cell_texts(page, 3)[12] == "1"  # the websocket works through the proxy
    page.locator(".st-key-kernel_h input[type='range']").focus()
    page.keyboard.press("ArrowLeft")  # kernel 2
    wait_for_app(page)
    assert page.locator(GRID).count() == 4
    assert len(grid_cell_texts(page, 1)) == 16  # y: 4×4 with kernel 2, stride 1
    assert "kernel_h" not in page.url  # kernel 2 is the default: it leaves the link


def test_a_replica_lost_mid_lesson(school, page, record_property, tmp_path):
    """Kill one of two replicas while 20 students and four Chromium tabs work: those it held
    come back through nginx to the other, with the same view from their URL, within seconds;
    the students on the survivor notice nothing. The tabs that had uploaded files to it show
    the same grid (a CSV small enough for the link) or say what happened and what to do (a
    picture, a CSV too large for a link), never a silent sample or a bare "Upload a CSV
    file". (Last in this module: the replica stays dead.)"""
    proxy, replicas = school
    response = page.goto(f"{proxy}/?kernel_h=3&stride_h=1&height=5&width=5&input=ones")
    wait_for_app(page, fresh=True)
    lost = response.headers["x-avgpool-replica"]  # the tab's replica: the one to lose
    uploads = [_upload_in_a_new_tab(page, proxy, lost, tmp_path / name, source) for source, name in UPLOADS]
    try:
        csv_grid = grid_cell_texts(uploads[0], 0)
        process = next(process for url, process in replicas if url == f"http://{lost}")
        report = _run(_students_across_a_failover(proxy, lost, process))
        # The tab: Streamlit's frontend reconnects by itself (and reruns); its next change is
        # answered. A key pressed before it has reconnected goes to a disabled slider and is
        # lost (a CI run pressed it while the frontend was still between retries).
        page.wait_for_function(REQUESTED, timeout=PATIENCE_MS)  # the rerun it asks for, reconnected
        wait_for_app(page)
        page.locator(".st-key-kernel_h input[type='range']").focus()
        page.keyboard.press("ArrowLeft")  # kernel 2 on 5×5, stride 1: y is 4×4
        page.wait_for_function(
            "() => JSON.parse(document.querySelectorAll('[data-testid=stBidiComponentIsolated]')[0]"
            ".shadowRoot.querySelectorAll('canvas')[1].dataset.printed || '[]').length === 16",
            timeout=PATIENCE_MS,
        )
        report["tab_back_s"] = round(time.perf_counter() - report.pop("killed_at"), 1)
        wait_for_app(page)
        assert grid_cell_texts(page, 3)[12] == "1"
        assert "kernel_h" not in page.url
        record_property("failover", report)
        print(f"\nfailover: {report}")
        assert report["wrong_views"] == 0, report
        assert report["failed_on_survivor"] == 0, report
        assert report["moved"] >= 3, report  # the lost replica held part of the class
        # How fast they came back is a figure (recovery_max_s, printed and recorded), not a
        # threshold: on a loaded machine it is slower, and that is not a failure.
        # The uploads the lost replica held.
        _the_csv_comes_back_from_its_link(uploads[0], csv_grid)
        for tab, (source, name) in zip(uploads[1:], UPLOADS[1:]):
            _the_lost_upload_is_said_and_works_when_uploaded_again(tab, source, tmp_path / name)
    finally:
        for tab in uploads:
            tab.close()


def _numbers_csv(size: int) -> bytes:
    values = np.random.default_rng(size).standard_normal((size, size))
    return "\n".join(",".join(repr(float(value)) for value in row) for row in values).encode()


# What each tab uploads (the input, the file) before its replica is lost, and then again.
UPLOADS = [("csv", "grid.csv"), ("csv", "big.csv"), ("image", "picture.png")]
FILES = {  # name: (content, the input's size on the page)
    "grid.csv": (b"1/3,2,3\n4,0.1,6\n7,8,-9.5\n", "3×3"),  # a fraction, a decimal: the link keeps them exact
    "big.csv": (_numbers_csv(64), "64×64"),  # 64×64 numbers of 17 digits: too large for a link (README)
    "picture.png": (_png(), "40×40"),  # a picture is never in a link
    "again_big.csv": (_numbers_csv(63), "63×63"),
    "again_picture.png": (_png(41), "41×41"),
}


def _upload_in_a_new_tab(page, proxy: str, lost: str, path, source: str):
    """A second tab of the same browser (the same route cookie, so the same replica as
    ``page``) that uploads a file into the ``source`` input, as a student does."""
    path.write_bytes(FILES[path.name][0])
    tab = page.context.new_page()
    response = tab.goto(f"{proxy}/?input={source}&kernel_h=3&stride_h=1")
    wait_for_app(tab, fresh=True)
    assert response.headers["x-avgpool-replica"] == lost
    tab.locator(f'.st-key-{source}_file input[type="file"]').set_input_files(str(path))
    wait_for_app(tab)
    assert f"on a {FILES[path.name][1]} input" in tab.locator('[data-testid="stMain"]').inner_text()
    return tab


def _after_reconnecting(tab, expected: str) -> list[str]:
    """Wait until the tab's frontend has reconnected (to the survivor) and rerun, and for an
    alert holding ``expected`` (not waited for long: the test says what was shown instead);
    the alerts shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tab.wait_for_function(REQUESTED, timeout=PATIENCE_MS)  # the rerun it asks for, reconnected
    wait_for_app(tab)
    with contextlib.suppress(PlaywrightTimeout):
        wait_for_alert(tab, expected, timeout=5_000)
    assert tab.locator('[data-testid="stException"]').count() == 0
    return tab.locator('[data-testid="stAlert"]').all_inner_texts()


def _the_csv_comes_back_from_its_link(tab, grid: list[str]) -> None:
    """The CSV's grid travels in the tab's link (x=), so the survivor draws the same x, and
    says why the uploader lists a file it never received."""
    alerts = _after_reconnecting(tab, "came back from the link")
    assert not any("Upload a CSV file" in alert for alert in alerts), alerts
    assert any("restarted" in alert and "came back from the link" in alert for alert in alerts), alerts
    assert grid_cell_texts(tab, 0) == grid


def _the_lost_upload_is_said_and_works_when_uploaded_again(tab, source: str, path) -> None:
    """An upload no link can carry: the survivor says what happened and what to do, draws
    nothing in its place (no sample picture), and a file uploaded again is used."""
    alerts = _after_reconnecting(tab, "upload it again")
    assert any("restarted" in alert and "upload it again" in alert for alert in alerts), alerts
    assert not any("Upload a CSV file" in alert for alert in alerts), alerts
    assert tab.locator(GRID).count() == 0
    assert "built-in sample" not in tab.locator('[data-testid="stMain"]').inner_text()
    # As a student does: the uploader's "Add files", then a file in the dialog. Not the very
    # same file: its grids, sent again right after a reconnect, trip Streamlit's message
    # cache in about one run in three (the frontend drops a cached message it has just told
    # the server it holds: "Cached ForwardMsg MISS"; not with global.maxCachedMessageAge 10).
    again = path.with_name(f"again_{path.name}")
    again.write_bytes(FILES[again.name][0])
    with tab.expect_file_chooser() as chooser:
        tab.locator(f".st-key-{source}_file").get_by_role("button", name="Add files").click()
    chooser.value.set_files(str(again))
    tab.wait_for_selector(GRID, timeout=30_000)
    wait_for_app(tab)
    assert f"on a {FILES[again.name][1]} input" in tab.locator('[data-testid="stMain"]').inner_text()
    assert not any("upload it again" in alert for alert in tab.locator('[data-testid="stAlert"]').all_inner_texts())


async def _students_across_a_failover(proxy: str, lost: str, process) -> dict:
    """20 students open the Playground; the ``lost`` replica is killed; each then changes the
    kernel. Those on the survivor must just be answered; those on the lost replica reopen
    their URL through nginx (same cookies) and must see the view they had."""
    students = [await Session.open(proxy, f"kernel_h={2 + n % 3}&height=6&width=6") for n in range(20)]
    views = [list(session.texts) for session in students]
    process.kill()
    process.wait()
    report = {"killed_at": time.perf_counter(), "moved": 0, "failed_on_survivor": 0, "wrong_views": 0}
    report["recovery_max_s"] = 0.0
    for session, view in zip(students, views):
        try:
            await session.slide("kernel_h", _kernel_shown(session))
            report["wrong_views"] += session.replica == lost  # a dead replica cannot have answered
            await session.close()
        except Exception:
            if session.replica != lost:
                report["failed_on_survivor"] += 1
                continue
            start = time.perf_counter()
            back = await Session.open(proxy, session.query, session.http)
            report["recovery_max_s"] = max(report["recovery_max_s"], round(time.perf_counter() - start, 2))
            report["moved"] += 1
            report["wrong_views"] += back.replica == lost or back.texts != view
            await back.close()
    return report
