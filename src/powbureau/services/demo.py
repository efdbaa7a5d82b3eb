"""Synthetic demo data: Faker's ru_RU and uk_UA people, never real ones.

The demo writes a persons.csv of synthetic people and imports it through the same
intake as any file, then records histories through the same use cases as the CLI.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import Engine, func, select

from powbureau.domain.access import Channel as ReadChannel
from powbureau.domain.access import Reader, Role
from powbureau.domain.errors import Conflict, DuplicateReference, RuleViolation
from powbureau.domain.exchanges import Formula
from powbureau.domain.inquiries import Channel, Inquirer
from powbureau.domain.people import FORMAT_COLUMNS
from powbureau.matching import TraceQuery
from powbureau.services import accounts, exchanges, inquiries, intake, registry
from powbureau.services.public_inquiries import file_public_inquiries, submit_public_inquiry
from powbureau.store.uow import SqlUnitOfWork

__all__ = [
    "DEMO_PASSWORD",
    "DemoAccount",
    "demo_accounts",
    "fill",
    "is_demo",
    "write_demo_persons",
]

#: The demo accounts' shared password; their second-factor secrets are fixed too. Both are
#: published: a demo registry holds synthetic people only.
DEMO_PASSWORD = "demo synthetic data"  # noqa: S105
_MARK = "demo"

_PLACES = [
    ("DEMO-CAMP-1", "Camp No. 1 (demo)", "camp", 400),
    ("DEMO-CAMP-2", "Camp No. 2 (demo)", "camp", 250),
    ("DEMO-HOSP-1", "Military hospital (demo)", "hospital", 60),
]
_RANKS = {
    "ru_RU": ["рядовой", "ефрейтор", "сержант", "лейтенант"],
    "uk_UA": ["солдат", "старший солдат", "сержант", "лейтенант"],
}


def write_demo_persons(path: Path, count: int, seed: int) -> None:
    """Write a persons.csv of ``count`` synthetic people."""
    rng = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in ("ru_RU", "uk_UA")}
    for i, fake in enumerate(fakers.values()):
        fake.seed_instance(seed * 10 + i)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FORMAT_COLUMNS)
        for n in range(count):
            locale = "ru_RU" if rng.random() < 0.7 else "uk_UA"
            fake = fakers[locale]
            category = rng.choices(["pow", "civilian_internee", "missing"], [80, 8, 12])[0]
            year = rng.randrange(1970, 2005)
            born = rng.choice(
                [
                    f"{year}",
                    f"{year}-{rng.randrange(1, 13):02d}",
                    str(fake.date_between_dates(_d(year, 1, 1), _d(year, 12, 28))),
                ]
            )
            writer.writerow(
                [
                    f"DEMO{n:06d}",
                    fake.last_name_male(),
                    fake.first_name_male(),
                    fake.middle_name_male(),
                    born,
                    fake.city_name(),
                    "M",
                    "RU" if locale == "ru_RU" else "UA",
                    rng.choice(_RANKS[locale]),
                    f"в/ч {rng.randrange(10000, 99999)}",
                    f"АБ-{rng.randrange(100000, 999999)}",
                    fake.first_name_female(),
                    fake.first_name_male(),
                    category,
                    rng.choice(["2022-03", "2023-09-14", "2024-05-02", ""]) if category != "missing" else "",
                    fake.city_name() if category != "missing" else "",
                ]
            )


def _d(year: int, month: int, day: int) -> Any:
    from datetime import date

    return date(year, month, day)


@dataclass(frozen=True)
class DemoAccount:
    """A published demo account: one per role."""

    name: str
    role: Role
    password: str
    totp_secret: str


def demo_accounts() -> list[DemoAccount]:
    """The demo's accounts, one per role, with fixed second-factor secrets."""
    found = []
    for role in Role:
        digest = hashlib.sha256(f"powbureau demo {role.value}".encode()).digest()
        secret = base64.b32encode(digest[:20]).decode()
        found.append(DemoAccount(f"demo-{role.value.replace('_', '-')}", role, DEMO_PASSWORD, secret))
    return found


def is_demo(engine: Engine) -> bool:
    """Whether the registry was filled by the demo (its pages then carry a banner)."""
    with SqlUnitOfWork(engine, write=False) as uow:
        return uow.settings.get(_MARK) == "synthetic"


def _claim(engine: Engine) -> None:
    """Mark an empty registry as the demo's; refuse one that holds anything else."""
    from powbureau.store.accounts import staff_accounts
    from powbureau.store.tables import persons

    with SqlUnitOfWork(engine) as uow:
        if uow.settings.get(_MARK) == "synthetic":
            return
        conn = uow.connection
        held = conn.execute(select(func.count()).select_from(persons)).scalar_one()
        staff = conn.execute(select(func.count()).select_from(staff_accounts)).scalar_one()
        if held or staff:
            raise RuleViolation(
                f"this registry already holds {held} persons and {staff} staff accounts that the demo "
                "did not make; the demo fills only an empty registry (run it on a new --db)"
            )
        uow.settings.put(_MARK, "synthetic")
        uow.commit()


def fill(
    *,
    engine: Engine,
    persons: int,
    seed: int,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Register synthetic persons, places, histories, inquiries, an exchange and one account
    per role; return what was added.

    Raises:
        RuleViolation: the registry holds data the demo did not make.
    """
    _claim(engine)
    _add_accounts(engine)
    rng = random.Random(seed)
    for code, name, kind, capacity in _PLACES:
        with contextlib.suppress(DuplicateReference):  # exists from an earlier demo run
            registry.add_place(uow=SqlUnitOfWork(engine), code=code, name=name, kind=kind, capacity=capacity)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-persons.csv"
        write_demo_persons(path, persons, seed)
        summary = intake.import_persons(
            uow=SqlUnitOfWork(engine), path=path, source="demo", recorded_by=recorded_by, progress=progress
        )
    events = 0
    if summary.registered == 0:  # the same demo ran before: its people and histories are there
        return {"registered": 0, "events": 0, "places": len(_PLACES), "inquiries": 0}
    # The demo picks its own synthetic people to give histories to; nothing is shown to
    # anyone, so this is no read to audit and goes to the repository directly.
    with SqlUnitOfWork(engine, write=False) as uow:
        held = uow.persons.search(custody="ours", status="held", limit=min(persons, 200))
    for row in held:
        pid = str(row["id"])
        story = rng.random()
        steps: list[tuple[str, str | None]] = [("transferred", rng.choice(["DEMO-CAMP-1", "DEMO-CAMP-2"]))]
        if story < 0.15:
            steps += [("hospitalised", "DEMO-HOSP-1")]
        elif story < 0.25:
            steps += [("exchanged", None)]
        elif story < 0.28:
            steps += [("released", None)]
        for kind, place in steps:
            registry.record_event(
                uow=SqlUnitOfWork(engine),
                ref=pid,
                kind=kind,
                place=place,
                recorded_by=recorded_by,
                occurred_on="2024-06",
            )
            events += 1
    asked = _add_inquiries(engine, rng, held[:40])
    _add_exchange(engine, recorded_by)
    return {"registered": summary.registered, "events": events, "places": len(_PLACES), "inquiries": asked}


def _add_accounts(engine: Engine) -> None:
    for account in demo_accounts():
        with contextlib.suppress(Conflict):
            accounts.add_user(
                uow=SqlUnitOfWork(engine, lock_chain=False),
                name=account.name,
                roles=[account.role],
                by="demo",
                password=account.password,
                totp_secret=account.totp_secret,
            )


_RELATIONS = ["mother", "father", "wife", "sister", "brother"]


def _add_inquiries(engine: Engine, rng: random.Random, held: list[Any]) -> int:
    """Families asking: some by telephone about men we hold (with a diminutive or only a
    birth year), some on the web form, some about men nobody registered."""
    fake = Faker("uk_UA")
    fake.seed_instance(rng.randrange(1_000_000))
    asked = 0
    for n, row in enumerate(held[:12]):
        birth = str(row.get("birth_date") or "")
        sought = TraceQuery(
            surname=str(row["surname"]),
            given_name=str(row.get("given_name") or "") or None,
            birth_date=birth[:4] or None,
        )
        inquirer = Inquirer(
            fake.name_female(), _RELATIONS[n % len(_RELATIONS)], fake.phone_number(), Channel.PHONE
        )
        inquiries.open_inquiry(
            uow=SqlUnitOfWork(engine), sought=sought, inquirer=inquirer, recorded_by="demo"
        )
        asked += 1
    for _ in range(4):
        sought = TraceQuery(surname=fake.last_name_male(), given_name=fake.first_name_male())
        inquirer = Inquirer(fake.name_female(), "mother", fake.email(), Channel.EMAIL)
        inquiries.open_inquiry(
            uow=SqlUnitOfWork(engine), sought=sought, inquirer=inquirer, recorded_by="demo"
        )
        asked += 1
    for row in held[12:16]:
        submit_public_inquiry(
            uow=SqlUnitOfWork(engine, lock_chain=False),
            fields={
                "surname": str(row["surname"]),
                "given_name": str(row.get("given_name") or ""),
                "inquirer_name": fake.name_female(),
                "relation": "mother",
                "contact": fake.email(),
                "language": "ru",
            },
        )
        asked += 1
    file_public_inquiries(uow_factory=lambda: SqlUnitOfWork(engine), recorded_by="demo")
    return asked


def _add_exchange(engine: Engine, recorded_by: str) -> None:
    """An exchange under negotiation, with the other side's list of men it says it holds."""
    reader = Reader(user=recorded_by, channel=ReadChannel.CLI, reason="demo data")
    with SqlUnitOfWork(engine, write=False) as uow:
        missing = uow.persons.search(custody="own", limit=6)
    exchange_id = exchanges.create_exchange(
        uow=SqlUnitOfWork(engine),
        party="the other party (demo)",
        formula=Formula.of("one_for_one", count=10),
        created_by=recorded_by,
        title="Exchange (demo)",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "held.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["list_ref", "list_kind", "surname", "given_name", "patronymic", "birth_date"])
            for n, row in enumerate(missing):
                writer.writerow(
                    [
                        f"H-{n + 1}",
                        "held",
                        str(row["surname"]),
                        str(row.get("given_name") or ""),
                        str(row.get("patronymic") or ""),
                        str(row.get("birth_date") or ""),
                    ]
                )
            writer.writerow(["H-90", "held", "Невідомий", "Іван", "", "1990"])
        exchanges.import_list(
            uow=SqlUnitOfWork(engine),
            reader=reader,
            exchange_id=exchange_id,
            path=path,
            imported_by=recorded_by,
            list_name="held",
        )
    with SqlUnitOfWork(engine, write=False) as uow:
        ours = [str(r["id"]) for r in uow.persons.search(custody="ours", status="held", limit=3)]
    if len(ours) == 3:  # a man who will not go back, and two wounded men first in line
        exchanges.record_wish(
            uow=SqlUnitOfWork(engine),
            ref=ours[0],
            wish="not_return",
            heard_by="ICRC delegate (demo)",
            heard_on="2024-06-01",
            language="ru",
            in_private=True,
            fears_persecution=True,
            recorded_by=recorded_by,
        )
        for ref, fit in ((ours[1], True), (ours[2], False)):
            exchanges.record_medical_category(
                uow=SqlUnitOfWork(engine),
                ref=ref,
                category="seriously_wounded",
                fit_to_travel=fit,
                recorded_by=recorded_by,
            )
    exchanges.move_exchange(
        uow=SqlUnitOfWork(engine), exchange_id=exchange_id, to="negotiating", by=recorded_by
    )
    exchanges.propose(
        uow=SqlUnitOfWork(engine), reader=reader, exchange_id=exchange_id, proposed_by=recorded_by
    )
