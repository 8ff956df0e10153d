"""How the suite's two xdist workers share its files (``--dist loadfile``, see pyproject.toml).

A file's tests run in one worker, as ``loadfile`` does, so a file's module fixtures (its
servers) start once. One change: the files that run the frameworks are grouped (``GROUPS``),
each group one unit of work, so its files run in the same worker, one after another, and find
the framework workers (``frameworks.workers``: a process per runtime, with torch, JAX or
TensorFlow imported, and torch.compile's) already started by the first:

- in the test process: their AppTests open Across frameworks or call ``frameworks.check``;
- in the worker's shared server (``app_url`` in tests/conftest.py): their pages open Across
  frameworks in Chromium.

Each of these files alone starts them afresh in whichever worker (or server) it lands in:
tens of seconds of a core each, the suite's largest repeated wait.

No test relies on this: each file passes alone, and none is told whether the workers it finds
are new. ``tests/test_framework_workers.py`` is in no group: it starts and stops workers itself
and asserts that none is running at its start.
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

__all__ = ["GROUPS", "FrameworksTogether"]

# Each group's files run in collection order (alphabetical): the first starts the workers.
GROUPS = {
    "frameworks in the test process": (
        "tests/test_frameworks.py",
        "tests/test_i18n.py",
        "tests/test_network_page.py",
        "tests/test_onnx_preflight.py",
    ),
    "frameworks in the shared server": (
        "tests/test_browser_frameworks.py",
        "tests/test_browser_links.py",
        "tests/test_history.py",
    ),
}
_GROUP_OF = {path: group for group, paths in GROUPS.items() for path in paths}


class FrameworksTogether(LoadFileScheduling):
    """``--dist loadfile``, with the files of each of ``GROUPS`` as one unit of work."""

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        return _GROUP_OF.get(path, path)
