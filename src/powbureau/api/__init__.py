"""The HTTP service: a thin FastAPI layer over the same services as the command line."""

from powbureau.api.app import create_app
from powbureau.api.config import ServiceConfig

__all__ = ["ServiceConfig", "create_app"]
