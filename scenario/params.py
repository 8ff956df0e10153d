"""The pooling configuration as one small frozen object, in torch's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from pooling import PoolPlan, pool_plan

__all__ = [
    "DEFAULTS",
    "TYPED_GRID_KEYS",
    "URL_KEYS",
    "VIEW_DEFAULTS",
    "PoolParams",
    "params_from_settings",
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


# The one table of the shared sidebar: each control's key (which is also its URL parameter)
# and its default value. The widgets start at these values, a value equal to its default
# stays out of the URL, and a preset sets some of them and leaves the rest here.
DEFAULTS = {
    "square": True,
    "kernel_h": 2,
    "kernel_w": 2,
    "stride_h": None,
    "stride_w": None,
    "padding_h": 0,
    "padding_w": 0,
    "ceil_mode": False,
    "count_include_pad": True,
    "divisor_override": None,
    "height": 4,
    "width": 4,
    "input": "arange",
    "seed": 0,
    "loss": "sum",
    "loss_row": 0,  # the output cell of the "cell" loss
    "loss_col": 0,
}
# URL parameters that say how a setup is shown rather than what it is: presentation mode, the
# colours, the language (None: the browser's) and the preset it was opened from.
VIEW_DEFAULTS = {"present": False, "palette": "standard", "lang": None, "preset": None}
# The typed grids (the custom x and ∂L/∂y), when the link carries them (scenario/typed_grid.py).
TYPED_GRID_KEYS = frozenset({"x", "grad"})
URL_KEYS = frozenset(DEFAULTS) | frozenset(VIEW_DEFAULTS) | TYPED_GRID_KEYS  # every page's shared URL parameters


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


def params_from_settings(settings: dict) -> PoolParams:
    """PoolParams from the sidebar's values (square controls: the _h values count for both axes).

    >>> params_from_settings({"kernel_h": 3, "stride_h": 1}).kwargs()["stride"]
    (1, 1)
    """
    values = {**DEFAULTS, **settings}
    kernel, stride, padding = values["kernel_h"], values["stride_h"], values["padding_h"]
    return PoolParams(
        kernel_size=(kernel, kernel),
        stride=None if stride is None else (stride, stride),
        padding=(padding, padding),
        ceil_mode=values["ceil_mode"],
        count_include_pad=values["count_include_pad"],
        divisor_override=values["divisor_override"],
    )
