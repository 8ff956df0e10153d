"""The classic example: 4x4 input, AvgPool2d(kernel_size=2, stride=2), loss = y.sum().

Streamlit reruns this script from top to bottom on every interaction; the only state kept
between runs is the seed of the random input, in ``st.session_state``.
"""

from __future__ import annotations

import contextlib
import inspect
import io

import numpy as np
import streamlit as st

from figures import chart_config, gradient_heatmap, value_heatmap
from pooling import avg_pool2d, avg_pool2d_backward
from pooling.reference import classic_example, torch_avg_pool2d
from ui.badges import torch_badge
from ui.display import chart
from ui.router import require_router

KERNEL = STRIDE = 2

# The article's first printed x.grad: it changes from cell to cell, so it cannot come from
# loss = y.sum() (whose dL/dy is all ones).
ARTICLE_FIRST_GRAD = np.array(
    [
        [0.0625, 0.0625, -0.1875, -0.1875],
        [0.0625, 0.0625, -0.1875, -0.1875],
        [-0.1250, -0.1250, -0.0625, -0.0625],
        [-0.1250, -0.1250, -0.0625, -0.0625],
    ]
)
# Each 2x2 block of it is 1/4 of one upstream gradient value: dL/dy = 4 * block value.
ARTICLE_UPSTREAM = 4 * ARTICLE_FIRST_GRAD[::2, ::2]


def _new_input() -> None:
    st.session_state.classic_seed += 1


def _run_article_code(seed: int) -> tuple[np.ndarray, str]:
    """Run the article's torch code; return its x and what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        x, _, _ = classic_example(seed)
    return x.detach().numpy()[0, 0].astype(np.float64), printed.getvalue()


def classic_page() -> None:
    st.session_state.setdefault("classic_seed", 0)
    x, printed = _run_article_code(st.session_state.classic_seed)

    # Our numpy core computes what the heatmaps show; torch checks it below.
    y = avg_pool2d(x, KERNEL, STRIDE)
    grad_output = np.ones_like(y)  # loss = y.sum(), so dL/dy = 1 for every output
    grad_input = avg_pool2d_backward(grad_output, x.shape, KERNEL, STRIDE)

    columns = st.columns(4)
    figures = [
        value_heatmap(x, "x: input (4×4)", "x"),
        value_heatmap(y, "y = AvgPool2d(x) (2×2)", "y"),
        gradient_heatmap(grad_output, "∂L/∂y = 1 (L = y.sum())", "dL/dy"),
        gradient_heatmap(grad_input, "∂L/∂x = x.grad", "dL/dx"),
    ]
    for column, figure, key in zip(columns, figures, ("x", "y", "grad_output", "grad_input")):
        chart(column, figure, key=f"classic_{key}", config=chart_config(f"avgpool_classic_{key}"))

    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(
        f"`loss = y.sum() = {y.sum():.4f}`. Every cell of `x.grad` is **0.25**, "
        "and it stays 0.25 whatever `x` is: draw a new `x` and watch the gradient not move."
    )
    right.button("Draw a new random x", key="classic_new_x", on_click=_new_input, icon=":material/casino:")

    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, KERNEL, STRIDE)
    difference = max(np.abs(y - torch_y).max(), np.abs(grad_input - torch_grad_input).max())
    torch_badge(
        difference <= 1e-12,
        f"Our numpy core and torch autograd (float64) agree to max |difference| = {difference:.1e}.",
    )

    st.subheader("Why every cell gets 1/4")
    st.markdown(
        "Each output is the mean of its own 2×2 window, so each of the 4 cells in the window "
        "moves the output by 1/4 of its own change:"
    )
    st.latex(
        r"y_{ij} = \tfrac14 \sum_{(r,c)\,\in\,\text{window}(i,j)} x_{rc}"
        r"\quad\Rightarrow\quad"
        r"\frac{\partial y_{ij}}{\partial x_{rc}} = \begin{cases}\tfrac14 & (r,c)\in\text{window}(i,j)\\"
        r" 0 & \text{otherwise}\end{cases}"
    )
    st.markdown(
        "With `loss = y.sum()`, every output's upstream gradient is 1. The chain rule sums over the "
        "outputs whose window contains the cell; with kernel 2 and stride 2 the windows tile the "
        "input, so each cell is in exactly one window:"
    )
    st.latex(
        r"\frac{\partial L}{\partial x_{rc}} = \sum_{i,j} \frac{\partial L}{\partial y_{ij}}"
        r"\frac{\partial y_{ij}}{\partial x_{rc}} = 1 \cdot \tfrac14 = 0.25"
    )
    st.markdown(
        "The gradient is each output's gradient **shared equally** by the cells of its window. "
        "Nothing in it depends on the values of `x`: average pooling is linear."
    )

    st.subheader("The code, run live")
    code, output = st.columns(2)
    with code:
        st.caption("The article's code, exactly as this page runs it (`pooling/reference.py`):")
        st.code(inspect.getsource(classic_example), language="python")
    with output:
        st.caption(f"What it prints (random seed {st.session_state.classic_seed}):")
        st.code(printed, language="text")

    st.subheader("About the article's first printed x.grad")
    st.markdown(
        "The article first prints an `x.grad` whose values change from block to block "
        "(0.0625, −0.1875, −0.125, −0.0625). That cannot come from `loss = y.sum()`: its upstream "
        "gradient is 1 everywhere, so every cell gets 1/4, whatever `x` is, as the article's own "
        "second printout shows. A block-by-block pattern like that is what backward gives when "
        "the upstream gradient differs between outputs. Here it is, reproduced by our core with "
        "`dL/dy = 4 × (each block's value)`, for instance from `y.backward(dL_dy)`:"
    )
    article_grad = avg_pool2d_backward(ARTICLE_UPSTREAM, (4, 4), KERNEL, STRIDE)
    _, upstream_col, grad_col, _ = st.columns([1, 2, 2, 1])
    chart(
        upstream_col,
        gradient_heatmap(ARTICLE_UPSTREAM, "an upstream ∂L/∂y that is not 1", "dL/dy", height=400),
        key="classic_article_upstream",
        config=chart_config("avgpool_classic_article_upstream"),
    )
    chart(
        grad_col,
        gradient_heatmap(article_grad, "gives the article's first x.grad", "dL/dx", height=400),
        key="classic_article_grad",
        config=chart_config("avgpool_classic_article_grad"),
    )
    st.caption(
        "Same rule, different upstream gradient: each output's gradient is split into 4 equal shares. "
        "Only the upstream gradient decides x.grad here, never x itself."
    )


require_router()
st.title("The classic example")
st.markdown(
    "A 4×4 input, `nn.AvgPool2d(kernel_size=2, stride=2)` and `loss = y.sum()`: "
    "the example from the article this app grew from. Left to right: the input, the pooled output, "
    "the gradient flowing back into the output, and the gradient that reaches the input."
)
classic_page()
