"""What one hostile input costs the server: peak memory and CPU seconds, against the limits
README states ("Limits"), with a legitimate input of the same kind as the baseline.

    python benchmarks/bench_hostile.py

Each row runs in a fresh Python process that has imported the app's readers, so its peak
memory is the input's own: the growth of the process's high-water mark (``VmHWM``, which
starts afresh at ``exec``; ``ru_maxrss`` would start at the parent's size) from just before
the reader is called to its end. The inputs are made here (nothing is downloaded): the largest picture that is
read (a 16-megapixel progressive JPEG, whose decoder keeps every coefficient), a crafted
header claiming 13000 x 13000, oversized CSV files, a compressed link grid that would
inflate to gigabytes, a data-editor edit adding 5,000 rows, component state nested
100,000 deep, and deck files and links (the costliest deck read, too many typed cells,
nesting, a compressed link inflating past a deck file's bound).
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import tempfile
import textwrap
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the deck rows are made by the app's own writer
LIMIT_MB, LIMIT_CPU = 100, 1.0  # README, "Limits": what one input may cost at most

READERS = {
    "image": "from scenario.inputs import parse_image as read",
    "csv": "from scenario.inputs import parse_csv as read",
    "link": "from scenario.typed_grid import decode_grid\nread = lambda text: decode_grid(text.decode(), 'x')",
    "edit": (
        "import json\nfrom scenario.typed_grid import check_edits\n"
        "read = lambda data: check_edits(json.loads(data), 64, 64)[1] is None"
    ),
    "component": (
        "from streamlit.components.v2.bidi_component.serialization import BidiComponentSerde\n"
        "from ui import hardening\nhardening.install()\n"
        "read = lambda data: bool(BidiComponentSerde().deserialize(data.decode()))"
    ),
    "deck": "from classroom.deck import deck_from_json as read",
    "deck link": "from classroom.deck import deck_from_link\nread = lambda data: deck_from_link(data.decode())",
}


def _jpeg(width: int, height: int, progressive: bool = True) -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90, progressive=progressive)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    """A smooth RGBA picture: small as a file, every pixel decoded (PNG has no reduced decode)."""
    buffer = io.BytesIO()
    ramp = (np.add.outer(np.arange(height), np.arange(width)) % 256).astype(np.uint8)
    Image.fromarray(np.dstack([ramp, ramp, ramp, np.full_like(ramp, 255)]), "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()


def _claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header claims another size."""
    at = jpeg.find(b"\xff\xc2")
    return jpeg[: at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[at + 9 :]


def inputs() -> list[tuple[str, str, str, bytes]]:
    """(name, kind, what happens, the bytes) for every row, baselines first in their kind."""
    small_grid = "\n".join(",".join(["0.25"] * 4) for _ in range(4)).encode()
    full_grid = "\n".join(",".join(["-1.2345678901234567e-10"] * 64) for _ in range(64)).encode()
    bomb = "z" + base64.urlsafe_b64encode(zlib.compress(b"1," * 50_000_000, 9)).decode().rstrip("=")
    return [
        ("baseline: a 128 x 128 JPEG", "image", "read", _jpeg(128, 128)),
        ("16-megapixel progressive JPEG (the largest read)", "image", "read", _jpeg(4000, 4000)),
        ("16-megapixel RGBA PNG (a smooth picture)", "image", "read", _png(4000, 4000)),
        ("JPEG header claiming 13000 x 13000", "image", "refused", _claiming(_jpeg(64, 64), 13000, 13000)),
        ("baseline: a 4 x 4 CSV", "csv", "read", small_grid),
        ("64 x 64 CSV of 23-character numbers", "csv", "read", full_grid),
        ("10 MB CSV (the upload cap)", "csv", "refused", b"1," * 5_000_000),
        ("baseline: a 4 x 4 link grid", "link", "read", b"0,1,2,3;4,5,6,7;8,9,10,11;12,13,14,15"),
        ("link grid inflating to 100 MB", "link", "refused", bomb.encode()),
        ("baseline: one edited cell", "edit", "read", json.dumps({"edited_rows": {"0": {"0": "1"}}}).encode()),
        (
            "edit adding 5,000 rows",
            "edit",
            "refused",
            json.dumps({"edited_rows": {}, "added_rows": [{"0": "1"}] * 5000}).encode(),
        ),
        ("baseline: one click", "component", "read", b'{"select": {"kind": "input", "row": 0, "col": 0}}'),
        ("click nested 100,000 deep", "component", "refused", b'{"select": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        *_decks(),
    ]


def _decks() -> list[tuple[str, str, str, bytes]]:
    """Deck files and links (classroom/deck.py): the built-in classic deck, the costliest deck
    read (every typed cell allowed, 28 more steps of 64 x 64 computed), and the refused."""
    from classroom.deck import MAX_STEPS, deck_link, deck_to_json
    from classroom.deck_library import BUILT_IN

    def deck(*steps: dict) -> bytes:
        return json.dumps({"format": "avgpool-deck", "version": 1, "title": "T", "steps": list(steps)}).encode()

    grid = ";".join(",".join(["0.1234"] * 64) for _ in range(64))
    typed = {"controls": {"input": "custom", "height": 64, "width": 64, "kernel_h": 1, "loss": "custom"}}
    typed["typed"] = {"x": grid, "grad": grid}
    computed = {"controls": {"kernel_h": 3, "stride_h": 1, "height": 64, "width": 64, "input": "random"}}
    ones = {**typed, "typed": {name: ";".join([",".join("1" * 64)] * 64) for name in ("x", "grad")}}
    costliest = deck(typed, typed, *[computed] * (MAX_STEPS - 2))
    link = deck_link(BUILT_IN["classic"]).split("=")[1].encode()
    bomb = base64.urlsafe_b64encode(zlib.compress(b" " * 4_000_000, 9)).decode().rstrip("=").encode()
    return [
        ("baseline: the classic deck's file", "deck", "read", deck_to_json(BUILT_IN["classic"]).encode()),
        ("the costliest deck read (30 steps of 64 x 64)", "deck", "read", costliest),
        ("29 steps of typed 64 x 64 grids", "deck", "refused", deck(*[ones] * 29)),
        ("a deck nested 200,000 deep", "deck", "refused", b"[" * 200_000),
        ("baseline: the classic deck's link", "deck link", "read", link),
        ("a deck link inflating to 4 MB (a short link)", "deck link", "refused", bomb),
    ]


def measure(kind: str, data: bytes, folder: Path) -> tuple[float, float, str]:
    """(peak memory growth in MB, CPU seconds, how it ended) of reading ``data`` in a fresh process."""
    path = folder / "input.bin"
    path.write_bytes(data)
    script = (
        textwrap.dedent(
            f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        def peak_kb():
            status = open("/proc/self/status").read()
            return int(status.split("VmHWM:")[1].split()[0])
        """
        )
        + READERS[kind]
        + textwrap.dedent(
            f"""
        data = open({str(path)!r}, "rb").read()
        before = peak_kb()
        start = time.process_time()
        try:
            ended = "read" if read(data) is not False else "refused: the reader said no"
        except Exception as error:
            ended = "refused: " + type(error).__name__
        cpu = time.process_time() - start
        grown = (peak_kb() - before) / 1024
        print(grown, cpu, ended)
        """
        )
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    grown, cpu, ended = run.stdout.split(maxsplit=2)
    return float(grown), float(cpu), ended.strip()


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, kind, expected, data in inputs():
            grown, cpu, ended = measure(kind, data, Path(folder))
            within = grown <= LIMIT_MB and cpu <= LIMIT_CPU and ended.split(":")[0] == expected
            rows.append(
                (name, f"{len(data) / 1e6:.2f}", f"{grown:.0f}", f"{cpu:.2f}", ended, "yes" if within else "NO")
            )
    header = ("input", "bytes (MB)", "peak memory (MB)", "CPU (s)", "ended", f"within {LIMIT_MB} MB, {LIMIT_CPU:g} s")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("| " + " | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) + " |")
    if any(row[-1] == "NO" for row in rows):
        raise SystemExit("an input costs more than README's limits")


if __name__ == "__main__":
    main()
