"""'Which cells' questions (classroom/cells.py): each kind's right set against torch autograd in
float64 over many poolings (overlap, gaps, padding counted or not, ceil_mode), the
misconceptions' sets as the torch call that makes the mistake, the mask (its length, cells
outside the grid), grading cell by cell and the class's tally."""

from __future__ import annotations

import base64
import itertools

import numpy as np
import pytest

from classroom.cells import (
    CellsError,
    answer_shape,
    cell_mistakes,
    cells_moves,
    cells_tally,
    encode_mask,
    grade,
    mask_length,
    read_mask,
    truth_cells,
)
from pooling import PoolingError
from pooling.reference import torch_avg_pool2d
from scenario.compute import compute_scenario
from scenario.params import PoolParams

# (name, shape, kernel, stride, padding, ceil_mode, count_include_pad)
POOLINGS = [
    ("classic", (4, 4), 2, 2, 0, False, True),
    ("overlap", (5, 5), 3, 1, 0, False, True),
    ("gaps", (5, 5), 2, 3, 0, False, True),
    ("gaps_wide", (7, 6), 2, 4, 0, False, True),
    ("rest_dropped", (5, 5), 2, 2, 0, False, True),
    ("padded", (5, 5), 3, 2, 1, False, True),
    ("uncounted", (5, 5), 3, 2, 1, False, False),
    ("ceil", (5, 5), 2, 2, 0, True, True),
    ("ceil_padded", (6, 5), 3, 2, 1, True, False),
    ("ceil_gaps", (7, 7), 2, 3, 0, True, True),
    ("padded_gaps", (6, 6), 2, 3, 1, False, True),
]


def _computed(shape, kernel, stride, padding, ceil_mode, count_include_pad):
    params = PoolParams((kernel, kernel), (stride, stride), (padding, padding), ceil_mode, count_include_pad)
    rng = np.random.default_rng(7)
    return compute_scenario(rng.uniform(1.0, 2.0, shape), params)


def _torch_grad(computed, grad_output, **changed):
    params = computed.params
    arguments = dict(
        kernel_size=params.kernel_size, stride=params.effective_stride, padding=params.padding,
        ceil_mode=params.ceil_mode, count_include_pad=params.count_include_pad,
    ) | changed  # fmt: skip
    return torch_avg_pool2d(computed.x, grad_output, **arguments)[1]


def _torch_feeds(computed, cell, **changed):
    """The cells of x whose gradient is not zero for a one-hot ∂L/∂y at ``cell``."""
    y = torch_avg_pool2d(computed.x, None, **_arguments(computed, changed))[0]
    if not (0 <= cell[0] < y.shape[0] and 0 <= cell[1] < y.shape[1]):
        return ()
    one_hot = np.zeros(y.shape)
    one_hot[cell] = 1.0
    grad = _torch_grad(computed, one_hot, **changed)
    return tuple(sorted(map(tuple, np.argwhere(grad != 0).tolist())))


def _arguments(computed, changed):
    params = computed.params
    return dict(
        kernel_size=params.kernel_size, stride=params.effective_stride, padding=params.padding,
        ceil_mode=params.ceil_mode, count_include_pad=params.count_include_pad,
    ) | changed  # fmt: skip


@pytest.mark.parametrize("pooling", POOLINGS, ids=[p[0] for p in POOLINGS])
def test_each_kind_is_what_torch_autograd_says(pooling):
    name, *arguments = pooling
    computed = _computed(*arguments)
    x_shape, y_shape = computed.x.shape, computed.y.shape
    # feeds: where x.grad != 0 for a one-hot ∂L/∂y; sends: the one-hots that reach x[r, c]
    reaches = {}
    for cell in itertools.product(range(y_shape[0]), range(y_shape[1])):
        torch_set = _torch_feeds(computed, cell)
        assert truth_cells(computed.windows, x_shape, "feeds", cell) == torch_set, f"{name}: feeds y{cell}"
        for x_cell in torch_set:
            reaches.setdefault(x_cell, []).append(cell)
    for x_cell in itertools.product(range(x_shape[0]), range(x_shape[1])):
        expected = tuple(sorted(reaches.get(x_cell, [])))
        assert truth_cells(computed.windows, x_shape, "sends", x_cell) == expected, f"{name}: sends x{x_cell}"
    # nothing: where x.grad == 0 for an all-ones ∂L/∂y
    grad = _torch_grad(computed, np.ones(y_shape))
    expected = tuple(sorted(map(tuple, np.argwhere(grad == 0).tolist())))
    assert truth_cells(computed.windows, x_shape, "nothing", (0, 0)) == expected, f"{name}: nothing"


def test_the_poolings_cover_gaps_and_rest():
    """The table asks 'nothing' where there is something to find (else the test proves little)."""
    empty = [p[0] for p in POOLINGS if not truth_cells(_computed(*p[1:]).windows, p[1], "nothing", (0, 0))]
    assert set(empty) >= {"classic", "overlap"} and len(empty) < len(POOLINGS) - 4, empty


@pytest.mark.parametrize("pooling", POOLINGS, ids=[p[0] for p in POOLINGS])
def test_misconceptions_are_the_sets_of_the_mistaken_pooling(pooling):
    """'stride_ignored' is torch's set with stride = kernel; 'padding' torch's with no padding."""
    name, *arguments = pooling
    computed = _computed(*arguments)
    kernel = computed.params.kernel_size
    for cell in itertools.product(range(computed.y.shape[0]), range(computed.y.shape[1])):
        truth = truth_cells(computed.windows, computed.x.shape, "feeds", cell)
        found = dict(cell_mistakes(computed, "feeds", cell))
        assert truth not in found.values(), f"{name}: a mistake's set is the truth at y{cell}"
        if "stride_ignored" in found:
            assert found["stride_ignored"] == _torch_feeds(computed, cell, stride=kernel), f"{name} y{cell}"
        if "padding" in found:
            try:
                mistaken = _torch_feeds(computed, cell, padding=(0, 0))
            except RuntimeError:
                continue
            assert found["padding"] == mistaken, f"{name} y{cell}"
        if cell in {(r, c) for r in range(computed.x.shape[0]) for c in range(computed.x.shape[1])}:
            assert found.get("same_index", ((cell),)) == (cell,)


def test_one_share_and_no_gaps():
    overlap = _computed((5, 5), 3, 1, 0, False, True)
    assert dict(cell_mistakes(overlap, "sends", (3, 3)))["one_share"] == ((1, 1),)
    gaps = _computed((5, 5), 2, 3, 0, False, True)
    assert dict(cell_mistakes(gaps, "nothing", (0, 0)))["no_gaps"] == ()
    assert "global" in dict(cell_mistakes(gaps, "feeds", (0, 0)))


def test_answer_grid_is_y_for_sends():
    assert answer_shape("sends", (5, 5), (2, 2)) == (2, 2)
    assert answer_shape("feeds", (5, 5), (2, 2)) == answer_shape("nothing", (5, 5), (2, 2)) == (5, 5)


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 4), (5, 5), (7, 3), (64, 64)])
def test_mask_round_trips(shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    cells = {(r, c) for r in range(shape[0]) for c in range(shape[1]) if rng.random() < 0.4}
    mask = encode_mask(cells, shape)
    assert len(mask) == mask_length(shape) and read_mask(mask, shape) == cells
    assert read_mask(encode_mask(set(), shape), shape) == frozenset()
    assert mask_length((64, 64)) == 684


@pytest.mark.parametrize(
    ("mask", "shape", "key"),
    [
        ("kA", (2, 2), "mask"),  # base64 cut short
        ("kA==kA==", (2, 2), "mask"),  # another grid's length
        ("k!==", (2, 2), "mask"),  # not base64
        ("/w==", (2, 2), "outside"),  # every bit set: 4 cells past a 2x2 grid
        ("kQ==", (2, 2), "outside"),  # the fifth bit
        (None, (2, 2), "mask"),
        (["kA=="], (2, 2), "mask"),
        ("éé==", (2, 2), "mask"),
        ("A" * 10_000, (64, 64), "mask"),
    ],
)
def test_a_bad_mask_is_refused_by_name(mask, shape, key):
    with pytest.raises(CellsError) as caught:
        read_mask(mask, shape)
    assert caught.value.key == key


def test_a_cell_outside_the_grid_is_no_mask():
    with pytest.raises(CellsError, match="outside"):
        encode_mask({(2, 0)}, (2, 2))
    with pytest.raises(CellsError, match="outside"):
        encode_mask({(0, -1)}, (2, 2))


def test_grading_cell_by_cell():
    truth = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert grade(truth, truth).right
    verdict = grade(truth, {(0, 0), (0, 1), (2, 2)})
    assert (verdict.right, verdict.hit, verdict.missed, verdict.wrong) == (False, 2, ((1, 0), (1, 1)), ((2, 2),))
    assert grade((), ()).right and not grade((), {(0, 0)}).right


def test_tally_counts_cells_and_names_wrong_sets():
    computed = _computed((5, 5), 2, 3, 0, False, True)
    truth = truth_cells(computed.windows, (5, 5), "feeds", (1, 1))
    mistakes = cell_mistakes(computed, "feeds", (1, 1))
    named = dict(mistakes)
    answers = {"a": truth, "b": truth, "c": named["same_index"], "d": named["stride_ignored"],
               "e": named["stride_ignored"], "f": {(0, 0)}}  # fmt: skip
    result = cells_tally(truth, mistakes, (5, 5), answers)
    assert (result.total, result.right) == (6, 2)
    counts = result.counts
    assert (counts[4][4], counts[3][3], counts[1][1], counts[0][0]) == (2, 4, 1, 1)
    named_counts = [(count, key) for _, count, key in result.common_wrong]
    assert named_counts == [(2, "stride_ignored"), (1, None), (1, "same_index")]
    moved = cells_moves(truth, mistakes, {"c": named["same_index"], "d": truth}, {"c": truth, "d": truth})
    assert [(count, key) for _, count, key in moved] == [(1, "same_index")]


def test_a_pooling_torch_refuses_gives_no_mistaken_set():
    """'padding' for a padding torch refuses without it cannot happen; a refused plan is no set."""
    with pytest.raises(PoolingError):
        PoolParams((2, 2), (2, 2), (0, 0)).plan((1, 1))


def test_homework_takes_a_mask_judges_it_and_refuses_a_crafted_one():
    """classroom/homework.py: a which-cells step's answer is its mask, kept as text in the
    progress; judged cell by cell, its misconception named; a bad mask refused by name."""
    from classroom import homework as hw
    from classroom.model import Setup
    from classroom.setups import question_for

    question = question_for(Setup("", {"kernel_h": 2, "stride_h": 3, "height": 5, "width": 5}), (1, 1), "feeds")
    progress = hw.Progress()
    for crafted, key in [("kA", "cells_mask"), ("/" * 8, "cells_mask"), (0.5, "cells_mask"), (None, "cells_mask")]:
        with pytest.raises(hw.HomeworkError) as caught:
            hw.answer(progress, 0, crafted, question)
        assert caught.value.key == key, crafted
    outside = base64.b64encode(np.packbits(np.ones(32, dtype=np.uint8)).tobytes()).decode()  # 32 bits for 25 cells
    with pytest.raises(hw.HomeworkError, match="cells_outside"):
        hw.answer(progress, 0, outside, question)
    progress, said = hw.answer(progress, 0, encode_mask({(1, 1)}, (5, 5)), question)
    assert (said.right, said.mistake) == (False, "cells_same_index")
    progress, said = hw.answer(progress, 0, encode_mask(set(question.cells), (5, 5)), question)
    assert said.right and progress.solved(0, question)
    assert hw.Progress.from_json(progress.to_json()) == progress
    report = hw.report([question], [progress])[0]
    assert (report.right_first, report.right, report.mistakes) == (0, 1, (("cells_same_index", 1),))
