"""The Across frameworks page's ONNX pre-flight: an uploader, and each AveragePool node of the
file with ONNX Runtime's verdict against torch (``frameworks.onnx_preflight``). Everything the
file says (node names, ONNX Runtime's refusals) is shown through ``i18n.user_text``."""

from __future__ import annotations

import streamlit as st

from frameworks import FrameworksBusy, preflight_in_worker
from frameworks.onnx_preflight import MAX_BYTES, NodeCheck, Preflight, Problem, sidebar_link
from i18n import user_text
from pooling import PoolingError
from scenario.numbers import format_number
from ui.lang import current_language, tr, translated_error

__all__ = ["onnx_preflight_section"]

MAX_MB = MAX_BYTES // 2**20
SHOWN = ("kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad", "auto_pad", "dilations")


@st.cache_data(max_entries=32, show_spinner=False)
def _preflight(data: bytes) -> Preflight:
    """One file's pre-flight, once per server and file; FrameworksBusy is not cached."""
    return preflight_in_worker(data)


def _said(problem: Problem) -> str:
    """A problem in the page's words, every value made inert (a file's words are untrusted)."""
    values = {
        key: user_text(", ".join(map(str, value)) if isinstance(value, list) else value, limit=200)
        for key, value in problem.values.items()
    }
    if "reason" in problem.values:  # torch's refusal, translated as the sidebar's (pooling.PoolingError)
        values["reason"] = translated_error(PoolingError(*problem.values["reason"][:1], **problem.values["reason"][1]))
    return tr(problem.key, **values)


def onnx_preflight_section() -> None:
    """The uploader, folded under its heading until a file is there, then the file's verdict."""
    uploaded = st.session_state.get("onnx_file") is not None
    with st.expander(tr("preflight.title"), icon=":material/upload_file:", expanded=uploaded):
        st.markdown(tr("preflight.intro", most=MAX_MB))
        file = st.file_uploader(
            tr("preflight.label", most=MAX_MB), type=["onnx"], key="onnx_file", max_upload_size=MAX_MB
        )
        if file is None:
            return
        try:
            with st.spinner(tr("preflight.running")):
                result = _preflight(file.getvalue())
        except FrameworksBusy as busy:
            st.info(tr("preflight.busy", waiting=busy.waiting), icon=":material/schedule:")
            return
        if result.problem is not None:
            st.error(_said(result.problem), icon=":material/block:")
            return
        st.markdown(tr("preflight.found", count=len(result.nodes) + result.more, opset=result.opset))
        for number, node in enumerate(result.nodes):
            _node(node, number)
        if result.more:
            st.caption(tr("preflight.more", more=result.more, most=len(result.nodes)))


def _node(node: NodeCheck, number: int) -> None:
    """One node: its name and attributes, ONNX Runtime's verdict, the fix, the page's link."""
    with st.container(border=True, key=f"onnx_node_{number}"):
        st.markdown(tr("preflight.node", name=user_text(node.name, limit=60)))
        written = [f"`{key}={_value(node.attributes[key])}`" for key in SHOWN if key in node.attributes]
        if written:  # those read before a refused one
            st.markdown(" · ".join(written))
        for note in node.notes:
            st.info(_said(note), icon=":material/info:")
        if node.problem is not None:
            st.warning(_said(node.problem), icon=":material/warning:")
        elif node.difference is not None and node.difference.agrees:
            st.success(tr("preflight.agrees", call=_call(node), side=_side(node)), icon=":material/check_circle:")
        elif node.difference is not None:
            st.warning(_differs(node), icon=":material/error:")
        if node.fix is not None:
            st.markdown(_said(node.fix))
        link = sidebar_link(node)
        if link is not None:
            query = link | {"lang": current_language()}
            st.page_link("pages/frameworks.py", label=tr("preflight.open"), icon=":material/compare_arrows:",
                         query_params=query)  # fmt: skip
        elif node.params is not None:
            st.caption(tr("preflight.no_link", side=_side(node)))


def _value(value: object) -> str:
    """An attribute's value as ONNX writes it (checked: ints or one of auto_pad's words)."""
    return "[" + ", ".join(map(str, value)) + "]" if isinstance(value, tuple) else str(value)


def _call(node: NodeCheck) -> str:
    return node.params.torch_call("F.avg_pool2d", "x")


def _side(node: NodeCheck) -> str:
    return "×".join(map(str, node.side))


def _differs(node: NodeCheck) -> str:
    difference = node.difference
    if difference.shape is not None:
        shape = "×".join(map(str, difference.shape[-2:]))
        return tr("preflight.other_shape", call=_call(node), side=_side(node), shape=shape)
    largest = format_number(difference.largest, 2)
    return tr("preflight.differs", call=_call(node), side=_side(node), count=len(difference.cells), largest=largest)
