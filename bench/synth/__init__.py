"""Synthetic registries, family inquiries and exchange lists for powbureau's benchmarks.

Only made-up people: names are drawn from Faker's ru_RU and uk_UA tables and from the
tables in names.py. Every file is deterministic in its seed. See docs/synthetic-data.md.

    from bench.synth import write_registry, write_inquiries, write_exchange_list
    write_registry("out/reg", persons=10_000, seed=1)
    write_inquiries("out/reg", "out/inq", count=1_000, seed=2)
    write_exchange_list("out/reg", "out/ex", rows=500, seed=3)
"""

from .exchange import ExchangeConfig, write_exchange_list
from .inquiries import InquiryConfig, write_inquiries
from .registry import RegistryConfig, write_registry
from .result import SynthResult

__all__ = [
    "ExchangeConfig",
    "InquiryConfig",
    "RegistryConfig",
    "SynthResult",
    "write_exchange_list",
    "write_inquiries",
    "write_registry",
]
