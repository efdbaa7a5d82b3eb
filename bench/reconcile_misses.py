"""Why a registered man was not named: every missed row of bench.reconcile's lists, classified.

    .venv/bin/python -m bench.reconcile --persons 1000000       # first: the lists and their answers
    .venv/bin/python -m bench.reconcile_misses --persons 1000000 [--rows 1000] [--examples 3]

For each list of bench/out/reconcile (the size given) it reads the list, its truth and the
answer written in-process (reconciliation-inprocess.csv), weighs the whole list again as
reconciliation does (:func:`powbureau.services.reconciliation.weigh_rows`: the engine's
candidates, the rank, the list's own prior and the names rule), and for every row whose man
is registered but was not named (or a wrong man was) says which case it is:

* ``another man matched (wrong match)``, ``not found`` (no candidate worth showing, or the
  man not among them), ``cannot tell apart``, ``another man best``, ``matched twice``;
* the man best but not confident, and **the names rule read him** (``names rule held``):
  with what (``full name``, or ``surname and given name`` when the patronymic is missing
  on one side; ``+ year``, ``+ rank``), his probability's band and which term
  kept it low: ``not registered`` (the namesakes a man not registered could be) or
  ``rivals`` (the registered persons the engine scored);
* the man best, and **the names rule does not apply**, with why: a name that is not exact
  on both sides (``surname typo``, ``patronymic close``, ``no given name in the record``;
  a patronymic missing on one side is read), a birth date that agrees in full or
  disagrees, another field compared, a rank that differs; and whether the engine's guard
  capped him (``guarded``) or his probability is his own (``p 0.5-0.9``...).

Counts go to standard output as Markdown, with examples of each case.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from bench.reconcile import OUT, READER, read_truth
from powbureau.interchange.exchange_lists import read_exchange_list, read_reconciliation
from powbureau.matching import Candidate
from powbureau.services.reconciliation import AMBIGUOUS_FLOOR, CONFIDENT, WeighedRow, weigh_rows
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork

_NAMES = ("surname", "given_name", "patronymic")
_LABELS = {"surname": "surname", "given_name": "given name", "patronymic": "patronymic"}


def _ids_of_refs(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return {ref: pid for pid, ref in conn.execute("SELECT person_id, person_ref FROM person_refs")}


def _band(p: float) -> str:
    if p < 0.5:
        return "p < 0.5"
    return "p 0.5-0.9" if p < 0.9 else "p 0.9-0.95"


def _not_applied(f: WeighedRow, best: Candidate) -> str:
    """Why the names rule did not read the best candidate."""
    levels = {c.field: c.level for c in best.comparisons}
    for name in _NAMES:
        level = levels.get(name)
        if level is None and name != "patronymic":  # without a patronymic the rule reads the rest
            on_row = getattr(f.profile, "given" if name == "given_name" else name)
            return f"no {_LABELS[name]} " + ("in the record" if on_row else "on the row")
        if level not in ("exact", None):
            return f"{_LABELS[name]} {level}"
    birth = levels.get("birth_date")
    if birth is not None and birth not in ("year", "month"):
        return f"birth date {birth}"
    compared = [n for n, lv in levels.items() if lv is not None and n not in (*_NAMES, "birth_date")]
    if compared:
        return "also compared: " + ", ".join(compared)
    return "rank differs (or outside the rule's band)"


def classify(f: WeighedRow, man: str, answer_status: str) -> str:
    """The case of one missed row (see the module's docstring)."""
    shown = [c for c in f.candidates if c.probability >= AMBIGUOUS_FLOOR]
    ids = [c.person_id for c in shown]
    if not shown or man not in ids:
        return "not found" if not shown else "not found (man not among candidates)"
    best = shown[0]
    if answer_status in ("matched", "deceased", "already_released"):
        return "another man matched (wrong match)"
    if best.person_id != man:
        return "cannot tell apart" if man in best.cannot_tell_apart else "another man best"
    if best.cannot_tell_apart:
        return "cannot tell apart"
    odds = f.full_name
    if best.probability >= CONFIDENT or (odds is not None and odds.probability >= CONFIDENT):
        return "matched twice"
    if odds is not None:
        what = "full name" if odds.father else "surname and given name"
        what += (" + year" if odds.year else "") + (" + rank" if odds.rank else "")
        registered = odds.rivals
        absent = (1 / odds.probability - 1) - registered if odds.probability > 0 else 0.0
        term = "rivals" if registered > absent else "not registered"
        return f"names rule held: {what}, {_band(odds.probability)}, mostly {term}"
    guarded = "guarded" if best.notes and abs(best.probability - 0.9) < 1e-9 else _band(best.probability)
    return f"rule not applied: {_not_applied(f, best)}; {guarded}"


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
    for folder in folders:
        rows = read_exchange_list(folder / "exchange-list.csv")
        truth = read_truth(folder / "exchange-truth.csv")
        answers = read_reconciliation(folder / "reconciliation-inprocess.csv")
        weighed = weigh_rows(uow=SqlUnitOfWork(engine, write=False), reader=READER, rows=rows, workers=2)
        for f, t, a in zip(weighed, truth, answers, strict=True):
            if not t["person_ref"]:
                continue
            registered += 1
            if a["person_ref"] == t["person_ref"]:
                continue
            case = classify(f, refs[t["person_ref"]], a["status"])
            cases[case] += 1
            if len(examples[case]) < args.examples:
                names = " ".join(v or "-" for k, v in f.row.fields.items() if k in (*_NAMES, "birth_date"))
                best = "-"
                if f.candidates:
                    c = f.candidates[0]
                    best = f"{c.person_id} {c.probability:.4f}: {c.explanation()}"
                odds = f" | {a['reason']}" if f.full_name is not None else ""
                examples[case].append(
                    f"{folder.name} {f.row.list_ref} [{t['hard_cases']}]: {names}; best {best}{odds}"
                )
    print(f"{len(folders)} lists, {registered} rows whose man is registered, {sum(cases.values())} missed\n")
    print("| case | rows |\n| --- | --- |")
    for case, n in sorted(cases.items(), key=lambda x: (-x[1], x[0])):
        print(f"| {case} | {n} |")
    print()
    for case, lines in sorted(examples.items()):
        print(f"{case}:")
        for line in lines:
            print(f"  {line}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
