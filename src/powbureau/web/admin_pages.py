"""The administrator's pages (accounts, second-factor reset, unlock; no person data) and the
auditor's (who read this person, flagged reads, the audit chain)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from powbureau.domain.access import Role
from powbureau.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from powbureau.services import accounts, audit
from powbureau.services.accounts import NewCredentials
from powbureau.web.ui import Page, staff_page

__all__ = ["router"]

router = APIRouter(prefix="/staff", include_in_schema=False)
Administrator = Annotated[Page, Depends(staff_page(Role.ADMINISTRATOR))]
Auditor = Annotated[Page, Depends(staff_page(Role.AUDITOR))]
_ACTIONS = ("reset-totp", "disable", "enable", "unlock")


def _accounts_page(
    page: Page,
    *,
    shown_once: NewCredentials | None = None,
    error: str = "",
    error_field: str = "",
    typed: dict[str, object] | None = None,
    notice: str = "",
    status: int = 200,
) -> HTMLResponse:
    return page.render(
        "staff/admin.html",
        status=status,
        users=accounts.list_users(uow=page.uow(write=False)),
        alerts=accounts.list_alerts(uow=page.uow(write=False), limit=20),
        all_roles=list(Role),
        shown_once=shown_once,
        error=error,
        error_field=error_field,
        typed=typed or {},
        notice=notice,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin(page: Administrator) -> HTMLResponse:
    """Staff accounts, the form to add one, and recent security alerts."""
    return _accounts_page(page)


def _roles_of(values: list[str]) -> list[Role]:
    chosen = []
    for value in values:
        try:
            chosen.append(Role(value))
        except ValueError:
            raise InvalidInput(f"no such role: {value}", field="roles") from None
    return chosen


@router.post("/admin/accounts", response_class=HTMLResponse)
async def add_account(page: Administrator) -> HTMLResponse:
    """Add a member of staff; the generated password and second-factor secret are shown once."""
    form = await page.request.form()
    name = str(form.get("name", "")).strip()
    picked = [str(v) for v in form.getlist("roles")]
    try:
        new = accounts.add_user(uow=page.side_uow(), name=name, roles=_roles_of(picked), by=page.user)
    except (InvalidInput, Conflict) as exc:
        field = getattr(exc, "field", None) or "name"
        return _accounts_page(
            page, error=str(exc), error_field=field, typed={"name": name, "roles": picked}, status=422
        )
    return _accounts_page(page, shown_once=new)


@router.post("/admin/accounts/{name}/roles", response_class=HTMLResponse)
async def change_roles(page: Administrator, name: str) -> Response:
    """Give an account other roles; its sessions end."""
    form = await page.request.form()
    try:
        accounts.set_roles(
            uow=page.side_uow(),
            name=name,
            roles=_roles_of([str(v) for v in form.getlist("roles")]),
            by=page.user,
        )
    except (InvalidInput, NotFound) as exc:
        return _accounts_page(page, error=f"{name}: {exc}", status=422)
    return _accounts_page(page, notice=page.gettext("Roles changed: {name}").format(name=name))


@router.post("/admin/accounts/{name}/{action}", response_class=HTMLResponse)
def account_action(page: Administrator, name: str, action: str) -> Response:
    """Reset the second factor (a lost phone), disable, enable or unlock an account."""
    if action not in _ACTIONS:
        return _accounts_page(page, error=page.gettext("Unknown action."), status=404)
    uow = page.side_uow()
    try:
        if action == "reset-totp":
            return _accounts_page(page, shown_once=accounts.reset_totp(uow=uow, name=name, by=page.user))
        if action == "disable":
            accounts.disable_user(uow=uow, name=name, by=page.user)
        elif action == "enable":
            accounts.enable_user(uow=uow, name=name, by=page.user)
        else:
            accounts.unlock_user(uow=uow, name=name, by=page.user)
    except (NotFound, RuleViolation, Conflict, InvalidInput) as exc:
        return _accounts_page(page, error=f"{name}: {exc}", status=422)
    done = {
        "disable": page.gettext("Account disabled: {name}"),
        "enable": page.gettext("Account enabled: {name}"),
        "unlock": page.gettext("Account unlocked: {name}"),
    }[action]
    return _accounts_page(page, notice=done.format(name=name))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(page: Auditor, person: str = "", flagged: bool = False) -> HTMLResponse:
    """Who read a person's data and why; the latest reads (or only flagged ones); the chain."""
    person = person.strip()[:200]
    reads = None
    error = ""
    if person:
        try:
            reads = audit.who_read(uow=page.uow(write=False), ref=person)
        except NotFound:
            error = page.gettext("Nobody in the registry answers to this id or reference.")
    return page.render(
        "staff/audit.html",
        person=person,
        reads=reads,
        error=error,
        flagged=flagged,
        recent=audit.recent_reads(uow=page.uow(write=False), limit=50, flagged_only=flagged),
        alerts=accounts.list_alerts(uow=page.uow(write=False), limit=10),
    )


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(page: Auditor) -> HTMLResponse:
    """Recompute the audit log's hash chain and say whether it is intact."""
    report = audit.verify_audit(uow=page.uow(write=False))
    return page.render("staff/audit_verify.html", report=report)
