"""tests/scheduling.py: the groups of files that share one xdist worker name files that exist
(a renamed file would silently leave its group), and every other file is its own unit."""

from __future__ import annotations

from harness.server import REPO
from tests.scheduling import GROUPS, FrameworksTogether


def test_every_grouped_file_exists_and_belongs_to_one_group():
    paths = [path for paths in GROUPS.values() for path in paths]
    assert [path for path in paths if not (REPO / path).is_file()] == []
    assert len(paths) == len(set(paths))
    assert "tests/test_framework_workers.py" not in paths  # it asserts no framework worker runs at its start


def test_a_grouped_files_tests_are_one_unit_and_the_others_are_their_files():
    scheduler = FrameworksTogether.__new__(FrameworksTogether)  # _split_scope reads no state
    for group, paths in GROUPS.items():
        assert {scheduler._split_scope(f"{path}::test_x[a::b]") for path in paths} == {group}
    assert scheduler._split_scope("tests/test_core.py::test_x") == "tests/test_core.py"
    assert scheduler._split_scope("frameworks/__init__.py::frameworks.NewSetups") == "frameworks/__init__.py"
