"""The application factory: one FastAPI app over the registry, the API and the public pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from powbureau import __version__
from powbureau.api import (
    admin_routes,
    exchange_routes,
    execution_routes,
    public,
    registry_routes,
    staff,
    tracing_routes,
)
from powbureau.api.config import ServiceConfig
from powbureau.api.middleware import GuardMiddleware
from powbureau.api.problems import install_problem_handlers
from powbureau.api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from powbureau.services import accounts, demo
from powbureau.services.public_inquiries import file_public_inquiries
from powbureau.store.db import open_engine, require_registry
from powbureau.store.uow import SqlUnitOfWork
from powbureau.web import routes as web_pages
from powbureau.web import ui

__all__ = ["app_from_env", "create_app"]

log = logging.getLogger("powbureau.api")
_STATIC = Path(__file__).parent.parent / "web" / "static"


async def _file_queue_forever(engine: Engine, interval: float) -> None:
    """File queued web inquiries under tracing cases, so that matching runs outside requests;
    and drop stale sign-in failure counts."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(file_public_inquiries, uow_factory=lambda: SqlUnitOfWork(engine))
            await asyncio.to_thread(
                accounts.forget_stale_failures, uow=SqlUnitOfWork(engine, lock_chain=False)
            )
        except Exception:
            log.exception("background work failed; will retry")


def create_app(
    config: ServiceConfig, *, engine: Engine | None = None, limiter: RateLimiter | None = None
) -> FastAPI:
    """The service.

    Args:
        config: how it runs.
        engine: an open engine on the registry (else one is opened from ``config.db_url``).
        limiter: the rate limiter (else Redis when configured, else in-process).

    Raises:
        NoRegistry: the database holds no registry.
        KeyUnavailable: no key file for the TOTP secrets (PostgreSQL without
            ``POWBUREAU_SECRET_KEY_FILE``, or the file missing).
        SecretUnreadable: the key file does not open the stored secrets (a wrong one).
    """
    engine = engine or open_engine(config.db_url)
    require_registry(engine)
    accounts.check_totp_keys(uow=SqlUnitOfWork(engine, write=False))
    if limiter is None:
        limiter = (
            RedisRateLimiter(config.redis_url, prefix=config.redis_prefix)
            if config.redis_url
            else MemoryRateLimiter()
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if config.background_interval > 0:
            task = asyncio.create_task(_file_queue_forever(engine, config.background_interval))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="powbureau",
        version=__version__,
        summary="The information bureau for prisoners of war (GC III Art. 122-123).",
        description=(
            "Staff endpoints need a session (`POST /api/session`) and send the session's CSRF token "
            "in `X-CSRF-Token` with every change. Errors are `application/problem+json`. "
            "Nothing about any person is public."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.config = config
    app.state.engine = engine
    app.state.limiter = limiter
    app.state.demo = demo.is_demo(engine)
    install_problem_handlers(app)
    app.add_middleware(
        GuardMiddleware,
        max_body=config.max_body_bytes,
        form_paths=public.FORM_PATHS,
        page_prefixes=("/staff/",),
        upload_paths=("/api/imports/", "/staff/uploads/"),
    )

    @app.get("/healthz", tags=["service"], summary="Is the service up and its registry reachable")
    def healthz() -> JSONResponse:
        try:
            require_registry(engine)
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.include_router(public.router)
    app.include_router(staff.router)
    app.include_router(registry_routes.router)
    app.include_router(tracing_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(exchange_routes.router)
    app.include_router(execution_routes.router)
    ui.install(app, pages=web_pages.ROUTERS)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app


def app_from_env() -> FastAPI:
    """The app of a ``serve`` worker, configured by the ``POWBUREAU_*`` variables."""
    return create_app(ServiceConfig.from_env())
