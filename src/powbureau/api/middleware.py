"""ASGI middleware: security headers, body size limit and content types, before any route runs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["GuardMiddleware"]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class _TooLarge(Exception):
    pass


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Adds the security headers to every response; refuses oversized bodies (413) and
    bodies of the wrong type (415) before a route reads them.

    Args:
        max_body: the largest body outside ``upload_paths``.
        form_paths: paths that also take ``application/x-www-form-urlencoded``.
        page_prefixes: path prefixes of HTML pages: they take forms and (small) multipart forms.
        upload_paths: path prefixes whose routes stream their bodies to disk themselves.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        form_paths: Sequence[str] = (),
        page_prefixes: Sequence[str] = (),
        upload_paths: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.form_paths = tuple(form_paths)
        self.page_prefixes = tuple(page_prefixes)
        self.upload_paths = tuple(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in _HEADERS if h[0] not in names),
                ]
            await send(message)

        path: str = scope["path"]
        if path.startswith(self.upload_paths):
            await self.app(scope, receive, send_with_headers)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_body
            except ValueError:
                await _problem(send, 400, "Bad request", "Content-Length is not a number")
                return
            if too_large:
                await _problem(send, 413, "Request too large", f"bodies are limited to {self.max_body} bytes")
                return
        if scope["method"] in _UNSAFE and (length not in (None, b"0") or b"transfer-encoding" in headers):
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            allowed = {b"application/json"}
            if path in self.form_paths:
                allowed.add(b"application/x-www-form-urlencoded")
            if self.page_prefixes and path.startswith(self.page_prefixes):
                allowed |= {b"application/x-www-form-urlencoded", b"multipart/form-data"}
            if ctype not in allowed:
                names = ", ".join(sorted(a.decode() for a in allowed))
                await _problem(send, 415, "Unsupported media type", f"send the body as {names}")
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send_with_headers)
        except _TooLarge:
            if not started:
                await _problem(send, 413, "Request too large", f"bodies are limited to {self.max_body} bytes")
