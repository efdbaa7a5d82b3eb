"""Errors as RFC 9457 problem details (``application/problem+json``), for every 4xx and 5xx."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from powbureau.domain.errors import (
    Conflict,
    ImportRejected,
    InvalidInput,
    KeyUnavailable,
    NotFound,
    PermissionDenied,
    PowBureauError,
    RuleViolation,
    SecretUnreadable,
)

__all__ = ["PROBLEM", "Problem", "install_problem_handlers", "problem_response"]

PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
#: What a caller is told when the service has no usable TOTP key (the details, which name
#: files, go to the service's log).
_NO_KEY = "the service cannot check second factors now; its administrator has been told in the log"
_log = logging.getLogger("powbureau.api")


class Problem(Exception):
    """Raise from a route or dependency to answer with a problem body."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _status_of(exc: PowBureauError) -> int:
    if isinstance(exc, InvalidInput | ImportRejected):
        return 422
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict | RuleViolation):
        return 409
    return 400


def _is_page(request: Request) -> bool:
    return request.url.path.startswith("/staff")


def _page_error(request: Request, status: int, detail: str) -> Response:
    from powbureau.web.ui import error_page

    return error_page(request, status, detail)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of the service as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        if _is_page(request):
            return _page_error(request, exc.status, exc.detail)
        return problem_response(exc.status, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(PowBureauError)
    async def _domain(request: Request, exc: PowBureauError) -> Response:
        if isinstance(exc, KeyUnavailable | SecretUnreadable):
            _log.error("TOTP keyring: %s", exc)
            if _is_page(request):
                return _page_error(request, 503, _NO_KEY)
            return problem_response(503, _NO_KEY, code=exc.code)
        if _is_page(request):
            return _page_error(request, _status_of(exc), str(exc))
        extra: dict[str, Any] = {"code": exc.code}
        field = getattr(exc, "field", None)
        if field:
            extra["field"] = field
        if isinstance(exc, ImportRejected):
            extra["rows"] = [str(r) for r in exc.errors][:100]
            extra["bad_rows"] = exc.bad_rows
        return problem_response(_status_of(exc), str(exc), **extra)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(422, "a value is out of range for the registry (a number too large?)")

    @app.exception_handler(StatementError)
    async def _statement(request: Request, exc: StatementError) -> JSONResponse:
        if isinstance(exc.orig, OverflowError | DataError):
            return problem_response(422, "a value is out of range for the registry (a number too large?)")
        return problem_response(500, "the service failed; the error is logged")

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
        malformed = any(e.get("type") == "json_invalid" for e in exc.errors())
        if malformed:
            return problem_response(400, "the body is not valid JSON", errors=errors)
        first = errors[0] if errors else {"field": "", "message": "invalid input"}
        if _is_page(request):
            return _page_error(request, 422, f"{first['field']}: {first['message']}")
        return problem_response(422, f"{first['field']}: {first['message']}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_page(request):
            return _page_error(request, exc.status_code, str(exc.detail))
        return problem_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(500, "the service failed; the error is logged")
