"""Numeric core: 2D pooling forward and backward in numpy, exactly as torch computes them.

>>> import numpy as np
>>> from pooling import avg_pool2d_backward
>>> avg_pool2d_backward(np.ones((2, 2)), (4, 4), kernel_size=2, stride=2)[0].tolist()
[0.25, 0.25, 0.25, 0.25]

``pooling.reference`` (the only module that imports torch) runs the same configurations
through torch's autograd, for tests and for the app's "matches torch" check.
"""

from pooling.avg import (
    adaptive_avg_pool2d,
    adaptive_avg_pool2d_backward,
    avg_pool2d,
    avg_pool2d_backward,
)
from pooling.errors import PoolingError
from pooling.geometry import (
    AxisWindows,
    Window,
    adaptive_axis_windows,
    avg_pool2d_divisors,
    axis_windows,
    check_pool2d_args,
    coverage,
    output_size,
    pooling_matrix,
    windows,
)
from pooling.max import max_pool2d, max_pool2d_backward

__all__ = [
    "AxisWindows",
    "PoolingError",
    "Window",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool2d_backward",
    "adaptive_axis_windows",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_divisors",
    "axis_windows",
    "check_pool2d_args",
    "coverage",
    "max_pool2d",
    "max_pool2d_backward",
    "output_size",
    "pooling_matrix",
    "windows",
]
