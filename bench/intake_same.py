"""Check: an import writes the same bytes before and after a change to the intake code.

Imports a persons.csv through the real command line (in this process, so that the
registry ids and the import's timestamp can be made deterministic: the clock and the
random start of the id counter are fixed), then prints one SHA-256 per table (every
column of every row, in key order: events with their hashes, persons, person_refs,
match_profiles, match_keys), one of the ``export persons`` file, and whether ``verify``
passed. Run it on two versions of the code and compare the lines:

    .venv/bin/python -m bench.intake_same bench/out/registry-100000-1/persons.csv sqlite
    PYTHONPATH=/path/to/old/src .venv/bin/python -m bench.intake_same FILE sqlite
    .venv/bin/python -m bench.intake_same FILE postgres     # $POWBUREAU_BENCH_POSTGRES

The file is large enough (over 4 MB) for the import's worker process to be used.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, text

from bench.intake import OUT, PG, fresh_database, key_environment

TABLES = {
    "events": "id",
    "persons": "id",
    "person_refs": "source, person_ref",
    "match_profiles": "person_id",
    "match_keys": "key, custody, person_id",
}
STAMP = "2026-11-24T10:00:00.000000Z"


def _fix_clock() -> None:
    """Registry ids from a fixed millisecond and counter start; one fixed import stamp."""
    import powbureau.domain.registry as registry
    import powbureau.services.intake as intake

    registry.time = SimpleNamespace(time_ns=lambda: 1_790_000_000_000_000_000)  # type: ignore[assignment]
    registry.secrets = SimpleNamespace(randbits=lambda bits: 0)  # type: ignore[assignment]
    intake.utc_now = lambda: STAMP  # type: ignore[assignment]


def _digest(url: str, table: str, order: str) -> str:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    digest = hashlib.sha256()
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
        digest.update(repr(list(rows.keys())).encode())
        count = 0
        for row in rows:
            digest.update(repr(tuple(row)).encode())
            digest.update(b"\n")
            count += 1
    engine.dispose()
    return f"{table} {count} {digest.hexdigest()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("db", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    _fix_clock()
    from powbureau import cli

    url, schema = fresh_database(args.db, OUT / "intake-same.db")
    os.environ.update(key_environment(args.db))

    def run(*argv: str) -> int:
        """The command's exit code; its standard output is dropped."""
        saved = sys.stdout
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        try:
            cli.app(["--db", url, *argv], standalone_mode=False)
        except SystemExit as exc:
            return int(exc.code or 0)
        finally:
            sys.stdout.close()
            sys.stdout = saved
        return 0

    try:
        for argv in (("init",), ("import", "persons", str(args.file), "--source", "bench")):
            if run(*argv):
                raise SystemExit(f"{argv[0]} failed")
        for table, order in TABLES.items():
            print(_digest(url, table, order), flush=True)
        exported = OUT / "intake-same-export.csv"
        run("export", "persons", str(exported), "--source", "bench")
        print("export", hashlib.sha256(exported.read_bytes()).hexdigest())
        print("verify", "ok" if run("verify") == 0 else "FAILED", flush=True)
    finally:
        if schema is not None:
            with create_engine(PG.replace("postgresql://", "postgresql+psycopg://")).begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
