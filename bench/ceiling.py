"""The ceiling of tracing: how many registered men each inquiry fails to rule out.

    .venv/bin/python -m bench.ceiling REGISTRY_DIR INQUIRY_DIR [INQUIRY_DIR ...]

For every inquiry about a man held, every registered person the contract matches it
against (custody ``ours``: categories pow, civilian_internee and deceased) is compared with
what the inquiry says, **as if every spelling were undone perfectly**: names are compared
by the identity bench.synth gave them (persons-truth.csv), not by their letters, so a
transliteration, a diminutive, a typo, the other language's form or capitals never rule
anyone in or out. Everything else is taken as written on both sides: which fields the
inquiry and the registration give, and their dates (partial, or wrong in the inquiry).

A person is **ruled out** when a field given on both sides truly contradicts
(:func:`contradicts`); a field missing on either side rules nobody out. The man sought is
**never** ruled out: when the inquiry's wrong birth date contradicts his own record he is
still the man, and the wrong date is still compared, as written, with everyone else.
The inquiry is **identifiable** when only he remains; the ceiling is the share of
inquiries about men held that are identifiable. docs/benchmarks.md ("Tracing", "The
ceiling") states the rule field by field.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.synth.names import MALE
from bench.synth.render import FORMS, spell

__all__ = [
    "CUSTODY_OURS",
    "Ceiling",
    "Facts",
    "compute_ceiling",
    "contradicts",
    "dates_contradict",
    "load_registry",
    "seen_after_capture",
]

#: The categories of persons.csv in custody ``ours`` (contract: pow and civilian_internee;
#: a deceased row is registered as ours with a ``died`` event; missing is ``own``).
CUSTODY_OURS = frozenset({"pow", "civilian_internee", "deceased"})

Names = frozenset[str]


def _norm(name: str) -> str:
    return name.casefold().replace("ё", "е")


def _names(*forms: str) -> Names:
    return frozenset(_norm(f) for f in forms if f)


@dataclass(frozen=True, slots=True)
class Facts:
    """What one row (an inquiry or a registration) says of a man, every spelling undone.

    Names are the sets of forms of his true name (Russian and Ukrainian); ``None`` or ``""``
    means the row does not give the field.
    """

    surname: Names
    given: Names | None = None
    father: str | None = None  # the father's name: from the patronymic or the father's given name
    birth: str = ""  # as written: YYYY, YYYY-MM or YYYY-MM-DD
    unit: str | None = None
    service_number: str | None = None
    mother_given: Names | None = None
    mother_patronymic: str | None = None
    mother_surname: Names | None = None
    captured: str = ""  # a registration's date of capture, as written
    place: int | None = None  # place of capture (an inquiry: where he was last heard of)
    seen: str = ""  # an inquiry's date of last news, as written


def dates_contradict(a: str, b: str) -> bool:
    """Two partial ISO dates contradict when they differ at the precision both have."""
    if not a or not b:
        return False
    k = min(len(a), len(b))
    return a[:k] != b[:k]


def seen_after_capture(seen: str, captured: str) -> bool:
    """He was last heard of free after the date he was captured, at the precision both have."""
    if not seen or not captured:
        return False
    k = min(len(seen), len(captured))
    return captured[:k] < seen[:k]


def _differ(a: object, b: object) -> bool:
    return a is not None and b is not None and a != b


def _disjoint(a: Names | None, b: Names | None) -> bool:
    return a is not None and b is not None and a.isdisjoint(b)


def contradicts(inquiry: Facts, person: Facts, *, place_rules_out: bool = False) -> bool:
    """Whether what the inquiry says rules the registered person out.

    ``place_rules_out``: also when the place of last news is not his place of capture (the
    stricter variant; by default a man may be heard of in one place and taken in another).
    """
    return (
        _disjoint(inquiry.surname, person.surname)
        or _disjoint(inquiry.given, person.given)
        or _differ(inquiry.father, person.father)
        or dates_contradict(inquiry.birth, person.birth)
        or _differ(inquiry.unit, person.unit)
        or _differ(inquiry.service_number, person.service_number)
        or _disjoint(inquiry.mother_given, person.mother_given)
        or _differ(inquiry.mother_patronymic, person.mother_patronymic)
        or _disjoint(inquiry.mother_surname, person.mother_surname)
        or seen_after_capture(inquiry.seen, person.captured)
        or (place_rules_out and _differ(inquiry.place, person.place))
    )


def _mother(cell: str, truth: dict[str, str]) -> tuple[Names | None, str | None, Names | None]:
    """Which of the mother's names a cell gives: bench.synth writes "surname given
    patronymic", "given patronymic surname", "surname given" or "given"."""
    words = len(cell.split())
    if not words:
        return None, None, None
    given = _names(truth["mother_given_ru"], truth["mother_given_uk"])
    patronymic = _norm(truth["mother_patronymic_ru"]) if words >= 3 else None
    surname = _names(truth["mother_surname_ru"], truth["mother_surname_uk"]) if words >= 2 else None
    return given, patronymic, surname


def _common(row: dict[str, str], truth: dict[str, str]) -> dict[str, object]:
    """The fields an inquiry and a registration share, from the cells given and the truth."""
    mother_given, mother_patronymic, mother_surname = _mother(row.get("mother_name", ""), truth)
    father_given = bool(row.get("patronymic") or row.get("father_name"))
    return {
        "surname": _names(truth["surname_ru"], truth["surname_uk"]),
        "given": _names(truth["given_ru"], truth["given_uk"]) if row.get("given_name") else None,
        "father": _norm(truth["patronymic_ru"]) if father_given else None,
        "birth": row.get("birth_date", ""),
        "unit": truth["unit"] if row.get("unit") else None,
        "service_number": truth["service_number"] if row.get("service_number") else None,
        "mother_given": mother_given,
        "mother_patronymic": mother_patronymic,
        "mother_surname": mother_surname,
    }


def registered_facts(row: dict[str, str], truth: dict[str, str]) -> Facts:
    """A persons.csv row with its persons-truth.csv row."""
    place = row.get("capture_place") and truth["capture_place"]
    return Facts(
        **_common(row, truth),  # type: ignore[arg-type]
        captured=row.get("captured_on", ""),
        place=int(place) if place else None,
    )


def _pet_names(written: str, form: str) -> Names:
    """Every given name of the table that the pet name ``written`` may stand for (Слава is
    Вячеслав or Станислав): a diminutive undone perfectly still cannot say which."""
    lang = FORMS[form][0]
    target = _norm(written)
    found: set[str] = set()
    for entry in MALE:
        pets = entry.ru_diminutives if lang == "ru" else entry.uk_diminutives
        if any(_norm(spell(form, pet)) == target for pet in pets):
            found |= _names(entry.ru, entry.uk)
    return frozenset(found)


def inquiry_facts(row: dict[str, str], truth: dict[str, str], hard_cases: Sequence[str], form: str) -> Facts:
    """An inquiries.csv row about a man held, with his persons-truth.csv row."""
    common = _common(row, truth)
    if "diminutive" in hard_cases and row.get("given_name"):
        common["given"] = _pet_names(row["given_name"], form) or common["given"]
    place = row.get("last_seen_place") and truth["capture_place"]
    return Facts(
        **common,  # type: ignore[arg-type]
        seen=row.get("last_seen_on", ""),
        place=int(place) if place else None,
    )


@dataclass
class Registry:
    """The persons of custody ours, by every form of their surname."""

    refs: list[str]
    facts: list[Facts]
    by_surname: dict[str, list[int]]
    truth: dict[str, dict[str, str]]  # the men asked about, by person_ref
    own: dict[str, Facts]  # ... and their own registrations


def registry_rows(registry_dir: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Each row of persons.csv with its row of persons-truth.csv (the same person)."""
    with (
        open(registry_dir / "persons.csv", newline="", encoding="utf-8-sig") as pf,
        open(registry_dir / "persons-truth.csv", newline="", encoding="utf-8") as tf,
    ):
        for row, truth in zip(csv.DictReader(pf), csv.DictReader(tf), strict=True):
            if row["person_ref"] != truth["person_ref"]:
                raise ValueError(f"persons-truth.csv does not match persons.csv at {row['person_ref']}")
            yield row, truth


def load_registry(registry_dir: Path, wanted: Iterable[str] = ()) -> Registry:
    """Every person of custody ours, and the truth of the men in ``wanted``."""
    wanted = set(wanted)
    registry = Registry([], [], defaultdict(list), {}, {})
    for row, truth in registry_rows(registry_dir):
        ref = row["person_ref"]
        if ref in wanted:
            registry.truth[ref] = truth
        if truth["category"] not in CUSTODY_OURS:
            continue
        facts = registered_facts(row, truth)
        if ref in wanted:
            registry.own[ref] = facts
        index = len(registry.refs)
        registry.refs.append(ref)
        registry.facts.append(facts)
        for form in facts.surname:
            registry.by_surname[form].append(index)
    return registry


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _held(inquiry_dir: Path) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(inquiry row, truth row) of the inquiries about men held."""
    truth = {t["query_ref"]: t for t in _read(inquiry_dir / "truth.csv")}
    return [
        (q, truth[q["query_ref"]])
        for q in _read(inquiry_dir / "inquiries.csv")
        if truth[q["query_ref"]]["person_ref"]
    ]


@dataclass
class Ceiling:
    """Per inquiry about a man held: how many registered men remain (he included)."""

    remaining: dict[str, int]
    remaining_place: dict[str, int]  # the stricter variant: the place of last news rules out
    man_ruled_out: list[str]  # inquiries whose own man's record they contradict (a wrong date)

    @property
    def identifiable(self) -> set[str]:
        return {q for q, n in self.remaining.items() if n == 1}

    def summary(self) -> dict[str, object]:
        held = len(self.remaining)
        ident = len(self.identifiable)
        strict = sum(1 for n in self.remaining_place.values() if n == 1)
        spread = Counter(
            "1" if n == 1 else "2" if n == 2 else "3-10" if n <= 10 else "11-100" if n <= 100 else ">100"
            for n in self.remaining.values()
        )
        return {
            "held": held,
            "identifiable": ident,
            "ceiling": round(ident / max(1, held), 4),
            "ceiling_place_rules_out": round(strict / max(1, held), 4),
            "man_ruled_out_by_the_inquiry": len(self.man_ruled_out),
            "remaining": {k: spread[k] for k in ("1", "2", "3-10", "11-100", ">100")},
        }


def _count(registry: Registry, query: Facts, man: str, *, place_rules_out: bool) -> int:
    candidates: set[int] = set()
    for form in query.surname:
        candidates.update(registry.by_surname.get(form, ()))
    others = sum(
        1
        for i in candidates
        if registry.refs[i] != man
        and not contradicts(query, registry.facts[i], place_rules_out=place_rules_out)
    )
    return 1 + others


def compute_ceiling(registry: Registry, inquiry_dir: Path) -> Ceiling:
    """The ceiling of one set of inquiries against a loaded registry."""
    result = Ceiling({}, {}, [])
    for row, truth in _held(inquiry_dir):
        man = truth["person_ref"]
        query = inquiry_facts(
            row,
            registry.truth[man],
            tuple(filter(None, truth["hard_cases"].split(";"))),
            truth["inquiry_form"],
        )
        ref = row["query_ref"]
        if contradicts(query, registry.own[man], place_rules_out=True):
            result.man_ruled_out.append(ref)
        result.remaining[ref] = _count(registry, query, man, place_rules_out=False)
        result.remaining_place[ref] = _count(registry, query, man, place_rules_out=True)
    return result


def ceilings(registry_dir: Path, inquiry_dirs: Sequence[Path]) -> dict[Path, Ceiling]:
    """Each inquiry set's ceiling, the registry read once; cached as ceiling.json per set."""
    out: dict[Path, Ceiling] = {}
    todo = []
    for folder in inquiry_dirs:
        cached = folder / "ceiling.json"
        if cached.exists() and cached.stat().st_mtime >= (folder / "inquiries.csv").stat().st_mtime:
            data = json.loads(cached.read_text(encoding="utf-8"))
            out[folder] = Ceiling(data["remaining"], data["remaining_place"], data["man_ruled_out"])
        else:
            todo.append(folder)
    if todo:
        wanted = {t["person_ref"] for folder in todo for _, t in _held(folder)}
        registry = load_registry(registry_dir, wanted)
        for folder in todo:
            found = compute_ceiling(registry, folder)
            (folder / "ceiling.json").write_text(
                json.dumps(
                    {
                        "remaining": found.remaining,
                        "remaining_place": found.remaining_place,
                        "man_ruled_out": found.man_ruled_out,
                    }
                ),
                encoding="utf-8",
            )
            out[folder] = found
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__)
    parser.add_argument("registry", type=Path, help="folder with persons.csv and persons-truth.csv")
    parser.add_argument("inquiries", type=Path, nargs="+", help="folders with inquiries.csv and truth.csv")
    args = parser.parse_args(argv)
    for folder, found in ceilings(args.registry, args.inquiries).items():
        print(json.dumps({"inquiries": str(folder), **found.summary()}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
