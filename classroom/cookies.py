"""The class's cookies, set by the server: ``POST /class/cookie`` with a one-time token.

A session that must keep something in its browser (the teacher's secret, a student's anonymous
identity: ui/classroom.py) leaves the cookies in the store under a random token for a minute
(``ClassStore.hand_over``) and gives the browser the token alone; the browser posts it here,
and the answer sets the cookies ``HttpOnly; SameSite=Strict`` (and ``Secure`` when the page
came over https): no script in the page ever holds the teacher's secret, and no other site's
page sends it. A token is taken as it is used: it sets its cookies once.

A Starlette route, served beside the app by ``app.py``'s ``App``; no Streamlit here.
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from classroom.events import process_store
from classroom.reports import RETENTION
from classroom.store import StoreUnavailable

__all__ = ["COOKIE_METHODS", "COOKIE_PATH", "HANDOVER_SECONDS", "class_cookie", "cookie_header"]

COOKIE_PATH = "/class/cookie"
# Every method is routed here (a method left out would fall through to the app's page): POST
# sets the cookies, the others are told so (405, with Allow).
COOKIE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HANDOVER_SECONDS = 60.0  # how long a token waits for its browser
COOKIE_AGE = 12 * 3600  # seconds a class's cookie lasts (a class expires after 3 idle hours)
# The teacher's secret finds their class reports too: it lasts as long as they are kept (and a
# day more, for a class that ends the day after it started).
COOKIE_AGES = {"avgpool_teacher": RETENTION + 24 * 3600}
TOKEN_BYTES = 64  # at most, of a token (ui/classroom.py's are 22)
BODY_LIMIT = 1024  # bytes of a body read at most: a larger one is refused (413), never read whole


def cookie_header(name: str, value: str, secure: bool) -> str:
    """One ``Set-Cookie`` value: ``cookie_header("avgpool_student", "s", False)`` ->
    ``'avgpool_student=s; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict'``; the teacher's
    lasts ``COOKIE_AGES``."""
    age = COOKIE_AGES.get(name, COOKIE_AGE)
    return f"{name}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def _take(token: str) -> dict[str, str] | None:
    """The cookies kept under ``token`` (a blocking read: run in a worker thread)."""
    store = process_store()
    if isinstance(store, StoreUnavailable):
        raise store
    kept = store.take(token, time.time())
    return None if kept is None else json.loads(kept)


async def _small_body(request: Request) -> bytes | None:
    """The request's body, or None when it is larger than ``BODY_LIMIT``: refused on its
    Content-Length, else read only up to the limit."""
    length = request.headers.get("content-length", "0")
    if not (length.isascii() and length.isdigit()) or int(length) > BODY_LIMIT:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LIMIT:
            return None
    return body


async def class_cookie(request: Request) -> Response:
    """The route: the token in the body; 204 with the cookies, or a message saying what is wrong."""
    if request.method != "POST":
        return PlainTextResponse("POST a cookie token here", status_code=405, headers={"Allow": "POST"})
    body = await _small_body(request)
    if body is None:
        return PlainTextResponse("a cookie token is a few bytes: this body is too large", status_code=413)
    token = body[:TOKEN_BYTES].decode(errors="replace")
    try:
        cookies = await asyncio.to_thread(_take, token) if token else None
    except StoreUnavailable:
        return PlainTextResponse("the class store cannot be reached: try again later", status_code=503)
    if cookies is None:
        return PlainTextResponse("unknown or used token: reload the page to get a new one", status_code=400)
    response = Response(status_code=204)
    for name, value in cookies.items():
        response.headers.append("set-cookie", cookie_header(name, value, request.url.scheme == "https"))
    return response
