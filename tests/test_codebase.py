"""The shape of the code a newcomer relies on: layers, module boundaries, short functions.

Read by parsing the source (no imports), so each rule names the file and line that breaks it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from harness.server import REPO

APP_CODE = [REPO / "app.py", *[path for folder in ("pages", "ui", "scenario", "figures", "pooling", "i18n")
                                for path in sorted((REPO / folder).glob("*.py"))]]  # fmt: skip
APP_JS = sorted((REPO / "figures" / "component").glob("*.js"))  # the browser side
MAX_FUNCTION_LINES = 60
MAX_JS_FUNCTION_LINES = 40  # the component's drawing code reads at a glance: one job a function


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


def _blank_strings_and_comments(source: str) -> str:
    """JavaScript source with every string, template literal and comment turned into spaces
    (newlines kept, so lines keep their numbers): what is left has only the code's braces.
    Enough for the component's code, which has no regular expression with a quote or brace."""
    out, index, closing = [], 0, None
    while index < len(source):
        char, pair = source[index], source[index : index + 2]
        if closing is None and pair in ("//", "/*"):
            closing = "\n" if pair == "//" else "*/"
        elif closing is None and char in "\"'`":
            closing = char
        elif closing is not None and source.startswith(closing, index) and closing != "\n":
            out.append(" " * len(closing))
            index, closing = index + len(closing), None
            continue
        elif closing == "\n" and char == "\n":
            closing = None
        elif closing in ('"', "'", "`") and char == "\\":
            out.append("  " if source[index + 1] != "\n" else " \n")
            index += 2
            continue
        out.append(char if closing is None or char == "\n" else " ")
        index += 1
    return "".join(out)


def _matching(code: str, start: int, opening: str, closing: str) -> int:
    """The index of the bracket that closes the one at ``start``."""
    depth = 0
    for index in range(start, len(code)):
        depth += (code[index] == opening) - (code[index] == closing)
        if depth == 0:
            return index
    raise ValueError(f"unbalanced {opening} at {start}")


def js_functions(source: str) -> list[tuple[str, int, int]]:
    r"""(name, first line, last line) of every ``function name(...) {...}`` in JavaScript
    source, nested ones too; found by matching brackets, not by a parser.

    >>> js_functions("function a(x, { y }) {\n  return '}';\n}\nexport default function (c) { a(c); }")
    [('a', 1, 3), ('default export', 4, 4)]
    """
    code = _blank_strings_and_comments(source)
    found = []
    for match in re.finditer(r"\bfunction\b\s*([\w$]*)\s*\(", code):
        parameters_end = _matching(code, match.end() - 1, "(", ")")
        body = code.index("{", parameters_end)
        end = _matching(code, body, "{", "}")
        lines = code.count("\n", 0, match.start()) + 1, code.count("\n", 0, end) + 1
        found.append((match.group(1) or "default export", *lines))
    return found


def test_no_function_in_the_browser_code_is_over_40_lines():
    """The same rule for the component's JavaScript (figures/component/*.js), tighter: its
    functions draw one layer or handle one event each (drawFigure was 56 lines of six jobs)."""
    functions = [(path, *function) for path in APP_JS for function in js_functions(path.read_text(encoding="utf-8"))]
    assert len(functions) > 30  # the scan finds grids.js's functions
    long = [
        f"{path.relative_to(REPO)}:{first} {name} ({last - first + 1} lines)"
        for path, name, first, last in functions
        if last - first + 1 > MAX_JS_FUNCTION_LINES
    ]
    assert long == []


def test_the_browser_code_reads_presentation_mode_in_one_place():
    """grids.js chooses its sizes for a projector once (one of its SIZES objects), where the
    data arrives (``update``: from Streamlit, or pushed to a following student by
    ui/class_listener.js), instead of testing the ``present`` flag wherever a size is needed."""
    source = (REPO / "figures" / "component" / "grids.js").read_text(encoding="utf-8")
    code = _blank_strings_and_comments(source)
    reads = {code.count("\n", 0, match.start()) + 1 for match in re.finditer(r"\.present\b", code)}
    readers = {name for name, first, last in js_functions(source) for line in reads if first <= line <= last}
    assert reads and readers == {"update"}, readers


def test_streamlit_serves_the_components_own_files():
    """ui/display.py sends only a loader with each run when Streamlit serves the component's
    files as they are (else the whole code, every run): static serving on, and ``static/``
    (a link to figures/component/) holding the same files."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    for path in (REPO / "figures" / "component").iterdir():
        assert (REPO / "static" / path.name).read_bytes() == path.read_bytes(), path.name


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


def test_scenario_is_plain_data_without_streamlit():
    """scenario/: what the user sets up and its numbers, the URL rule among them, tested without
    Streamlit: it imports neither Streamlit nor the app's Streamlit pieces (ui/, pages/)."""
    imports = [
        f"scenario/{path.name}:{line} {module}"
        for path in sorted((REPO / "scenario").glob("*.py"))
        for module, _, line in _imports(path)
        if module.split(".")[0] in ("streamlit", "ui", "pages")
    ]
    assert imports == []


def test_benchmarks_import_nothing_from_tests():
    imports = [
        f"{path.name}:{line} {module}"
        for path in sorted((REPO / "benchmarks").glob("*.py"))
        for module, _, line in _imports(path)
        if module.split(".")[0] == "tests"
    ]
    assert imports == []


def test_the_core_tests_run_without_playwright():
    """``python -m pytest tests/test_core.py`` on a machine without Playwright: what pytest
    imports to collect it (the shared fixtures, the browser harness, the core's tests) imports,
    in a fresh interpreter where ``import playwright`` fails. (An import check: running the
    tests themselves took 35 s and told nothing more.)"""
    blocker = (
        "import sys; sys.modules['playwright'] = None; "
        "import tests.conftest, harness.browser, tests.test_core; print('imported')"
    )
    run = subprocess.run([sys.executable, "-c", blocker], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "imported", run.stdout[-2000:] + run.stderr[-2000:]
