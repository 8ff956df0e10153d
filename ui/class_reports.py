"""The teacher's class reports on the Live class page: kept as a class ends, listed with Open
(the page for print, ``classroom/report_page.py``), Download CSV and Delete.

A report belongs to the teacher's secret (``ui/classroom.kept_secret``: this session's, or
the browser's HttpOnly cookie); the list and every action name it, so another browser sees
none and cannot delete any (the store checks the owner: ``classroom/report_store.py``).
"""

from __future__ import annotations

import functools
import time

import streamlit as st

from classroom import model
from classroom.model import Lesson
from classroom.report_page import report_path
from classroom.report_store import KEPT, process_reports
from classroom.reports import ClassReport, new_report, report_csv
from classroom.store import StoreUnavailable
from ui import classroom
from ui.lang import current_language, tr
from ui.url import app_address

__all__ = ["keep_report", "reports_list"]

KEPT_SAID = "class_report_kept"  # what became of the report of the class just ended (its catalogue key)
DELETED_SAID = "class_report_deleted"  # what became of a Delete (its catalogue key and the class's code)


def _owner() -> str | None:
    secret = classroom.kept_secret()
    return None if secret is None else model.teacher_digest(secret)


def keep_report(lesson: Lesson, answers, second, sure, cells, ended_at: float) -> ClassReport:
    """Keep the report of ``lesson`` as it ends (the end's callback), and say what became of it."""
    report = new_report(lesson, answers, second, sure, ended_at, current_language(), cells)
    store = process_reports()
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        kept = store.keep(report, ended_at)
    except StoreUnavailable:
        kept = "down"
    st.session_state[KEPT_SAID] = "report.kept_ok" if kept == KEPT else f"report.not_kept_{kept}"
    return report


def _delete(report_id: str, code: str) -> None:
    """Delete (a callback, after its confirmation): only a report this teacher owns."""
    store, owner = process_reports(), _owner()
    try:
        deleted = not isinstance(store, StoreUnavailable) and owner is not None and store.delete(owner, report_id)
    except StoreUnavailable:
        deleted = False
    st.session_state[DELETED_SAID] = ("report.deleted" if deleted else "report.not_found", code)


def reports_list() -> None:
    """'Your class reports': one row per report this teacher keeps (none: nothing drawn)."""
    said = st.session_state.pop(DELETED_SAID, None)
    if said:
        (st.success if said[0] == "report.deleted" else st.warning)(tr(said[0], code=said[1]))
    owner, store = _owner(), process_reports()
    if owner is None:
        return
    try:
        if isinstance(store, StoreUnavailable):
            raise store
        reports = store.owned(owner, time.time())
    except StoreUnavailable:
        st.warning(tr("report.down"), icon=":material/cloud_off:")
        return
    if not reports:
        return
    with st.container(border=True, key="class_reports"):
        st.subheader(tr("report.list_header"))
        st.caption(tr("report.list_caption"))
        for report in reports:
            _report_row(report)


def _report_row(report: ClassReport) -> None:
    """One report: its date, code, questions and students on a line, its buttons under it (a
    phone's width holds both)."""
    language = current_language()
    with st.container(border=True, key=f"report_{report.id}"):
        st.markdown(
            tr(
                "report.row",
                date=report.date(),
                code=report.code,
                questions=len(report.questions),
                students=report.students,
            )
        )  # fmt: skip  (the app's own values: nothing a user typed)
        with st.container(horizontal=True):
            address = f"{app_address()}{report_path(report.id)}?lang={language}"
            st.link_button(tr("report.open"), address, icon=":material/print:", help=tr("report.open_help"))
            csv_text = functools.partial(report_csv, report, language)  # made when clicked
            st.download_button(tr("report.download"), csv_text, file_name=f"avgpool_class_{report.code}.csv",
                               mime="text/csv", icon=":material/download:", on_click="ignore",
                               key=f"report_csv_{report.id}")  # fmt: skip
            with st.popover(tr("report.delete"), icon=":material/delete:"):
                st.text(tr("report.delete_sure", code=report.code, date=report.date()))
                st.button(tr("report.delete_yes"), key=f"report_delete_{report.id}", type="primary",
                          on_click=_delete, args=(report.id, report.code))  # fmt: skip
