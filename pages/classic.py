"""The classic example: 4x4 input, AvgPool2d(kernel_size=2, stride=2), loss = y.sum().

Streamlit reruns this script from top to bottom on every interaction; the only state kept
between runs is the seed of the random input, in ``st.session_state`` and in the link
(``draw=<seed>``), so that a shared link shows the same x.
"""

from __future__ import annotations

import contextlib
import inspect
import io

import numpy as np
import streamlit as st

from figures import gradient_grid, value_grid, window_axes
from pooling import avg_backward, avg_forward
from pooling.reference import classic_example
from scenario.compute import compute_scenario
from scenario.numbers import equals_text, format_number
from scenario.params import PoolParams
from ui.badges import largest_difference, torch_avg_pool, torch_badge
from ui.controls import URL_KEYS
from ui.display import pooling_explainer, show_grids
from ui.lang import current_language, tr
from ui.router import page_header, require_router
from ui.url import UrlCheck

CLASSIC = PoolParams(kernel_size=(2, 2), stride=(2, 2))  # the article's nn.AvgPool2d(2, 2)

# The article's first printed x.grad: it changes from cell to cell, so it cannot come from
# loss = y.sum() (whose ∂L/∂y is all ones).
ARTICLE_FIRST_GRAD = np.array(
    [
        [0.0625, 0.0625, -0.1875, -0.1875],
        [0.0625, 0.0625, -0.1875, -0.1875],
        [-0.1250, -0.1250, -0.0625, -0.0625],
        [-0.1250, -0.1250, -0.0625, -0.0625],
    ]
)
# Each 2x2 block of it is 1/4 of one upstream gradient value: ∂L/∂y = 4 * block value.
ARTICLE_UPSTREAM = 4 * ARTICLE_FIRST_GRAD[::2, ::2]


DRAW_MAX = 999_999  # the largest seed a link may ask for ("Draw a new random x" counts up from 0)


def _new_input() -> None:
    st.session_state.classic_seed += 1


def _seed(url: UrlCheck) -> int:
    """The random x's seed: the link's ``draw`` when the page opens (a whole number from 0 to
    DRAW_MAX; anything else is said and 0 is used), then each draw's; kept in the link."""
    if "classic_seed" not in st.session_state:
        asked = (st.query_params.get("draw") or "0").strip()
        readable = asked.isascii() and asked.isdigit() and len(asked) <= len(str(DRAW_MAX))
        st.session_state.classic_seed = int(asked) if readable else 0
        url.check("draw", st.session_state.classic_seed, tr("url.allowed_draw", max=DRAW_MAX))
    seed = st.session_state.classic_seed
    if seed:
        st.query_params["draw"] = str(seed)
    else:
        st.query_params.pop("draw", None)
    return seed


def _run_article_code(seed: int) -> tuple[np.ndarray, str]:
    """Run the article's torch code; return its x and what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        x, _, _ = classic_example(seed)
    return x.detach().numpy()[0, 0].astype(np.float64), printed.getvalue()


def classic_page(url: UrlCheck) -> None:
    x, printed = _run_article_code(_seed(url))
    language = current_language()
    _classic_numbers(x, language)
    _why_section()
    _code_section(printed)
    _article_section(x, language)


def _classic_numbers(x: np.ndarray, language: str) -> None:
    """The article's example computed by our core (loss = y.sum(), so ∂L/∂y = 1 for every
    output), drawn, and checked against torch."""
    computed = compute_scenario(x, CLASSIC, "sum", language=language)
    y, grad_output, grad_input = computed.y, computed.loss.grad_output, computed.grad_input
    grids = {
        "x": value_grid(x, tr("figure.input", rows=4, cols=4), "x", link="input", language=language),
        "y": value_grid(y, "y = AvgPool2d(x) (2×2)", "y", link="output", language=language),
        "grad_output": gradient_grid(grad_output, "∂L/∂y = 1 (L = y.sum())", "∂L/∂y", link="output", language=language),
        "grad_input": gradient_grid(grad_input, "∂L/∂x = x.grad", "∂L/∂x", link="input", language=language),
    }
    show_grids(
        grids,
        key="classic_grids",
        file_prefix="avgpool_classic",
        windows=window_axes(computed.windows),
        explain=pooling_explainer(x, y, grad_output, grad_input, computed.windows, language),
    )

    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(tr("classic.loss", loss=equals_text(y.sum())))
    right.button(tr("classic.new_x"), key="classic_new_x", on_click=_new_input, icon=":material/casino:")

    difference = largest_difference((y, grad_input), torch_avg_pool(x, grad_output, CLASSIC))
    torch_badge(difference, tr("classic.agree", difference=format_number(difference, 2)))


def _why_section() -> None:
    st.subheader(tr("classic.why"))
    st.markdown(tr("classic.why_text"))
    window, otherwise = tr("formula.window"), tr("formula.otherwise")
    # Two formulas, not one: a display formula does not wrap, and a phone cut the long one off.
    st.latex(rf"y_{{ij}} = \tfrac14 \sum_{{(r,c)\,\in\,\text{{{window}}}(i,j)}} x_{{rc}}")
    st.latex(
        rf"\frac{{\partial y_{{ij}}}}{{\partial x_{{rc}}}} = \begin{{cases}}\tfrac14 & (r,c)\in\text{{{window}}}(i,j)\\"
        rf" 0 & \text{{{otherwise}}}\end{{cases}}"
    )
    st.markdown(tr("classic.chain_text"))
    st.latex(
        r"\frac{\partial L}{\partial x_{rc}} = \sum_{i,j} \frac{\partial L}{\partial y_{ij}}"
        r"\frac{\partial y_{ij}}{\partial x_{rc}} = 1 \cdot \tfrac14 = 0.25"
    )
    st.markdown(tr("classic.shared_text"))


def _code_section(printed: str) -> None:
    """The article's code, and what it printed when run here."""
    st.subheader(tr("classic.code_header"))
    code, output = st.columns(2)
    with code:
        st.caption(tr("classic.code_caption"))
        st.code(inspect.getsource(classic_example), language="python", wrap_lines=True)
    with output:
        st.caption(tr("classic.prints", seed=st.session_state.classic_seed))
        st.code(printed, language="text", wrap_lines=True)


def _article_section(x: np.ndarray, language: str) -> None:
    """The article's first printout, reproduced by the upstream gradient that gives it (a
    click explains its cells with the x above)."""
    st.subheader(tr("classic.article_header"))
    st.markdown(tr("classic.article_text"))
    plan = CLASSIC.plan((4, 4))
    article_grad, y = avg_backward(ARTICLE_UPSTREAM, plan), avg_forward(x, plan)
    _, middle, _ = st.columns([1, 4, 1])
    with middle:
        article = {
            "article_upstream": gradient_grid(
                ARTICLE_UPSTREAM, tr("classic.upstream_title"), "∂L/∂y", link="output", language=language
            ),
            "article_grad": gradient_grid(
                article_grad, tr("classic.article_grad_title"), "∂L/∂x", link="input", language=language
            ),
        }
        show_grids(
            article,
            key="classic_article",
            file_prefix="avgpool_classic",
            columns=2,
            windows=window_axes(plan.windows()),
            explain=pooling_explainer(x, y, ARTICLE_UPSTREAM, article_grad, plan.windows(), language),
        )
    st.caption(tr("classic.same_rule"))


require_router()
page_header("pages/classic.py")
st.markdown(tr("classic.intro"))
with UrlCheck(URL_KEYS | {"draw"}) as url:  # the shared settings are known here; anything else is reported
    classic_page(url)
