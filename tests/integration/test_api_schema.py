"""Every operation of the OpenAPI document, fuzzed by schemathesis with two signed-in roles
(a registrar and a tracing officer, second factor included): no 5xx, and every 4xx is
problem+json. At most 25 examples per operation, as CI's time allows."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyotp
import schemathesis
from hypothesis import HealthCheck, settings

from api_support import PASSWORD, client
from builders import Registry, add_places, register
from powbureau.api import ServiceConfig, create_app
from powbureau.api.ratelimit import MemoryRateLimiter
from powbureau.domain.access import Role
from powbureau.services import accounts
from powbureau.store.db import open_engine
from powbureau.store.keyring import prepare_keyring
from powbureau.store.migrate import upgrade

SESSIONS: dict[str, dict[str, str]] = {}
_FOLDER = tempfile.TemporaryDirectory(prefix="powbureau-schema-")


def _fuzzed_app() -> Any:
    """The app on a registry of its own, with a place, a person and two signed-in officers.

    Built when the module is collected, because schemathesis reads the schema then.
    """
    url = f"sqlite:///{Path(_FOLDER.name) / 'registry.db'}"
    engine = open_engine(url, create=True)
    upgrade(engine, keyring=prepare_keyring(url, engine)[0])
    reg = Registry("sqlite", url, engine)
    add_places(reg, "CAMP-1")
    register(reg, fields={"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001"})
    for role in (Role.REGISTRAR, Role.TRACING_OFFICER):
        name = f"fuzz-{role.value}".replace("_", "-")
        new = accounts.add_user(uow=reg.uow(), name=name, roles=[role], by="test", password=PASSWORD)
        signed = client(reg).post(
            "/api/session",
            json={"name": name, "password": PASSWORD, "totp": pyotp.TOTP(new.totp_secret).now()},
        )
        assert signed.status_code == 200
        SESSIONS[role.value] = {
            "Cookie": f"pb_session={signed.cookies['pb_session']}",
            "X-CSRF-Token": signed.json()["csrf_token"],
        }
    config = ServiceConfig(
        db_url=url, secure_cookies=False, background_interval=0, upload_dir=Path(_FOLDER.name) / "uploads"
    )
    return create_app(config, engine=engine, limiter=MemoryRateLimiter())


schema = schemathesis.openapi.from_asgi("/openapi.json", _fuzzed_app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_refusal_is_a_problem(case: Any) -> None:
    for headers in SESSIONS.values():
        response = case.call(headers={**(case.headers or {}), **headers})
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
        if 400 <= response.status_code < 500:
            ctype = response.headers.get("content-type", [""])
            ctype = ctype[0] if isinstance(ctype, list) else ctype
            assert ctype.startswith("application/problem+json"), (
                f"{case.method} {case.formatted_path}: {response.status_code} as {ctype}"
            )
