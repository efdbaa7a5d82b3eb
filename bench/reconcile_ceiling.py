"""The ceiling of reconciliation: how many registered men each exchange-list row fails to rule out.

    .venv/bin/python -m bench.reconcile --persons 1000000        # first: the registry, lists, answers
    .venv/bin/python -m bench.reconcile_ceiling --persons 1000000 [--rows 1000]

What bench/ceiling.py does for tracing, for bench.reconcile's lists. For every row whose man
is registered, every registered person of the custody the row's list_kind names (requests:
pow, civilian_internee and deceased, custody ``ours``; held lists and offers: missing, custody
``own``) is compared with what the row says, **every spelling undone**: names by the identity
bench.synth gave them (persons-truth.csv), so a transliteration, a typo, capitals or the other
language's form never rule anyone in or out. Which cells the row and the registration give,
and their dates (partial, or wrong on the row), are taken as written.

A person is **ruled out** when a field both sides give truly contradicts
(:func:`bench.ceiling.contradicts`: surname, given name, father's name, birth date at the
precision both have, unit, service number), and, in the second reading, also when both
give a **rank** and it differs (the list's ``rank`` column, which the engine does not read).
The row's own man is never ruled out. A row is **identifiable** when only he remains; the
ceiling is the share of rows whose man is registered that are identifiable. It is an upper
bound: it ignores the chance that the row is a man not registered who agrees as well.

The columns of exchange-list.csv the generator fills are list_ref, list_kind,
claimed_state, medical_category, surname, given_name, patronymic, birth_date, rank, unit and
service_number. claimed_state and medical_category are drawn without regard to the man
(bench.synth.exchange ``_claim``), so they can rule nobody out; list_kind is the custody.

Each missed row (the engine's answer in reconciliation-inprocess.csv does not name the
man) is also classed by how many men remain. Results as Markdown on standard output and
as JSON in bench/out/reconcile/ceiling-PERSONS.json.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.ceiling import CUSTODY_OURS, Facts, _names, contradicts, registered_facts, registry_rows
from bench.reconcile import OUT, read_truth

__all__ = ["RowCeiling", "list_facts", "main", "remaining"]

_OWN = frozenset({"missing"})


@dataclass
class _Custody:
    refs: list[str] = field(default_factory=list)
    facts: list[Facts] = field(default_factory=list)
    ranks: list[int | None] = field(default_factory=list)
    by_surname: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    position: dict[str, int] = field(default_factory=dict)  # of the men asked about


@dataclass(frozen=True)
class RowCeiling:
    """How many registered men remain for one row (he included), without and with rank."""

    list_ref: str
    folder: str
    remaining: int
    remaining_rank: int
    rivals: int  # other men not ruled out who explain the row at least as well as he does
    rivals_rank: int  # the same, the rank read too
    named: bool  # the engine's answer names the man
    status: str


def load(registry_dir: Path, wanted: set[str]) -> tuple[dict[str, _Custody], dict[str, dict[str, str]]]:
    """Both custodies' persons (facts and rank) and the truth of the men in ``wanted``."""
    pools = {"ours": _Custody(), "own": _Custody()}
    truth_of: dict[str, dict[str, str]] = {}
    for row, truth in registry_rows(registry_dir):
        ref = row["person_ref"]
        if ref in wanted:
            truth_of[ref] = truth
        category = truth["category"]
        pool = pools["ours"] if category in CUSTODY_OURS else pools["own"] if category in _OWN else None
        if pool is None:
            continue
        facts = registered_facts(row, truth)
        index = len(pool.refs)
        pool.refs.append(ref)
        pool.facts.append(facts)
        pool.ranks.append(int(truth["rank_idx"]) if row.get("rank") else None)
        if ref in wanted:
            pool.position[ref] = index
        for form in facts.surname:
            pool.by_surname[form].append(index)
    return pools, truth_of


def list_facts(row: dict[str, str], truth: dict[str, str]) -> tuple[Facts, int | None]:
    """An exchange-list.csv row about a registered man, every spelling undone, and its rank."""
    father = bool(row.get("patronymic"))
    facts = Facts(
        surname=_names(truth["surname_ru"], truth["surname_uk"]),
        given=_names(truth["given_ru"], truth["given_uk"]) if row.get("given_name") else None,
        father=truth["patronymic_ru"].casefold().replace("ё", "е") if father else None,
        birth=row.get("birth_date", ""),
        unit=truth["unit"] if row.get("unit") else None,
        service_number=truth["service_number"] if row.get("service_number") else None,
    )
    rank = int(truth["rank_idx"]) if row.get("rank") else None
    return facts, rank


def _levels(query: Facts, rank: int | None, person: Facts, their_rank: int | None) -> tuple[int, ...]:
    """How much of the row a registration can agree with, field by field (0: nothing to compare)."""
    birth = min(len(query.birth), len(person.birth)) if query.birth and person.birth else 0
    return (
        int(query.given is not None and person.given is not None),
        int(query.father is not None and person.father is not None),
        birth,
        int(query.unit is not None and person.unit is not None),
        int(query.service_number is not None and person.service_number is not None),
        int(rank is not None and their_rank is not None),
    )


def remaining(
    pool: _Custody, query: Facts, rank: int | None, man: str, own: int
) -> tuple[int, int, int, int]:
    """Men not ruled out (he included), by the engine's fields and with the rank too; and the
    other men not ruled out who explain the row at least as well as he does (every field he
    can be compared on, they can too, as precisely), both ways.

    ``own`` is the man's index in the pool: a wrong date on the row is still compared with
    his record at the precision both give (generous to him: the ceiling stays an upper bound).
    """
    candidates: set[int] = set()
    for form in query.surname:
        candidates.update(pool.by_surname.get(form, ()))
    his = _levels(query, rank, pool.facts[own], pool.ranks[own])
    plain = ranked = 1
    rivals = rivals_rank = 0
    for i in candidates:
        if i == own or contradicts(query, pool.facts[i]):
            continue
        plain += 1
        other = pool.ranks[i]
        theirs = _levels(query, rank, pool.facts[i], other)
        as_well = all(t >= h for t, h in zip(theirs[:5], his[:5], strict=True))
        rivals += as_well
        if rank is None or other is None or other == rank:
            ranked += 1
            rivals_rank += as_well and theirs[5] >= his[5]
    return plain, ranked, rivals, rivals_rank


def _answers(folder: Path) -> list[dict[str, str]]:
    with (folder / "reconciliation-inprocess.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def compute(persons: int, rows: int) -> list[RowCeiling]:
    """Every registered row's ceiling, over bench.reconcile's lists of this size."""
    folders = sorted(OUT.glob(f"list-{persons}-*-{rows}"))
    lists = []
    for folder in folders:
        with (folder / "exchange-list.csv").open(encoding="utf-8", newline="") as handle:
            written = list(csv.DictReader(handle))
        lists.append((folder, written, read_truth(folder / "exchange-truth.csv"), _answers(folder)))
    wanted = {t["person_ref"] for _, _, truth, _ in lists for t in truth if t["person_ref"]}
    pools, truth_of = load(OUT / f"reg-{persons}-21", wanted)
    out = []
    for folder, written, truth, answers in lists:
        for row, t, a in zip(written, truth, answers, strict=True):
            man = t["person_ref"]
            if not man:
                continue
            query, rank = list_facts(row, truth_of[man])
            pool = pools["ours" if row["list_kind"] == "request" else "own"]
            plain, ranked, rivals, rivals_rank = remaining(pool, query, rank, man, pool.position[man])
            named = a["person_ref"] == man
            out.append(
                RowCeiling(
                    row["list_ref"], folder.name, plain, ranked, rivals, rivals_rank, named, a["status"]
                )
            )
    return out


def _band(n: int) -> str:
    return "1" if n == 1 else "2" if n == 2 else "3-10" if n <= 10 else "11-100" if n <= 100 else ">100"


def summary(found: Sequence[RowCeiling]) -> dict[str, object]:
    """The ceilings, and the missed rows by how many men remain."""
    total = len(found)
    named = sum(r.named for r in found)
    missed = [r for r in found if not r.named]
    return {
        "registered": total,
        "named_right": named,
        "recall": round(named / max(1, total), 4),
        "ceiling": round(sum(r.remaining == 1 for r in found) / max(1, total), 4),
        "ceiling_with_rank": round(sum(r.remaining_rank == 1 for r in found) / max(1, total), 4),
        "no_rival_as_good": round(sum(r.rivals == 0 for r in found) / max(1, total), 4),
        "no_rival_as_good_with_rank": round(sum(r.rivals_rank == 0 for r in found) / max(1, total), 4),
        "missed_without_rival": sum(r.rivals == 0 for r in missed),
        "missed_without_rival_with_rank": sum(r.rivals_rank == 0 for r in missed),
        "named_with_a_rival_as_good": sum(r.rivals > 0 for r in found if r.named),
        "identifiable_not_named": sum(r.remaining == 1 for r in missed),
        "identifiable_with_rank_not_named": sum(r.remaining_rank == 1 for r in missed),
        "named_not_identifiable": sum(r.remaining > 1 for r in found if r.named),
        "named_not_identifiable_with_rank": sum(r.remaining_rank > 1 for r in found if r.named),
        "missed_by_remaining": dict(sorted(Counter(_band(r.remaining) for r in missed).items())),
        "missed_by_remaining_with_rank": dict(
            sorted(Counter(_band(r.remaining_rank) for r in missed).items())
        ),
        "missed_by_status": dict(sorted(Counter(r.status for r in missed).items())),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile_ceiling", description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args(argv)
    found = compute(args.persons, args.rows)
    result = summary(found)
    path = OUT / f"ceiling-{args.persons}.json"
    path.write_text(
        json.dumps({"summary": result, "rows": [r.__dict__ for r in found]}, ensure_ascii=False),
        encoding="utf-8",
    )
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
