"""What the namesake guard's release (session 7) changes for reconciliation, read only.

    .venv/bin/python -m bench.reconcile_guard            # the engine's guard
    .venv/bin/python -m bench.reconcile_guard --session6 # without Scorer.dated_beyond_names

Reconciles in-process (one worker) the 100,000-person lists bench.reconcile made
(bench/out/reconcile/list-100000-{ru,uk,cross}-{22,23,24}-1000, registry r100000.db) and
scores them with bench.reconcile's own scoring; writes nothing. Prints per list: rows
named, wrong, precision, recall, ambiguous, ambiguous at the guard's cap; then the totals.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from bench.reconcile import OUT, READER, external_refs, read_truth, score
from powbureau.interchange.exchange_lists import read_exchange_list
from powbureau.matching.scoring import Scorer
from powbureau.services.reconciliation import reconcile_rows
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork


def _never(comparisons: object) -> bool:
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile_guard", description=__doc__)
    parser.add_argument("--session6", action="store_true", help="the guard without its session-7 release")
    args = parser.parse_args(argv)
    if args.session6:
        Scorer.dated_beyond_names = staticmethod(_never)  # type: ignore[method-assign]
    db = OUT / "r100000.db"
    url = f"sqlite:///{db}"
    total = {"named": 0, "wrong": 0, "registered": 0, "ambiguous": 0}
    for language in ("ru", "uk", "cross"):
        for seed in (22, 23, 24):
            folder = OUT / f"list-100000-{language}-{seed}-1000"
            engine = open_engine(url)
            answers = reconcile_rows(
                uow=SqlUnitOfWork(engine, write=False),
                reader=READER,
                rows=read_exchange_list(folder / "exchange-list.csv"),
                workers=1,
            )
            engine.dispose()
            refs = external_refs(db, {pid for a in answers for pid, _ in a.candidates})
            s = score(answers, read_truth(folder / "exchange-truth.csv"), refs)
            print(
                language,
                seed,
                s["named"],
                s["wrong"],
                s["precision"],
                s["recall"],
                s["ambiguous"],
                s["guard_capped"],
                s["wrong_refs"],
                flush=True,
            )
            for key in total:
                total[key] += s[key]
    right = total["named"] - total["wrong"]
    print("total", json.dumps(total), "recall", round(right / max(1, total["registered"]), 4))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
