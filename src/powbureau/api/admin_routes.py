"""Accounts over HTTP (the administrator: no person data) and security alerts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from powbureau.api.deps import side_uow
from powbureau.api.staff import require
from powbureau.domain.access import Role
from powbureau.services import accounts, audit
from powbureau.services.accounts import NewCredentials, StaffSession
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["accounts"])
Administrator = Annotated[StaffSession, Depends(require(Role.ADMINISTRATOR))]
Watchers = Annotated[StaffSession, Depends(require(Role.ADMINISTRATOR, Role.AUDITOR))]


class NewAccount(BaseModel):
    """A member of staff and his roles; the password is generated and shown once."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    roles: list[Role] = Field(min_length=1, max_length=8)


class Credentials(BaseModel):
    """Shown once: the generated password (new accounts) and the second factor's URI."""

    name: str
    roles: list[Role]
    password: str | None
    otpauth_uri: str


def _shown_once(new: NewCredentials) -> Credentials:
    return Credentials(
        name=new.name, roles=sorted(new.roles), password=new.password, otpauth_uri=new.otpauth_uri
    )


@router.get("/users", summary="Staff accounts (no secrets)")
def list_users(request: Request, session: Administrator) -> list[dict[str, Any]]:
    return [
        {**asdict(u), "roles": sorted(u.roles)}
        for u in accounts.list_users(uow=SqlUnitOfWork(request.app.state.engine, write=False))
    ]


@router.post("/users", status_code=201, response_model=Credentials, summary="Add a member of staff")
def add_user(request: Request, session: Administrator, body: NewAccount) -> Credentials:
    new = accounts.add_user(uow=side_uow(request), name=body.name, roles=body.roles, by=session.staff.name)
    return _shown_once(new)


@router.post(
    "/users/{name}/reset-totp", response_model=Credentials, summary="A new second factor (lost phone)"
)
def reset_totp(request: Request, session: Administrator, name: str) -> Credentials:
    return _shown_once(accounts.reset_totp(uow=side_uow(request), name=name, by=session.staff.name))


@router.post("/users/{name}/disable", summary="Disable an account; its sessions end")
def disable(request: Request, session: Administrator, name: str) -> dict[str, str]:
    accounts.disable_user(uow=side_uow(request), name=name, by=session.staff.name)
    return {"name": name, "state": "disabled"}


@router.post("/users/{name}/enable", summary="Let a disabled account log in again")
def enable(request: Request, session: Administrator, name: str) -> dict[str, str]:
    accounts.enable_user(uow=side_uow(request), name=name, by=session.staff.name)
    return {"name": name, "state": "enabled"}


class NewRoles(BaseModel):
    """The roles an account holds from now on."""

    model_config = ConfigDict(extra="forbid")

    roles: list[Role] = Field(min_length=1, max_length=8)


@router.post("/users/{name}/roles", summary="Give an account other roles; its sessions end")
def set_roles(request: Request, session: Administrator, name: str, body: NewRoles) -> dict[str, Any]:
    accounts.set_roles(uow=side_uow(request), name=name, roles=body.roles, by=session.staff.name)
    return {"name": name, "roles": sorted(body.roles)}


@router.post("/users/{name}/unlock", summary="Unlock an account locked after failed sign-ins")
def unlock(request: Request, session: Administrator, name: str) -> dict[str, str]:
    accounts.unlock_user(uow=side_uow(request), name=name, by=session.staff.name)
    return {"name": name, "state": "unlocked"}


@router.get("/security-alerts", summary="Locks, unlocks and account changes, newest first")
def alerts(
    request: Request, session: Watchers, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    found = accounts.list_alerts(uow=SqlUnitOfWork(request.app.state.engine, write=False), limit=limit)
    return [asdict(a) for a in found]


Auditor = Annotated[StaffSession, Depends(require(Role.AUDITOR))]


@router.get("/audit", tags=["audit"], summary="Reads of personal data, newest first")
def audit_log(
    request: Request,
    session: Auditor,
    flagged: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    records = audit.recent_reads(
        uow=SqlUnitOfWork(request.app.state.engine, write=False), limit=limit, flagged_only=flagged
    )
    return [{**r._asdict(), "person_ids": list(r.person_ids)} for r in records]


@router.get("/audit/who-read/{ref}", tags=["audit"], summary="Who read a person's data, and why")
def who_read(request: Request, session: Auditor, ref: str) -> list[dict[str, Any]]:
    reads = audit.who_read(uow=SqlUnitOfWork(request.app.state.engine, write=False), ref=ref)
    return [r._asdict() for r in reads]


@router.get("/audit/verify", tags=["audit"], summary="Recompute the audit chain")
def verify(request: Request, session: Auditor) -> dict[str, Any]:
    report = audit.verify_audit(uow=SqlUnitOfWork(request.app.state.engine, write=False))
    return {"ok": report.ok, "records": report.records, "problems": report.problems}
