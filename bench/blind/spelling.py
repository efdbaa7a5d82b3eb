"""Ways one name is written: Russian and Ukrainian Cyrillic, library and informal transliterations.

Library schemes come from `iuliia` (Russian) and `translitua` (Ukrainian); the German, French and
Polish "informal" spellings (Kowalenko, Dmitrij, Iouri, Siergiej) are written here from common
knowledge of how those languages render Russian and Ukrainian sounds.
"""

from __future__ import annotations

import re
import warnings
from functools import cache, lru_cache

import iuliia
import translitua

VOWELS = "аеёиоуыэюяіїє"
SIBILANTS = "жшчщц"
CYRILLIC = set("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя")

# Latin schemes and how often a clerk or a family uses them (weights), per language of the name form.
RU_SCHEMES: tuple[tuple[str, float], ...] = (
    ("iu:icao_doc_9303", 25),
    ("iu:gost_52535", 5),
    ("iu:bgn_pcgn", 12),
    ("iu:wikipedia", 12),
    ("iu:mosmetro", 5),
    ("iu:scientific", 4),
    ("iu:ala_lc", 4),
    ("iu:gost_779", 4),
    ("iu:mvd_310", 3),
    ("iu:yandex_maps", 3),
    ("iu:ungegn_1987", 2),
    ("de", 8),
    ("fr", 6),
    ("pl", 6),
)
UK_SCHEMES: tuple[tuple[str, float], ...] = (
    ("ua:UkrainianKMU", 35),
    ("ua:UkrainianBGN", 10),
    ("ua:UkrainianPassport2007", 8),
    ("ua:UkrainianALALC", 4),
    ("ua:UkrainianISO9", 4),
    ("ua:UkrainianBritish", 3),
    ("ua:UkrainianGerman", 5),
    ("ua:UkrainianFrench", 4),
    ("de", 6),
    ("fr", 4),
    ("pl", 6),
)


def _cap(src: str, out: str) -> str:
    """Give `out` the capitalisation of the Cyrillic word `src`."""
    if not out:
        return out
    if len(src) > 1 and src.isupper():
        return out.upper()
    if src[:1].isupper():
        return out[:1].upper() + out[1:]
    return out


@lru_cache(maxsize=100_000)
def uk_to_ru(word: str) -> str:
    """The Russian Cyrillic spelling of a Ukrainian surname or name (Ковальський -> Ковальский)."""
    parts = []
    for part in word.split("-"):
        w = part.lower()
        for a, b in (("ський", "ский"), ("цький", "цкий")):
            if w.endswith(a):
                w = w[: -len(a)] + b
        if w.endswith("ій"):
            w = w[:-2] + "ий"
        w = w.replace("'ю", "ью").replace("'я", "ья").replace("'є", "ье").replace("'ї", "ьи")
        w = w.replace("ьо", "ё").replace("'", "")
        w = re.sub(r"([бвгджзклмнпрстфхцчшщ])йо", r"\1ьё", w)
        if w.startswith("йо"):
            w = "ё" + w[2:]
        w = w.replace("ї", "йи").replace("і", "и").replace("є", "е").replace("ґ", "г")
        parts.append(_cap(part, w))
    return "-".join(parts)


@lru_cache(maxsize=100_000)
def ru_to_uk(word: str) -> str:
    """The Ukrainian Cyrillic spelling of a Russian surname or name (Никитин -> Нікітін)."""
    parts = []
    for part in word.split("-"):
        w = part.lower()
        suffix = ""
        for a, b in (("ский", "ський"), ("цкий", "цький"), ("ый", "ий"), ("ий", "ій")):
            if w.endswith(a) and len(w) > len(a) + 1:
                w, suffix = w[: -len(a)], b
                break
        out: list[str] = []
        for i, c in enumerate(w):
            prev = w[i - 1] if i else " "
            start_or_vowel = i == 0 or prev in VOWELS or prev in "ьъ"
            if c == "ё" and prev == "ь":
                out[-1] = "йо"
            elif c == "и":
                if i == 0:
                    out.append("і")
                elif prev in VOWELS or prev == "ь":
                    out.append("ї")
                elif prev in SIBILANTS or (w.endswith("ич") and i == len(w) - 2):
                    out.append("и")
                else:
                    out.append("і")
            elif c == "ы":
                out.append("и")
            elif c == "э":
                out.append("е")
            elif c == "е":
                out.append("є" if start_or_vowel else "е")
            elif c == "ё":
                out.append("йо" if start_or_vowel else ("о" if prev in SIBILANTS else "ьо"))
            elif c == "ъ":
                out.append("'")
            else:
                out.append(c)
        parts.append(_cap(part, "".join(out) + suffix))
    return "-".join(parts)


def feminine_surname(surname: str, lang: str) -> str:
    """A woman's form of a man's surname (Иванов -> Иванова, Ковальський -> Ковальська)."""
    s = surname
    if lang == "ru":
        for a, b in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ый", "ая")):
            if s.endswith(a):
                return s[: -len(a)] + b
        if s.endswith(("ов", "ев", "ёв", "ин", "ын")):
            return s + "а"
        return s
    for a, b in (("ський", "ська"), ("цький", "цька"), ("ий", "а")):
        if s.endswith(a):
            return s[: -len(a)] + b
    if s.endswith(("ов", "ев", "єв", "ін", "ин")):
        return s + "а"
    return s


def feminine_patronymic(patr: str, lang: str) -> str:
    """A daughter's patronymic from a son's (Сергеевич -> Сергеевна, Миколайович -> Миколаївна)."""
    if lang == "ru":
        if patr.endswith("ич") and not patr.endswith(("ович", "евич")):
            return patr[:-2] + ("инична" if patr == "Ильич" else "ична")
        return patr[:-2] + "на"
    if patr == "Ілліч":
        return "Іллівна"
    if patr.endswith("йович"):
        return patr[:-5] + "ївна"
    if patr.endswith("ович"):
        return patr[:-4] + "івна"
    return patr[:-2] + "івна"


# ---------------------------------------------------------------- informal German, French, Polish

_BASE = {
    "а": "a",
    "б": "b",
    "д": "d",
    "к": "k",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "т": "t",
    "ф": "f",
    "ы": "y",
    "э": "e",
    "ъ": "",
    "'": "",
    "ґ": "g",
}
_STYLE = {
    "de": {
        "в": "w",
        "ж": "sh",
        "з": "s",
        "л": "l",
        "у": "u",
        "х": "ch",
        "ц": "z",
        "ч": "tsch",
        "ш": "sch",
        "щ": "schtsch",
        "і": "i",
        "ї": "ji",
        "й": "j",
        "є": "je",
        "ю": "ju",
        "я": "ja",
    },
    "fr": {
        "в": "v",
        "ж": "j",
        "з": "z",
        "л": "l",
        "у": "ou",
        "х": "kh",
        "ц": "ts",
        "ч": "tch",
        "ш": "ch",
        "щ": "chtch",
        "і": "i",
        "ї": "ï",
        "й": "i",
        "є": "ie",
        "ю": "iou",
        "я": "ia",
    },
    "pl": {
        "в": "w",
        "ж": "ż",
        "з": "z",
        "л": "ł",
        "у": "u",
        "х": "ch",
        "ц": "c",
        "ч": "cz",
        "ш": "sz",
        "щ": "szcz",
        "і": "i",
        "ї": "ji",
        "й": "j",
        "є": "je",
        "ю": "ju",
        "я": "ja",
    },
}
_ENDINGS = {
    ("ru", "de"): (("ский", "skij"), ("цкий", "zkij"), ("ий", "ij"), ("ый", "yj"), ("ой", "oj")),
    ("ru", "fr"): (("ский", "ski"), ("цкий", "tski"), ("ий", "i"), ("ый", "y"), ("ой", "oï")),
    ("ru", "pl"): (("ский", "ski"), ("цкий", "cki"), ("ий", "ij"), ("ый", "yj"), ("ой", "oj")),
    ("uk", "de"): (("ський", "skyj"), ("цький", "zkyj"), ("ий", "yj"), ("ій", "ij")),
    ("uk", "fr"): (("ський", "sky"), ("цький", "tsky"), ("ий", "y"), ("ій", "iy")),
    ("uk", "pl"): (("ський", "ski"), ("цький", "cki"), ("ий", "yj"), ("ій", "ij")),
}
_SOFT = "еёиюяьіїє"


def _informal_word(w: str, lang: str, style: str) -> str:
    """One lower-case Cyrillic word in an informal German, French or Polish spelling."""
    tail = ""
    for a, b in _ENDINGS[(lang, style)]:
        if w.endswith(a) and len(w) > len(a) + 1:
            w, tail = w[: -len(a)], b
            break
    table = _STYLE[style]
    out: list[str] = []
    for i, c in enumerate(w):
        prev = w[i - 1] if i else " "
        nxt = w[i + 1] if i + 1 < len(w) else " "
        start_or_vowel = i == 0 or prev in VOWELS or prev in "ьъ'"
        between_vowels = prev in VOWELS and nxt in VOWELS
        if c in _BASE:
            out.append(_BASE[c])
        elif c == "г":
            if lang == "uk":
                out.append("h")
            elif style == "fr" and nxt in "еиіэє":
                out.append("gu")
            else:
                out.append("g")
        elif c == "и":
            if lang == "uk" or (style == "pl" and prev in "жшц"):
                out.append("y")
            else:
                out.append("i")
        elif c == "с":
            out.append("ss" if between_vowels and style in ("de", "fr") else "s")
        elif c == "ь":
            if nxt in VOWELS and nxt not in "еёюяє":
                out.append({"de": "j", "fr": "i", "pl": "j"}[style])
        elif c == "й":
            out.append("ï" if style == "fr" and prev in VOWELS and nxt == " " else table["й"])
        elif c == "л" and style == "pl":
            out.append("l" if nxt in _SOFT else "ł")
        elif c == "е":
            if lang == "uk":
                out.append("e")
            elif start_or_vowel:
                out.append({"de": "je", "fr": "ie", "pl": "je"}[style])
            elif style == "pl" and prev not in SIBILANTS and prev != "л":
                out.append("ie")
            else:
                out.append("e")
        elif c == "ё":
            if prev in SIBILANTS:
                out.append("o")
            elif style == "fr":
                out.append("io")
            elif style == "pl" and not start_or_vowel:
                out.append("o" if prev == "л" else "io")
            else:
                out.append("jo")
        elif c in "юя" and style == "pl" and not start_or_vowel:
            out.append(("u" if c == "ю" else "a") if prev == "л" else ("iu" if c == "ю" else "ia"))
        elif c in "юя" and style == "fr" and not start_or_vowel:
            out.append("iou" if c == "ю" else "ia")
        elif c in table:
            out.append(table[c])
        else:
            out.append(c)
    return "".join(out) + tail


@cache
def _iuliia_schema(name: str) -> iuliia.Schema:
    return iuliia.schemas.get(name)


def _word(w: str, lang: str, scheme: str) -> str:
    """One lower-case word under a scheme."""
    if scheme.startswith("iu:"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = str(_iuliia_schema(scheme[3:]).translate(w))
        return out.replace("ё", "ë")
    if scheme.startswith("ua:"):
        return str(translitua.translit(w, getattr(translitua, scheme[3:])))
    return _informal_word(w, lang, scheme)


@lru_cache(maxsize=200_000)
def translit(text: str, lang: str, scheme: str) -> str:
    """`text` (Cyrillic, in `lang` 'ru' or 'uk') written in Latin under `scheme`; case kept per word."""
    if not text:
        return text
    out_words = []
    for word in text.split(" "):
        parts = []
        for part in word.split("-"):
            if not part or not (set(part.lower()) & CYRILLIC):
                parts.append(part)
                continue
            parts.append(_cap(part, _word(part.lower(), lang, scheme)))
        out_words.append("-".join(parts))
    return " ".join(out_words)
