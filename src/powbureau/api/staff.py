"""Staff sessions: sign in with a password and the second factor, the session cookie,
CSRF on every change, and the roles each route needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from powbureau.api.deps import address_of, config_of, side_uow
from powbureau.api.problems import Problem
from powbureau.domain.access import Channel, Reader, Role
from powbureau.domain.errors import LoginRefused, PermissionDenied, SessionInvalid
from powbureau.services import accounts
from powbureau.services.accounts import StaffSession

__all__ = ["SESSION_COOKIE", "Signed", "reader_for", "require", "router", "set_session_cookie", "signed_in"]

SESSION_COOKIE = "pb_session"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
router = APIRouter(prefix="/api/session", tags=["session"])


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The session's cookie: HttpOnly, SameSite=Strict, Secure unless configured off."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=config_of(request).secure_cookies,
        samesite="strict",
        path="/",
    )


def signed_in(request: Request) -> StaffSession:
    """The caller's session (401 without one); changes need the session's CSRF token."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Problem(401, "sign in first (POST /api/session)")
    try:
        session = accounts.session_staff(uow=side_uow(request), token=token)
    except SessionInvalid:
        raise Problem(401, "the session has expired or was closed; sign in again") from None
    if request.method in _UNSAFE:
        try:
            accounts.check_csrf(session, request.headers.get("x-csrf-token", ""))
        except PermissionDenied:
            raise Problem(403, "missing or wrong X-CSRF-Token") from None
    return session


Signed = Annotated[StaffSession, Depends(signed_in)]


def require(*roles: Role) -> Callable[[StaffSession], StaffSession]:
    """A dependency: the session, if it holds one of ``roles`` (else 403)."""

    def check(session: Signed) -> StaffSession:
        if not session.staff.roles & set(roles):
            raise Problem(403, "your role does not allow this")
        return session

    return check


def reader_for(session: StaffSession, request: Request, *, case_id: str | None = None) -> Reader:
    """Who reads, through which case or for what typed reason (``X-Access-Reason``)."""
    reason = request.headers.get("x-access-reason") or request.query_params.get("reason") or None
    return Reader(
        user=session.staff.name,
        channel=Channel.API,
        roles=session.staff.roles,
        case_id=case_id or request.query_params.get("case") or None,
        reason=reason,
    )


class Credentials(BaseModel):
    """A sign-in: account name, password and the current second-factor code."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    password: str = Field(max_length=1000)
    totp: str = Field(max_length=10, description="The 6-digit code of the authenticator app")


class SessionInfo(BaseModel):
    """The signed-in account, its roles, and the token to send as X-CSRF-Token."""

    name: str
    roles: list[Role]
    csrf_token: str
    expires_at: datetime


def _info(session: StaffSession) -> SessionInfo:
    return SessionInfo(
        name=session.staff.name,
        roles=sorted(session.staff.roles),
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
    )


@router.post(
    "",
    response_model=SessionInfo,
    summary="Sign in (password and second factor)",
    responses={401: {"description": "Refused; the same answer whatever the cause"}},
)
def sign_in(request: Request, response: Response, credentials: Credentials) -> SessionInfo:
    try:
        session = accounts.login(
            uow=side_uow(request),
            name=credentials.name,
            password=credentials.password,
            totp_code=credentials.totp,
            address=address_of(request),
        )
    except LoginRefused as exc:
        retry = {"Retry-After": str(int(exc.retry_after) + 1)} if exc.retry_after else {}
        raise Problem(401, str(exc), headers=retry) from None
    set_session_cookie(response, request, session.token)
    return _info(session)


@router.get("", response_model=SessionInfo, summary="The signed-in account")
def whoami(session: Signed) -> SessionInfo:
    return _info(session)


@router.delete("", status_code=204, summary="Sign out")
def sign_out(request: Request, session: Signed) -> Response:
    accounts.logout(uow=side_uow(request), token=session.token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
