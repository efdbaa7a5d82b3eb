"""``powbureau serve`` as a real server process on a real socket, on both databases."""

from __future__ import annotations

import secrets

import httpx
import pytest
from cli_support import run_cli, serving

from builders import Registry


def test_the_service_answers_over_a_socket(registry: Registry) -> None:
    with serving(registry.url) as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        spec = httpx.get(f"{base}/openapi.json").json()
        assert spec["info"]["title"] == "powbureau"
        sent = httpx.post(
            f"{base}/public/inquiries",
            json={
                "surname": "Петренко",
                "inquirer_name": "Олена",
                "relation": "mother",
                "contact": "o@example.org",
            },
        )
        assert sent.status_code == 201 and sent.json()["reference"].startswith("W-")
        assert "unsafe-inline" not in sent.headers["content-security-policy"]
        staff = httpx.get(f"{base}/api/persons")
        assert staff.status_code == 401 and staff.headers["content-type"] == "application/problem+json"


def test_serve_refuses_workers_without_redis_and_a_missing_registry(tmp_path: pytest.TempPathFactory) -> None:
    db = f"sqlite:///{tmp_path}/none.db"
    refused = run_cli("serve", "--workers", "2", db=db)
    assert refused.code == 1 and "--redis" in refused.err
    missing = run_cli("serve", db=db)
    assert missing.code == 1 and "powbureau init" in missing.err


def test_two_workers_share_rate_limits_in_redis(registry: Registry) -> None:
    redis_url = "redis://127.0.0.1:6379/15"
    prefix = f"test:{secrets.token_hex(6)}:"  # other runs may share this Redis
    with serving(registry.url, "--workers", "2", "--redis", redis_url, POWBUREAU_REDIS_PREFIX=prefix) as base:
        codes = [
            httpx.get(
                f"{base}/public/inquiries/W-AAAA-{i:04d}", headers={"X-Inquiry-Secret": "guess"}
            ).status_code
            for i in range(35)
        ]
    assert codes.count(404) == 30 and codes[-5:] == [429] * 5, codes


def test_process_queue_files_web_inquiries_under_cases(registry: Registry) -> None:
    from cli_support import invoke

    from powbureau.services.public_inquiries import submit_public_inquiry

    fields = {
        "surname": "Коваленко",
        "inquirer_name": "Олена",
        "relation": "mother",
        "contact": "o@example.org",
    }
    submit_public_inquiry(uow=registry.uow(), fields=fields)
    done = invoke("inquiry", "process-queue", "--json", db=registry.url)
    assert done.code == 0, done.text
    [filed] = done.json()["filed"]
    assert filed["case_id"].startswith("T") and filed["new_case"]
    again = invoke("inquiry", "process-queue", "--json", db=registry.url)
    assert again.json() == {"filed": []}
