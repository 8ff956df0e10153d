"""Bad input that the other test files do not already cover (README lists every case)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from harness.browser import REPO
from scenario.inputs import IMAGE_MAX_CELLS
from tests.conftest import open_app


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("nan", "x[2, 1]: “nan” is not a number; type e.g. 0.25, -1.5, 1e-3 or 1/9"),
        ("-inf", "x[2, 1]: “-inf” is not a number"),
        ("abc", "x[2, 1]: “abc” is not a number"),
        ("1,5", "x[2, 1]: “1,5” has a comma; write decimals with a dot, e.g. 1.5"),
        ("1/0", "x[2, 1]: “1/0” divides by zero"),
        ("1e400", "x[2, 1]: “1e400” is too large; use numbers up to 1e100 in size"),
        ("", "x[2, 1] is empty: type a number in it"),
    ],
)
def test_bad_numbers_typed_into_the_grid_are_explained(typed, message):
    at = open_app({"input": "custom"})
    at.session_state["typed_x_4x4_0"] = {"edited_rows": {2: {"1": typed}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert message in at.error[0].value


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"input": "ränd😀m"}, "input=ränd😀m"),
        ({"loss": "\u202esum"}, "loss=\\u202esum"),  # a right-to-left override is written out, not applied
        ({"kernel_h": "3\x00"}, "kernel_h=3\\u0000"),
    ],
)
def test_unicode_junk_in_the_url_is_reported_safely(query, shown):
    at = open_app(query)
    assert any(shown in warning.value for warning in at.warning), [w.value for w in at.warning]
    assert at.slider(key="kernel_h").value == 2


def test_a_huge_jpeg_is_decoded_small_and_never_at_full_size(tmp_path):
    """10000 x 10000 pixels: JPEG decoding scales down while decoding (PIL's draft mode), so
    the process never holds the 100 MB full-size image. The JPEG is written here; a fresh
    process, which never saw it decoded, reads it and reports its peak memory growth."""
    from PIL import Image

    path = tmp_path / "huge.jpg"
    Image.new("L", (10000, 10000), 128).save(path, format="JPEG", quality=50)
    script = textwrap.dedent(
        f"""
        import resource, sys
        sys.path.insert(0, {str(REPO)!r})
        from scenario.inputs import parse_image
        data = open({str(path)!r}, "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        image = parse_image(data)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(image.shape, (after - before) // 1024)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    shape_text, grown_mb = run.stdout.strip().rsplit(" ", 1)
    assert shape_text == f"({IMAGE_MAX_CELLS}, {IMAGE_MAX_CELLS})"
    assert int(grown_mb) < 50  # far below one full-size copy (100 MB)
