"""The public pages: a family's inquiry (JSON or a plain HTML form) and its follow-up.

No account is needed and nothing about any person is shown. Submitting only stores and
queues: no registry lookup happens in the request, and every submission gets the same
response apart from its reference and secret.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from powbureau.api.deps import address_of, config_of, limit, side_uow
from powbureau.api.problems import Problem
from powbureau.domain.errors import InvalidInput, NotFound, RuleViolation
from powbureau.domain.public import FIELD_LIMITS, FollowUp, FollowUpState
from powbureau.i18n import N_
from powbureau.names import given_name_keys, surname_key
from powbureau.services.public_inquiries import follow_up, submit_public_inquiry
from powbureau.web.pages import pick_language, render, translations

__all__ = ["FORM_PATHS", "router"]

router = APIRouter(tags=["public"])
FORM_PATHS = ("/public/inquiries", "/public/follow-up")
_FORM_COOKIE = "pb_form"
_LANG_COOKIE = "pb_lang"
RECEIVED_MESSAGE = (
    "Your inquiry is received. Keep the reference and the secret: you need both to see the answer, "
    "and they cannot be shown again."
)


class PublicInquiry(BaseModel):
    """A family's inquiry. Only the sought man's name (or service number), the inquirer's
    name, relation and contact are required."""

    model_config = ConfigDict(extra="forbid")

    surname: str | None = Field(None, max_length=FIELD_LIMITS["surname"])
    given_name: str | None = Field(None, max_length=FIELD_LIMITS["given_name"])
    patronymic: str | None = Field(None, max_length=FIELD_LIMITS["patronymic"])
    birth_date: str | None = Field(None, max_length=FIELD_LIMITS["birth_date"], examples=["2001-03"])
    unit: str | None = Field(None, max_length=FIELD_LIMITS["unit"])
    service_number: str | None = Field(None, max_length=FIELD_LIMITS["service_number"])
    mother_name: str | None = Field(None, max_length=FIELD_LIMITS["mother_name"])
    father_name: str | None = Field(None, max_length=FIELD_LIMITS["father_name"])
    last_seen_on: str | None = Field(None, max_length=FIELD_LIMITS["last_seen_on"])
    last_seen_place: str | None = Field(None, max_length=FIELD_LIMITS["last_seen_place"])
    inquirer_name: str = Field(max_length=FIELD_LIMITS["inquirer_name"])
    relation: str = Field(max_length=FIELD_LIMITS["relation"], examples=["mother"])
    contact: str = Field(max_length=FIELD_LIMITS["contact"])
    language: str = Field("uk", pattern="^(uk|ru|en)$")
    knows: str | None = Field(None, max_length=FIELD_LIMITS["knows"])


class Receipt(BaseModel):
    """The same for everyone apart from the reference and the secret."""

    reference: str
    secret: str
    message: str


class FollowUpAnswer(BaseModel):
    """What an officer released: ``answer`` only when ``state`` is ``answered``."""

    reference: str
    state: FollowUpState
    answer: str | None = None
    on: str | None = None


def _limit_submission(request: Request, fields: dict[str, Any]) -> None:
    limits = config_of(request).limits
    limit(request, f"submit:addr:{address_of(request)}", per_window=limits.submissions_per_address)
    surname = surname_key(fields.get("surname") or "") if fields.get("surname") else ""
    given = sorted(given_name_keys(fields.get("given_name") or "")) if fields.get("given_name") else []
    name_key = f"{surname}:{given[0] if given else ''}"
    if name_key != ":":
        limit(request, f"submit:name:{name_key}", per_window=limits.submissions_per_name)


def _limit_follow_up(request: Request) -> None:
    limit(
        request,
        f"follow:addr:{address_of(request)}",
        per_window=config_of(request).limits.follow_ups_per_address,
    )


_FORM_SOUGHT = [
    ("surname", N_("Surname"), True),
    ("given_name", N_("Given name"), False),
    ("patronymic", N_("Patronymic (father's name)"), False),
    ("birth_date", N_("Date or year of birth"), False),
    ("unit", N_("Military unit"), False),
    ("service_number", N_("Service number"), False),
    ("mother_name", N_("Mother's name"), False),
    ("last_seen_on", N_("When you last had news of him"), False),
    ("last_seen_place", N_("Where he was last seen"), False),
]
_FORM_INQUIRER = [
    ("inquirer_name", N_("Your name"), True),
    ("relation", N_("How you are related to him (mother, father, wife...)"), True),
    ("contact", N_("Your telephone, e-mail or address"), True),
    ("knows", N_("Anything else you know"), False),
]


def _form_page(
    request: Request,
    lang: str,
    *,
    values: dict[str, str],
    error: str = "",
    error_field: str = "",
    status: int = 200,
) -> HTMLResponse:
    tr = translations(lang)
    token = secrets.token_urlsafe(16)
    html = render(
        "public/inquiry.html",
        lang,
        demo=_demo(request),
        csrf=token,
        values=values,
        error=error,
        error_field=error_field,
        sought_fields=[(n, tr.gettext(label), req) for n, label, req in _FORM_SOUGHT],
        inquirer_fields=[(n, tr.gettext(label), req) for n, label, req in _FORM_INQUIRER],
    )
    response = HTMLResponse(html, status_code=status)
    _set_form_cookies(request, response, token, lang)
    return response


def _set_form_cookies(request: Request, response: Response, token: str, lang: str) -> None:
    secure = config_of(request).secure_cookies
    response.set_cookie(_FORM_COOKIE, token, httponly=True, secure=secure, samesite="strict", path="/public")
    response.set_cookie(_LANG_COOKIE, lang, httponly=True, secure=secure, samesite="lax", max_age=365 * 86400)


def _demo(request: Request) -> bool:
    """Whether the registry holds the demo's synthetic data (the pages then say so)."""
    return bool(getattr(request.app.state, "demo", False))


def _language(request: Request, chosen: str | None = None) -> str:
    return pick_language(
        chosen or request.query_params.get("lang"),
        request.cookies.get(_LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _check_form_token(request: Request, submitted: str) -> None:
    expected = request.cookies.get(_FORM_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, submitted):
        raise Problem(403, "the form has expired; open it again and resend")


@router.get(
    "/public/inquiries/new",
    response_class=HTMLResponse,
    summary="The inquiry form (HTML, works without JavaScript)",
)
def inquiry_form(request: Request) -> HTMLResponse:
    return _form_page(request, _language(request), values={})


@router.post(
    "/public/inquiries",
    status_code=201,
    response_model=Receipt,
    summary="Send a family's inquiry: stored and queued, nothing looked up",
    responses={
        201: {"content": {"text/html": {}}, "description": "The receipt (HTML for the form)"},
        415: {"description": "Neither JSON nor a form"},
        429: {"description": "Too many inquiries from this address or about this name"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PublicInquiry"}},
                "application/x-www-form-urlencoded": {
                    "schema": {"$ref": "#/components/schemas/PublicInquiry"}
                },
            },
        }
    },
)
async def submit_inquiry(request: Request) -> Response:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/x-www-form-urlencoded":
        form = await request.form()
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        lang = _language(request, values.get("language"))
        _check_form_token(request, values.pop("csrf", ""))
        fields = {k: v for k, v in values.items() if k in FIELD_LIMITS}
        fields["language"] = lang
        _limit_submission(request, fields)
        try:
            receipt = submit_public_inquiry(uow=side_uow(request), fields=fields)
        except InvalidInput as exc:
            tr = translations(lang)
            label = dict((n, tr.gettext(lbl)) for n, lbl, _ in _FORM_SOUGHT + _FORM_INQUIRER).get(
                exc.field or "", ""
            )
            message = tr.gettext("Please check this field: %(field)s") % {"field": label or exc.field}
            return _form_page(
                request, lang, values=fields, error=message, error_field=exc.field or "", status=422
            )
        html = render(
            "public/receipt.html",
            lang,
            demo=_demo(request),
            reference=receipt.reference,
            secret=receipt.secret,
        )
        return HTMLResponse(html, status_code=201)
    try:
        body = PublicInquiry.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ()))
        if first.get("type") == "json_invalid":
            raise Problem(400, "the body is not valid JSON") from None
        raise Problem(422, f"{field}: {first.get('msg', 'invalid')}", field=field) from None
    fields = body.model_dump(exclude_none=True)
    _limit_submission(request, fields)
    receipt = submit_public_inquiry(uow=side_uow(request), fields=fields)
    return JSONResponse(
        Receipt(reference=receipt.reference, secret=receipt.secret, message=RECEIVED_MESSAGE).model_dump(),
        status_code=201,
    )


def _answer_text(found: FollowUp, lang: str) -> str:
    tr = translations(lang)
    texts = {
        "held": tr.gettext("The person you asked about is registered as held in our custody."),
        "released": tr.gettext("The person you asked about was released on %(on)s."),
        "exchanged": tr.gettext("The person you asked about was exchanged on %(on)s."),
        "repatriated": tr.gettext("The person you asked about was repatriated on %(on)s."),
    }
    text = texts.get(found.answer.value if found.answer else "", "")
    return text % {"on": found.on or tr.gettext("a date not yet known")} if "%(on)s" in text else text


@router.get(
    "/public/inquiries/{reference}",
    response_model=FollowUpAnswer,
    summary="What an officer released about an inquiry (needs its secret)",
    responses={404: {"description": "Wrong reference or secret"}, 429: {"description": "Too many attempts"}},
)
def follow_up_json(
    request: Request,
    reference: str,
    x_inquiry_secret: Annotated[str, Header(description="The secret given with the reference")],
) -> FollowUpAnswer:
    _limit_follow_up(request)
    try:
        found = follow_up(uow=side_uow(request), reference=reference, secret=x_inquiry_secret)
    except RuleViolation as exc:
        raise Problem(429, str(exc), headers={"Retry-After": "3600"}) from None
    answer = found.answer.value if found.state is FollowUpState.ANSWERED and found.answer else None
    return FollowUpAnswer(
        reference=found.reference, state=found.state, answer=answer, on=found.on if answer else None
    )


@router.get("/public/follow-up", response_class=HTMLResponse, summary="The follow-up form (HTML)")
def follow_up_form(request: Request) -> HTMLResponse:
    lang = _language(request)
    token = secrets.token_urlsafe(16)
    html = render("public/follow_up.html", lang, demo=_demo(request), csrf=token, state=None, error="")
    response = HTMLResponse(html)
    _set_form_cookies(request, response, token, lang)
    return response


@router.post(
    "/public/follow-up",
    response_class=HTMLResponse,
    summary="The follow-up page for a reference and secret (HTML form)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "reference": {"type": "string"},
                            "secret": {"type": "string"},
                            "csrf": {"type": "string"},
                            "language": {"type": "string"},
                        },
                        "required": ["reference", "secret", "csrf"],
                    }
                }
            },
        }
    },
)
async def follow_up_page(request: Request) -> HTMLResponse:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    lang = _language(request, values.get("language"))
    _check_form_token(request, values.get("csrf", ""))
    _limit_follow_up(request)
    tr = translations(lang)
    token = secrets.token_urlsafe(16)
    state, answer, error, status = None, "", "", 200
    try:
        found = follow_up(
            uow=side_uow(request), reference=values.get("reference", ""), secret=values.get("secret", "")
        )
    except NotFound:
        error, status = tr.gettext("No inquiry with this reference and secret."), 404
    except RuleViolation:
        error, status = tr.gettext("Too many wrong attempts. Please try again in an hour."), 429
    else:
        state, answer = found.state.value, _answer_text(found, lang)
    html = render(
        "public/follow_up.html",
        lang,
        demo=_demo(request),
        csrf=token,
        state=state,
        answer_text=answer,
        error=error,
    )
    response = HTMLResponse(html, status_code=status)
    _set_form_cookies(request, response, token, lang)
    return response
