"""The one error class of the core, and its messages.

Each message is a template with a key, so that the app can show it in another language
(``i18n`` holds the translations); the English text here is what the core raises.
"""

__all__ = ["MESSAGES", "PoolingError"]

MESSAGES = {
    "whole_number": "{name} must be whole numbers, got {value}: use e.g. {name}=2",
    "pair": "{name} must be one number or a pair (height, width), got {value}",
    "dimensions": "input must be 2D (H, W), 3D (C, H, W) or 4D (N, C, H, W), got shape {shape}",
    "empty_dimension": "input shape {shape} has an empty dimension: every size must be >= 1",
    "kernel_small": "kernel_size {kernel} ({axis}) must be at least 1: use kernel_size >= 1",
    "stride_small": "stride {stride} ({axis}) must be at least 1: stride 1 moves the window one cell at a time",
    "padding_negative": "padding {padding} ({axis}) is negative, so torch rejects it: use padding >= 0",
    "padding_large": (
        "padding {padding} ({axis}) is more than half of kernel {kernel}, so torch rejects it "
        "(more than half of the first window would be padding): use padding <= {half}"
    ),
    "kernel_large": (
        "kernel {kernel} is larger than the padded input in {axis} ({size} + 2*{padding} = {padded}), "
        "so no window fits: use kernel_size <= {padded}"
    ),
    "kernel_large_or_pad": (
        "kernel {kernel} is larger than the padded input in {axis} ({size} + 2*{padding} = {padded}), "
        "so no window fits: use kernel_size <= {padded} or padding up to {half}"
    ),
    "divisor_zero": (
        "divisor_override 0 would divide by zero: use a non-zero divisor, or None for the window's own size"
    ),
    "matrix_large": (
        "the pooling matrix for input {rows}x{cols} would have {entries} entries: "
        "use an input of at most 32x32 cells for the matrix view"
    ),
    "not_numbers": "{name} must be an array of numbers: {reason}",
    "input_shape": "x has shape {shape}, but this pooling plan was made for inputs of shape {expected}",
    "grad_output_shape": (
        "grad_output has shape {shape}, but the pooling output has shape {expected}: "
        "∂L/∂y must have exactly one entry per output cell"
    ),
    "output_size_pair": "output_size must be one number or a pair, got {value}",
    "output_size_negative": "output_size {value} is negative: use sizes >= 1",
}


class PoolingError(ValueError):
    """A pooling configuration that torch rejects, explained for a learner.

    The message says what is wrong (with the numbers) and how to fix it; ``key`` and
    ``params`` let the app say the same in another language.

    >>> str(PoolingError("kernel_small", kernel=0, axis="height"))
    'kernel_size 0 (height) must be at least 1: use kernel_size >= 1'
    """

    domain = "pooling"  # its translations are the catalogue's error.pooling.* entries

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(MESSAGES[key].format(**params))
