"""The staff web UI's frame: sign-in with the second factor, the session cookie, CSRF on
every form, the roles each page needs, the reader's language, and rendering.

Pages are thin: they read a form, call the same service functions as the API and the
command line, and render a template. A page that reads person data passes a
:class:`~powbureau.domain.access.Reader` of channel ``ui`` so the service audits it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from powbureau.api.deps import address_of, config_of, side_uow
from powbureau.api.staff import SESSION_COOKIE, set_session_cookie
from powbureau.domain.access import Channel, Reader, Role, visible_person_fields
from powbureau.domain.errors import InvalidInput, LoginRefused, PermissionDenied, SessionInvalid
from powbureau.i18n import LANGUAGES, N_, translations
from powbureau.services import accounts
from powbureau.services.accounts import StaffSession
from powbureau.store.uow import SqlUnitOfWork
from powbureau.web.labels import label_of
from powbureau.web.pages import TEMPLATES, pick_language

__all__ = [
    "ALL_ROLES",
    "LANG_COOKIE",
    "NAV",
    "READ_REASONS",
    "START_PAGES",
    "Page",
    "PageRefused",
    "ReasonFirst",
    "SignInFirst",
    "UploadLimit",
    "anonymous_page",
    "install",
    "parse_reason",
    "person_path",
    "reason_values",
    "reason_words",
    "router",
    "staff_page",
    "why_form",
]

LANG_COOKIE = "pb_lang"
_LOGIN_COOKIE = "pb_login"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ALL_ROLES = frozenset(Role)


#: Where each role starts its day.
START_PAGES: dict[Role, str] = {
    Role.HOTLINE_OPERATOR: "/staff/hotline",
    Role.REGISTRAR: "/staff/registry",
    Role.TRACING_OFFICER: "/staff/tracing",
    Role.MEDICAL: "/staff/medical",
    Role.EXCHANGE_NEGOTIATOR: "/staff/exchanges",
    Role.LIAISON: "/staff/liaison",
    Role.AUDITOR: "/staff/audit",
    Role.ADMINISTRATOR: "/staff/admin",
}

#: The menu: (path, label, roles that see it). A page checks its own roles as well.
NAV: list[tuple[str, str, frozenset[Role]]] = [
    ("/staff/dashboard", N_("Dashboard"), ALL_ROLES),
    ("/staff/hotline", N_("Hotline"), frozenset({Role.HOTLINE_OPERATOR})),
    (
        "/staff/registry",
        N_("Registry"),
        frozenset({Role.REGISTRAR, Role.TRACING_OFFICER, Role.LIAISON}),
    ),
    ("/staff/tracing", N_("Tracing"), frozenset({Role.TRACING_OFFICER})),
    ("/staff/mail", N_("E-mail"), frozenset({Role.TRACING_OFFICER})),
    ("/staff/medical", N_("Medical"), frozenset({Role.MEDICAL})),
    ("/staff/exchanges", N_("Exchanges"), frozenset({Role.EXCHANGE_NEGOTIATOR, Role.LIAISON})),
    ("/staff/liaison", N_("Liaison"), frozenset({Role.LIAISON})),
    ("/staff/audit", N_("Audit"), frozenset({Role.AUDITOR})),
    ("/staff/admin", N_("Accounts"), frozenset({Role.ADMINISTRATOR})),
]

#: Why a member of staff reads a person's record outside a tracing case: (code, words). The
#: audit record keeps the code and the words typed with it (``"list_check: camp 4 roll"``);
#: every such read is flagged to the auditor, who sees the reason.
READ_REASONS: list[tuple[str, str]] = [
    ("record_upkeep", N_("Registering him, or keeping his record up to date")),
    ("list_check", N_("Checking a list or a report against the registry")),
    ("liaison_request", N_("A request from the ICRC or the Protecting Power")),
    ("family_contact", N_("A family's call or letter not filed as a case yet")),
    ("supervision", N_("Supervision or a quality check")),
    ("other", N_("Another reason (say which)")),
]
_REASON_CODES = {code for code, _ in READ_REASONS}
#: The cookie that carries the reason given for one person's pages (its path is theirs).
WHY_COOKIE = "pb_why"
_WHY_SECONDS = 12 * 3600
_REASON_MAX = 300

router = APIRouter(prefix="/staff", include_in_schema=False)


class SignInFirst(Exception):
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class ReasonFirst(Exception):
    """A person's data was about to be read outside a case with no reason given: the page
    asks for the reason instead and shows nothing of him."""

    def __init__(self, page: Page, person_id: str, note: str = "") -> None:
        super().__init__(person_id)
        self.page = page
        self.person_id = person_id
        self.note = note


def parse_reason(values: Mapping[str, str], gettext: Callable[[str], str]) -> str:
    """The reason of the reason form as the audit log keeps it: the code, then the words.

    Raises:
        InvalidInput: no reason chosen, or "another reason" without words.
    """
    code = values.get("why", "")
    words = " ".join(values.get("why_text", "").split())[:_REASON_MAX]
    if code not in _REASON_CODES:
        raise InvalidInput(gettext("Choose why you read these records."), field="why")
    if code == "other" and not words:
        raise InvalidInput(gettext("Say the reason in a few words."), field="why_text")
    return f"{code}: {words}" if words else code


def reason_values(reason: str | None) -> dict[str, str]:
    """A recorded reason as the reason fields of a form show it again."""
    if not reason:
        return {}
    code, _, words = reason.partition(": ")
    return {"why": code, "why_text": words}


def reason_words(reason: str | None, gettext: Callable[[str], str]) -> str:
    """A recorded reason for the auditor: the chosen reason in words, then what was typed."""
    if not reason:
        return ""
    code, _, words = reason.partition(": ")
    for known, text in READ_REASONS:
        if code == known:
            return f"{gettext(text)}: {words}" if words else gettext(text)
    return reason


class PageRefused(Exception):
    """A page refused with a status and a message for the reader."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _iso_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "")
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def _make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    return env


_env = _make_env()


class Page:
    """One request to a page: who asks, in which language, and how to answer."""

    def __init__(self, request: Request, session: StaffSession | None, lang: str) -> None:
        self.request = request
        self.session = session
        self.lang = lang
        self._tr = translations(lang)

    # --- who and what -------------------------------------------------------------------
    @property
    def user(self) -> str:
        """The signed-in account's name."""
        assert self.session is not None
        return self.session.staff.name

    @property
    def roles(self) -> frozenset[Role]:
        """The signed-in account's roles (none when anonymous)."""
        return self.session.staff.roles if self.session else frozenset()

    def has(self, *roles: Role) -> bool:
        """Whether the account holds one of ``roles``."""
        return bool(self.roles & set(roles))

    @property
    def csrf(self) -> str:
        """The token every form of the session sends back."""
        return self.session.csrf_token if self.session else ""

    @property
    def demo(self) -> bool:
        """Whether the registry holds the demo's synthetic data."""
        return bool(getattr(self.request.app.state, "demo", False))

    def reader(self, *, case_id: str | None = None, reason: str | None = None) -> Reader:
        """The reader for services that audit: this account, through the UI, for a case (given,
        or ``case`` of the address) or a reason (given, or the one given on a person's reason
        form, which only his pages receive). A reason never travels in an address."""
        return Reader(
            user=self.user,
            channel=Channel.UI,
            roles=self.roles,
            case_id=case_id or self.request.query_params.get("case") or None,
            reason=reason or self.given_reason(),
        )

    def person_reader(self, *, case_id: str | None, reason: str | None) -> Reader:
        """A reader with exactly this case or reason (nothing taken from the address)."""
        return Reader(user=self.user, channel=Channel.UI, roles=self.roles, case_id=case_id, reason=reason)

    def _binding(self) -> str:
        assert self.session is not None
        return hashlib.sha256(b"why:" + self.session.token.encode()).hexdigest()[:32]

    def given_reason(self) -> str | None:
        """The reason given in this session for the person whose pages are asked (the reason
        cookie is scoped to them); None when none was, or it was given in another session."""
        raw = self.request.cookies.get(WHY_COOKIE)
        if not raw or self.session is None:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, TypeError):
            return None
        if not isinstance(data, dict) or not secrets.compare_digest(str(data.get("s", "")), self._binding()):
            return None
        reason = data.get("r")
        if not isinstance(reason, str) or reason.partition(": ")[0] not in _REASON_CODES:
            return None
        return reason[: _REASON_MAX + 40]

    def remember_reason(self, response: Response, person_path: str, reason: str) -> None:
        """Keep ``reason`` for the pages under ``person_path`` for the rest of this session."""
        packed = json.dumps({"s": self._binding(), "r": reason}, ensure_ascii=False).encode()
        response.set_cookie(
            WHY_COOKIE,
            base64.urlsafe_b64encode(packed).decode().rstrip("="),
            httponly=True,
            secure=config_of(self.request).secure_cookies,
            samesite="strict",
            max_age=_WHY_SECONDS,
            path=person_path,
        )

    def person_fields(self) -> frozenset[str]:
        """The person fields this account's roles see."""
        return visible_person_fields(self.roles)

    # --- the request --------------------------------------------------------------------
    async def form(self, *, limit: int = 5000) -> dict[str, str]:
        """The posted form's text fields (first values), stripped and cut to ``limit``;
        files and the CSRF token left out."""
        form = await self.request.form()
        return {k: v.strip()[:limit] for k, v in form.items() if isinstance(v, str) and k != "csrf"}

    async def form_lists(self, *, limit: int = 500) -> dict[str, list[str]]:
        """Every value of every text field (checkboxes send several), stripped and cut."""
        form = await self.request.form()
        out: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if isinstance(value, str) and key != "csrf":
                out.setdefault(key, []).append(value.strip()[:limit])
        return out

    # --- the registry -------------------------------------------------------------------
    def uow(self, *, write: bool = True) -> SqlUnitOfWork:
        """A unit of work on the registry."""
        return SqlUnitOfWork(self.request.app.state.engine, write=write)

    def side_uow(self) -> SqlUnitOfWork:
        """A unit of work that never waits for the event chain (sessions, queues)."""
        return side_uow(self.request)

    # --- text -----------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """``message`` in the page's language."""
        return self._tr.gettext(message)

    def date(self, value: object, fmt: str = "medium") -> str:
        """A date in the reader's locale; partial dates (1994, 1994-03) as written."""
        if value is None or value == "":
            return ""
        if isinstance(value, datetime):
            return format_datetime(value, "short", locale=self.lang)
        text = str(value)
        if "T" in text and len(text) >= 16:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return text
            return format_datetime(moment, "short", locale=self.lang)
        day = _iso_date(value)
        return format_date(day, fmt, locale=self.lang) if day else text

    def label(self, group: str, value: object) -> str:
        """The translated word for a coded value (``label("status", "held")``)."""
        return label_of(group, value, self.gettext)

    def number(self, value: float | int | None) -> str:
        """A number in the reader's locale."""
        return "" if value is None else format_decimal(value, locale=self.lang)

    def nav(self) -> list[tuple[str, str]]:
        """The menu entries this account may open."""
        return [(path, self.gettext(label)) for path, label, roles in NAV if self.roles & roles]

    # --- answers --------------------------------------------------------------------------
    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        """The page ``template`` in the reader's language."""
        env = _env.overlay()
        env.install_gettext_translations(self._tr, newstyle=True)  # type: ignore[attr-defined]
        env.filters["date"] = self.date
        env.filters["number"] = self.number
        env.globals["label"] = self.label
        env.globals["reason_words"] = lambda reason: reason_words(reason, self.gettext)
        html = env.get_template(template).render(
            page=self,
            lang=self.lang,
            languages=LANGUAGES,
            csrf=self.csrf,
            demo=self.demo,
            path=self.request.url.path,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        self._remember_language(response)
        return response

    def redirect(self, url: str) -> RedirectResponse:
        """Go on to ``url`` after a change (303: the browser then GETs it)."""
        response = RedirectResponse(url, status_code=303)
        self._remember_language(response)
        return response

    def _remember_language(self, response: Response) -> None:
        chosen = self.request.query_params.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                str(chosen),
                httponly=True,
                secure=config_of(self.request).secure_cookies,
                samesite="lax",
                max_age=365 * 86400,
                path="/",
            )


def language_of(request: Request) -> str:
    """The reader's language: chosen now, then remembered, then the browser's."""
    return pick_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def anonymous_page(request: Request) -> Page:
    """A page anyone may open (the sign-in page)."""
    return Page(request, None, language_of(request))


async def _submitted_token(request: Request) -> str:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf")
        return value if isinstance(value, str) else ""
    return ""


def staff_page(*roles: Role) -> Callable[..., Any]:
    """A dependency: the page of a signed-in account holding one of ``roles``.

    Without a session the browser goes to the sign-in page and comes back; a change
    (POST) needs the session's CSRF token in the form's ``csrf`` field or ``X-CSRF-Token``.
    """
    allowed = frozenset(roles) or ALL_ROLES

    async def dependency(request: Request) -> Page:
        token = request.cookies.get(SESSION_COOKIE)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if not token:
            raise SignInFirst(target)
        try:
            session = accounts.session_staff(uow=side_uow(request), token=token)
        except SessionInvalid:
            raise SignInFirst(target) from None
        page = Page(request, session, language_of(request))
        if request.method in _UNSAFE:
            try:
                accounts.check_csrf(session, await _submitted_token(request))
            except PermissionDenied:
                raise PageRefused(
                    403, page.gettext("The form has expired. Open the page again and resend it.")
                ) from None
        if not session.staff.roles & allowed:
            raise PageRefused(403, page.gettext("Your role does not open this page."))
        return page

    return dependency


def upload_limit(request: Request) -> None:
    """Refuse an upload larger than the limit before its body is read (the frame's 1 MB limit
    does not apply under ``/staff/uploads/``). Declared before the page's dependency, it
    runs first; the server reads no more than the declared length, and a body without one
    is refused."""
    tr = translations(language_of(request))
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise PageRefused(411, tr.gettext("The upload must state its length. Send the form again."))
    if int(declared) > config_of(request).max_upload_bytes + _FORM_OVERHEAD:
        raise PageRefused(413, tr.gettext("The file is larger than the upload limit."))


#: Room for a form's other fields beside its file.
_FORM_OVERHEAD = 64 * 1024
UploadLimit = Annotated[None, Depends(upload_limit)]
Anonymous = Annotated[Page, Depends(anonymous_page)]
Signed = Annotated[Page, Depends(staff_page())]


def start_page(roles: Iterable[Role]) -> str:
    """The first page of an account: that of its first role in the order of :class:`Role`."""
    held = set(roles)
    for role in Role:
        if role in held:
            return START_PAGES[role]
    return "/staff/dashboard"


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/staff/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def _login_form(
    page: Page, *, next_url: str | None, error: str = "", name: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(16)
    demo_accounts: list[dict[str, str]] = []
    if page.demo:
        import pyotp

        from powbureau.services.demo import demo_accounts as published

        demo_accounts = [
            {
                "name": a.name,
                "role": a.role.value,
                "password": a.password,
                "code": pyotp.TOTP(a.totp_secret).now(),
            }
            for a in published()
        ]
    response = page.render(
        "staff/login.html",
        status=status,
        login_token=token,
        next_url=next_url or "",
        error=error,
        name=name,
        demo_accounts=demo_accounts,
    )
    response.set_cookie(
        _LOGIN_COOKIE,
        token,
        httponly=True,
        secure=config_of(page.request).secure_cookies,
        samesite="strict",
        path="/staff/login",
    )
    return response


@router.get("/login")
def login_form(page: Anonymous, next: str | None = None) -> Response:
    """The sign-in form: account, password and the authenticator's code."""
    return _login_form(page, next_url=_safe_next(next))


@router.post("/login")
async def login(page: Anonymous) -> Response:
    """Sign in; on success go to the page asked for, or the role's start page."""
    request = page.request
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    expected = request.cookies.get(_LOGIN_COOKIE, "")
    next_url = _safe_next(values.get("next"))
    if not expected or not secrets.compare_digest(expected, values.get("login_token", "")):
        return _login_form(
            page,
            next_url=next_url,
            error=page.gettext("The form has expired. Please sign in again."),
            status=403,
        )
    name = values.get("name", "").strip()[:100]
    try:
        session = accounts.login(
            uow=side_uow(request),
            name=name,
            password=values.get("password", "")[:1000],
            totp_code=values.get("totp", "").strip()[:10],
            address=address_of(request),
        )
    except LoginRefused:
        return _login_form(
            page,
            next_url=next_url,
            name=name,
            error=page.gettext(
                "Sign-in refused. Check the account name, the password and the code; "
                "after several failures the account waits or is locked."
            ),
            status=401,
        )
    response = RedirectResponse(next_url or start_page(session.staff.roles), status_code=303)
    set_session_cookie(response, request, session.token)
    response.delete_cookie(_LOGIN_COOKIE, path="/staff/login")
    return response


@router.post("/logout")
def logout(page: Signed) -> Response:
    """Sign out: the session ends on the server too."""
    assert page.session is not None
    accounts.logout(uow=page.side_uow(), token=page.session.token)
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("")
@router.get("/")
def start(page: Signed) -> Response:
    """The account's start page."""
    return page.redirect(start_page(page.roles))


def error_page(request: Request, status: int, message: str) -> Response:
    """An error shown as a page, in the reader's language, with the menu when signed in."""
    page = Page(request, None, language_of(request))
    return page.render("staff/error.html", status=status, message=message)


def install(app: FastAPI, *, pages: Iterable[APIRouter] = ()) -> None:
    """Mount the staff UI: its frame, its pages, and its errors as pages."""

    @app.exception_handler(SignInFirst)
    async def _sign_in(request: Request, exc: SignInFirst) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/staff/login"})
        return RedirectResponse(f"/staff/login?next={quote(exc.next_url, safe='')}", status_code=303)

    @app.exception_handler(ReasonFirst)
    async def _reason_first(request: Request, exc: ReasonFirst) -> Response:
        return why_form(exc.page, exc.person_id, note=exc.note)

    @app.exception_handler(PageRefused)
    async def _refused(request: Request, exc: PageRefused) -> Response:
        return error_page(request, exc.status, exc.message)

    app.include_router(router)
    for pages_router in pages:
        app.include_router(pages_router)


#: Characters a browser leaves as they are in a path segment (RFC 3986 pchar), so that the
#: reason cookie's path is the one the browser sends (``SOURCE:ref`` keeps its colon).
_PATH_CHARS = ":@!$&'()*+,;="


def person_path(person_id: str) -> str:
    """The address under which a person's pages live (and his reason cookie with them)."""
    return f"/staff/persons/{quote(person_id, safe=_PATH_CHARS)}"


def why_form(
    page: Page,
    person_id: str,
    *,
    note: str = "",
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The reason form shown in place of a person's page: nothing of him but the id asked for."""
    target = page.request.url.path if page.request.method == "GET" else person_path(person_id)
    query = page.request.url.query if page.request.method == "GET" else ""
    return page.render(
        "staff/registry/why.html",
        status=status,
        person_id=person_id,
        action=person_path(person_id) + "/reason",
        next_url=target + (f"?{query}" if query else ""),
        reasons=[(code, page.gettext(text)) for code, text in READ_REASONS],
        note=note,
        values=values or {},
        errors=errors or {},
    )


def visible(row: Mapping[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    """A person's record cut to ``fields`` (``id`` shown as ``person_id``)."""
    renamed = {("person_id" if k == "id" else k): v for k, v in row.items()}
    return {k: v for k, v in renamed.items() if k in fields}
