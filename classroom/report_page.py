"""A class's report as a page made for print and "Save as PDF": ``GET /class/report/<id>``.

A standalone HTML page, served beside the app by ``app.py``'s ``App``: A4 portrait, each
question one block (its setup in one line of torch and its values, a link that opens it,
the right answer, the time it took, both votes as a small table with CSS bars, the
misconceptions with their counts, how sure the class was). Everything in it is escaped, it
runs no JavaScript (its Content-Security-Policy allows none) and is never cached. Only the
teacher who owns the report reads it: their browser's HttpOnly cookie names them
(``classroom/cookies.py``); any other request gets a page that says why, never a traceback.
"""

from __future__ import annotations

import asyncio
import html
import time
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from classroom import model
from classroom.cells import answer_sets, cells_label, cells_moves, cells_tally, is_cells
from classroom.report_store import process_reports
from classroom.reports import ClassReport, valid_report_id
from classroom.setups import setup_link, setup_query, setup_summary
from classroom.store import StoreUnavailable
from i18n import LANGUAGES, text
from scenario.numbers import exact_text

__all__ = ["REPORT_PATH", "class_report_page", "message_html", "report_html", "report_path"]

REPORT_PATH = "/class/report/{report_id}"
TEACHER_COOKIE = "avgpool_teacher"  # as ui/classroom.py names it: "CODE:SECRET"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

STYLE = """
@page { size: A4 portrait; margin: 14mm 13mm; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif;
       color: #111; margin: 0 auto; max-width: 184mm; padding: 8mm 0; font-size: 10.5pt;
       line-height: 1.4; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
:lang(zh-Hans) body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
                      "Liberation Sans", sans-serif; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 0 0 1.5mm; }
h3 { font-size: 10.5pt; margin: 2.5mm 0 1mm; }
p { margin: 1mm 0; }
.meta, .note { color: #444; }
.question { border: 0.3mm solid #999; border-radius: 2mm; padding: 3mm 4mm; margin: 4mm 0;
            break-inside: avoid; page-break-inside: avoid; }
code { font-family: "Noto Sans Mono", "DejaVu Sans Mono", monospace; font-size: 9.5pt; overflow-wrap: anywhere; }
.values { color: #333; font-size: 9pt; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; table-layout: fixed; }
th, td { text-align: left; padding: 0.6mm 1.5mm; border-bottom: 0.2mm solid #ddd; vertical-align: top; }
th { color: #333; font-weight: 600; }
th.answer { width: 24mm; } th.n { width: 18mm; text-align: right; } th.bar { width: 42mm; }
td.n { text-align: right; white-space: nowrap; }
.bar span { display: block; height: 3.2mm; background: #8a8a8a; min-width: 0.4mm; }
.bar span.right { background: #1b7f3b; }
a { color: #0b57d0; }
@media print { a { color: #111; text-decoration: none; } .screen { display: none; } }
"""


def report_path(report_id: str) -> str:
    """The report's address after the host: ``/class/report/<id>``."""
    return REPORT_PATH.format(report_id=report_id)


def _t(language: str, key: str, **params: object) -> str:
    """A catalogue entry (``report.…``), escaped (the catalogue's own words too: nothing here is markup)."""
    return html.escape(text(language, key, **params))


def _page(language: str, title: str, body: str) -> str:
    lang = "zh-Hans" if language == "zh" else "en"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>")  # fmt: skip


def message_html(language: str, key: str) -> str:
    """A page that says only why there is no report here (``report.page_<key>``: no_cookie, unknown, down)."""
    title = _t(language, "report.page_title_plain")
    return _page(language, title, f"<h1>{title}</h1><p>{_t(language, f'report.page_{key}')}</p>")


def _duration(seconds: float | None, language: str) -> str:
    if seconds is None:
        return _t(language, "report.took_unknown")
    minutes, rest = divmod(round(seconds), 60)
    return (
        _t(language, "report.took_min", minutes=minutes, seconds=rest)
        if minutes
        else _t(language, "report.took_s", seconds=rest)
    )


def _vote_table(question: model.Question, answers: dict[str, float], language: str, title: str) -> str:
    """One vote: every distinct answer, its count as a number and a bar, right or its misconception."""
    result = model.tally(question, answers)
    head = f"<h3>{html.escape(title)} · {_t(language, 'report.right_of', right=result.right, total=result.total)}</h3>"
    rows = []
    for (label, count, right), key in zip(result.answers, result.mistakes):
        meaning = (
            _t(language, "report.right")
            if right
            else html.escape(text(language, f"class.mistake_{key}"))
            if key
            else ""
        )
        rows.append((label, count, right, meaning))
    return _table(rows, result.total, language, head)


def _table(rows: list[tuple[str, int, bool, str]], total: int, language: str, head: str) -> str:
    """A vote's table: each answer (escaped here), its count as a number and a bar, and
    "right" or its misconception (``meaning``, already escaped)."""
    if not total:
        return head + f"<p class='note'>{_t(language, 'report.no_answers')}</p>"
    lines = []
    for label, count, right, meaning in rows:
        width = round(100 * count / total, 1)  # a CSS length, not a number on screen
        bar = f'<span class="{"right" if right else ""}" style="width:{width}%"></span>'
        lines.append(f"<tr><td>{html.escape(label)}</td><td class='n'>{count}</td>"
                     f"<td class='bar'>{bar}</td><td>{meaning}</td></tr>")  # fmt: skip
    header = (f"<tr><th class='answer'>{_t(language, 'report.col_answer')}</th>"
              f"<th class='n'>{_t(language, 'report.col_students')}</th><th class='bar'></th>"
              f"<th>{_t(language, 'report.col_meaning')}</th></tr>")  # fmt: skip
    return head + f"<table>{header}{''.join(lines)}</table>"


def _cells_table(question: model.Question, sets: dict[str, frozenset], language: str, title: str) -> str:
    """One vote of a "which cells" question: the right set, then the wrong sets, most common
    first, each with its misconception when one gives it."""
    result = cells_tally(question.cells, question.cell_mistakes, question.grid, sets)
    head = f"<h3>{html.escape(title)} · {_t(language, 'report.right_of', right=result.right, total=result.total)}</h3>"
    rows = [(cells_label(question.cells), result.right, True, _t(language, "report.right"))] if result.right else []
    for label, count, key in result.common_wrong:
        meaning = html.escape(text(language, f"class.mistake_cells_{key}")) if key else ""
        rows.append((label, count, False, meaning))
    return _table(rows, result.total, language, head)


def _cells_parts(question: model.Question, votes, language: str) -> list[str]:
    """A "which cells" question's votes, who moved, and how sure (its answers are sets)."""
    first, second = answer_sets(votes.cells_first, question.grid), answer_sets(votes.cells_second, question.grid)
    parts = [_cells_table(question, first, language, text(language, "report.vote1" if question.vote == 2 else
                                                          "report.answers"))]  # fmt: skip
    if question.vote == 2:
        parts.append(_cells_table(question, second, language, text(language, "report.vote2")))
        moved = cells_moves(question.cells, question.cell_mistakes, first, second)
        lines = [_t(language, "report.moved", answer=label, count=count) for label, count, _ in moved]
        parts.append(
            f"<p>{_t(language, 'report.moved_header')} {'; '.join(lines) or _t(language, 'report.moved_none')}</p>"
        )
    last, sure = (second, votes.sure_second) if question.vote == 2 else (first, votes.sure_first)
    truth = frozenset(question.cells)
    said = {name: [s for s in last if sure.get(s) is want] for name, want in (("sure", True), ("unsure", False))}
    if said["sure"] or said["unsure"]:
        counts = {name: len(students) for name, students in said.items()}
        counts |= {f"{name}_right": sum(last[s] == truth for s in students) for name, students in said.items()}
        parts.append(f"<p>{_t(language, 'report.confidence', **counts)}</p>")
    return parts


def _question_block(report: ClassReport, index: int, language: str, base: str) -> str:
    question = report.questions[index]
    votes = report.votes(index)
    last = votes.second if question.vote == 2 else votes.first
    sure = votes.sure_second if question.vote == 2 else votes.sure_first
    values = ", ".join(f"{key}={value}" for key, value in setup_query(question.setup).items())
    typed = ", ".join(f"{name} ({_t(language, 'report.typed')})" for name in sorted(question.setup.typed))
    escaped = html.escape(base + setup_link(question.setup))
    truth = cells_label(question.cells) if is_cells(question.kind) else exact_text(question.truth)
    parts = [
        f"<h2>{_t(language, 'report.question', number=question.number, target=question.target)}</h2>",
        f"<p><code>{html.escape(setup_summary(question.setup))}</code></p>",
        f"<p class='values'>{_t(language, 'report.values')}: {html.escape(values or text(language, 'report.defaults'))}"
        f"{'; ' + typed if typed else ''}</p>",
        f"<p class='values'>{_t(language, 'report.open_setup')}: <a href=\"{escaped}\">{escaped}</a></p>",
        f"<p>{_t(language, 'report.truth', truth=truth)} · "
        f"{_t(language, 'report.took', duration=_duration(model.took(question), language))}</p>",
    ]
    if is_cells(question.kind):
        return f"<section class='question'>{''.join(parts + _cells_parts(question, votes, language))}</section>"
    tables = [_vote_table(question, votes.first, language, text(language, "report.vote1" if question.vote == 2 else
                                                                 "report.answers"))]  # fmt: skip
    if question.vote == 2:
        tables.append(_vote_table(question, votes.second, language, text(language, "report.vote2")))
    parts.extend(tables)  # one under the other: an A4 page's width holds one table
    if question.vote == 2:
        moved = model.moves(question, votes.first, votes.second)
        lines = [_t(language, "report.moved", answer=label, count=count) for label, count, _ in moved]
        parts.append(
            f"<p>{_t(language, 'report.moved_header')} {'; '.join(lines) or _t(language, 'report.moved_none')}</p>"
        )
    said = model.confidence(question, last, sure)
    if said.sure or said.unsure:
        counts = {"sure": said.sure, "sure_right": said.sure_right, "unsure": said.unsure,
                  "unsure_right": said.unsure_right}  # fmt: skip
        parts.append(f"<p>{_t(language, 'report.confidence', **counts)}</p>")
    return f"<section class='question'>{''.join(parts)}</section>"


def report_html(report: ClassReport, language: str, base: str = "") -> str:
    """The report as a page for print (``base``: the app's address, before each setup's link)."""
    title = _t(language, "report.page_title", code=report.code, date=report.date())
    expires = time.strftime("%Y-%m-%d", time.gmtime(report.expires))
    summary = _t(language, "report.summary", questions=len(report.questions), students=report.students)
    kept = _t(language, "report.kept", date=expires)
    head = (f"<h1>{title}</h1><p class='meta'>{summary}</p><p class='note'>{kept}</p>"
            f"<p class='note screen'>{_t(language, 'report.print_hint')}</p>")  # fmt: skip
    blocks = [_question_block(report, index, language, base) for index in range(len(report.questions))]
    body = "".join(blocks) or f"<p>{_t(language, 'report.no_questions')}</p>"
    return _page(language, title, head + body)


def _owner(request: Request) -> str | None:
    """The digest of the teacher's secret this browser's cookie holds, or None."""
    _, _, secret = request.cookies.get(TEACHER_COOKIE, "").partition(":")
    return model.teacher_digest(secret) if model.valid_student(secret) else None


def _load(owner: str, report_id: str) -> ClassReport | None:
    """The report (a blocking read: run in a worker thread)."""
    store = process_reports()
    if isinstance(store, StoreUnavailable):
        raise store
    return store.load(owner, report_id, time.time())


async def class_report_page(request: Request) -> Response:
    """The route: the report as a page, or a page saying why not (403, 404, 503)."""
    query = dict(parse_qsl(request.url.query))
    language = query.get("lang") if query.get("lang") in LANGUAGES else None

    def answer(key: str, status: int) -> Response:
        return HTMLResponse(message_html(language or "en", key), status_code=status, headers=HEADERS)

    if request.method not in ("GET", "HEAD"):
        return HTMLResponse("", status_code=405, headers={"Allow": "GET, HEAD", **HEADERS})
    owner = _owner(request)
    if owner is None:
        return answer("no_cookie", 403)
    report_id = request.path_params.get("report_id", "")
    if not valid_report_id(report_id):
        return answer("unknown", 404)
    try:
        report = await asyncio.to_thread(_load, owner, report_id)
    except StoreUnavailable:
        return answer("down", 503)
    if report is None:  # none, expired, deleted or another teacher's: the same answer
        return answer("unknown", 404)
    base = str(request.base_url).rstrip("/")
    return HTMLResponse(report_html(report, language or report.language, base), headers=HEADERS)
