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

from figures import gradient_grid, value_grid
from pooling import avg_pool2d, avg_pool2d_backward
from pooling.reference import classic_example, torch_avg_pool2d
from ui.badges import torch_badge
from ui.display import show_grids
from ui.lang import current_language, tr
from ui.router import page_title, require_router

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

    language = current_language()
    grids = {
        "x": value_grid(x, tr("figure.input", rows=4, cols=4), "x", language=language),
        "y": value_grid(y, "y = AvgPool2d(x) (2×2)", "y", language=language),
        "grad_output": gradient_grid(grad_output, "∂L/∂y = 1 (L = y.sum())", "dL/dy", language=language),
        "grad_input": gradient_grid(grad_input, "∂L/∂x = x.grad", "dL/dx", language=language),
    }
    show_grids(grids, key="classic_grids", file_prefix="avgpool_classic")

    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(tr("classic.loss", loss=f"{y.sum():.4f}"))
    right.button(tr("classic.new_x"), key="classic_new_x", on_click=_new_input, icon=":material/casino:")

    torch_y, torch_grad_input = torch_avg_pool2d(x, grad_output, KERNEL, STRIDE)
    difference = max(np.abs(y - torch_y).max(), np.abs(grad_input - torch_grad_input).max())
    torch_badge(difference <= 1e-12, tr("classic.agree", difference=f"{difference:.1e}"))

    st.subheader(tr("classic.why"))
    st.markdown(tr("classic.why_text"))
    window, otherwise = tr("formula.window"), tr("formula.otherwise")
    st.latex(
        rf"y_{{ij}} = \tfrac14 \sum_{{(r,c)\,\in\,\text{{{window}}}(i,j)}} x_{{rc}}"
        r"\quad\Rightarrow\quad"
        rf"\frac{{\partial y_{{ij}}}}{{\partial x_{{rc}}}} = \begin{{cases}}\tfrac14 & (r,c)\in\text{{{window}}}(i,j)\\"
        rf" 0 & \text{{{otherwise}}}\end{{cases}}"
    )
    st.markdown(tr("classic.chain_text"))
    st.latex(
        r"\frac{\partial L}{\partial x_{rc}} = \sum_{i,j} \frac{\partial L}{\partial y_{ij}}"
        r"\frac{\partial y_{ij}}{\partial x_{rc}} = 1 \cdot \tfrac14 = 0.25"
    )
    st.markdown(tr("classic.shared_text"))

    st.subheader(tr("classic.code_header"))
    code, output = st.columns(2)
    with code:
        st.caption(tr("classic.code_caption"))
        st.code(inspect.getsource(classic_example), language="python", wrap_lines=True)
    with output:
        st.caption(tr("classic.prints", seed=st.session_state.classic_seed))
        st.code(printed, language="text", wrap_lines=True)

    st.subheader(tr("classic.article_header"))
    st.markdown(tr("classic.article_text"))
    article_grad = avg_pool2d_backward(ARTICLE_UPSTREAM, (4, 4), KERNEL, STRIDE)
    _, middle, _ = st.columns([1, 4, 1])
    with middle:
        article = {
            "article_upstream": gradient_grid(
                ARTICLE_UPSTREAM, tr("classic.upstream_title"), "dL/dy", language=language
            ),
            "article_grad": gradient_grid(article_grad, tr("classic.article_grad_title"), "dL/dx", language=language),
        }
        show_grids(article, key="classic_article", file_prefix="avgpool_classic", columns=2)
    st.caption(tr("classic.same_rule"))


require_router()
st.title(page_title("pages/classic.py"))
st.markdown(tr("classic.intro"))
classic_page()
