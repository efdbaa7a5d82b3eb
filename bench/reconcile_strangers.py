"""How often the full-name rule names a stranger: men not registered, given by full name only.

    .venv/bin/python -m bench.reconcile --persons 100000        # first: the registry
    .venv/bin/python -m bench.reconcile_strangers --persons 100000 [--rows 4000] [--seed 31] \
        [--prior 0.25] [--details] [--no-patronymic]

bench.reconcile's lists test the rule weakly: their not-registered namesakes are moved to a
birth year no registered man of their full name has. Here every row is a stranger, made by
the registry's own generator (bench.synth, a new seed) with the registry's mix of native
languages, written the other side's way (Russian forms) with surname, given name and
patronymic only: held-list rows matched against our own people and request rows against
the men in our custody. Any row matched is wrong. A stranger is taken only when his full
name is that of exactly one registered man and the rule's probability reaches 0.95.

For each row the script also computes what the rule expects: the namesakes one expects of
that full name among the persons matched against (``full_name_odds``' N times f). Their sum
over the rows the rule would take if they collided is the model's prediction of the
strangers taken; the count observed is set beside it.

Session 6: a list fits its own prior (the share of rows about men not registered); on a
list made only of strangers that fit would say "almost nobody is registered" and hold
every row, which tests nothing. So the strangers are reconciled with a fixed prior
(``--prior``, 0.25 by default: the benchmark's lists fit 0.23 to 0.26), and the prediction
uses the same. ``--details`` gives every stranger his birth year and rank as well (the
generator's), which tests the readings of a birth year and of the rank.

Session 7: ``--no-patronymic`` leaves the patronymic out (surname and given name, and with
``--details`` the birth year and rank), which tests the rule's reading of a given name's
frequency when the father's name cannot be compared.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bench.reconcile import OUT, READER
from bench.synth.identity import People
from bench.synth.names import RANKS
from powbureau.interchange.exchange_lists import ListRow
from powbureau.matching import Candidate, MatchSettings, Scorer, default_settings, profile_from_fields
from powbureau.matching.namesakes import full_name_odds, rank_odds
from powbureau.matching.ranks import rank_key
from powbureau.services.reconciliation import CONFIDENT, reconcile_rows
from powbureau.store.db import open_engine
from powbureau.store.uow import SqlUnitOfWork

#: The registry's shares of surnames from the other language (bench.synth.registry).
_OTHER_NATIVE = {"held": 0.10, "request": 0.15}


def strangers(
    kind: str, rows: int, seed: int, *, details: bool = False, patronymic: bool = True
) -> list[ListRow]:
    """``rows`` men of the registry's generator, not registered, by full name only (with
    ``details``, also their birth year and rank; without ``patronymic``, no father's name)."""
    rng = random.Random(f"strangers:{kind}:{seed}")
    people = People(random.Random(f"strangers-people:{kind}:{seed}"))
    own = kind == "held"
    out = []
    for i in range(rows):
        other = rng.random() < _OTHER_NATIVE[kind]
        native = ("ru" if other else "uk") if own else ("uk" if other else "ru")
        m = people.man(f"X{i:06d}", "missing" if own else "pow", "UA" if own else "RU", native)
        fields: dict[str, str | None] = {
            "surname": m.surname_ru.upper(),
            "given_name": m.given_ru,
            "patronymic": m.patronymic_ru if patronymic else None,
        }
        if details:
            fields["birth_date"] = m.birth_date[:4]
            fields["rank"] = RANKS[m.rank_idx][0]
        out.append(ListRow(i + 2, f"{kind[0].upper()}{i:06d}", kind, fields))
    return out


def expected_namesakes(
    uow: SqlUnitOfWork, rows: Sequence[ListRow], settings: MatchSettings
) -> list[tuple[float, float]]:
    """Per row: (namesakes expected, the rule's probability were exactly one man of that
    name (and year and rank, when the row gives them) found)."""
    scorer = Scorer(settings)
    out = []
    with uow:
        index = uow.matches.candidate_index()
        counts: dict[str, Counter[str]] = {}
        for (custody, written), n in uow.persons.rank_counts().items():
            if rank_key(written):
                counts.setdefault(custody, Counter())[rank_key(written)] += n
        for row in rows:
            custody = "own" if row.list_kind == "held" else "ours"
            profile = profile_from_fields(row.fields)
            comparisons = scorer.compare(profile, profile)
            alone = Candidate(
                "-", settings.names_only_cap, scorer.total(comparisons), comparisons, names_only=True
            )
            year = profile.birth[:4]
            given_count = year_count = None
            if year and profile.patronymic:
                year_count = index.pair_year_count(profile.given, profile.patronymic, year, custody) + 1
            elif year:
                year_count = index.given_year_counts(profile.given, custody)[year] + 1
            elif not profile.patronymic:
                given_count = sum(index.given_count(g, custody) for g in set(profile.given))
            rank = rank_odds(row.fields.get("rank") or "", counts.get(custody, Counter()), settings=settings)
            odds = full_name_odds(
                profile,
                alone,
                (),
                settings=settings,
                population=index.population(custody),
                surname_count=index.name_surname_count(profile, custody) + 1,
                pair_count=index.pair_count(profile.given, profile.patronymic, custody),
                dated_pairs=index.dated_pairs(custody),
                year_count=year_count,
                given_count=given_count,
                rank=rank,
            )
            out.append((odds.namesakes, odds.probability) if odds else (0.0, 0.0))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reconcile_strangers", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--prior", type=float, default=0.25, help="share of rows about men not registered")
    parser.add_argument("--details", action="store_true", help="strangers give their birth year and rank")
    parser.add_argument("--no-patronymic", action="store_true", help="strangers give no patronymic")
    args = parser.parse_args(argv)
    settings = replace(default_settings(), prior_not_registered=args.prior)
    engine = open_engine(f"sqlite:///{OUT / f'r{args.persons}.db'}")
    print(
        "| persons | list | strangers | matched (all wrong) | of them on the full name alone | "
        "predicted by the rule | strangers the rule would take if one namesake were registered |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for kind in ("held", "request"):
        rows = strangers(kind, args.rows, args.seed, details=args.details, patronymic=not args.no_patronymic)
        answers = reconcile_rows(
            uow=SqlUnitOfWork(engine, write=False),
            reader=READER,
            rows=rows,
            workers=2,
            settings=settings,
            list_prior=False,
        )
        named = [a for a in answers if a.person_id]
        taken = [a for a in named if "only, taken" in a.reason]
        odds = expected_namesakes(SqlUnitOfWork(engine, write=False), rows, settings)
        # a stranger is taken when one registered man has his full name (about N f of them,
        # when N f is small) and the rule's probability with one such man reaches 0.95
        predicted = sum(n for n, p in odds if p >= CONFIDENT)
        eligible = sum(1 for _n, p in odds if p >= CONFIDENT)
        print(
            f"| {args.persons:,} | {kind} | {len(rows)} | {len(named)} | {len(taken)} | "
            f"{predicted:.1f} | {eligible} |"
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
