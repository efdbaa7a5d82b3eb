"""Write the Latin spellings of src/powbureau/names/data/places.csv from places_forms.csv.

    .venv/bin/python scripts/places_spellings.py      # needs the bench extra (iuliia, translitua)

Each town's Ukrainian name is transliterated with every Ukrainian table of translitua (KMU
2010, passports, BGN, ALA-LC, ISO 9, British, German, French, ...), its Russian and former
names with every Russian table of translitua and the schemes of iuliia. Nothing is fetched
when the bureau runs: the spellings are in the committed file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import iuliia
import translitua

DATA = Path(__file__).resolve().parent.parent / "src" / "powbureau" / "names" / "data"
IULIIA = (
    *("ala_lc", "bgn_pcgn", "bs_2979", "gost_16876", "gost_52290", "gost_52535", "gost_7034", "gost_779"),
    *("icao_doc_9303", "iso_9_1954", "iso_9_1968", "mosmetro", "mvd_310", "mvd_310_fr", "mvd_782"),
    *("scientific", "telegram", "ungegn_1987", "wikipedia", "yandex_maps"),
)


def spellings(form: str, ukrainian: bool) -> set[str]:
    """Latin spellings of one Cyrillic name."""
    tables = translitua.ALL_UKRAINIAN if ukrainian else translitua.ALL_RUSSIAN
    out = {translitua.translit(form, table) for table in tables}
    if not ukrainian:
        out.update(str(iuliia.schemas.get(name).translate(form)) for name in IULIIA)
    return {s for s in out if s}


def main() -> None:
    with (DATA / "places_forms.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with (DATA / "places.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["uk", "ru", "other", "latin"])
        for row in rows:
            latin = spellings(row["uk"], True) | spellings(row["ru"], False)
            for other in filter(None, row["other"].split(";")):
                latin |= spellings(other, True) | spellings(other, False)
            writer.writerow([row["uk"], row["ru"], row["other"], ";".join(sorted(latin))])


if __name__ == "__main__":
    main()
