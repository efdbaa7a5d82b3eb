"""Every wrong confident answer of a tracing run, with what is needed to explain it.

For one inquiry: what it said (as written), who the engine named with p >= 0.95 and why
(the result row's explanation), who the man really was (his registration, or "not held"
with the registry man he was made from), and how the named man relates to him (the same
surname and given name, the same birth year, ...). bench.tracing records these in
results.json and prints them as a Markdown table.
"""

from __future__ import annotations

import csv
from dataclasses import fields
from pathlib import Path
from typing import Any

from powbureau.matching import TraceQuery

__all__ = ["explain_wrong", "markdown_rows"]

_QUERY = tuple(f.name for f in fields(TraceQuery))  # the inquiry as written
_PERSON = ("surname", "given_name", "patronymic", "birth_date", "unit", "service_number", "mother_name")


def _rows(path: Path, key: str, wanted: set[str]) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {r[key]: r for r in csv.DictReader(handle) if r[key] in wanted}


def _first_results(path: Path, wanted: set[str]) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            r["query_ref"]: r for r in csv.DictReader(handle) if r["query_ref"] in wanted and r["rank"] == "1"
        }


def _relation(named: dict[str, str], other: dict[str, str]) -> str:
    """How two registry men compare, from the generator's truth."""
    same_name = (named["surname_ru"], named["given_ru"]) == (other["surname_ru"], other["given_ru"])
    parts = ["same surname and given name" if same_name else "other names"]
    if named["patronymic_ru"] == other["patronymic_ru"]:
        parts.append("same patronymic")
    if named["birth_date"] == other["birth_date"]:
        parts.append("same birth date")
    elif named["birth_date"][:4] == other["birth_date"][:4]:
        parts.append("same birth year")
    if other["person_ref"] in (named.get("namesake_of"),) or named["person_ref"] == other.get("namesake_of"):
        parts.append("registered as namesakes")
    return "; ".join(parts)


def _story(named: str, sought: str, kind: str, base: str, identity: dict[str, dict[str, str]]) -> str:
    """Who the named man is to the man sought."""
    if sought:
        return f"{named} vs the man sought {sought}: {_relation(identity[named], identity[sought])}"
    if named == base:
        return f"the man not held was made from {named} ({kind})"
    return f"the man not held was made from {base} ({kind}); {named} vs {base}: " + _relation(
        identity[named], identity[base]
    )


def explain_wrong(
    inquiry_dir: Path, registry_dir: Path, wrong: list[str], results_name: str = "trace-results.csv"
) -> list[dict[str, Any]]:
    """The facts of each wrong confident answer of ``inquiry_dir``'s results file."""
    if not wrong:
        return []
    wanted = set(wrong)
    queries = _rows(inquiry_dir / "inquiries.csv", "query_ref", wanted)
    truths = _rows(inquiry_dir / "truth.csv", "query_ref", wanted)
    results = _first_results(inquiry_dir / results_name, wanted)
    refs = {results[q]["person_ref"] for q in wrong} | {truths[q]["person_ref"] for q in wrong}
    refs |= {truths[q]["base_person_ref"] for q in wrong}
    refs.discard("")
    persons = _rows(registry_dir / "persons.csv", "person_ref", refs)
    identity = _rows(registry_dir / "persons-truth.csv", "person_ref", refs)
    out = []
    for q in wrong:
        t, res = truths[q], results[q]
        named = res["person_ref"]
        sought_ref = t["person_ref"]
        out.append(
            {
                "query_ref": q,
                "inquiry": {k: queries[q][k] for k in _QUERY if queries[q][k]},
                "hard_cases": t["hard_cases"],
                "held": bool(sought_ref),
                "not_held_kind": t["not_held_kind"],
                "base_person_ref": t["base_person_ref"],
                "named": named,
                "probability": res["probability"],
                "named_row": {k: persons[named][k] for k in _PERSON if persons[named][k]},
                "sought_row": (
                    {k: persons[sought_ref][k] for k in _PERSON if persons[sought_ref][k]}
                    if sought_ref
                    else {}
                ),
                "agreed": res["agreed"],
                "disagreed": res["disagreed"],
                "missing": res["missing"],
                "note": res["note"],
                "relation": _story(named, sought_ref, t["not_held_kind"], t["base_person_ref"], identity),
            }
        )
    return out


def _cells(values: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items()).replace("|", "/")


def markdown_rows(label: str, wrong: list[dict[str, Any]]) -> list[str]:
    """One Markdown table row per wrong answer (``label``: seed and share)."""
    return [
        f"| {label} | {w['query_ref']} | {_cells(w['inquiry'])} | {w['hard_cases'] or '-'} | "
        f"{'held: ' + _cells(w['sought_row']) if w['held'] else 'not held (' + w['not_held_kind'] + ')'} | "
        f"{w['named']} p={w['probability']}: {_cells(w['named_row'])} | agreed: {w['agreed']}; "
        f"disagreed: {w['disagreed'] or '-'}; missing: {w['missing'] or '-'} | {w['relation']} |"
        for w in wrong
    ]
