"""Builders of synthetic test data (Faker ru_RU and uk_UA): never real people.

* :class:`People` makes identity fields and persons.csv rows, seeded and reproducible.
* :func:`write_csv` / :func:`read_csv` write and read files in the formats' dialect.
* :func:`register`, :func:`event`, :func:`import_file` put data in through the services,
  as the bureau itself does; tests never insert rows by hand.
* :func:`make_registry` gives a fresh, migrated registry on SQLite or PostgreSQL (the
  fixtures in ``conftest.py`` use it; so do tests that need a second registry).
"""

from __future__ import annotations

import csv
import os
import random
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from faker import Faker
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from powbureau.domain.access import Channel, Reader
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.services import intake
from powbureau.services import registry as services
from powbureau.store.db import open_engine
from powbureau.store.keyring import KEY_FILE_ENV, create_keyring, prepare_keyring
from powbureau.store.migrate import upgrade
from powbureau.store.uow import SqlUnitOfWork

__all__ = [
    "BACKENDS",
    "CLI",
    "OPERATOR",
    "PG_ENV",
    "READER",
    "People",
    "Registry",
    "add_places",
    "event",
    "import_file",
    "make_registry",
    "postgres_base_url",
    "postgres_schema",
    "read_csv",
    "register",
    "write_csv",
]

OPERATOR = "test-operator"
#: Who reads through the services in tests (the audit log records it).
READER = Reader(user=OPERATOR, channel=Channel.API, reason="tests")

PG_ENV = "POWBUREAU_TEST_POSTGRES"
PROJECT = Path(__file__).resolve().parents[1]
CLI = PROJECT / ".venv" / "bin" / "powbureau"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Registry:
    """A migrated registry for one test."""

    backend: str
    url: str
    engine: Engine

    def uow(self, *, write: bool = True) -> SqlUnitOfWork:
        """A new unit of work on the registry's engine."""
        return SqlUnitOfWork(self.engine, write=write)

    def new_engine(self) -> Engine:
        """Another engine (its own connections) on the same database."""
        return open_engine(self.url)


def postgres_base_url() -> str:
    """The configured server, or skip the test when none is configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return url


def _admin_engine(base: str) -> Engine:
    parsed = make_url(base)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, isolation_level="AUTOCOMMIT")


@contextmanager
def key_file_env() -> Iterator[Path]:
    """A new key file named by ``$POWBUREAU_SECRET_KEY_FILE`` while the block runs (a
    PostgreSQL registry has no default key file), for this process and those it starts."""
    before = os.environ.get(KEY_FILE_ENV)
    with tempfile.TemporaryDirectory(prefix="powbureau-keys-") as folder:
        path = create_keyring(Path(folder) / "registry.keyring").path
        os.environ[KEY_FILE_ENV] = str(path)
        try:
            yield path
        finally:
            if before is None:
                os.environ.pop(KEY_FILE_ENV, None)
            else:
                os.environ[KEY_FILE_ENV] = before


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A fresh, empty schema; yields a URL whose search_path is that schema only, with a
    key file for its TOTP secrets named by ``$POWBUREAU_SECRET_KEY_FILE``."""
    name = "t_" + secrets.token_hex(6)
    admin = _admin_engine(base)
    with key_file_env(), _schema(admin, name, base) as url:
        yield url


@contextmanager
def _schema(admin: Engine, name: str, base: str) -> Iterator[str]:
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        finally:
            admin.dispose()


@contextmanager
def make_registry(backend: str, tmp_path: Path) -> Iterator[Registry]:
    """A migrated, empty registry on ``backend``, with its key file as ``init`` makes it
    (beside the SQLite file; the one ``postgres_schema`` names for PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.db'}"
        engine = open_engine(url, create=True)
        try:
            upgrade(engine, keyring=prepare_keyring(url, engine)[0])
            yield Registry("sqlite", url, engine)
        finally:
            engine.dispose()
        return
    with postgres_schema(postgres_base_url()) as url:
        engine = open_engine(url)
        try:
            upgrade(engine, keyring=prepare_keyring(url, engine)[0])
            yield Registry("postgres", url, engine)
        finally:
            engine.dispose()


_RANKS = {
    "ru_RU": ["рядовой", "ефрейтор", "младший сержант", "сержант", "лейтенант"],
    "uk_UA": ["солдат", "старший солдат", "молодший сержант", "сержант", "лейтенант"],
}


class People:
    """Seeded synthetic people in Russian and Ukrainian Cyrillic."""

    def __init__(self, seed: int = 0, locales: Sequence[str] = ("ru_RU", "uk_UA")) -> None:
        self.rng = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc in locales}
        for i, fake in enumerate(self.fakers.values()):
            fake.seed_instance(seed * 100 + i)

    def _fake(self) -> tuple[str, Faker]:
        locales = list(self.fakers)
        locale = locales[0] if self.rng.random() < 0.6 else locales[-1]
        return locale, self.fakers[locale]

    def partial_date(self, first: int, last: int) -> str:
        """A date of year, month or day precision between two years."""
        year = self.rng.randrange(first, last + 1)
        precision = self.rng.choice(["year", "month", "day", "day"])
        if precision == "year":
            return f"{year:04d}"
        month = self.rng.randrange(1, 13)
        if precision == "month":
            return f"{year:04d}-{month:02d}"
        return date(year, month, self.rng.randrange(1, 29)).isoformat()

    def fields(self, **overrides: str | None) -> dict[str, str | None]:
        """Identity fields for ``register_person`` (a POW, unless overridden)."""
        locale, fake = self._fake()
        fields: dict[str, str | None] = {
            "surname": fake.last_name_male(),
            "given_name": fake.first_name_male(),
            "patronymic": fake.middle_name_male(),
            "birth_date": self.partial_date(1965, 2005),
            "birth_place": fake.city_name(),
            "sex": "M",
            "nationality": "RU" if locale == "ru_RU" else "UA",
            "rank": self.rng.choice(_RANKS[locale]),
            "unit": f"в/ч {self.rng.randrange(10000, 99999)}",
            "service_number": f"АБ-{self.rng.randrange(100000, 999999)}",
            "mother_name": fake.first_name_female(),
            "father_name": fake.first_name_male(),
            "category": "pow",
            "captured_on": self.partial_date(2022, 2024),
            "capture_place": fake.city_name(),
        }
        fields.update(overrides)
        return fields

    def row(self, ref: str, *, sparse: bool = True, **overrides: str) -> dict[str, str]:
        """One persons.csv row with every format column (some cells empty when ``sparse``)."""
        fields = self.fields()
        category = self.rng.choices(
            ["pow", "civilian_internee", "missing", "deceased", ""], [70, 8, 12, 4, 6]
        )[0]
        fields["category"] = category
        if category in ("missing", "deceased"):
            fields["captured_on"] = fields["capture_place"] = None
        row = {"person_ref": ref, **{k: v or "" for k, v in fields.items()}}
        if sparse:
            for column in FORMAT_COLUMNS[3:]:
                if self.rng.random() < 0.15:
                    row[column] = ""
        row.update(overrides)
        return row

    def rows(self, count: int, *, prefix: str = "R", start: int = 0) -> list[dict[str, str]]:
        """``count`` rows with references ``prefix000000`` onwards."""
        return [self.row(f"{prefix}{i:06d}") for i in range(start, start + count)]


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    columns: Sequence[str] | None = None,
    *,
    encoding: str = "utf-8",
) -> Path:
    """Write rows under a header (the given columns, else those of the first row)."""
    rows = list(rows)
    header = list(columns) if columns is not None else list(rows[0])
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV file's header and rows (a BOM is accepted)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def register(reg: Registry, people: People | None = None, **kwargs: Any) -> str:
    """Register one person through the service; keyword arguments go to it.

    ``fields`` defaults to a synthetic POW; any other keyword is passed on
    (``person_ref``, ``source``, ``unidentified``, ``place``).
    """
    if "fields" not in kwargs:
        kwargs["fields"] = (people or People()).fields()
    kwargs.setdefault("recorded_by", OPERATOR)
    return services.register_person(uow=reg.uow(), **kwargs)


def event(reg: Registry, ref: str, kind: str, **kwargs: Any) -> services.RecordedEvent:
    """Record one event through the service."""
    kwargs.setdefault("recorded_by", OPERATOR)
    return services.record_event(uow=reg.uow(), ref=ref, kind=kind, **kwargs)


def add_places(reg: Registry, *codes: str) -> None:
    """Register places of detention (camps, or a hospital when the code says HOSP)."""
    for code in codes:
        kind = "hospital" if "HOSP" in code else "camp"
        services.add_place(uow=reg.uow(), code=code, name=f"{code} (test)", kind=kind)


def import_file(reg: Registry, path: Path, **kwargs: Any) -> intake.ImportSummary:
    """Import persons.csv through the intake service."""
    kwargs.setdefault("recorded_by", OPERATOR)
    return intake.import_persons(uow=reg.uow(), path=path, **kwargs)


def agreed_exchange(url: str, men: Sequence[str], *, party: str = "the other party") -> str:
    """An exchange agreed on exactly ``men`` (one for one), built through the services."""
    from powbureau.domain.exchanges import Formula
    from powbureau.services import exchanges

    engine = open_engine(url)
    try:
        exchange = exchanges.create_exchange(
            uow=SqlUnitOfWork(engine),
            party=party,
            formula=Formula.of("one_for_one", count=len(men)),
            created_by="setup",
        )
        exchanges.edit_proposal(
            uow=SqlUnitOfWork(engine), exchange_id=exchange, by="setup", reason="agreed at the talks", add=men
        )
        for state in ("negotiating", "agreed"):
            exchanges.move_exchange(uow=SqlUnitOfWork(engine), exchange_id=exchange, to=state, by="setup")
        return exchange
    finally:
        engine.dispose()
