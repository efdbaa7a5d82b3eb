"""The service's settings, from arguments or ``POWBUREAU_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from powbureau.domain.errors import InvalidInput
from powbureau.store.db import database_url

__all__ = ["PublicLimits", "ServiceConfig"]


@dataclass(frozen=True)
class PublicLimits:
    """Requests allowed on the public pages per window (seconds)."""

    window: float = 3600.0
    submissions_per_address: int = 10
    submissions_per_name: int = 20
    follow_ups_per_address: int = 30


@dataclass(frozen=True)
class ServiceConfig:
    """How one service process runs.

    Attributes:
        db_url: the registry.
        secure_cookies: send cookies only over HTTPS; switch off only for local use.
        trusted_proxies: addresses (or networks) of reverse proxies whose
            ``X-Forwarded-For`` is believed; every other client is its own address.
        redis_url: the shared rate limiter; without it the limiter is in-process and the
            service may run one worker only.
        redis_prefix: the limiter's key prefix (several bureaus, or tests, on one Redis).
        max_body_bytes: the largest request body, except file uploads (streamed to disk).
        upload_dir: where uploads are streamed before they are read.
        background_interval: seconds between filings of queued web inquiries (0: never).
    """

    db_url: str
    secure_cookies: bool = True
    trusted_proxies: tuple[str, ...] = ()
    redis_url: str | None = None
    redis_prefix: str = "powbureau:rl:"
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 512 * 1_048_576
    upload_dir: Path = field(default_factory=lambda: Path("uploads"))
    background_interval: float = 5.0
    limits: PublicLimits = field(default_factory=PublicLimits)

    def __post_init__(self) -> None:
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise InvalidInput(
                    f"trusted proxy {proxy!r} is not an address", field="trusted_proxies"
                ) from None

    @classmethod
    def from_env(cls) -> ServiceConfig:
        """The settings a worker process reads (``serve`` writes them to its environment)."""
        env = os.environ
        proxies = tuple(p for p in env.get("POWBUREAU_TRUSTED_PROXIES", "").split(",") if p.strip())
        return cls(
            db_url=database_url(env.get("POWBUREAU_DB")),
            secure_cookies=env.get("POWBUREAU_SECURE_COOKIES", "1") != "0",
            trusted_proxies=tuple(p.strip() for p in proxies),
            redis_url=env.get("POWBUREAU_REDIS") or None,
            redis_prefix=env.get("POWBUREAU_REDIS_PREFIX") or "powbureau:rl:",
            upload_dir=Path(env.get("POWBUREAU_UPLOADS", "uploads")),
        )
