"""Dependencies shared by the routes: units of work, the client's address, rate limits."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from powbureau.api.config import ServiceConfig
from powbureau.api.problems import Problem
from powbureau.api.ratelimit import RateLimiter, client_address
from powbureau.services.execution import Document
from powbureau.store.uow import SqlUnitOfWork

__all__ = [
    "address_of",
    "config_of",
    "download",
    "limit",
    "side_uow",
    "uow_factory",
    "upload_to_disk",
    "write_uow",
]


def config_of(request: Request) -> ServiceConfig:
    """The service's settings."""
    config: ServiceConfig = request.app.state.config
    return config


def uow_factory(request: Request) -> Callable[..., SqlUnitOfWork]:
    """Makes units of work on the registry (``write=False`` for readers)."""
    engine = request.app.state.engine

    def make(*, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write)

    return make


def write_uow(request: Request) -> SqlUnitOfWork:
    """A unit of work that may write the registry (it takes the event chain's lock)."""
    return SqlUnitOfWork(request.app.state.engine)


def side_uow(request: Request) -> SqlUnitOfWork:
    """A unit of work for sessions and the public queue: writes, but never the event chain,
    so signing in and checking a session never wait for a registry import on PostgreSQL."""
    return SqlUnitOfWork(request.app.state.engine, lock_chain=False)


def address_of(request: Request) -> str:
    """The client's address, through trusted proxies only."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"), config_of(request).trusted_proxies)


def limit(request: Request, key: str, *, per_window: int) -> None:
    """Count one request on ``key``; refuse with 429 and Retry-After past ``per_window``."""
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.hit(key, limit=per_window, window=config_of(request).limits.window)
    if wait > 0:
        raise Problem(429, "too many requests; try again later", headers={"Retry-After": str(int(wait) + 1)})


@asynccontextmanager
async def upload_to_disk(
    request: Request, *, types: Sequence[str], prefix: str, limit: int | None = None
) -> AsyncIterator[Path]:
    """Stream the request's body to a file in the upload folder, yield its path, remove it.

    Uploads are not held in memory and are not bound by the 1 MB body limit, only by
    ``limit`` (default: the configured upload limit).

    Raises:
        Problem: 415 for a content type not in ``types``, 413 past the limit.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in types:
        raise Problem(415, f"send the file as {' or '.join(types)}")
    config = config_of(request)
    most = limit if limit is not None else config.max_upload_bytes
    config.upload_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=prefix, dir=config.upload_dir)
    path = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > most:
                    raise Problem(413, f"uploads here are limited to {most} bytes")
                out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


def download(document: Document) -> Response:
    """A document (PDF or CSV) as a download, with its SHA-256 for the receiving side."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", document.filename)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-SHA256": document.sha256,
        },
    )
