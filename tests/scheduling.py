"""How the suite's two xdist workers share its files (``--dist loadfile``, see pyproject.toml).

A file's tests run in one worker, as ``loadfile`` does, so a file's module fixtures (its
servers) start once. One change: the files whose tests run the frameworks in the test process
(their AppTests open Across frameworks, or call ``frameworks.check``) are one unit of work, so
they run in the same worker, one after another, and find its framework workers
(``frameworks.workers``: a process per runtime, with torch, JAX or TensorFlow imported, and
torch.compile's) already started. Each of these files alone starts them afresh in whichever
worker it lands in: tens of seconds of a core each, the suite's largest repeated wait.

No test relies on this: each file passes alone, and none is told whether the workers it finds
are new. ``tests/test_framework_workers.py`` is not among them: it starts and stops workers
itself and asserts that none is running at its start.
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

__all__ = ["WARM_FRAMEWORKS", "FrameworksTogether"]

# In collection order (test_frameworks.py first starts every framework's worker).
WARM_FRAMEWORKS = frozenset(
    {
        "tests/test_frameworks.py",
        "tests/test_i18n.py",
        "tests/test_network_page.py",
        "tests/test_onnx_preflight.py",
    }
)


class FrameworksTogether(LoadFileScheduling):
    """``--dist loadfile``, with the files of ``WARM_FRAMEWORKS`` as one unit of work."""

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        return "frameworks: " + ", ".join(sorted(WARM_FRAMEWORKS)) if path in WARM_FRAMEWORKS else path
