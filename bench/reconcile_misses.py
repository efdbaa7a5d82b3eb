"""Why a registered man was not named: every missed row of bench.reconcile's lists, classified.

    .venv/bin/python -m bench.reconcile --persons 100000        # first: the lists and their answers
    .venv/bin/python -m bench.reconcile_misses --persons 100000 [--rows 1000] [--examples 3]

For each list of bench/out/reconcile (the size given) it reads the list, its truth and the
answer written in-process (reconciliation-inprocess.csv), and for every row whose man is
registered but was not named (or a wrong man was) asks the engine again for the row's
candidates, with their comparisons, and says which case it is:

* ``guard: names only``: the man is the best candidate, alone, held at the namesake guard's
  cap because nothing but names agreed; ``guard: <why>`` when the guard held him for another
  reason (a detail that disagrees, an approximate surname without an exact date, names and
  an approximate birth date only);
* ``below 0.9: names only (namesakes)``: names only, but namesakes in the pool share the
  probability; ``below the threshold``: other evidence below 0.95 unguarded;
* ``cannot tell apart``: the man is among candidates the engine cannot separate;
* ``another man best``: a namesake ranks above him;
* ``matched twice``: he is the confident match of two rows;
* ``not found``: no candidate worth showing, or the man not among them (the names and keys
  missed him: the row's and the record's names are printed).

Counts go to standard output as Markdown, with examples of each case.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from bench.reconcile import OUT, read_truth
from powbureau.interchange.exchange_lists import ListRow, read_exchange_list, read_reconciliation
from powbureau.matching import (
    Candidate,
    CandidateIndex,
    Profile,
    default_settings,
    find_candidates,
    profile_from_fields,
)
from powbureau.matching.namesakes import full_name_odds
from powbureau.services.reconciliation import CONFIDENT, CUSTODY_OF_KIND
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork

_CAP = 0.9
_NAMES = ("surname", "given_name", "patronymic")


def _ids_of_refs(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return {ref: pid for pid, ref in conn.execute("SELECT person_id, person_ref FROM person_refs")}


def _guard_reason(c: Candidate) -> str:
    by = {x.field: x for x in c.comparisons}
    for name in ("given_name", "patronymic", "birth_date", "service_number", "mother_name"):
        x = by.get(name)
        if x is not None and x.level is not None and x.weight <= 0:
            return f"{name} disagrees ({x.level})"
    s = by["surname"]
    anchored = any(
        x.weight > 0 and (x.field == "service_number" or (x.field == "birth_date" and x.level == "exact"))
        for x in c.comparisons
    )
    if not (s.weight > 0 and s.level == "exact") and not anchored:
        return f"surname {s.level} without exact date or service number"
    return "names and a partial or approximate date only"


def classify(candidates: Sequence[Candidate], man: str, answer_status: str) -> str:
    """The case of one missed row (see the module's docstring)."""
    shown = [c for c in candidates if c.probability >= 0.05]
    ids = [c.person_id for c in shown]
    first = shown[0] if shown else None
    if first and first.person_id != man and first.probability >= CONFIDENT and not first.cannot_tell_apart:
        return "another man matched (wrong match)"
    if not shown or man not in ids:
        return "not found" if not shown else "not found (man not among candidates)"
    best = shown[0]
    if best.person_id != man:
        if man in best.cannot_tell_apart:
            return "cannot tell apart"
        return "another man best"
    if best.cannot_tell_apart:
        return "cannot tell apart"
    if best.probability >= CONFIDENT:
        return "matched twice" if answer_status == "ambiguous" else f"status {answer_status}"
    if abs(best.probability - _CAP) < 1e-9 and best.notes:
        why = _guard_reason(best)
        return "guard: names only" if best.names_only and "disagrees" not in why else "guard: " + why
    if best.names_only:
        return "below 0.9: names only (namesakes share it)"
    return "below the threshold, not guarded" if best.probability > _CAP else "below 0.9: other evidence"


def _held_why(index: CandidateIndex, row: ListRow, profile: Profile, found: Sequence[Candidate]) -> str:
    """Why the full-name rule did not take a names-only row."""
    custody = CUSTODY_OF_KIND[row.list_kind].value
    odds = full_name_odds(
        profile,
        found[0],
        found[1:],
        settings=default_settings(),
        population=index.population(custody),
        surname_count=index.surname_count(profile.surname, custody),
        pair_count=index.pair_count(profile.given, profile.patronymic, custody),
        dated_pairs=index.dated_pairs(custody),
    )
    if odds is None:
        levels = {c.field: c.level for c in found[0].comparisons if c.level}
        return "rule does not apply: " + ", ".join(f"{k} {v}" for k, v in levels.items())
    band = "p < 0.5" if odds.probability < 0.5 else "p 0.5-0.9" if odds.probability < 0.9 else "p 0.9-0.95"
    return f"held against {custody}, {band}" + (", rivals" if odds.rivals > 0.01 else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile_misses", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args(argv)
    db = OUT / f"r{args.persons}.db"
    refs = _ids_of_refs(db)
    engine = open_engine(f"sqlite:///{db}")
    cases: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    registered = 0
    folders = sorted(OUT.glob(f"list-{args.persons}-*-{args.rows}"))
    uow = SqlUnitOfWork(engine, write=False)
    with uow:
        index = uow.matches.candidate_index()
        for folder in folders:
            rows = read_exchange_list(folder / "exchange-list.csv")
            truth = read_truth(folder / "exchange-truth.csv")
            answers = read_reconciliation(folder / "reconciliation-inprocess.csv")
            for row, t, a in zip(rows, truth, answers, strict=True):
                if not t["person_ref"]:
                    continue
                registered += 1
                if a["person_ref"] == t["person_ref"]:
                    continue
                man = refs[t["person_ref"]]
                profile = profile_from_fields(row.fields)
                custody = CUSTODY_OF_KIND[row.list_kind].value
                found = find_candidates(profile, index=index, custody=custody, top=5)
                case = classify(found, man, a["status"])
                if case == "guard: names only":
                    case += f" ({_held_why(index, row, profile, found)})"
                cases[case] += 1
                if len(examples[case]) < args.examples:
                    record = index._profiles([man])
                    names = " ".join(v or "-" for k, v in row.fields.items() if k in (*_NAMES, "birth_date"))
                    best = "-"
                    if found:
                        best = f"{found[0].person_id} {found[0].probability:.4f}: {found[0].explanation()}"
                    examples[case].append(
                        f"{folder.name} {row.list_ref} [{t['hard_cases']}]: {names}; "
                        f"record {record[0][2:6] if record else '?'}; best {best}"
                    )
    print(f"{len(folders)} lists, {registered} rows whose man is registered, {sum(cases.values())} missed\n")
    print("| case | rows |\n| --- | --- |")
    for case, n in cases.most_common():
        print(f"| {case} | {n} |")
    print()
    for case, lines in examples.items():
        print(f"{case}:")
        for line in lines:
            print(f"  {line}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
