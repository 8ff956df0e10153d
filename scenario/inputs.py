"""The input x: generated grids, and parsers for uploaded CSV files and images.

Parsers raise ``InputError`` with a message for the learner (what is wrong, where, and how to
fix it); the page shows it with ``st.error`` and keeps working.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from i18n import text, user_text
from scenario.numbers import NumberError, data_text, exact_text, parse_number

__all__ = [
    "CLASSIC_X",
    "CSV_MAX_BYTES",
    "GENERATED_SOURCES",
    "IMAGE_MAX_CELLS",
    "IMAGE_MAX_PIXELS",
    "IMAGE_MAX_SIDE",
    "INPUT_SOURCES",
    "MAX_GRID",
    "InputError",
    "cell_text",
    "generated_input",
    "number_error",
    "parse_csv",
    "parse_image",
    "sample_image",
]

INPUT_SOURCES = ("random", "arange", "ones", "checkerboard", "ramp", "classic", "custom", "csv", "image")
GENERATED_SOURCES = ("random", "arange", "ones", "checkerboard", "ramp")
MAX_GRID = 64  # largest H or W of a generated, typed or CSV input
CSV_MAX_BYTES = 200_000  # a 64 x 64 grid of 40-character numbers fits; a larger file is refused unread
IMAGE_MAX_CELLS = 128  # images are downscaled to at most 128 x 128 cells
IMAGE_MAX_SIDE = 8192  # pixels a side, read from the header before decoding
IMAGE_MAX_PIXELS = 16_000_000  # a 12-megapixel phone photo fits; decoding costs ~1-3 bytes a pixel

# The classic example's x: torch.manual_seed(0); torch.randn(1, 1, 4, 4) (float32 values),
# the same x as the classic example page at its first seed (a test checks it against torch).
CLASSIC_X = np.array(
    [
        [-1.1258398294448853, -1.152360200881958, -0.2505785822868347, -0.4338788092136383],
        [0.8487103581428528, 0.6920091509819031, -0.31601276993751526, -2.1152193546295166],
        [0.32227492332458496, -1.2633347511291504, 0.34998318552970886, 0.30813392996788025],
        [0.11984150856733322, 1.237657904624939, 1.1167771816253662, -0.2472781538963318],
    ]
)


class InputError(ValueError):
    """An input the app cannot use, explained for the learner: what is wrong, where, and how
    to fix it. The message is the catalogue's ``error.input.<key>``, so it can be translated.

    >>> str(InputError("csv_empty"))
    'the CSV file is empty: it needs at least one row of numbers'
    """

    domain = "input"

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(text("en", f"error.input.{key}", **params))


def cell_text(value: float) -> str:
    """A number as a grid cell starts out, written exactly (``3``, ``0.25``, ``-1.37``), an
    exponent as the app writes one (``6.659e-5``, not Python's ``6.659e-05``).

    >>> cell_text(3.0), cell_text(0.1), cell_text(-1.37), cell_text(6.659e-05), cell_text(2e100)
    ('3', '0.1', '-1.37', '6.659e-5', '2e100')
    """
    mantissa, exponent, power = data_text(value).partition("e")
    return f"{mantissa}e{int(power)}" if exponent else mantissa


def number_error(error: NumberError, where: str) -> InputError:
    """A typed number's problem, said for the learner with where it was typed."""
    suggestion = error.typed.replace(",", ".") if error.key == "comma" else ""
    return InputError(
        f"number_{error.key}", where=where, typed=user_text(error.typed), suggestion=user_text(suggestion)
    )


# How each generated source is written in torch: the same numbers as ``generated_input``
# (the export script uses these; tests run the script and compare).
TORCH_CODE = {
    "random": "torch.tensor(np.random.default_rng({seed}).standard_normal(({h}, {w})).round(2))",
    "arange": "torch.arange({h} * {w}, dtype=torch.float64).reshape({h}, {w})",
    "ones": "torch.ones({h}, {w}, dtype=torch.float64)",
    "checkerboard": "((torch.arange({h})[:, None] + torch.arange({w})[None, :]) % 2).double()",
    "ramp": "(torch.arange({h})[:, None] + torch.arange({w})[None, :]).double()",
}


def generated_input(source: str, height: int, width: int, seed: int = 0) -> np.ndarray:
    """A generated H x W input.

    >>> generated_input("arange", 2, 3).tolist()
    [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    >>> generated_input("checkerboard", 2, 2).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    rows, cols = np.indices((height, width))
    if source == "random":
        # Two decimals keep the printed cells short; the values are still standard normal.
        return np.random.default_rng(seed).standard_normal((height, width)).round(2)
    if source == "arange":  # like torch.arange(H * W).reshape(H, W)
        return np.arange(height * width, dtype=np.float64).reshape(height, width)
    if source == "ones":
        return np.ones((height, width))
    if source == "checkerboard":
        return ((rows + cols) % 2).astype(np.float64)
    if source == "ramp":  # rises by 1 per step right or down
        return (rows + cols).astype(np.float64)
    if source == "classic":
        return CLASSIC_X.copy()
    raise InputError("unknown_source", source=user_text(source), options=", ".join(INPUT_SOURCES))


def sample_image() -> np.ndarray:
    """The built-in picture for the ``image`` source before anything is uploaded: a sun over
    hills, 96 x 128 grayscale values 0..255 (drawn here, so there is no file to ship).

    >>> image = sample_image()
    >>> image.shape, bool(0 <= image.min() < image.max() <= 255)
    ((96, 128), True)
    """
    rows, cols = np.mgrid[0:96, 0:128]
    sky = 70 + rows * 1.1
    sun = np.where((rows - 28) ** 2 + (cols - 92) ** 2 < 15**2, 250.0, 0.0)
    hills = rows > 64 + 9 * np.sin(cols / 13.0)
    ground = 40 + 25 * ((cols // 8 + rows // 8) % 2)
    return np.where(hills, ground, np.maximum(sky, sun)).round()


def parse_csv(data: bytes, max_cells: int = MAX_GRID) -> np.ndarray:
    """A numeric grid from CSV text: one row per line, values separated by commas, quoted or
    not (``"1.5","2"``, as spreadsheets save them). Every cell is read by the app's one number
    reader (``scenario.numbers``: the same syntax and limits as a typed cell, fractions
    included). A file over ``CSV_MAX_BYTES`` is refused before it is read, and reading stops
    at the first row or column past ``max_cells``, so a huge file costs nothing.

    >>> parse_csv(b'1, 2\\n"3","1/4"\\n').tolist()
    [[1.0, 2.0], [3.0, 0.25]]
    """
    if len(data) > CSV_MAX_BYTES:
        raise InputError("csv_bytes", size=exact_text(len(data) / 1e6, 3), max=CSV_MAX_BYTES // 1000)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("csv_encoding") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError("csv_empty")
    rows: list[list[float]] = []
    try:
        for line_number, cells in enumerate(csv.reader(lines, skipinitialspace=True), start=1):
            if len(lines) > max_cells or len(cells) > max_cells:  # said with both counts and the limit
                raise InputError("csv_large", rows=len(lines), cols=len(cells), max=max_cells)
            row = [_csv_number(cell, line_number, column) for column, cell in enumerate(cells, start=1)]
            if rows and len(row) != len(rows[0]):
                raise InputError("csv_ragged", row=line_number, count=len(row), first=len(rows[0]))
            rows.append(row)
    except csv.Error as error:
        raise InputError("csv_broken", reason=user_text(error, limit=60)) from None
    return np.array(rows, dtype=np.float64)


def _csv_number(cell: str, row: int, col: int) -> float:
    try:
        return parse_number(cell)
    except NumberError as error:
        if error.key == "empty":
            raise InputError("csv_empty_cell", row=row, col=col) from None
        key = "csv_large_value" if error.key == "large" else "csv_not_number"
        raise InputError(key, row=row, col=col, value=user_text(error.typed, limit=20)) from None


def _check_pixels(width: int, height: int) -> None:
    """Refuse an image by its header's size, before any pixel is decoded: what decoding
    costs grows with the pixels (a progressive JPEG keeps all of them while it decodes, even
    when asked for a reduced size), not with the file's bytes."""
    if max(width, height) > IMAGE_MAX_SIDE or width * height > IMAGE_MAX_PIXELS:
        raise InputError(
            "image_pixels",
            width=width,
            height=height,
            max_side=IMAGE_MAX_SIDE,
            max_megapixels=IMAGE_MAX_PIXELS // 1_000_000,
        )


def parse_image(data: bytes, max_cells: int = IMAGE_MAX_CELLS) -> np.ndarray:
    """A PNG or JPEG as grayscale values 0..255, downscaled to fit max_cells x max_cells
    (aspect ratio kept). JPEGs are decoded straight to a reduced size where possible, so a
    huge photo never sits in memory at full size."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            if image.format not in ("PNG", "JPEG"):
                raise InputError("image_format", format=user_text(image.format))
            _check_pixels(*image.size)
            # JPEG only: let the decoder scale down by 1/2, 1/4 or 1/8 while decoding.
            image.draft("L", (max_cells, max_cells))
            gray = image.convert("L")
            gray.thumbnail((max_cells, max_cells), Image.Resampling.LANCZOS)
            return np.asarray(gray, dtype=np.float64)
    except UnidentifiedImageError:
        raise InputError("image_unreadable") from None
    except Image.DecompressionBombError:
        raise InputError("image_bomb") from None
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError("image_broken", reason=user_text(error, limit=80)) from None
