"""Homework: a deck a teacher assigned (the Live class page's "Assign as homework"), done by
each student at their own pace, and its report for the teacher (``ui/homework.py``).

``?hw=CODE`` opens it for a student; ``?hw=CODE&report=SECRET`` is the teacher's report.
"""

from __future__ import annotations

from scenario.params import URL_KEYS
from ui.homework import homework_page
from ui.router import page_header, require_router
from ui.url import UrlCheck

require_router()
page_header("pages/homework.py", "homework.caption")
with UrlCheck(URL_KEYS | {"hw", "step", "report"}):
    homework_page()
