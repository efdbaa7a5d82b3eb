"""Benchmark: bulk import of persons.csv into SQLite and PostgreSQL, speed and peak memory.

Generates a synthetic registry with ``bench.synth`` (cached under bench/out/), then runs
the real command line, ``powbureau import persons``, into a fresh database, sampling the
resident memory and the CPU time of the importing process and its worker every 20 ms,
and on PostgreSQL the CPU time of the server process serving the import (the load
average is that of the minute before the import starts), and the CPU seconds the importing
process spends alone: before its worker starts, and after the worker's CPU time last grew
(its last chunk, the index builds and the commit).

    .venv/bin/python -m bench.intake --persons 100000 1000000 --db sqlite postgres

PostgreSQL uses $POWBUREAU_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test),
in a schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

OUT = Path(__file__).parent / "out"
PG = os.environ.get("POWBUREAU_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
POWBUREAU = str(Path(sys.executable).with_name("powbureau"))


def registry_file(persons: int, seed: int = 1) -> Path:
    """The synthetic persons.csv of that size, generated once."""
    folder = OUT / f"registry-{persons}-{seed}"
    path = folder / "persons.csv"
    if not path.exists():
        from bench.synth import write_registry

        write_registry(str(folder), persons=persons, seed=seed)
    return path


def _backends(pid: int) -> list[psutil.Process]:
    """The PostgreSQL server processes serving the TCP connections of process ``pid``."""
    ours = {(c.laddr, c.raddr) for c in psutil.Process(pid).net_connections(kind="tcp") if c.raddr}
    return [
        psutil.Process(c.pid)
        for c in psutil.net_connections(kind="tcp")
        if c.pid and c.pid != pid and c.raddr and (c.raddr, c.laddr) in ours
    ]


def _watch(process: subprocess.Popen[bytes]) -> tuple[int, float, float, float, float, float, float]:
    """Peak resident memory of the process and its children (bytes), wall seconds, and the CPU
    seconds (user + system) of the importing process, of its worker(s) and of the database
    server's processes serving it (PostgreSQL), sampled every 20 ms; then the importing
    process's CPU seconds before its worker started and after the worker's CPU time last
    grew (what only one process does: starting, and the end of the import with its commit)."""
    parent = psutil.Process(process.pid)
    peak = 0
    cpu: dict[int, float] = {}
    server: dict[int, float] = {}
    backends: list[psutil.Process] = []
    looked = 0.0
    before_worker: float | None = None
    worker_seen, importer_then = 0.0, 0.0
    started = time.perf_counter()
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            total = 0
            for p in tree:
                with p.oneshot():
                    total += p.memory_info().rss
                    times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
            peak = max(peak, total)
            workers = sum(v for k, v in cpu.items() if k != process.pid)
            if len(cpu) > 1 and before_worker is None:
                before_worker = cpu[process.pid]
            if workers > worker_seen:
                worker_seen, importer_then = workers, cpu[process.pid]
            if time.perf_counter() - looked > 1:
                backends, looked = _backends(process.pid), time.perf_counter()
            for b in backends:
                times = b.cpu_times()
                server[b.pid] = times.user + times.system
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    importer = cpu.get(process.pid, 0.0)
    workers = sum(v for k, v in cpu.items() if k != process.pid)
    alone_after = importer - importer_then if workers else 0.0
    return peak, seconds, importer, workers, sum(server.values()), before_worker or 0.0, alone_after


def fresh_database(db: str, sqlite_file: Path) -> tuple[str, str | None]:
    """The URL of an empty database of that kind, and the PostgreSQL schema made for it (to drop)."""
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{sqlite_file}", None
    schema = f"bench_{secrets.token_hex(4)}"
    with create_engine(PG.replace("postgresql://", "postgresql+psycopg://")).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return f"{PG}?options=-csearch_path%3D{schema}", schema


def key_environment(db: str) -> dict[str, str]:
    """The environment for ``powbureau`` on that kind of database: a PostgreSQL registry
    keeps its key file where ``POWBUREAU_SECRET_KEY_FILE`` says (one is made once)."""
    env = dict(os.environ)
    if db == "postgres":
        keyring = OUT / "bench-postgres.keyring"
        if not keyring.exists():
            subprocess.run([POWBUREAU, "user", "key-create", str(keyring)], check=True, capture_output=True)
        env["POWBUREAU_SECRET_KEY_FILE"] = str(keyring)
    return env


def run(db: str, persons: int) -> dict[str, float | int | str]:
    """Import the registry of that size into a fresh database of that kind."""
    path = registry_file(persons)
    url, schema = fresh_database(db, OUT / f"bench-{persons}.db")
    env = key_environment(db)
    try:
        subprocess.run([POWBUREAU, "--db", url, "init"], check=True, capture_output=True, env=env)
        process = subprocess.Popen(
            [POWBUREAU, "--db", url, "import", "persons", str(path), "--source", "bench"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        load = os.getloadavg()[0]
        peak, seconds, importer_cpu, worker_cpu, server_cpu, before, after = _watch(process)
        if process.returncode != 0:
            raise RuntimeError(f"import failed: {process.stdout.read() if process.stdout else ''!r}")
        check = subprocess.run([POWBUREAU, "--db", url, "verify"], capture_output=True, text=True, env=env)
        return {
            "db": db,
            "persons": persons,
            "seconds": round(seconds, 2),
            "persons_per_s": round(persons / seconds),
            "peak_rss_mb": round(peak / 2**20),
            "importer_cpu": round(importer_cpu, 1),
            "worker_cpu": round(worker_cpu, 1),
            "server_cpu": round(server_cpu, 1) if db == "postgres" else "-",
            "alone": f"{before:.2f} / {after:.2f}",
            "load": round(load, 1),
            "verify": "ok" if check.returncode == 0 else check.stderr.strip()[:200],
        }
    finally:
        if schema is not None:
            with create_engine(PG.replace("postgresql://", "postgresql+psycopg://")).begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    args = parser.parse_args()
    print("| database | persons | seconds | persons/s | peak RSS (MB) ", end="")
    print("| CPU s importer / worker / server | importer alone before / after worker | load | verify |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for persons in args.persons:
        for db in args.db:
            r = run(db, persons)
            print(
                f"| {r['db']} | {r['persons']:,} | {r['seconds']} | {r['persons_per_s']:,} "
                f"| {r['peak_rss_mb']} | {r['importer_cpu']} / {r['worker_cpu']} / {r['server_cpu']} "
                f"| {r['alone']} | {r['load']} "
                f"| {r['verify']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
