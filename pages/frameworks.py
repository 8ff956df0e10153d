"""Across frameworks: the sidebar's setup runs live in torch, torch.compile, ONNX Runtime,
JAX/Flax, Keras 3 and TensorFlow, each judged against the exact core (``frameworks``).

Each framework's verdict is a job of the server's (``frameworks.submit_check``), kept per
setup: a setup seen before redraws at once; for a new one the page draws each framework's
column as it finishes, and a fragment shows which still run (``_progress``, rerun every second
by a timer in the browser) until all have.
The script never waits for a framework, so the tab's other pages and every other tab work
meanwhile. torch.compile is on unless switched off (a new setup compiles for seconds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from figures import grad_input_grid, on_one_page, value_grid
from figures.grids import GridDescription, Selection
from frameworks import (
    FRAMEWORKS,
    JOBS,
    FrameworksBusy,
    Job,
    NewSetupLater,
    Result,
    Unavailable,
    Verdict,
    explain_in_worker,
    submit_check,
)
from frameworks.explain import CellReason
from frameworks.jobs import holder
from frameworks.report import (
    cell_text,
    framework_name,
    pass_text,
    progress_text,
    reason_text,
    run_text,
    tidy,
    verdict_row,
)
from scenario.params import PoolParams
from ui.controls import BIND, URL_KEYS
from ui.display import show_grids
from ui.lang import current_language, tr
from ui.onnx_upload import onnx_preflight_section
from ui.router import page_header, require_router
from ui.scenario import Scenario, file_prefix, scenario_page
from ui.url import UrlCheck

SLOW = {"compile"}  # left out when the page's switch is off
MAX_SIDE = 16  # seven frameworks' grids stay readable, and each a light computation
PROGRESS_EVERY = 1.0  # seconds between two looks at the running frameworks


def _jobs(keys: list[str], scenario: Scenario, language: str) -> dict[str, Job]:
    """Each framework's job on this setup (asked for now, or by any tab before); those not
    asked for are said why, the busy ones in one message."""
    jobs, busy, waiting = {}, [], 0
    for key in keys:
        name = framework_name(key, language)
        try:
            jobs[key] = submit_check(key, scenario.params, scenario.x, scenario.loss.grad_output)
        except Unavailable as unavailable:
            st.warning(tidy(tr(unavailable.reason, name=name, **unavailable.params), language), icon=":material/build:")
        except NewSetupLater as later:
            st.info(tr("frameworks.compile_later", seconds=max(1, round(later.seconds))), icon=":material/schedule:")
        except FrameworksBusy as refused:
            busy, waiting = [*busy, name], max(waiting, refused.waiting)
    if busy:
        names = ("、" if language == "zh" else ", ").join(busy)
        st.info(tr("frameworks.busy", names=names, waiting=waiting), icon=":material/schedule:")
    return jobs


def _finished(jobs: dict[str, Job], language: str) -> dict[str, Verdict]:
    """The verdicts of these jobs (done); a job that failed (not a framework's error: those are
    verdicts) is a message, and the next run asks again."""
    verdicts = {}
    for key, job in jobs.items():
        if (error := job.future.exception()) is not None:
            message = f"{type(error).__name__}: {error}"[:300]
            words = tidy(tr("frameworks.error", name=framework_name(key, language), error=message), language)
            st.error(words, icon=":material/error:")
        else:
            verdicts[key] = job.future.result()
    return verdicts


@st.cache_resource
def _ticker():
    """The progress' timer in the browser, registered once per server: Step by step's Play timer
    (ui/replay_ticker.js), not a fragment's ``run_every`` (docs/decisions/0002: a class's
    listener halts it before the run that may switch the page)."""
    js = (Path(__file__).parents[1] / "ui" / "replay_ticker.js").read_text()
    hidden = ".st-key-frameworks_ticker { display: none; }"  # it draws nothing: no gap for it in the page
    return st.components.v2.component("avgpool_frameworks_ticker", html="", css=hidden, js=js, isolate_styles=False)


def _tick() -> None:
    """The timer's tick: the progress fragment's rerun is all it asks for."""


def _holder(waiting: Job, language: str) -> str | None:
    """The name of the framework whose run holds the worker a waiting job needs (``holder``)."""
    key = holder(waiting, JOBS.pending(), {key: framework.runtime for key, framework in FRAMEWORKS.items()})
    return None if key is None else framework_name(key, language)


@st.fragment
def _progress(jobs: dict[str, Job], drawn: frozenset[str], language: str) -> None:
    """Which frameworks are done and which still run (with their time, and an estimate when
    there is one), looked at again every PROGRESS_EVERY s (the browser's timer reruns this
    fragment); once a job is done that the page has not drawn, the whole page runs again and
    draws its column (then this fragment is gone)."""
    if frozenset(key for key, job in jobs.items() if job.done) != drawn:
        st.rerun()
    with st.container(key="frameworks_progress"):
        st.markdown(tr("frameworks.progress", done=len(drawn), total=len(jobs)))
        now = JOBS.clock()
        for key, job in jobs.items():
            estimate = None if job.done else JOBS.estimate(key, job.cold)
            other = _holder(job, language) if job.started is None else None
            words = progress_text(framework_name(key, language), job, now, estimate, language, busy_with=other)
            if job.done or estimate is None or job.started is None:
                st.caption(words)
            else:
                st.progress(min(job.elapsed(now) / estimate, 0.95), text=words)
    epoch = st.session_state.get("frameworks_epoch", 0)
    ticker = {"playing": True, "step": int(now * 1000), "interval_ms": round(1000 * PROGRESS_EVERY), "epoch": epoch}
    _ticker()(key="frameworks_ticker", data=ticker, on_tick_change=_tick)


def _result_grids(result: Result, prefix: str, label: str, language: str) -> dict[str, GridDescription]:
    """y and ∂L/∂x as the framework computed them, the cells that differ outlined."""
    attempt, grids = result.attempt, {}
    if attempt.y is not None:
        cells = result.forward.cells if result.forward else ()
        title = tr("frameworks.y_title", name=label)
        grids[f"{prefix}_y"] = value_grid(attempt.y, title, "y", highlight_cells=cells, language=language)
    if attempt.grad_x is not None:
        cells = result.backward.cells if result.backward else ()
        title = tr("frameworks.grad_title", name=label)
        grids[f"{prefix}_grad"] = grad_input_grid(
            attempt.grad_x, title=title, link=None, highlight_cells=cells, language=language
        )
    return grids


@st.cache_data(max_entries=256, show_spinner=False)
def cell_reason(
    key: str, port: bool, params: PoolParams, x: np.ndarray, grad_y: np.ndarray, grid: str, row: int, col: int
) -> CellReason | None:
    """Why a differing cell differs, found by the framework itself (``frameworks.explain``),
    once per server and cell; FrameworksBusy is not cached."""
    return explain_in_worker(key, port, params, x, grad_y, grid, row, col)


def _explainer(key: str, results: dict[str, Result], scenario: Scenario, language: str):
    """A click on a cell: the framework's number beside torch's; on a cell that differs, which
    windows the framework divided by what, and what torch divides by."""

    def explain(selection: Selection) -> str | None:
        prefix, part = selection.grid.rsplit("_", 1)
        result = results[prefix]
        theirs, exact = (result.attempt.y, scenario.y) if part == "y" else (result.attempt.grad_x, scenario.grad_input)
        if theirs.shape != exact.shape:
            return None  # another shape: the cell's own value
        row, col, grid = selection.row, selection.col, "y" if part == "y" else "grad"
        words = cell_text("y" if part == "y" else "∂L/∂x", row, col, theirs, exact, language)
        difference = result.forward if part == "y" else result.backward
        if difference is None or (row, col) not in difference.cells:
            return words
        try:
            with st.spinner(tr("frameworks.explaining")):
                setup = (scenario.params, scenario.x, scenario.loss.grad_output)
                reason = cell_reason(key, prefix != key, *setup, grid, row, col)
        except FrameworksBusy as busy:
            space = "" if language == "zh" else " "
            return words + space + tr("frameworks.busy", names=framework_name(key, language), waiting=busy.waiting)
        if reason is None:
            return words + tr("frameworks.why_unknown")
        return words + reason_text(framework_name(key, language), grid, row, col, reason, language)

    return explain


def _results(key: str, verdict: Verdict) -> dict[str, Result]:
    """A framework's results by the prefix of their grids: its own call's, and its port's."""
    return {key: verdict.native} | ({f"{key}port": verdict.port} if verdict.port is not None else {})


def _page_grids(verdicts: dict[str, Verdict], language: str) -> dict[str, dict[str, GridDescription]]:
    """Every framework's grids (its own and its port's y and ∂L/∂x), by framework; all the
    y grids are read together, and all the ∂L/∂x grids: each kind prints alike, the two on one
    page (``on_one_page``)."""
    page = {}
    for key, verdict in verdicts.items():
        name, port, grids = framework_name(key, language), tr("frameworks.port_short"), {}
        for prefix, result in _results(key, verdict).items():
            grids |= _result_grids(result, prefix, name if result is verdict.native else port, language)
        page[key] = grids
    names = [
        [(key, name) for key, grids in page.items() for name in grids if name.endswith(part)]
        for part in ("_y", "_grad")
    ]
    for row, grids in zip(names, on_one_page([[page[key][name] for key, name in row] for row in names])):
        for (key, name), grid in zip(row, grids):
            page[key][name] = grid
    return page


def _framework_section(
    key: str, verdict: Verdict, job: Job, grids: dict[str, GridDescription], scenario: Scenario, language: str
) -> None:
    """One framework: its run's time, what it cannot express, its call, known issues, its grids
    and the port's."""
    name, native, port = framework_name(key, language), verdict.native, verdict.port
    snippet = native.attempt.snippet
    st.subheader(name)
    if (took := run_text(name, job, language)) is not None:
        st.caption(took)
    if snippet.cannot:
        st.info(tr(snippet.cannot, setting=f"`{snippet.setting}`"), icon=":material/info:")
    st.markdown(tr("frameworks.own_call", setting=snippet.setting))
    for result in (native, port):
        if result is not None and result.attempt.error:
            words = tidy(tr("frameworks.error", name=name, error=result.attempt.error), language)
            st.error(words, icon=":material/error:")
    for known in verdict.known:
        st.warning(tr("frameworks.known", issue=known.issue, url=known.url), icon=":material/bug_report:")
    results = _results(key, verdict)
    show_grids(
        grids, key=f"frameworks_{key}", file_prefix=file_prefix(scenario, f"frameworks_{key}"), columns=4,
        explain=_explainer(key, results, scenario, language), room_below=0,
    )  # fmt: skip
    if not native.agrees:
        st.caption(tr("frameworks.marked"))
    if port is not None:
        st.markdown(tr("frameworks.port_heading", setting=port.attempt.snippet.setting))
        forward, backward = pass_text(port.forward, port, language), pass_text(port.backward, port, language)
        st.markdown(tr("frameworks.port_result", forward=forward, backward=backward))
    with st.expander(tr("frameworks.code"), icon=":material/code:"):
        for result in results.values():
            st.code(result.attempt.snippet.code, language="python")


# Where the verdicts have less than 46rem (736 px) of width (a phone, a tablet, a narrow
# window, a window with the sidebar open) their five columns no longer keep their words whole
# ("移植" broke into two lines at 700 px): each framework's row becomes a card, its name on top
# and each verdict on a line of its own after its column's name (the header row is then hidden
# from sight, not from a screen reader). The verdicts' own width decides (a container query),
# not the window's.
NARROW_TABLE_CSS = """<style>
.st-key-frameworks_verdicts { container: verdicts / inline-size; }
@container verdicts (max-width: 46rem) {
  .st-key-frameworks_verdicts :is(table, tbody, tr, th, td) { display: block; width: auto; }
  .st-key-frameworks_verdicts thead {
    position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  }
  .st-key-frameworks_verdicts tbody tr { border-bottom: 1px solid rgba(49, 51, 63, 0.2); padding: 0.4rem 0; }
  .st-key-frameworks_verdicts tbody :is(th, td) { border: none; padding: 0.1rem 0.5rem; }
  .st-key-frameworks_verdicts tbody th { font-weight: 600; }
  .st-key-frameworks_verdicts tbody td { display: flex; gap: 0.75rem; }
  .st-key-frameworks_verdicts tbody td::before { flex: 0 0 6.5rem; opacity: 0.75; }
/* LABELS */
}
</style>"""


def _verdict_table(rows: list[dict[str, str]]) -> None:
    """The verdicts, one row per framework: a table, or cards on a phone (NARROW_TABLE_CSS)."""
    table = pd.DataFrame(rows).set_index(tr("frameworks.col_framework"))
    labels = "\n".join(
        f'  .st-key-frameworks_verdicts tbody td:nth-of-type({number})::before {{ content: "{_css_text(column)}"; }}'
        for number, column in enumerate(table.columns, start=1)
    )
    with st.container(key="frameworks_verdicts"):
        st.html(NARROW_TABLE_CSS.replace("/* LABELS */", labels))
        st.table(table)


def _css_text(words: str) -> str:
    """A catalogue's words inside a CSS string: quotes, backslashes and angle brackets escaped."""
    return "".join(f"\\{ord(char):x} " if char in '"\\<>\n' else char for char in words)


def frameworks_page(scenario: Scenario | None, url: UrlCheck) -> None:
    compile_on = st.toggle(
        tr("frameworks.compile_toggle"), value=True, key="compile", bind=BIND, help=tr("frameworks.compile_help")
    )
    url.check("compile", bool(compile_on), tr("url.allowed_switch", key="compile"))
    onnx_preflight_section()  # an uploaded model's pooling nodes, whatever the sidebar says
    if scenario is None:
        return
    language, x = current_language(), scenario.x
    if max(x.shape) > MAX_SIDE:
        st.info(tr("frameworks.too_big", rows=x.shape[0], cols=x.shape[1], most=MAX_SIDE), icon=":material/info:")
        return
    call = scenario.params.torch_call("F.avg_pool2d", "x")
    st.markdown(tr("frameworks.intro", call=call, rows=x.shape[0], cols=x.shape[1]))
    jobs = _jobs([key for key in FRAMEWORKS if compile_on or key not in SLOW], scenario, language)
    done = frozenset(key for key, job in jobs.items() if job.done)  # looked at once: jobs finish meanwhile
    verdicts = _finished({key: job for key, job in jobs.items() if key in done}, language)
    if len(done) < len(jobs):
        _progress(jobs, done, language)
    if verdicts:  # none yet, or every framework refused (busy): said above
        st.subheader(tr("frameworks.table"))
        _verdict_table([verdict_row(verdict, language) for verdict in verdicts.values()])
    if not compile_on:
        st.caption(tr("frameworks.compile_off"))
    grids = _page_grids(verdicts, language)
    for key, verdict in verdicts.items():
        _framework_section(key, verdict, jobs[key], grids[key], scenario, language)


require_router()
# Counts this page's whole runs: the progress' timer, halted by a class's change, goes on from the next one.
st.session_state.frameworks_epoch = st.session_state.get("frameworks_epoch", 0) + 1
page_header("pages/frameworks.py", "frameworks.caption")
with UrlCheck(URL_KEYS | {"compile"}) as url:
    scenario_page(url, frameworks_page)
