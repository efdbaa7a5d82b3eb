"""Places: one key for a town however it is written.

Families name the place of the last news, registrars the place of capture, each in their
language and script: Вугледар and Угледар, Миколаїв and Николаев, Бахмут and Артёмовск,
Cherson and Kherson. A consonant skeleton (:func:`.keys.phonetic_key`) already meets most
spellings of one name; a small gazetteer of the towns of the front and the occupied areas
(``data/places.csv``: the Ukrainian and Russian names, former names, and the Latin spellings
the transliteration schemes give them) brings the other names of one town to one key. Pure
code; the table is read once, on first use.
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources
from typing import Final

from .keys import phonetic_key

__all__ = ["place_key"]

_NOISE: Final = frozenset(
    (
        *("р-н", "район", "раион", "р", "н", "г", "м", "с", "п", "пгт", "смт", "село", "селище"),
        *("поселок", "посёлок", "город", "місто", "біля", "возле", "под", "окрестности"),
        *("в", "во", "у", "під", "поблизу", "около", "область", "обл", "регион", "окраина", "околиці"),
        *("near", "district", "raion", "rayon", "okolo", "area", "vicinity", "of", "village", "town", "city"),
        *("in", "at", "around", "outside", "outskirts", "region", "oblast"),
    )
)
_APOSTROPHES: Final = str.maketrans("", "", "ʼ'’`")


def _skeleton(text: str) -> str:
    """The consonant skeleton of a place's name, without region and words like "район"."""
    head = text.split(",")[0].translate(_APOSTROPHES)
    words = [w for w in re.split(r"[\s.]+", head.lower()) if w and w not in _NOISE]
    return phonetic_key(" ".join(words)) if words else ""


@cache
def _gazetteer() -> dict[str, str]:
    """Skeleton of every known name and spelling -> the skeleton of the town's Ukrainian name.

    A skeleton two towns share is left out: it names neither for certain.
    """
    found: dict[str, set[str]] = {}
    text = resources.files(__package__).joinpath("data", "places.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        town = _skeleton(row["uk"])
        forms = [row["uk"], row["ru"], *row["other"].split(";"), *row["latin"].split(";")]
        for form in filter(None, forms):
            found.setdefault(_skeleton(form), set()).add(town)
    return {skeleton: next(iter(towns)) for skeleton, towns in found.items() if len(towns) == 1 and skeleton}


@lru_cache(maxsize=1 << 14)
def place_key(text: str) -> str:
    """One key for a place however it is written; "" when nothing readable is left.

    A town of the gazetteer gets the skeleton of its Ukrainian name whichever of its names
    or spellings is given, also in the instrumental case (під Вугледаром: the other cases
    lose only vowels, which the skeleton drops); any other place its own skeleton.

    Examples:
        >>> place_key("Угледар") == place_key("Вугледар") == place_key("Wuhledar")
        True
        >>> place_key("Cherson") == place_key("Херсон"), place_key("Артёмовск") == place_key("Бахмут")
        (True, True)
        >>> place_key("р-н Купянск") == place_key("Kupiansk, Kharkiv Oblast")
        True
    """
    skeleton = _skeleton(text) if text else ""
    towns = _gazetteer()
    if skeleton not in towns and skeleton[-1:] == "м" and skeleton[:-1] in towns:
        return towns[skeleton[:-1]]  # the instrumental case: під Вугледаром, под Угледаром
    return towns.get(skeleton, skeleton)
