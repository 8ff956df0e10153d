"""Numeric core: 2D pooling forward and backward in numpy, exactly as torch computes them.

>>> import numpy as np
>>> from pooling import avg_pool2d_backward
>>> avg_pool2d_backward(np.ones((2, 2)), (4, 4), kernel_size=2, stride=2)[0].tolist()
[0.25, 0.25, 0.25, 0.25]

A configuration is checked once into a ``PoolPlan`` (``pool_plan(shape, kernel_size, ...)``);
``avg_forward(x, plan)``, ``avg_backward(grad_output, plan)``, ``plan.windows()`` and the
rest take it. The torch-style functions (``avg_pool2d(x, kernel_size, ...)``) make the plan
for you.

``pooling.reference`` (the only module that imports torch) runs the same configurations
through torch's autograd, for tests and for the app's "matches torch" check.
"""

from pooling.avg import (
    adaptive_avg_pool2d,
    adaptive_avg_pool2d_backward,
    avg_backward,
    avg_forward,
    avg_pool2d,
    avg_pool2d_backward,
)
from pooling.errors import PoolingError
from pooling.geometry import AxisWindows, Window, adaptive_axis_windows, axis_windows, output_size
from pooling.max import max_backward, max_forward, max_pool2d, max_pool2d_backward
from pooling.plan import (
    PoolPlan,
    adaptive_plan,
    avg_pool2d_divisors,
    check_pool2d_args,
    coverage,
    pool_plan,
    pooling_matrix,
    windows,
)

__all__ = [
    "AxisWindows",
    "PoolPlan",
    "PoolingError",
    "Window",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool2d_backward",
    "adaptive_axis_windows",
    "adaptive_plan",
    "avg_backward",
    "avg_forward",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_divisors",
    "axis_windows",
    "check_pool2d_args",
    "coverage",
    "max_backward",
    "max_forward",
    "max_pool2d",
    "max_pool2d_backward",
    "output_size",
    "pool_plan",
    "pooling_matrix",
    "windows",
]
