"""Across frameworks: each framework's column against that framework called here directly,
every port against torch, and the known divergences found by computing, never told.

Real frameworks, no mocks. The file shares one process (its imports), tiny setups, and
compiles torch once: the compiled verdict is a module fixture."""

from __future__ import annotations

import dataclasses
import inspect
from urllib.parse import parse_qsl

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import frameworks
from frameworks import FRAMEWORKS, check, explain, torch_compile, workers
from frameworks.base import Snippet, run_snippet
from frameworks.divergences import known_divergences
from frameworks.report import framework_name, reason_text
from pooling import PoolingError, avg_backward, avg_forward
from scenario.params import PoolParams
from tests.conftest import alerts, grids_on_page, open_app, select_cell, settled

CEIL = PoolParams((3, 3), (2, 2), ceil_mode=True)  # 6x6: the last window overhangs by one
RNG = np.random.default_rng(29)
X = RNG.standard_normal((6, 6))


def _grad_y(params: PoolParams, x: np.ndarray = X) -> np.ndarray:
    return np.random.default_rng(1).standard_normal(params.plan(x.shape).output_shape)


def progress_lines(at) -> list[str]:
    """The progress fragment's lines: each framework's caption or bar ([] when it is gone)."""
    box = [block for block in at.get("flex_container") if getattr(block, "key", None) == "frameworks_progress"]
    if not box:
        return []
    lines = list(box[0].children.values())[1:]  # after its heading
    return [item.value if item.type == "caption" else item.proto.text for item in lines]


@pytest.fixture(scope="module")
def compiled():
    """torch.compile on the ceil_mode setup: its own call and its port (two compiles)."""
    return check("compile", CEIL, X, _grad_y(CEIL))


def test_torch_compile_ceil_mode_backward_difference_is_found(compiled):
    native = compiled.native
    assert native.attempt.error is None and native.forward.agrees  # y is eager's
    # ∂L/∂x differs exactly in the cells under the overhanging windows (last rows, last columns).
    assert native.backward.cells and all(max(cell) >= 4 for cell in native.backward.cells), native.backward
    assert [known.issue for known in compiled.known] == ["pytorch/pytorch#198119"]
    assert compiled.port is not None and compiled.port.agrees, compiled.port
    # Found by computing: the module that runs torch.compile knows nothing of ceil_mode or the issue.
    source = inspect.getsource(torch_compile)
    assert "ceil" not in source and "198119" not in source


def test_a_click_on_a_compiled_cell_says_which_windows_it_divided_by_what(compiled):
    """∂L/∂x[5, 5] lies under the overhanging corner window only: Inductor's backward divided
    its ∂L/∂y by the full kernel, torch by the 2×2 cells it holds. Found by running
    torch.compile again on one-hot ∂L/∂y's: the explaining module knows no framework's rules."""
    grad_y = _grad_y(CEIL)
    reason = frameworks.explain_in_worker("compile", False, CEIL, X, grad_y, "grad", 5, 5)
    name = framework_name("compile", "en")
    assert reason_text(name, "grad", 5, 5, reason, "en") == (
        f" x[5, 5] gets a share of each window that covers it; {name} divides each one's ∂L/∂y by:"
        " overhanging y[2, 2]: 9 (torch: 4)."
    )
    zh_name = framework_name("compile", "zh")
    assert reason_text(zh_name, "grad", 5, 5, reason, "zh") == (
        f"x[5, 5] 从覆盖它的每个窗口分得一份；{zh_name}把各窗口的 ∂L/∂y 分别除以："
        "超出边界的窗口 y[2, 2]：9（torch：4）。"
    )
    # x[4, 4]: four windows cover it, in reading order; the inner one, y[1, 1], divides by 9 in both.
    reason = frameworks.explain_in_worker("compile", False, CEIL, X, grad_y, "grad", 4, 4)
    assert [(theirs.window, theirs.divisor, torch.divisor) for theirs, torch in reason.pairs] == [
        ((1, 2), 9.0, 6.0), ((2, 1), 9.0, 6.0), ((2, 2), 9.0, 4.0)
    ]  # fmt: skip
    assert [(same.window, same.divisor) for same in reason.same] == [((1, 1), 9.0)]
    source = inspect.getsource(explain)
    assert not any(word in source for word in ("compile", "Inductor", "198119", "SAME", "tensorflow"))


def test_a_click_on_tensorflows_cells_says_what_its_windows_read():
    """TensorFlow's 'SAME' for padding=1: with stride 1 its corner window reads torch's cells and
    divides by 4, not 9; with stride 2 it pads only at the end, so its windows read other
    cells. A forward-only run (as ONNX Runtime's) finds the same from one-hot x's."""
    name = framework_name("tensorflow", "en")
    for params, expected in [
        (PoolParams((3, 3), (1, 1), (1, 1)), f" {name} divided the padded window y[0, 0] (the sum of x[0:2, 0:2]) by 4;"
         " torch divides it by 9."),
        (PoolParams((3, 3), (2, 2), (1, 1)), f" {name}'s window y[0, 0] reads x[0:3, 0:3] and divides by 9; torch's"
         " reads x[0:2, 0:2] and divides by 9."),
    ]:  # fmt: skip
        reason = frameworks.explain_in_worker("tensorflow", False, params, X, _grad_y(params), "y", 0, 0)
        assert reason_text(name, "y", 0, 0, reason, "en") == expected
        plan = params.plan(X.shape)
        forward_only = dataclasses.replace(FRAMEWORKS["tensorflow"].native(params, plan), backward=False)
        assert explain.explain_cell(forward_only, plan, X, _grad_y(params), "y", 0, 0) == reason
    # Its port agrees: no cell of it has a reason to differ.
    assert frameworks.explain_in_worker("tensorflow", True, params, X, _grad_y(params), "y", 0, 0) is None


def test_all_frameworks_agree_on_the_worked_example():
    """4x4, kernel 2, stride 2, ∂L/∂y ones: every ∂L/∂x is 0.25; no false difference, no issue, no port."""
    x, params = np.arange(16.0).reshape(4, 4), PoolParams((2, 2))
    for key in FRAMEWORKS.keys() - {"compile"}:  # compiled once, above
        verdict = check(key, params, x, np.ones((2, 2)))
        assert verdict.native.agrees and not verdict.known and verdict.port is None, (key, verdict.native)
        assert verdict.native.attempt.dtype == ("float32" if key.startswith("onnx") else "float64"), key
        if verdict.native.attempt.grad_x is not None:
            np.testing.assert_allclose(verdict.native.attempt.grad_x, 0.25, err_msg=key)


# TensorFlow and Flax called directly, by this test's own code (not the page's snippets), in the
# frameworks' worker processes (frameworks.workers; the tests above started them): TensorFlow's
# import brings Keras, and Keras in the test process slows every later AppTest run there
# (tests/conftest.py). A process of its own for these two calls imported TensorFlow and JAX
# again: ~10 s of a core, ~30 s in a full run.
DIRECT_TENSORFLOW = """import tensorflow as tf


def run(x, grad_y):
    return tf.nn.avg_pool2d(x[None, :, :, None], 3, 1, "SAME").numpy()[0, :, :, 0], None
"""
DIRECT_FLAX = """import jax
import numpy as np
from flax import linen as nn

jax.config.update("jax_enable_x64", True)  # float64, as the page's Flax code sets in its worker


def run(x, grad_y):
    return np.asarray(nn.avg_pool(x[None, :, :, None], (3, 3), (1, 1), ((1, 1), (1, 1))))[0, :, :, 0], None
"""


def test_columns_are_the_frameworks_called_directly():
    """The page's TensorFlow and Flax columns are what those frameworks give when called directly."""
    called = [
        workers.run(runtime, code, X, X) for runtime, code in [("tensorflow", DIRECT_TENSORFLOW), ("jax", DIRECT_FLAX)]
    ]
    assert [outcome.error for outcome in called] == [None, None], called
    tf_y, flax_y = (outcome.y for outcome in called)
    params = PoolParams((3, 3), (1, 1), (1, 1))  # TF says 'SAME'; Flax says it exactly
    tf_verdict, flax_verdict = (check(key, params, X, _grad_y(params)) for key in ("tensorflow", "flax"))
    np.testing.assert_allclose(tf_verdict.native.attempt.y, tf_y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(flax_verdict.native.attempt.y, flax_y, rtol=0, atol=1e-12)
    assert tf_verdict.native.attempt.snippet.cannot == "frameworks.cannot.only_valid_same"
    assert not tf_verdict.native.agrees
    # TF leaves padding out of its divisor where torch counts it: the rule of MMdnn#628.
    assert [known.issue for known in tf_verdict.known] == ["microsoft/MMdnn#628"]
    assert tf_verdict.port.agrees and flax_verdict.native.agrees


@st.composite
def setups(draw):
    kernel = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    divisor = draw(st.none() | st.integers(1, 5))
    params = PoolParams(kernel, stride, padding, draw(st.booleans()), draw(st.booleans()), divisor)
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    return params, shape


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setups())
@example((PoolParams((3, 3), (2, 2), (1, 1), True, False), (6, 5)))  # padding not counted, an overhang
@example((PoolParams((3, 2), (2, 2), (1, 1), True, True), (5, 6)))  # padding counted, the overhang not
def test_ports_give_torchs_numbers(setup):
    """Every port runs and equals torch (our core, itself equal to torch) on random setups."""
    params, shape = setup
    try:
        plan = params.plan(shape)
    except PoolingError:
        return  # torch rejects it too (tests/test_core.py)
    x = np.random.default_rng(2).standard_normal(shape)
    grad_y = np.random.default_rng(3).standard_normal(plan.output_shape)
    for key in ("flax", "keras", "tensorflow"):
        result = frameworks._judge(
            FRAMEWORKS[key].port(params, plan), x, grad_y, (avg_forward(x, plan), avg_backward(grad_y, plan))
        )
        assert result.agrees, (key, params, shape, result)


@pytest.mark.parametrize(
    "params", [CEIL, PoolParams((3, 3), (2, 2), (1, 1), True, False), PoolParams((2, 2), divisor_override=3)]
)
def test_onnx_ports_give_torchs_numbers(params):
    plan = params.plan(X.shape)
    exact = (avg_forward(X, plan), avg_backward(_grad_y(params), plan))
    result = frameworks._judge(FRAMEWORKS["onnx17"].port(params, plan), X, _grad_y(params), exact)
    assert result.agrees and result.attempt.dtype == "float32", result


def test_a_rule_that_gives_torchs_numbers_names_no_issue():
    """torch's own numbers match no known issue, even where a rule applies (the overhang)."""
    plan = CEIL.plan(X.shape)
    grad_y = _grad_y(CEIL)
    found = {"forward": avg_forward(X, plan), "backward": avg_backward(grad_y, plan)}
    for key in FRAMEWORKS:
        assert known_divergences(key, plan, X, grad_y, found, "float64") == [], key


def test_a_failing_framework_is_a_message():
    attempt = run_snippet(Snippet("import no_such_framework\n", "call"), X, X)
    assert attempt.y is None and attempt.error.startswith("ModuleNotFoundError")
    attempt = run_snippet(Snippet("def run(x, grad_y):\n    raise RuntimeError('out of memory')\n", "call"), X, X)
    assert attempt.error == "RuntimeError: out of memory"


CEIL_LINK = {"kernel_h": "3", "stride_h": "2", "ceil_mode": "true", "height": "6", "width": "6"}


def test_page_shows_every_verdict_and_marks_the_differing_cells():
    """The page on the ceil_mode setup, torch.compile on (compiled above: the same code, kept)."""
    at = settled(open_app(CEIL_LINK, "pages/frameworks.py"))  # compile is on unless switched off
    table = at.table[0].value
    assert [name.rsplit(", ", 1)[0] for name in table.index] == [framework_name(key, "en") for key in FRAMEWORKS]
    assert table.index[2].endswith("float32") and table.index[1].endswith("float64")  # ONNX Runtime; torch.compile
    compiled_row = table.loc[f"{framework_name('compile', 'en')}, float64"]
    assert compiled_row["y"] == "agrees" and "cells differ" in compiled_row["∂L/∂x"]
    assert compiled_row["known issue"] == "pytorch#198119"
    assert any("pytorch/pytorch#198119" in alert for alert in alerts(at))
    titles = {grid["title"]: grid for grid in grids_on_page(at)}
    compiled_grad = titles[f"∂L/∂x · {framework_name('compile', 'en')}"]
    assert compiled_grad["cells"] and all(max(cell) >= 4 for cell in compiled_grad["cells"])
    assert titles[f"∂L/∂x · {framework_name('torch', 'en')}"]["cells"] == []
    select_cell(at, "frameworks_compile", "cell", 5, 5, "compile_grad")  # a click on a differing cell
    at.run()
    said = "∂L/∂x[5, 5]: this framework gives 1/9, torch (and the exact core) 0.25."  # as the grids write them
    explained = [alert for alert in alerts(at) if alert.startswith(said)]
    assert explained and explained[0].endswith("each one's ∂L/∂y by: overhanging y[2, 2]: 9 (torch: 4).")


def test_page_without_compile_and_a_crafted_switch():
    at = settled(open_app(CEIL_LINK | {"compile": "false"}, "pages/frameworks.py"))
    assert not any(framework_name("compile", "en") in name for name in at.table[0].value.index)
    at = open_app(CEIL_LINK | {"compile": "maybe"}, "pages/frameworks.py")  # read as the default: on
    warned = alerts(at)  # once: the page drops the value it did not use
    assert any("compile" in alert and "`true`" in alert and "(open)" not in alert for alert in warned), warned
    assert any(framework_name("compile", "en") in name for name in settled(at).table[0].value.index)


def test_each_frameworks_section_says_its_run_time_and_when_it_was_ready():
    """Every framework's section says how long its run took and when its column was ready
    after the setup was asked for: the job's own timestamps, there for a tab that opens the
    setup later too (a benchmark reads each framework's time there, not between two looks)."""
    import re

    setup = CEIL_LINK | {"compile": "false", "height": "7"}
    took = re.compile(r"^(.+): its run took ([\d.]+) s(, its worker's start included)?; ready ([\d.]+) s after")
    for at in (settled(open_app(setup, "pages/frameworks.py")), settled(open_app(setup, "pages/frameworks.py"))):
        said = {match[1]: (float(match[2]), float(match[4])) for c in at.caption if (match := took.match(c.value))}
        shown = [name.rsplit(", ", 1)[0] for name in at.table[0].value.index]
        assert sorted(said) == sorted(shown), [c.value for c in at.caption]
        assert all(0 <= run <= ready for run, ready in said.values()), said
    zh = settled(open_app(setup | {"lang": "zh"}, "pages/frameworks.py"))
    zh_took = re.compile(r"^.+：运行用时 [\d.]+ 秒(（含启动工作进程）)?；首次请求这个设置后 [\d.]+ 秒就绪$")
    assert any(zh_took.match(caption.value) for caption in zh.caption), [c.value for c in zh.caption]


def test_page_takes_x_up_to_16x16():
    at = open_app({"height": "17", "width": "6"}, "pages/frameworks.py")
    assert not at.table and any("up to 16×16; this x is 17×6" in alert for alert in alerts(at)), alerts(at)


def test_the_presets_card_opens_the_setup_where_torch_compile_differs():
    """The Presets page's card "When frameworks disagree" links to the setup the page test above checks."""
    at = open_app({}, "pages/presets.py")
    links = [link.proto for link in at.get("page_link") if link.proto.page == "frameworks" and link.proto.query_string]
    assert [dict(parse_qsl(link.query_string)) for link in links] == [CEIL_LINK | {"compile": "true"}]


def test_frameworks_do_not_put_the_tab_in_debt():
    """A new setup runs every framework (exports, first calls: seconds of CPU) in the frameworks'
    own thread: the tab's CPU budget (ui/fairness.py) is not charged for it, so its next run,
    on this page or another, does not wait."""
    from ui.fairness import BURST

    setup = {"kernel_h": "2", "stride_h": "1", "height": "7", "width": "5", "compile": "false"}
    at = settled(open_app(setup, "pages/frameworks.py"))
    at.query_params["padding_h"] = "1"  # a setup no test ran before: each framework runs it now
    at.slider(key="padding_h").set_value(1).run()
    settled(at)
    assert not at.exception and at.table
    assert at.session_state["cpu_budget"].budget.debt < BURST


def test_a_slow_frameworks_new_setups_are_bounded_per_minute(monkeypatch):
    """torch.compile costs seconds of a core per new setup: a server runs at most its share of
    new setups a minute (here one, on a clock the test drives) whoever asks; then a refusal
    that says when, until the minute is over."""
    now = [100.0]
    monkeypatch.setitem(frameworks.NEW_SETUPS, "torch", frameworks.NewSetups(1, 60.0, clock=lambda: now[0]))
    params = PoolParams((2, 2))
    assert frameworks.check_in_worker("torch", params, X + 100, _grad_y(params)).native.agrees
    assert frameworks.check_in_worker("torch", params, X + 100, _grad_y(params)).native.agrees  # not new: kept
    with pytest.raises(frameworks.NewSetupLater) as later:
        frameworks.check_in_worker("torch", params, X + 101, _grad_y(params))
    assert later.value.seconds == 60.0
    now[0] += 60.0
    assert frameworks.check_in_worker("torch", params, X + 101, _grad_y(params)).native.agrees


def test_runs_waiting_for_the_frameworks_are_bounded(monkeypatch):
    """At most MAX_WAITING runs are asked for and not finished, over every lane; the next is
    refused at once (FrameworksBusy), never queued without end; a place is free again when a
    run finishes."""
    import threading

    monkeypatch.setattr(frameworks, "MAX_WAITING", 1)
    release, params = threading.Event(), PoolParams((2, 2))
    frameworks._LANES["torch"].submit(release.wait)  # the torch lane busy with another tab's setup
    try:
        job = frameworks.submit_check("torch", params, X + 200, _grad_y(params))  # waits in the lane
        assert not job.done and frameworks._waiting == 1
        with pytest.raises(frameworks.FrameworksBusy) as busy:
            frameworks.submit_check("tensorflow", params, X + 200, _grad_y(params))  # another lane, refused too
        assert busy.value.waiting == 1
        assert frameworks.submit_check("torch", params, X + 200, _grad_y(params)) is job  # asked again: the same job
    finally:
        release.set()
    assert job.future.result(timeout=600).native.agrees
    with frameworks._waiting_changed:
        assert frameworks._waiting_changed.wait_for(lambda: frameworks._waiting == 0, timeout=60)


def test_page_says_when_compile_has_run_its_share(monkeypatch):
    """The page with torch.compile on, its share of new setups used: a message says when it
    compiles again; every other framework is computed and judged as usual."""
    compiles = frameworks.NewSetups(1, 60.0, clock=lambda: 0.0)
    assert compiles.admit() is None  # another tab's new setup, this minute
    monkeypatch.setitem(frameworks.NEW_SETUPS, "compile", compiles)
    at = settled(open_app({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "4"}, "pages/frameworks.py"))
    names = [name.rsplit(", ", 1)[0] for name in at.table[0].value.index]
    assert names == [framework_name(key, "en") for key in FRAMEWORKS if key != "compile"]
    assert any("torch.compile has compiled its share" in alert for alert in alerts(at)), alerts(at)


def test_page_with_every_framework_busy_says_so_and_draws_no_table(monkeypatch):
    """Every run refused (the frameworks' thread has its runs waiting): one message naming every
    framework, no empty table (pandas could not index one), no exception."""
    monkeypatch.setattr(frameworks, "MAX_WAITING", 0)
    at = open_app({"kernel_h": "3", "stride_h": "1", "height": "5", "width": "3"}, "pages/frameworks.py")
    names = ", ".join(framework_name(key, "en") for key in FRAMEWORKS)
    assert [alert for alert in alerts(at) if alert.startswith("Busy")] == [
        f"Busy with 0 setups from other tabs, so not computed now: {names}. Try again in a few seconds (the setups"
        " already computed show at once)."
    ]
    assert not at.table


def test_each_frameworks_column_is_drawn_as_it_finishes_and_other_tabs_go_on():
    """A new setup with torch.compile on by default: the TensorFlow and compile lanes are held
    (a run of another tab's, released by the test), so their runs wait; every other column is
    drawn as it finishes, the progress says which still run, and another tab's Playground and
    another setup's torch column do not wait for them. Released, the page draws the last
    columns and its progress is gone."""
    import threading

    release = threading.Event()
    held = [frameworks._LANES[runtime].submit(release.wait) for runtime in ("tensorflow", "compile")]
    setup = {"kernel_h": "3", "stride_h": "2", "padding_h": "1", "height": "7", "width": "6"}
    try:
        at = open_app(setup, "pages/frameworks.py")  # asks for every framework; waits for none
        first = progress_lines(at)
        compile_waits = f"{framework_name('compile', 'en')}: waiting for its worker, busy with another run"
        assert len(first) == len(FRAMEWORKS) and compile_waits in first, first
        free = [job for job in frameworks.JOBS.pending() if job.key not in ("tensorflow", "compile")]
        for job in free:
            job.future.result(timeout=600)  # the event: those frameworks are done
        at.run()
        names = [name.rsplit(", ", 1)[0] for name in at.table[0].value.index]
        assert names == [framework_name(key, "en") for key in FRAMEWORKS if key not in ("tensorflow", "compile")]
        lines = progress_lines(at)
        done = f"{len(names)} of {len(FRAMEWORKS)} frameworks done"
        assert any(done in markdown.value for markdown in at.markdown), [markdown.value for markdown in at.markdown]
        assert [line for line in lines if "waiting" in line] == [
            f"{framework_name('compile', 'en')}: waiting for its worker, busy with another run",
            f"{framework_name('tensorflow', 'en')}: waiting for its worker, busy with another run",
        ]
        assert sum("done in" in line for line in lines) == len(names)
        playground = open_app(setup, "pages/playground.py")  # another tab, another page: not held
        assert not playground.exception
        other = open_app(setup | {"height": "6", "width": "7", "compile": "false"}, "pages/frameworks.py")
        for job in frameworks.JOBS.pending():
            if job.key not in ("tensorflow", "compile"):
                job.future.result(timeout=600)
        other.run()
        assert framework_name("torch", "en") + ", float64" in other.table[0].value.index
    finally:
        release.set()
    for future in held:
        future.result()
    settled(at)
    names = [name.rsplit(", ", 1)[0] for name in at.table[0].value.index]
    assert names == [framework_name(key, "en") for key in FRAMEWORKS] and progress_lines(at) == []
    settled(other)


def test_progress_says_how_long_a_run_took_and_estimates_the_next_from_them():
    """The progress' words on a clock the test drives: waiting, running (with no estimate, then
    with the median of this server's last runs of that framework), done."""
    from frameworks.jobs import Job, Jobs
    from frameworks.report import progress_text

    now = [0.0]
    jobs = Jobs(clock=lambda: now[0])
    assert jobs.estimate("compile", True) == 20.0 and jobs.estimate("torch", True) is None  # typical; no guess
    for seconds in (12.0, 30.0, 14.0):
        job = Job("compile", cold=True, submitted=now[0])

        def run(seconds=seconds):
            now[0] += seconds
            return "verdict"

        assert jobs.run(job, run) == "verdict" and job.elapsed(now[0]) == seconds
    assert jobs.estimate("compile", True) == 14.0 and jobs.estimate("compile", False) == 10.0
    waiting = Job("compile", cold=False, submitted=now[0])
    assert progress_text("torch.compile", waiting, now[0], 10.0, "en") == (
        "torch.compile: waiting for its worker, busy with another run"
    )
    running = Job("torch", cold=False, submitted=0.0, started=1.0)
    assert progress_text("torch", running, 4.2, None, "en") == "torch: running for 3 s"
    # The page reads its clock, then its lane starts the job: the run has taken 0 s, not −0.4 s
    # (a negative share of the estimate crashed st.progress in a full run).
    assert running.elapsed(0.6) == 0.0 and progress_text("torch", running, 0.6, 10.0, "en").startswith("torch: running")
    assert progress_text("torch", running, 4.2, 10.0, "zh") == "torch：已运行 3 秒，共约 10 秒"
    running.finished = 3.25
    assert progress_text("torch", running, 9.0, None, "en") == "torch: done in 2.2 s"


def test_progress_never_estimates_less_than_the_time_spent_and_says_a_workers_start():
    """An estimate the run has outlived is dropped for "longer than usual" (not "3 s of about
    2 s"); a time that includes starting the worker says so, for every framework; a run waiting
    for its worker names the framework that holds it."""
    from frameworks.jobs import Job
    from frameworks.report import progress_text

    late = Job("onnx17", cold=False, submitted=0.0, started=0.0)
    assert progress_text("ONNX", late, 3.0, 2.0, "en") == "ONNX: running for 3 s, longer than usual"
    assert progress_text("ONNX", late, 3.0, 2.0, "zh") == "ONNX：已运行 3 秒，比平常久"
    assert progress_text("ONNX", late, 1.0, 2.0, "en") == "ONNX: running for 1 s, of about 2 s"
    cold = Job("torch", cold=True, submitted=0.0, started=0.0, finished=10.9)
    assert progress_text("torch (eager)", cold, 11.0, None, "en") == (
        "torch (eager): done in 10.9 s, its worker's start included"
    )
    assert progress_text("torch", cold, 11.0, None, "zh") == "torch：用时 10.9 秒完成（含启动工作进程）"
    starting = Job("flax", cold=True, submitted=0.0, started=0.0)
    assert progress_text("Flax", starting, 4.0, None, "en") == "Flax: running for 4 s (its worker starts first)"
    waiting = Job("onnx_newest", cold=False, submitted=0.0)
    assert progress_text("ONNX 23", waiting, 1.0, None, "en", busy_with="ONNX 17") == (
        "ONNX 23: waiting for its worker, busy with ONNX 17"
    )
    assert progress_text("ONNX 23", waiting, 1.0, None, "zh", busy_with="ONNX 17") == (
        "ONNX 23：等待它的工作进程，它正忙于 ONNX 17"
    )


def test_without_a_compiler_torch_compile_is_a_message_and_inductor_agrees(monkeypatch, tmp_path):
    """Inductor compiles C++ with $CXX, else g++ (the Docker image has none unless it installs
    one): with CXX pointing at nothing, or a PATH without g++, the page says torch.compile is
    not available, in its place, and computes the others. Inductor itself, run with that
    environment, fails for that reason: the check says what Inductor would find."""
    import os
    import subprocess
    import sys

    from harness.browser import REPO

    path = os.environ["PATH"]
    monkeypatch.delenv("CXX", raising=False)
    assert torch_compile.missing_compiler() is None  # g++ is installed here
    monkeypatch.setenv("PATH", str(tmp_path))  # no compiler there
    assert torch_compile.missing_compiler() == "g++"
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    assert torch_compile.missing_compiler() == str(tmp_path / "no-such-compiler")
    script = "import torch\nprint(torch.compile(lambda x: x * 2)(torch.ones(2)))\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "InvalidCxxCompiler" in done.stderr, done.stderr[-2000:]

    at = open_app({"kernel_h": "2", "stride_h": "1", "height": "3", "width": "3"}, "pages/frameworks.py")
    said = [alert for alert in alerts(at) if alert.startswith(framework_name("compile", "en"))]
    assert said == [
        f"{framework_name('compile', 'en')} is not available on this server: Inductor compiles C++ on the CPU and needs"
        f" a compiler, and `{tmp_path / 'no-such-compiler'}` (the CXX variable, else g++) is not found. Install one"
        " (Debian: `apt-get install g++`) or point CXX at one, then reload; the other frameworks are below."
    ]
    assert not any(job.key == "compile" for job in frameworks.JOBS.pending())
    settled(at)
    assert framework_name("compile", "en") not in " ".join(at.table[0].value.index)


@pytest.mark.parametrize(
    "params",
    [CEIL, PoolParams((3, 3), (2, 2), (1, 1), True, False), PoolParams((2, 2), divisor_override=3), PoolParams((2, 2))],
)
def test_every_shown_snippet_and_own_call_is_python(params):
    """The code the page shows is Python that runs: each framework's own call (one line), its
    port's, and the code that ran, all parse; torch.compile compiles a function, then calls it."""
    import ast

    plan = params.plan(X.shape)
    for framework in FRAMEWORKS.values():
        for snippet in (framework.native(params, plan), framework.port(params, plan)):
            if snippet is not None:
                ast.parse(snippet.code)
                ast.parse(snippet.setting)  # ONNX's "AveragePool (opset 17) ← …" did not parse
    call = ast.parse(FRAMEWORKS["compile"].native(params, plan).setting).body[0].value
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Call)  # torch.compile(function)(x)
    assert isinstance(call.func.args[0], ast.Lambda)


def test_a_clicked_cells_windows_are_listed_in_reading_order_each_with_its_divisor():
    """x[4, 4] under ceil_mode's 3×3, stride 2 on 6×6: four windows cover it. All are listed,
    row then column, the one that agrees with torch too (the shares then add up to the cell's
    number: 4 × 1/9 against 1/9 + 1/6 + 1/6 + 1/4), and the framework is named once."""
    from frameworks.explain import CellReason, WindowReading

    def reading(window, box, divisor):
        return WindowReading(window, box, divisor)

    theirs = {
        w: reading(w, (2 * w[0], 2 * w[0] + 3, 2 * w[1], 2 * w[1] + 3), 9.0) for w in [(1, 1), (1, 2), (2, 1), (2, 2)]
    }
    torch = {(2, 2): reading((2, 2), (4, 6, 4, 6), 4.0), (1, 2): reading((1, 2), (2, 5, 4, 6), 6.0),
             (2, 1): reading((2, 1), (4, 6, 2, 5), 6.0)}  # fmt: skip
    torch = {w: dataclasses.replace(t, box=theirs[w].box) for w, t in torch.items()}  # same boxes: divisors differ
    pairs = tuple((theirs[w], torch[w]) for w in [(2, 2), (1, 2), (2, 1)])  # the order explain_cell used to give
    reason = CellReason(pairs, ("overhang", "overhang", "overhang"), (theirs[(1, 1)],))
    words = reason_text("torch.compile", "grad", 4, 4, reason, "en")
    assert words == (
        " x[4, 4] gets a share of each window that covers it; torch.compile divides each one's ∂L/∂y by:"
        " y[1, 1]: 9 (torch: 9); overhanging y[1, 2]: 9 (torch: 6); overhanging y[2, 1]: 9 (torch: 6);"
        " overhanging y[2, 2]: 9 (torch: 4)."
    )
    assert words.count("torch.compile") == 1
    assert reason_text("torch.compile", "grad", 4, 4, reason, "zh") == (
        "x[4, 4] 从覆盖它的每个窗口分得一份；torch.compile 把各窗口的 ∂L/∂y 分别除以：窗口 y[1, 1]：9（torch：9）；"
        "超出边界的窗口 y[1, 2]：9（torch：6）；超出边界的窗口 y[2, 1]：9（torch：6）；"
        "超出边界的窗口 y[2, 2]：9（torch：4）。"
    )


def test_frameworks_wording_reads_well_in_both_languages():
    """The walk's wording: "cannot express", a caption that is a sentence, and Chinese with
    full-width punctuation after a name that ends in "）" (no ", float64", no stray space)."""
    from frameworks.explain import CellReason, WindowReading
    from i18n import text

    assert "cannot express this setup" in text("en", "frameworks.intro", call="F", rows=4, cols=4)
    assert text("en", "frameworks.caption").startswith("The sidebar's setup runs live in")
    zh_name = framework_name("compile", "zh")
    assert zh_name.endswith("）")
    theirs, torch = WindowReading((2, 2), (4, 6, 4, 6), 9.0), WindowReading((2, 2), (4, 6, 4, 6), 4.0)
    for grid in ("y", "grad"):
        words = reason_text(zh_name, grid, 5, 5, CellReason(((theirs, torch),), ("overhang",)), "zh")
        assert "） " not in words and f"{zh_name}把" in words, words
    from frameworks.base import Attempt
    from frameworks.report import verdict_row

    verdict = frameworks.Verdict(
        "compile", frameworks.Result(Attempt(Snippet("", "f(x)"), dtype="float64"), None, None)
    )
    row = verdict_row(verdict, "zh")
    assert next(iter(row.values())) == f"{zh_name}，float64"
    assert next(iter(verdict_row(verdict, "en").values())) == "torch.compile (Inductor), float64"


def test_a_waiting_run_names_the_framework_that_holds_its_worker():
    """ONNX Runtime's runs share torch's worker: one waiting is told which framework runs there;
    not another runtime's run, nor its own framework's on another setup."""
    from frameworks.jobs import Job, holder

    runtimes = {key: framework.runtime for key, framework in FRAMEWORKS.items()}
    waiting = Job("onnx_newest", cold=False, submitted=0.0)
    compile_run = Job("compile", cold=False, submitted=0.0, started=0.0)
    own_run = Job("onnx_newest", cold=False, submitted=0.0, started=0.0)
    onnx17 = Job("onnx17", cold=False, submitted=0.0, started=0.0)
    assert holder(waiting, [waiting, compile_run, own_run], runtimes) is None
    assert holder(waiting, [waiting, compile_run, own_run, onnx17], runtimes) == "onnx17"
    onnx17.finished = 1.0
    assert holder(waiting, [waiting, onnx17], runtimes) is None


def _bracket_depth(words: str) -> int:
    """How deep full-width brackets nest in ``words``: 1 for "a（b）", 2 for "a（b（c））"."""
    depth = deepest = 0
    for char in words:
        depth += {"（": 1, "）": -1}.get(char, 0)
        deepest = max(deepest, depth)
    return deepest


def test_no_chinese_sentence_of_the_page_nests_full_width_brackets():
    """A framework's Chinese name has brackets ("ONNX Runtime（opset 17 版本）"): no sentence of
    the page puts one inside brackets of its own, as "（正忙于 ONNX Runtime（opset 17 版本））"
    did. Every Chinese template of the page, each framework's name in every place a name goes."""
    import string

    from frameworks.jobs import Job
    from frameworks.report import progress_text
    from i18n import catalogue

    sections = ("frameworks.", "preflight.")
    names = [framework_name(key, "zh") for key in FRAMEWORKS]
    assert max(map(_bracket_depth, names)) == 1
    for key, template in catalogue("zh").items():
        if not key.startswith(sections):
            continue
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        for name in names:
            filled = template.format(
                **{field: name if field in {"name", "other", "names"} else "1" for field in fields}
            )
            assert _bracket_depth(filled) <= 1, (key, filled)
    waiting = Job("onnx_newest", cold=False, submitted=0.0)
    words = progress_text(framework_name("onnx_newest", "zh"), waiting, 1.0, None, "zh", busy_with=names[2])
    assert _bracket_depth(words) == 1 and "opset 17" in words, words
