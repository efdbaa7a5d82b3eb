"""Dependencies shared by the routes: units of work, the client's address, rate limits."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from powbureau.api.config import ServiceConfig
from powbureau.api.problems import Problem
from powbureau.api.ratelimit import RateLimiter, client_address
from powbureau.store.uow import SqlUnitOfWork

__all__ = ["address_of", "config_of", "limit", "side_uow", "uow_factory", "write_uow"]


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
