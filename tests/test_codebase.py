"""The shape of the code a newcomer relies on: layers, module boundaries, short functions.

Read by parsing the source (no imports), so each rule names the file and line that breaks it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from harness.server import REPO

APP_CODE = [REPO / "app.py", *[path for folder in ("pages", "ui", "scenario", "figures", "pooling", "i18n")
                                for path in sorted((REPO / folder).glob("*.py"))]]  # fmt: skip
MAX_FUNCTION_LINES = 60


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every import in the file."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
    return found


def test_no_function_in_app_code_is_over_60_lines():
    long = [
        f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in APP_CODE
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_core_is_numpy_only_and_shares_public_names_only():
    """pooling/: no Streamlit, torch only in reference.py, no private names across modules."""
    problems = []
    for path in sorted((REPO / "pooling").glob("*.py")):
        for module, names, line in _imports(path):
            where = f"pooling/{path.name}:{line}"
            if module.split(".")[0] in ("streamlit", "plotly", "scenario", "ui", "figures", "pages"):
                problems.append(f"{where} imports {module}")
            if module.split(".")[0] == "torch" and path.name != "reference.py":
                problems.append(f"{where} imports torch")
            if module.startswith("pooling") and any(name.startswith("_") for name in names):
                problems.append(f"{where} imports private {names} from {module}")
    assert problems == []


def test_benchmarks_import_nothing_from_tests():
    imports = [
        f"{path.name}:{line} {module}"
        for path in sorted((REPO / "benchmarks").glob("*.py"))
        for module, _, line in _imports(path)
        if module.split(".")[0] == "tests"
    ]
    assert imports == []


def test_the_core_tests_run_without_playwright():
    """``python -m pytest tests/test_core.py`` on a machine without Playwright: collected and
    run (a slice, to stay quick) with Playwright made unimportable."""
    blocker = (
        "import sys; sys.modules['playwright'] = None; import pytest; sys.exit(pytest.main(["
        "'-q', '-n', '0', '-p', 'no:cacheprovider', 'tests/test_core.py', '-k', 'classic or errors']))"
    )
    run = subprocess.run([sys.executable, "-c", blocker], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
