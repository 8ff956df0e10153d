"""Bad input that the other test files do not already cover (README lists every case)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from fractions import Fraction

import pytest

from harness.browser import REPO
from scenario.inputs import IMAGE_MAX_CELLS, InputError, parse_csv, parse_image
from scenario.numbers import NumberError, parse_number
from tests.conftest import alerts, open_app, shown


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("nan", "x[2, 1]: “nan” is not a number; type e.g. 0.25, -1.5, 1e-3 or 1/9"),
        ("-inf", "x[2, 1]: “-inf” is not a number"),
        ("abc", "x[2, 1]: “abc” is not a number"),
        ("1,5", "x[2, 1]: “1,5” has a comma; write decimals with a dot, e.g. 1.5"),
        ("1/0", "x[2, 1]: “1/0” divides by zero"),
        ("1e400", "x[2, 1]: “1e400” is too large; use numbers up to 1e100 in size"),
        ("1e-400", "x[2, 1]: “1e-400” is too small to tell from 0; type 0 if you mean zero"),
        ("", "x[2, 1] is empty: type a number in it"),
    ],
)
def test_bad_numbers_typed_into_the_grid_are_explained(typed, message):
    at = open_app({"input": "custom"})
    at.session_state["typed_x_4x4_0"] = {"edited_rows": {2: {"1": typed}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert message in shown(at.error[0].value)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ({"input": "ränd😀m"}, "input=ränd😀m"),
        ({"loss": "\u202esum"}, "loss=\\u202esum"),  # a right-to-left override is written out, not applied
        ({"kernel_h": "3\x00"}, "kernel_h=3\\u0000"),
    ],
)
def test_unicode_junk_in_the_url_is_reported_safely(query, text):
    at = open_app(query)
    assert any(text in message for message in alerts(at)), alerts(at)
    assert at.slider(key="kernel_h").value == 2


def test_the_largest_image_read_decodes_within_bounded_memory(tmp_path):
    """A progressive JPEG of the largest size read (16 megapixels): decoding keeps every
    coefficient of a progressive JPEG, so this is the costliest upload there is. A fresh
    process, which never saw it decoded, reads it and reports its peak memory growth."""
    from PIL import Image

    path = tmp_path / "largest.jpg"
    Image.new("RGB", (4000, 4000), (200, 120, 40)).save(path, format="JPEG", quality=90, progressive=True)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from scenario.inputs import parse_image
        def peak_kb():  # VmHWM starts afresh at exec; ru_maxrss would start at pytest's size
            return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
        data = open({str(path)!r}, "rb").read()
        before = peak_kb()
        image = parse_image(data)
        after = peak_kb()
        print(image.shape, (after - before) // 1024)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    shape_text, grown_mb = run.stdout.strip().rsplit(" ", 1)
    assert shape_text == f"({IMAGE_MAX_CELLS}, {IMAGE_MAX_CELLS})"
    assert int(grown_mb) < 100  # README: one upload costs at most ~100 MB while it decodes


def _with_header_size(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0 or SOF2) claims another size: what a crafted
    upload does to look small on disk and huge in memory."""
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = jpeg.find(marker)
        if at >= 0:
            return jpeg[: at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[at + 9 :]
    raise AssertionError("no frame header")


@pytest.mark.parametrize(("width", "height"), [(13000, 13000), (9000, 10), (4001, 4000)])
def test_an_image_too_large_is_refused_by_its_header_before_decoding(width, height):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16), 128).save(buffer, format="JPEG", progressive=True)
    with pytest.raises(InputError) as error:
        parse_image(_with_header_size(buffer.getvalue(), width, height))
    assert error.value.key == "image_pixels"
    assert f"{width} x {height} pixels" in str(error.value)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"1," * 150_000, "csv_bytes"),
        (b"1\n" * 65, "csv_large"),
        (b",".join([b"1"] * 65), "csv_large"),
        (b"1e308,2", "csv_large_value"),
        (b"1_000,2", "csv_not_number"),
        (b"nan,2", "csv_not_number"),
        (b'"1,5",2', "csv_not_number"),
        (b"1,,2", "csv_empty_cell"),
    ],
)
def test_a_csv_is_read_by_the_one_number_reader_with_its_limits(data, key):
    with pytest.raises(InputError) as error:
        parse_csv(data)
    assert error.value.key == key


@pytest.mark.parametrize(("rows", "cols"), [(70, 70), (70, 3), (3, 70), (65, 64)])
def test_a_csv_too_large_says_its_rows_its_columns_and_the_limit(rows, cols):
    with pytest.raises(InputError) as error:
        parse_csv("\n".join([",".join(["1"] * cols)] * rows).encode())
    assert str(error.value) == (
        f"the CSV has {rows} rows and {cols} columns; an input has at most 64 rows and 64 columns:"
        " use fewer rows or columns"
    )


def test_standard_csv_quoting_and_fractions_are_read():
    assert parse_csv(b'"1.5","2"\r\n"-3", 1/4\r\n').tolist() == [[1.5, 2.0], [-3.0, 0.25]]


# ---------------------------------------------------------------------------------------
# Vulgar fractions and the fraction slash, read by the one reader (every page that reads
# numbers): the truth is Python's Fraction of the character's own numerator and denominator.

VULGAR = {"¼": (1, 4), "½": (1, 2), "¾": (3, 4), "⅐": (1, 7), "⅑": (1, 9), "⅒": (1, 10), "⅓": (1, 3)}
VULGAR |= {"⅔": (2, 3), "⅕": (1, 5), "⅖": (2, 5), "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6)}
VULGAR |= {"⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8), "⅞": (7, 8)}


@pytest.mark.parametrize(("character", "fraction"), VULGAR.items())
def test_every_vulgar_fraction_is_read_alone_signed_and_after_a_whole_number(character, fraction):
    value = Fraction(*fraction)
    assert parse_number(character) == float(value)
    assert parse_number(f" −{character} ") == -float(value)
    assert parse_number(f"2{character}") == float(2 + value)
    assert parse_number(f"-１２ {character}") == -float(12 + value)
    assert parse_number(f"{fraction[0]}\u2044{fraction[1]}") == float(value)  # the fraction slash


@pytest.mark.parametrize("typed", ["½½", "1.5½", "½2", "1/½", "¼e3", "½-", "x½"])
def test_a_vulgar_fraction_in_anything_else_is_refused_as_typed(typed):
    with pytest.raises(NumberError) as error:
        parse_number(typed)
    assert (error.value.key, error.value.typed) == ("text", typed)  # echoed as typed, not as 1⁄2


def test_a_vulgar_fraction_is_read_in_a_typed_grid_a_csv_and_a_link():
    at = open_app({"input": "custom"})
    at.session_state["typed_x_4x4_0"] = {"edited_rows": {2: {"1": "¼"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    assert at.query_params["x"] == "0,1,2,3;4,5,6,7;8,1/4,10,11;12,13,14,15"  # a link stays ASCII
    assert parse_csv("1½,⅓\n2,3⁄4\n".encode()).tolist() == [[1.5, 1 / 3], [2.0, 0.75]]


# ---------------------------------------------------------------------------------------
# Markdown injection: text from a browser is quoted back inert (i18n.user_text), wherever it
# reaches a message. Chromium checks what a reader gets (tests/test_browser.py).

LINK = "[Log in](//e.vil)"
IMAGE = "![](//127.1:9/a)"


def _markdown_bodies(at) -> list[str]:
    return [
        item.value
        for kind in ("error", "warning", "info", "success", "markdown", "caption")
        for item in getattr(at, kind)
    ]


def _assert_inert(at, payload: str) -> None:
    assert not at.exception
    assert any(payload in message for message in alerts(at)), alerts(at)  # quoted back as typed
    assert not any(payload in body or "](//" in body for body in _markdown_bodies(at))  # never as Markdown


@pytest.mark.parametrize("payload", [LINK, IMAGE, f"x` {LINK} `"])
@pytest.mark.parametrize("where", ["lang", "kernel_h", "unknown key", "x link"])
def test_text_from_a_link_never_becomes_markdown(where, payload):
    query = {
        "lang": {"lang": payload},
        "kernel_h": {"kernel_h": payload},
        "unknown key": {payload: "1"},
        "x link": {"input": "custom", "x": f"1,{payload}"},
    }[where]
    at = open_app(query)
    shown_payload = payload[:24] if where != "x link" else payload  # URL values are cut to 24 characters
    _assert_inert(at, shown_payload)


def test_text_typed_or_uploaded_never_becomes_markdown():
    at = open_app({"input": "custom"})
    at.session_state["typed_x_4x4_0"] = {"edited_rows": {0: {"0": LINK}}, "added_rows": [], "deleted_rows": []}
    at.run()
    _assert_inert(at, LINK)
    at = open_app({"input": "csv"})
    at.file_uploader(key="csv_file").set_value(("grid.csv", f"1,{IMAGE}\n".encode(), "text/csv")).run()
    _assert_inert(at, IMAGE[:20])
    at = open_app(None, "pages/quiz.py")
    at.text_input(key="quiz_answer").input(LINK)
    next(b for b in at.button if b.label == "Check").click().run()
    _assert_inert(at, LINK)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ({"kernel_h": "1.5"}, "URL parameter “kernel_h=1.5” was not used as given"),  # Streamlit reads 1
        ({"present": "2"}, "URL parameter “present=2” was not used as given: present is `1`"),
        ({"present": "yes"}, "URL parameter “present=yes” was not used as given"),
    ],
)
def test_url_messages_say_what_happened(query, text):
    at = open_app(query)
    assert any(text in message for message in alerts(at)), alerts(at)


def test_a_good_present_value_says_nothing():
    at = open_app({"present": "1"})
    assert not at.warning


def test_an_explain_link_in_capitals_explains_without_a_warning():
    at = open_app({"explain": "X-1-1"})
    assert not at.warning
    assert any("∂L/∂x[1, 1] = " in message for message in alerts(at)), alerts(at)


def test_huge_values_match_torch_without_a_false_alarm():
    """Values near the number limit (1e100): torch and our core add them in another order,
    ~1e84 apart in absolute terms, 1e-16 relative. The badge judges relative to the numbers."""
    import numpy as np

    values = np.random.default_rng(1).uniform(1e99, 9e99, (8, 8))
    csv = "\n".join(",".join(repr(float(v)) for v in row) for row in values).encode()
    at = open_app({"input": "csv", "kernel_h": "3", "stride_h": "1", "loss": "square"})
    at.file_uploader(key="csv_file").set_value(("big.csv", csv, "text/csv")).run()
    assert not at.error, [e.value for e in at.error]
    assert any(s.value.startswith("**Matches torch.**") for s in at.success)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_class_code_placeholder_cannot_be_taken_for_a_code(lang):
    """A placeholder that looks like a code (HQCMT) gets typed, or read as the answer."""
    import re

    from classroom.model import CODE_ALPHABET, normalized_code

    at = open_app({"lang": lang})
    placeholder = at.text_input(key="class_code_sidebar").placeholder
    assert "5" in placeholder and ("ABCDE" in placeholder or lang == "zh")  # the format (an example in English)
    assert normalized_code(placeholder) is None
    assert not any(normalized_code(run) for run in re.findall(r"[A-Z]{5}", placeholder))  # B is never in a code
    assert "B" not in CODE_ALPHABET
