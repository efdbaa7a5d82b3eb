"""Latin spellings of Cyrillic names, independent of powbureau.names.

Russian passport and library schemes come from the `iuliia` package; the Ukrainian 2010
passport scheme, ISO 9 and the informal German, French and Polish spellings are small
tables written here from the published rules (see docs/synthetic-data.md).
Every function takes one word or phrase in title or lower case and keeps that case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import iuliia

__all__ = ["SCHEMES", "fr", "ge", "iso9", "pl", "transliterate", "ua2010"]


def _table(letters: str, spellings: str) -> dict[str, str]:
    """One Cyrillic letter -> its spelling; spellings are space-separated, _ for none."""
    return {c: v.replace("_", "") for c, v in zip(letters, spellings.split(), strict=True)}


_WORD = re.compile(r"[^\W\d_]+(?:[ʼ'’][^\W\d_]+)*")
_VOWELS = "аеёиоуыэюяєії"
_APOS = "ʼ'’"


def _cased(fn: Callable[[str], str]) -> Callable[[str], str]:
    """Apply a lower-case word scheme to every word of a phrase, restoring case."""

    def run(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            word = m.group(0)
            out = fn(word.lower())
            if not out:
                return out
            if len(word) > 1 and word.isupper():
                return out.upper()
            return out[0].upper() + out[1:] if word[0].isupper() else out

        return _WORD.sub(one, text)

    return run


# --- Ukrainian national system, Cabinet of Ministers Resolution No. 55 of 27 Jan 2010 ---
_UA = _table(
    "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch _ iu ia",
)
_UA_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UA_EXTRA = {"ы": "y", "э": "e", "ё": "io", "ъ": ""}  # stray Russian letters


def _ua2010(w: str) -> str:
    out: list[str] = []
    for i, c in enumerate(w):
        if c in _APOS:
            continue
        if i == 0 and c in _UA_START:
            out.append(_UA_START[c])
        elif c == "г" and i > 0 and w[i - 1] == "з":
            out.append("gh")  # зг -> zgh, so that it is not read as ж
        else:
            out.append(_UA.get(c, _UA_EXTRA.get(c, c)))
    return "".join(out)


# --- ISO 9:1995 (= GOST 7.79-2000 system A), one Latin letter per Cyrillic letter ---
_ISO9 = dict(
    zip(
        "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "g\u0300",
            "d",
            "e",
            "ë",
            "ê",
            "ž",
            "z",
            "i",
            "ì",
            "ï",
            "j",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "h",
            "c",
            "č",
            "š",
            "ŝ",
            "ʺ",
            "y",
            "ʹ",
            "è",
            "û",
            "â",
        ],
        strict=True,
    )
)


def _iso9(w: str) -> str:
    return "".join("’" if c in _APOS else _ISO9.get(c, c) for c in w)


# --- informal German (Duden-style) spelling of Russian names: Tschernow, Dmitrij ---
_GE = _table(
    "абвгдежзийклмнопрстуфхцчшщъыьэюя",
    "a b w g d e sch s i j k l m n o p r s t u f ch z tsch sch schtsch _ y _ e ju ja",
)


def _ge(w: str) -> str:
    out: list[str] = []
    skip = False
    for i, c in enumerate(w):
        if skip:
            skip = False
            continue
        prev, nxt = (w[i - 1] if i else ""), (w[i + 1] if i + 1 < len(w) else "")
        soft_start = prev == "" or prev in _VOWELS or prev in "ьъ"
        if c == "к" and nxt == "с":
            out.append("x")
            skip = True
        elif c == "е":
            out.append("je" if soft_start else "e")
        elif c == "ё":
            out.append("o" if prev in "жшчщ" else "jo")
        elif c in "ьъ":
            out.append("j" if nxt == "и" else "")
        elif c == "с" and prev in _VOWELS and nxt in _VOWELS and prev and nxt:
            out.append("ss")
        else:
            out.append(_GE.get(c, c))
    return "".join(out)


# --- informal French spelling of Russian names: Sergueï, Iouri, Tchernov ---
_FR = _table(
    "абвгдежзийклмнопрстуфхцчшщъыьэюя",
    "a b v g d e j z i ï k l m n o p r s t ou f kh ts tch ch chtch _ y _ e iou ia",
)


def _fr(w: str) -> str:
    out: list[str] = []
    n = len(w)
    for i, c in enumerate(w):
        prev, nxt = (w[i - 1] if i else ""), (w[i + 1] if i + 1 < n else "")
        if c == "й" and i == n - 1 and prev in "иы":
            continue  # -ий -> -i, -ый -> -y
        if c == "е":
            out.append("ie" if prev == "" or prev in _VOWELS or prev in "ьъ" else "e")
        elif c == "ё":
            out.append("o" if prev in "жшчщ" else "io")
        elif c == "г" and nxt and nxt in "еёиыэюя":
            out.append("gu")
        elif c == "с" and prev and nxt and prev in _VOWELS and nxt in _VOWELS:
            out.append("ss")
        elif c == "к" and nxt == "с":
            out.append("x")
        elif c == "с" and prev == "к":
            continue
        elif c == "й":
            out.append("ï" if prev and prev in _VOWELS else "i")
        else:
            out.append(_FR.get(c, c))
    return "".join(out)


# --- informal Polish (PWN) spelling of Russian names: Siergiej, Iwanow, Kowalenko ---
_PL = _table("абвгджзйкмнопрстуфхцчшщыэ", "a b w g d ż z j k m n o p r s t u f ch c cz sz szcz y e")
_PL_IOTA = {"е": ("je", "ie", "e"), "ё": ("jo", "io", "o"), "ю": ("ju", "iu", "u"), "я": ("ja", "ia", "a")}
_PL_SOFT = {"н": "ń", "с": "ś", "з": "ź", "т": "ć", "д": "dź", "ц": "ć"}


def _pl(w: str) -> str:
    out: list[str] = []
    n = len(w)
    for i, c in enumerate(w):
        prev, nxt = (w[i - 1] if i else ""), (w[i + 1] if i + 1 < n else "")
        after = w[i + 2] if i + 2 < n else ""
        if c in _PL_IOTA:
            full, soft, hard = _PL_IOTA[c]
            if prev == "" or prev in _VOWELS:
                out.append(full)
            elif prev in "ьължшчщц":
                out.append(hard)
            else:
                out.append(soft)
        elif c == "и":
            out.append("y" if prev in ("ж", "ш", "ц") and prev else "i")
        elif c == "л":
            out.append("l" if nxt and nxt in "еёиюяь" else "ł")
        elif c in "ьъ":
            out.append("j" if nxt and nxt in _VOWELS else "")
        elif nxt == "ь" and c in _PL_SOFT and not (after and after in _VOWELS):
            out.append(_PL_SOFT[c])
        else:
            out.append(_PL.get(c, c))
    return "".join(out)


def _iuliia(schema: iuliia.Schema) -> Callable[[str], str]:
    def run(w: str) -> str:
        return str(schema.translate(w)).replace("ё", "ë")

    return run


ua2010 = _cased(_ua2010)
iso9 = _cased(_iso9)
ge = _cased(_ge)
fr = _cased(_fr)
pl = _cased(_pl)

SCHEMES: dict[str, Callable[[str], str]] = {
    "ua_2010": ua2010,
    "iso9": iso9,
    "informal_de": ge,
    "informal_fr": fr,
    "informal_pl": pl,
    "gost_52535": _cased(_iuliia(iuliia.GOST_52535)),
    "icao_9303": _cased(_iuliia(iuliia.ICAO_DOC_9303)),
    "bgn_pcgn": _cased(_iuliia(iuliia.BGN_PCGN)),
    "scientific": _cased(_iuliia(iuliia.SCIENTIFIC)),
    "informal_en": _cased(_iuliia(iuliia.WIKIPEDIA)),
}


@lru_cache(maxsize=200_000)
def transliterate(scheme: str, text: str) -> str:
    """Latin spelling of `text` under `scheme` (a key of SCHEMES); cached."""
    return SCHEMES[scheme](text)
