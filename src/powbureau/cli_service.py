"""``powbureau serve``: the HTTP service on the registry (FastAPI under uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (more than one needs --redis).")] = 1,
    redis: Annotated[
        str | None,
        typer.Option(help="Redis URL for rate limits shared by workers (default $POWBUREAU_REDIS)."),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None, typer.Option(help="A reverse proxy whose X-Forwarded-For is believed (repeatable).")
    ] = None,
    insecure_cookies: Annotated[
        bool, typer.Option(help="Send session cookies over plain HTTP (local use only).")
    ] = False,
) -> None:
    """Run the HTTP service: the staff API, the public inquiry pages, OpenAPI at /openapi.json."""
    import uvicorn

    from powbureau import cli
    from powbureau.api.ratelimit import RedisRateLimiter
    from powbureau.services import accounts
    from powbureau.store.db import database_url
    from powbureau.store.keyring import open_to_others
    from powbureau.store.uow import SqlUnitOfWork

    redis = redis or os.environ.get("POWBUREAU_REDIS") or None
    if workers > 1 and not redis:
        cli._fail("more than one worker needs --redis: in-process rate limits are not shared between workers")
    with cli._refusals():
        # a missing or wrong key file stops the service here, not at every sign-in
        uow = SqlUnitOfWork(cli._engine(), write=False)
        accounts.check_totp_keys(uow=uow)
        warning = open_to_others(uow.totp_keys().path)
        if warning:
            cli.err.print(f"warning: {warning}", markup=False, highlight=False)
        if redis:
            try:
                RedisRateLimiter(redis).ping()
            except Exception as exc:
                cli._fail(f"Redis at {redis} cannot be reached: {exc}")
    os.environ["POWBUREAU_DB"] = database_url(cli._ctx.url)
    os.environ["POWBUREAU_SECURE_COOKIES"] = "0" if insecure_cookies else "1"
    os.environ["POWBUREAU_TRUSTED_PROXIES"] = ",".join(trusted_proxy or [])
    if redis:
        os.environ["POWBUREAU_REDIS"] = redis
    cli.err.print(
        f"serving the bureau at http://{host}:{port}/staff/ (staff sign-in), "
        f"http://{host}:{port}/public/inquiries/new (families), OpenAPI at /openapi.json"
    )
    uvicorn.run(
        "powbureau.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )
