"""The pooling configuration as one small frozen object, in torch's vocabulary."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from i18n import text
from pooling import PoolPlan, pool_plan
from scenario.inputs import INPUT_SOURCES, MAX_GRID, generated_input
from scenario.losses import LOSSES

__all__ = [
    "CONTROLS",
    "DEFAULTS",
    "KERNEL_MAX",
    "PALETTES",
    "TYPED_GRID_KEYS",
    "TYPED_STARTS",
    "URL_KEYS",
    "VIEW_CONTROLS",
    "VIEW_DEFAULTS",
    "Control",
    "PoolParams",
    "allowed_values",
    "control_high",
    "params_from_settings",
    "square_setting",
    "widget_values",
]


@dataclass(frozen=True)
class PoolParams:
    """``nn.AvgPool2d`` arguments, each per axis as (height, width).

    >>> PoolParams(kernel_size=(2, 2)).kwargs()["stride"]
    (2, 2)
    """

    kernel_size: tuple[int, int]
    stride: tuple[int, int] | None = None  # None: the kernel size, as in torch
    padding: tuple[int, int] = (0, 0)
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: int | None = None

    @property
    def effective_stride(self) -> tuple[int, int]:
        return self.kernel_size if self.stride is None else self.stride

    def kwargs(self) -> dict:
        """Keyword arguments for ``pooling.avg_pool2d`` and ``F.avg_pool2d``."""
        return {
            "kernel_size": self.kernel_size,
            "stride": self.effective_stride,
            "padding": self.padding,
            "ceil_mode": self.ceil_mode,
            "count_include_pad": self.count_include_pad,
            "divisor_override": self.divisor_override,
        }

    def plan(self, input_shape: tuple[int, ...]) -> PoolPlan:
        """The core's checked plan for inputs of this shape (raises PoolingError, explained,
        for a configuration torch rejects)."""
        return pool_plan(input_shape, **self.kwargs())

    def slug(self) -> str:
        """A short name for files: ``k2x2_s2x2_p0x0`` (plus ``ceil``, ``nopad``, ``div1`` when set).

        >>> PoolParams((3, 3), (1, 1), (1, 1), ceil_mode=True).slug()
        'k3x3_s1x1_p1x1_ceil'
        """
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.effective_stride, self.padding
        parts = [f"k{kh}x{kw}", f"s{sh}x{sw}", f"p{ph}x{pw}"]
        parts += ["ceil"] * self.ceil_mode + ["nopad"] * (not self.count_include_pad)
        parts += [f"div{self.divisor_override}"] if self.divisor_override is not None else []
        return "_".join(parts)

    def torch_call(self, function: str = "nn.AvgPool2d", argument: str = "", average: bool = True) -> str:
        """The torch call for this configuration, non-default arguments only. ``argument``
        goes first (e.g. "x" for ``F.avg_pool2d``); ``average=False`` leaves out the
        arguments that only averages have (for ``F.max_pool2d``).

        >>> PoolParams((3, 3), (1, 1), divisor_override=1).torch_call("F.max_pool2d", "x", average=False)
        'F.max_pool2d(x, kernel_size=3, stride=1)'
        """
        parts = [argument] if argument else []
        parts.append(f"kernel_size={_axis_pair(self.kernel_size)}")
        if self.stride is not None and self.stride != self.kernel_size:
            parts.append(f"stride={_axis_pair(self.stride)}")
        if self.padding != (0, 0):
            parts.append(f"padding={_axis_pair(self.padding)}")
        if self.ceil_mode:
            parts.append("ceil_mode=True")
        if average and not self.count_include_pad:
            parts.append("count_include_pad=False")
        if average and self.divisor_override is not None:
            parts.append(f"divisor_override={self.divisor_override}")
        return f"{function}({', '.join(parts)})"


def _axis_pair(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


@dataclass(frozen=True)
class Control:
    """One control of the shared sidebar: its default, and the values it takes: a whole
    number from ``low`` to ``high`` (``high`` None: another control sets it, as the kernel
    does padding's ``kernel // 2`` and the output's size the loss cell's: ``control_high``),
    or one of ``options``; neither: on or off. ``allowed`` is the catalogue's sentence saying
    so, which a URL warning quotes (``allowed_values``); ``none_text`` the catalogue's words
    for a value of None (the default of a control whose default is "not set").

    >>> CONTROLS["kernel_h"].high, CONTROLS["stride_h"].options[:3]
    (16, (None, 1, 2))
    """

    default: object
    allowed: str
    low: int | None = None
    high: int | None = None
    options: tuple | None = None
    none_text: str | None = None


KERNEL_MAX = 16
_STRIDES = (None, *range(1, KERNEL_MAX + 1))  # None: the kernel size, as in torch
# The one table of the shared sidebar: each control's key (which is also its URL parameter),
# its default and the values it takes. The widgets (ui/controls.py) are drawn from it, a value
# equal to its default stays out of the URL, and a preset sets some and leaves the rest here.
CONTROLS: dict[str, Control] = {
    "square": Control(True, "url.allowed_square"),
    "kernel_h": Control(2, "url.allowed_kernel", 1, KERNEL_MAX),
    "kernel_w": Control(2, "url.allowed_kernel", 1, KERNEL_MAX),
    "stride_h": Control(None, "url.allowed_stride", options=_STRIDES, none_text="pool.stride_same"),
    "stride_w": Control(None, "url.allowed_stride", options=_STRIDES, none_text="pool.stride_same"),
    "padding_h": Control(0, "url.allowed_padding", 0),  # up to kernel_h // 2
    "padding_w": Control(0, "url.allowed_padding", 0),  # up to kernel_w // 2
    "ceil_mode": Control(False, "url.allowed_ceil_mode"),
    "count_include_pad": Control(True, "url.allowed_count_include_pad"),
    # None: the window's own count
    "divisor_override": Control(None, "url.allowed_divisor", 1, 256, none_text="url.no_override"),
    "height": Control(4, "url.allowed_height", 1, MAX_GRID),
    "width": Control(4, "url.allowed_width", 1, MAX_GRID),
    "input": Control("arange", "url.allowed_input", options=INPUT_SOURCES),
    "seed": Control(0, "url.allowed_seed", 0, 2**31 - 1),
    "loss": Control("sum", "url.allowed_loss", options=LOSSES),
    "loss_row": Control(0, "url.allowed_loss_row", 0),  # the "cell" loss's output cell: up to the last row
    "loss_col": Control(0, "url.allowed_loss_col", 0),
}
DEFAULTS = {key: control.default for key, control in CONTROLS.items()}
PALETTES = ("standard", "colorblind")
# The sidebar's Display section: how a setup is shown, not what it is (so not in DEFAULTS, nor
# in a preset), checked against the link with the controls above, by the same rule.
VIEW_CONTROLS: dict[str, Control] = {
    "present": Control(False, "url.allowed_present"),  # 1 or true: on; 0 or false: off
    "palette": Control("standard", "url.allowed_palette", options=PALETTES),
}
# URL parameters that say how a setup is shown rather than what it is: presentation mode, the
# colours, the language (None: the browser's), the preset it was opened from, and the live
# class this tab is in (``class=CODE``; ``key=``: the join link's own secret; ``view=projector``
# for the room's screen; ``deck=``: a lesson deck opened on the Live class page, classroom/deck.py).
VIEW_DEFAULTS = {
    "present": False,
    "palette": "standard",
    "lang": None,
    "preset": None,
    "class": None,
    "key": None,
    "view": None,
    "deck": None,
}
# The typed grids (the custom x and ∂L/∂y), when the link carries them (scenario/typed_grid.py),
# and where they came from (``from=network:11:1:5``: a caption above them, scenario/network.py).
TYPED_GRID_KEYS = frozenset({"x", "grad", "from"})
# The grid each typed grid starts from, by (rows, cols), before anything is typed: the sidebar's
# editors and a live class's setups (classroom/setups.py) both start there.
TYPED_STARTS: dict[str, Callable[[int, int], np.ndarray]] = {
    "x": lambda rows, cols: generated_input("arange", rows, cols),
    "grad": lambda rows, cols: np.ones((rows, cols)),
}
URL_KEYS = frozenset(DEFAULTS) | frozenset(VIEW_DEFAULTS) | TYPED_GRID_KEYS  # every page's shared URL parameters


def control_high(key: str, values: Mapping[str, object], output_shape: tuple[int, int] | None = None) -> int | None:
    """The largest value control ``key`` takes beside the sidebar's other ``values``: its row's
    ``high``; padding's is half its axis's kernel (torch's rule), the loss cell's the output's
    last row or column (``output_shape``, None while there is no output).

    >>> control_high("kernel_h", {}), control_high("padding_w", {"kernel_w": 5}), control_high("loss_col", {}, (3, 4))
    (16, 2, 3)
    """
    if key in ("padding_h", "padding_w"):
        return int(values[f"kernel_{key[-1]}"]) // 2
    if key in ("loss_row", "loss_col"):
        return None if output_shape is None else output_shape[key == "loss_col"] - 1
    return _row(key).high


def allowed_values(language: str, key: str, high: int | None = None, **params: object) -> str:
    """The values control ``key`` takes, as a URL warning says them (its row of ``CONTROLS``;
    ``high`` when another control sets it, and the template's other ``params``).

    >>> allowed_values("en", "kernel_h"), allowed_values("en", "padding_h", 1, kernel=2)
    ('the kernel size is a whole number from 1 to 16', 'with kernel 2, padding is a whole number from 0 to 1')
    >>> allowed_values("en", "padding_h", 0, kernel=1)
    'a kernel of 1 allows no padding'
    """
    row = _row(key)
    high = row.high if high is None else high
    if row.allowed == "url.allowed_padding" and high == 0:
        return text(language, "url.allowed_no_padding")
    options = [str(option) for option in row.options or () if option is not None]
    if row.options is not None and high is None:
        high = len(options)  # the stride: 1 to the largest kernel
    return text(language, row.allowed, max=high, options=", ".join(options), **params)


def _row(key: str) -> Control:
    """Control ``key``'s row: of the controls, or of the Display section."""
    return CONTROLS[key] if key in CONTROLS else VIEW_CONTROLS[key]


def widget_values(url_settings: dict[str, str]) -> dict:
    """URL parameter strings as the widgets' values: "true" -> True, "3" -> 3.

    >>> widget_values({"kernel_h": "3", "ceil_mode": "true", "input": "ones"})
    {'kernel_h': 3, 'ceil_mode': True, 'input': 'ones'}
    """

    def value(text: str):
        if text in ("true", "false"):
            return text == "true"
        return int(text) if text.lstrip("-").isdigit() else text

    return {key: value(text) for key, text in url_settings.items()}


def params_from_settings(settings: Mapping[str, object]) -> PoolParams:
    """PoolParams from the sidebar's values by key (``DEFAULTS`` for the keys not given): the
    one rule from settings to torch's arguments, used by the sidebar and by the presets.

    With "same for height and width" on, the ``_h`` values count for both axes
    (``square_setting`` says whether it is on); an axis left at "same as kernel" strides by
    its kernel once the other axis does not; a kernel of 1 leaves no room for padding.

    >>> params_from_settings({"square": True, "kernel_h": 3, "stride_h": 1, "kernel_w": 5}).kwargs()["stride"]
    (1, 1)
    >>> params_from_settings({"square": False, "kernel_h": 3, "kernel_w": 2, "stride_h": 1}).stride
    (1, 2)
    """
    values = {**DEFAULTS, **settings}
    axes = ("h", "h") if square_setting(settings) else ("h", "w")
    kernels = tuple(int(values[f"kernel_{axis}"]) for axis in axes)
    strides = tuple(values[f"stride_{axis}"] for axis in axes)
    paddings = tuple(int(values[f"padding_{axis}"]) if kernel // 2 >= 1 else 0 for axis, kernel in zip(axes, kernels))
    divisor_override = values["divisor_override"]
    return PoolParams(
        kernel_size=kernels,
        # None (torch's default) while every axis strides by its kernel size.
        stride=None if strides == (None, None) else tuple(k if s is None else int(s) for s, k in zip(strides, kernels)),
        padding=paddings,
        ceil_mode=bool(values["ceil_mode"]),
        count_include_pad=bool(values["count_include_pad"]),
        divisor_override=None if divisor_override is None else int(divisor_override),
    )


def square_setting(settings: Mapping[str, object]) -> bool:
    """Whether "same for height and width" is on: ``square`` when given; else on, unless the
    settings give an axis pair two different values (a link from an older or hand-written
    source: the sidebar shows the axes as they are).

    >>> square_setting({}), square_setting({"kernel_h": 3, "kernel_w": 2}), square_setting({"kernel_h": 3})
    (True, False, True)
    """
    if "square" in settings:
        return bool(settings["square"])
    pairs = [(settings.get(f"{name}_h"), settings.get(f"{name}_w")) for name in ("kernel", "stride", "padding")]
    return not any(h is not None and w is not None and h != w for h, w in pairs)
