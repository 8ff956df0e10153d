"""The followed view's grids, computed once per change of a class for all its students.

A following student looks first at the Playground's four grids. When the teacher changes the
setup, the class's events stream (``classroom/events.py``) pushes these grid descriptions,
built here once per version, language and palette in each server process, and the student's
listener (ui/class_listener.js) redraws its grids from them at once; the whole page's rerun,
which makes the rest consistent (the locked sidebar, the explanation), follows, spread out.

Nothing of the answer leaves here while it is hidden (a question prepared or open:
``model.answer_hidden``): there is no view then, and the tab reruns into the question's page.
No Streamlit here: the events route calls it from a worker thread.
"""

from __future__ import annotations

import json
import threading

from classroom import model
from classroom.model import Lesson
from classroom.setups import SetupError, computed_from_setup
from figures.grids import window_axes, with_palette
from figures.views import explained_selection, playground_columns, playground_grids
from pooling import PoolingError

__all__ = ["followed_view", "view_line"]


def followed_view(lesson: Lesson, language: str = "en", palette: str = "standard") -> dict | None:
    """What a following student's Playground grids show for ``lesson`` (the grid component's
    ``grids``, ``columns``, ``axes``, ``selection``, and the lesson's ``version``), or None:
    the answer is hidden, a question is on the class's page (following students are there),
    the setup is not the Playground's, or it cannot be drawn (the page's rerun says why)."""
    setup = lesson.setup
    if setup is None or setup.page != "" or model.answer_hidden(lesson) or lesson.question is not None:
        return None
    try:
        computed = computed_from_setup(setup, language)
    except (SetupError, PoolingError):
        return None
    grids = playground_grids(computed, language)
    span = max(*computed.x.shape, *computed.y.shape) + 2 * max(computed.params.padding)
    selection = explained_selection(setup.explain)
    if selection is not None:
        grid = grids.get(selection.grid)
        if grid is None or selection.row >= grid["rows"] or selection.col >= grid["cols"]:
            selection = None
    prefix = f"avgpool_{computed.params.slug()}_playground"
    return {
        "version": lesson.version,
        "grids": [
            {**with_palette(grid, palette), "key": name, "file": f"{prefix}_{name}"} for name, grid in grids.items()
        ],
        # A tab in presentation mode takes the second (grids.js, redraw).
        "columns": playground_columns(span, present=False),
        "columns_present": playground_columns(span, present=True),
        "axes": window_axes(computed.windows),
        "selection": None if selection is None else selection._asdict(),
    }


# The newest views built, by (code, teacher, version, language, palette): the teacher's digest
# tells a class from a later one that was given the same code.
_LINES: dict[tuple[str, str, int, str, str], str | None] = {}
_LINES_KEPT = 64
_LINES_LOCK = threading.Lock()


def view_line(lesson: Lesson, language: str, palette: str) -> str | None:
    """The view as one server-sent event (``event: view``), built once per lesson version,
    language and palette in this process (and class: a code may be given again after its
    class ended), however many streams send it."""
    key = (lesson.code, lesson.teacher, lesson.version, language, palette)
    with _LINES_LOCK:
        if key in _LINES:
            return _LINES[key]
    view = followed_view(lesson, language, palette)
    line = None if view is None else f"event: view\ndata: {json.dumps(view, separators=(',', ':'))}\n\n"
    with _LINES_LOCK:
        while len(_LINES) >= _LINES_KEPT:
            _LINES.pop(next(iter(_LINES)))  # the oldest first
        _LINES[key] = line
    return line
