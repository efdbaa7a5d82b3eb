"""Latency of single inquiries against an existing registry, warm and in-process.

    .venv/bin/python -m bench.tracing_latency --db sqlite:///bench/out/million/m.db \\
        --inquiries bench/out/million/inq/inquiries.csv --count 500

Each inquiry goes through ``services.tracing.trace_name`` with its own unit of work (the
audit record of the read included), as the service answers it. The first 100 inquiries
warm the process up; the next ``--count`` are timed, wall clock and CPU time of this
process. The load average before and after is printed with the figures: the machine may
be shared, and wall times are only comparable on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from bench.matching_data import read_inquiries
from bench.tracing import READER
from powbureau.services import tracing
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork

WARM_UP = 100


def percentiles(times: Sequence[float]) -> dict[str, float]:
    """p50, p95 and max of times in milliseconds (p95: the nearest rank below)."""
    ordered = sorted(times)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max": round(ordered[-1], 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--inquiries", type=Path, required=True)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args(argv)
    engine = open_engine(args.db)
    inquiries = read_inquiries(args.inquiries)
    for _ref, query in inquiries[:WARM_UP]:
        tracing.trace_name(uow=SqlUnitOfWork(engine, write=False), reader=READER, query=query, top=10)
    load_before = os.getloadavg()
    wall, cpu = [], []
    for _ref, query in inquiries[WARM_UP : WARM_UP + args.count]:
        started, used = time.perf_counter(), time.process_time()
        tracing.trace_name(uow=SqlUnitOfWork(engine, write=False), reader=READER, query=query, top=10)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    report = {
        "inquiries": len(wall),
        "wall_ms": percentiles(wall),
        "cpu_ms": percentiles(cpu),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
