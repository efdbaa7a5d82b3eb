"""What the German readings of surnames cost: new exact agreements between distinct surnames.

    .venv/bin/python -m bench.german_surnames [--examples N]

Every distinct Cyrillic surname of the vendored names-translator data (``nt_surnames.csv``,
Russian and Ukrainian columns) and of bench.synth's Faker lists is written the German way
(Russian: bench.synth's Duden-style ``informal_de``; Ukrainian forms also with translitua's
``UkrainianGerman``) and read back; the ``synth`` rows take bench.synth's surnames alone
(those of the synthetic registry), against each other only. For each spelling: whether
the surname's own key is reached by :func:`powbureau.names.surname_key` alone (before) or
by it or one of :func:`powbureau.names.german_surname_keys` (after), and how many *other*
surnames of the same lists the spelling now agrees with exactly (a collision: two
different surnames, yet a German spelling of one is taken as the other). Each surname is
read alone (``alone``) and in a whole name with the given name Andrej (``in_name``: the
matcher reads a name's scheme from all its parts). Writes a JSON summary to standard
output.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Sequence
from importlib import resources

import translitua

from bench.synth.names import RU_SURNAMES, UK_SURNAMES
from bench.synth.translit import ge
from powbureau.names import german_surname_keys, name_scheme, surname_key

#: A German spelling of Андрей (Duden: й is j), the given name of the ``in_name`` runs.
_GIVEN = "Andrej"


def _surnames() -> dict[str, set[str]]:
    """Distinct Cyrillic surnames by language (``ru``, ``uk``)."""
    out: dict[str, set[str]] = {"ru": set(RU_SURNAMES), "uk": set(UK_SURNAMES)}
    path = resources.files("powbureau.names") / "data" / "nt_surnames.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out["uk"].add(row["uk"].strip().capitalize())
            out["ru"].add(row["ru"].strip().capitalize())
    return {lang: {s for s in names if s} for lang, names in out.items()}


def _uk_german(text: str) -> str:
    return str(translitua.translit(text, translitua.UkrainianGerman))


def measure(examples: int) -> dict[str, object]:
    """The summary: spellings, reached before and after, collisions before and after."""
    by_lang = _surnames()
    by_lang["synth"] = set(RU_SURNAMES) | set(UK_SURNAMES)
    all_keys = {surname_key(s) for lang in ("ru", "uk") for s in by_lang[lang]}
    synth_keys = {surname_key(s) for s in by_lang["synth"]}
    writers: list[tuple[str, str, Callable[[str], str]]] = [
        ("ru", "duden_ru", ge),
        ("uk", "duden_ru", ge),
        ("uk", "translitua_uk_german", _uk_german),
        ("synth", "duden_ru", ge),
    ]
    result: dict[str, object] = {"surname_keys": len(all_keys), "synth_surname_keys": len(synth_keys)}
    for (lang, scheme, write), in_name in ((w, n) for w in writers for n in (False, True)):
        keys = synth_keys if lang == "synth" else all_keys
        spellings = reached_before = reached_after = with_alternatives = alternatives = 0
        collide_before: set[tuple[str, str]] = set()
        collide_after: set[tuple[str, str]] = set()
        shown: list[str] = []
        for cyr in sorted(by_lang[lang]):
            latin = write(cyr)
            flags = name_scheme(latin, _GIVEN) if in_name else None
            own, primary = surname_key(cyr), surname_key(latin, flags or 0)
            alts = german_surname_keys(latin, flags)
            spellings += 1
            reached_before += primary == own
            reached_after += primary == own or own in alts
            with_alternatives += bool(alts)
            alternatives += len(alts)
            if primary != own and primary in keys:
                collide_before.add((own, primary))
            for other in alts:
                if other != own and other in keys and (own, other) not in collide_before:
                    if (own, other) not in collide_after and len(shown) < examples:
                        shown.append(f"{cyr} -> {latin} = {other}")
                    collide_after.add((own, other))
        result[f"{lang}:{scheme}:{'in_name' if in_name else 'alone'}"] = {
            "spellings": spellings,
            "own_key_before": round(reached_before / spellings, 4),
            "own_key_after": round(reached_after / spellings, 4),
            "with_alternatives": with_alternatives,
            "alternatives": alternatives,
            "pairs_agreeing_before": len(collide_before),
            "new_pairs_agreeing": len(collide_after),
            "new_pairs_examples": shown,
        }
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=20, help="collisions to list per scheme")
    args = parser.parse_args(argv)
    json.dump(measure(args.examples), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
