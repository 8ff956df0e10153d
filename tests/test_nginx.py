"""``deploy/nginx.conf`` never cuts a response short, whatever the checkout's permissions.

nginx's workers run as ``nobody`` when its master runs as root. A response larger than
nginx's memory buffers, to a client slower than the replica, would spill to the temp path
under nginx's prefix; a worker that cannot open it (a checkout under a private home: here the
prefix sits in a folder only root may enter) logs it and cuts the response after ~3.9 MB.
Run as another user, the worker shares that user's rights and the test cannot fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit

from harness.server import nginx_proxy, streamlit_process

pytestmark = pytest.mark.browser
# Streamlit's own plotly bundle (~4.7 MB, its name carries a hash): the reveal's chart needs it.
PLOTLY_BUNDLE = next((Path(streamlit.__file__).parent / "static").glob("static/js/PlotlyChart.*.js"))


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """(the replica's URL, nginx's URL in front of it, nginx's folder), the folder private."""
    if shutil.which("nginx") is None:
        message = "Debian's nginx is not installed (apt-get install nginx)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: in CI the nginx tests must run")
        pytest.skip(message)
    private = tmp_path_factory.mktemp("private-checkout")
    private.chmod(0o700)  # only its owner may enter: not nginx's `nobody` worker
    with streamlit_process() as (url, _), nginx_proxy([url], private / "nginx") as proxy:
        yield url, proxy, private / "nginx"


def _through_slow_client(proxy: str, path: str, meanwhile: Callable[[], bytes]) -> tuple[bytes, bytes]:
    """GET ``path`` through nginx as a slow client does: a small receive window, and nothing
    read until ``meanwhile`` (another download) is done, so nginx holds what the replica sends.
    Returns (the body through nginx, what ``meanwhile`` returned)."""
    host, port = proxy.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.sendall(f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        other = meanwhile()
        chunks = []
        while chunk := sock.recv(1 << 20):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    return body, other


def test_a_large_file_reaches_a_slow_client_whole_through_nginx(proxied):
    url, proxy, folder = proxied
    path = PLOTLY_BUNDLE.relative_to(PLOTLY_BUNDLE.parents[2]).as_posix()  # static/js/PlotlyChart.*.js

    def direct() -> bytes:
        with urllib.request.urlopen(f"{url}/{path}") as response:
            return response.read()

    through_nginx, straight = _through_slow_client(proxy, path, direct)
    assert len(straight) == PLOTLY_BUNDLE.stat().st_size > 4_000_000
    errors = [line for line in (folder / "error.log").read_text().splitlines() if "[crit]" in line]
    assert (len(through_nginx), through_nginx == straight) == (len(straight), True), errors
    assert not errors


def test_a_large_request_body_is_streamed_not_written_to_a_temp_file(proxied):
    """A request body larger than nginx's buffer (16 kB) went to its client-body temp path, which
    the worker cannot open here: nginx answered 500 and logged it. Streamed, the replica answers."""
    _, proxy, folder = proxied
    request = urllib.request.Request(f"{proxy}/_stcore/health", data=bytes(1_000_000), method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code != 500  # Streamlit's own answer to a POST on its health check
    assert not [line for line in (folder / "error.log").read_text().splitlines() if "[crit]" in line]
