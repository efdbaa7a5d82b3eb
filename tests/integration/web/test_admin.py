"""The administrator's and the auditor's pages through HTTP, on both databases."""

from __future__ import annotations

import re

import pyotp

from api_support import client
from builders import READER, Registry, register
from powbureau.services import accounts
from powbureau.services import registry as registry_service
from web_support import login_token, staff_browser


def test_an_administrator_adds_an_account_who_then_signs_in(registry: Registry) -> None:
    admin = staff_browser(registry, "admin", ["administrator"])
    page = admin.http.get("/staff/admin?lang=en")
    assert page.status_code == 200 and "Staff accounts" in page.text
    added = admin.post(
        "/staff/admin/accounts", {"name": "olena.k", "roles": ["registrar", "tracing_officer"]}
    )
    assert added.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', added.text)
    secret = re.search(r'id="new-totp-secret">([^<]+)<', added.text)
    assert password and secret
    newcomer = client(registry)
    form = newcomer.get("/staff/login")
    signed = newcomer.post(
        "/staff/login",
        data={
            "login_token": login_token(form.text),
            "name": "olena.k",
            "password": password.group(1),
            "totp": pyotp.TOTP(secret.group(1)).now(),
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/staff/registry"
    listed = admin.http.get("/staff/admin?lang=en").text
    assert "olena.k" in listed and password.group(1) not in listed  # shown once


def test_a_bad_account_name_is_shown_next_to_the_field_and_the_input_kept(registry: Registry) -> None:
    admin = staff_browser(registry, "admin", ["administrator"])
    refused = admin.post("/staff/admin/accounts?lang=en", {"name": "bad name!", "roles": ["auditor"]})
    assert refused.status_code == 422
    assert 'id="e-name"' in refused.text and 'value="bad name!"' in refused.text
    assert 'value="auditor" checked' in refused.text


def test_reset_second_factor_unlock_disable_and_roles(registry: Registry) -> None:
    admin = staff_browser(registry, "admin", ["administrator"])
    staff_browser(registry, "clerk", ["registrar"])
    reset = admin.post("/staff/admin/accounts/clerk/reset-totp")
    assert re.search(r'id="new-totp-secret">([^<]+)<', reset.text)
    disabled = admin.post("/staff/admin/accounts/clerk/disable?lang=en")
    assert "Account disabled: clerk" in disabled.text
    summary = {u.name: u for u in accounts.list_users(uow=registry.uow(write=False))}
    assert summary["clerk"].disabled
    admin.post("/staff/admin/accounts/clerk/enable")
    admin.post("/staff/admin/accounts/clerk/roles", {"roles": ["auditor"]})
    summary = {u.name: u for u in accounts.list_users(uow=registry.uow(write=False))}
    assert not summary["clerk"].disabled and {r.value for r in summary["clerk"].roles} == {"auditor"}


def test_only_the_administrator_opens_accounts_and_only_the_auditor_the_audit(registry: Registry) -> None:
    clerk = staff_browser(registry, "clerk", ["registrar"])
    assert clerk.http.get("/staff/admin").status_code == 403
    assert clerk.http.get("/staff/audit").status_code == 403
    assert clerk.post("/staff/admin/accounts", {"name": "x", "roles": ["auditor"]}).status_code == 403
    admin = staff_browser(registry, "admin", ["administrator"])
    assert admin.http.get("/staff/audit").status_code == 403


def test_the_auditor_sees_who_read_a_person_and_verifies_the_chain(registry: Registry) -> None:
    person = register(registry, fields={"surname": "Коваленко", "given_name": "Дмитро"})
    registry_service.show_person(uow=registry.uow(write=False), reader=READER, ref=person)
    auditor = staff_browser(registry, "auditor", ["auditor"])
    page = auditor.http.get(f"/staff/audit?person={person}&lang=en")
    assert (
        page.status_code == 200
        and READER.user in page.text
        and "flagged: a reason without a case" in page.text
    )
    assert "Коваленко" not in page.text
    unknown = auditor.http.get("/staff/audit?person=P999999&lang=en")
    assert "Nobody in the registry answers" in unknown.text
    verified = auditor.post("/staff/audit/verify?lang=en")
    assert "Intact" in verified.text
