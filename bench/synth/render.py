"""Writing a man down the way one registrar or family would: language, script, case, format."""

from __future__ import annotations

import random

from .crossforms import feminine, uk_to_ru
from .identity import FRONT, OBLASTS, Man
from .names import MALE, RANKS
from .translit import transliterate

__all__ = ["FORMS", "LATIN_FORMS", "lang_of", "partial_date", "spell"]

# form -> (which language's name forms it writes, Latin scheme or None for Cyrillic)
FORMS: dict[str, tuple[str, str | None]] = {
    "ru_cyr": ("ru", None),
    "ru_cyr_upper": ("ru", None),  # Russian Cyrillic, surname in capitals
    "uk_cyr": ("uk", None),
    "ua_2010": ("uk", "ua_2010"),
    "iso9_uk": ("uk", "iso9"),
    "gost_52535": ("ru", "gost_52535"),
    "icao_9303": ("ru", "icao_9303"),
    "bgn_pcgn": ("ru", "bgn_pcgn"),
    "scientific": ("ru", "scientific"),
    "iso9": ("ru", "iso9"),
    "informal_en": ("ru", "informal_en"),
    "informal_de": ("ru", "informal_de"),
    "informal_fr": ("ru", "informal_fr"),
    "informal_pl": ("ru", "informal_pl"),
}
LATIN_FORMS = frozenset(f for f, (_, scheme) in FORMS.items() if scheme)


def lang_of(form: str) -> str:
    return FORMS[form][0]


def spell(form: str, text: str) -> str:
    """`text` (already in the form's language) in the form's script."""
    scheme = FORMS[form][1]
    return transliterate(scheme, text) if scheme and text else text


def surname(m: Man, form: str) -> str:
    return spell(form, m.surname_ru if lang_of(form) == "ru" else m.surname_uk)


def given(m: Man, form: str) -> str:
    return spell(form, m.given_ru if lang_of(form) == "ru" else m.given_uk)


def patronymic(m: Man, form: str) -> str:
    return spell(form, m.patronymic_ru if lang_of(form) == "ru" else m.patronymic_uk)


def diminutive(m: Man, form: str, rng: random.Random) -> str:
    """A pet form of the given name (Дима, Саша), or '' when the table has none."""
    if m.given_idx < 0:
        return ""
    entry = MALE[m.given_idx]
    forms = entry.ru_diminutives if lang_of(form) == "ru" else entry.uk_diminutives
    return spell(form, rng.choice(forms))


def father_name(m: Man, form: str) -> str:
    if m.father_idx < 0:
        return ""
    entry = MALE[m.father_idx]
    return spell(form, entry.ru if lang_of(form) == "ru" else entry.uk)


def mother_name(m: Man, form: str, rng: random.Random) -> str:
    lang = lang_of(form)
    if lang == "ru":
        s, g, p = m.mother_surname_ru, m.mother_given_ru, m.mother_patronymic_ru
    else:
        s, g, p = m.mother_surname_uk, m.mother_given_uk, m.mother_patronymic_uk
    s, g, p = spell(form, feminine(s, lang)), spell(form, g), spell(form, p)
    u = rng.random()
    return f"{s} {g} {p}" if u < 0.5 else f"{g} {p} {s}" if u < 0.65 else f"{s} {g}" if u < 0.85 else g


def rank(m: Man, form: str) -> str:
    ru, uk, en, _ = RANKS[m.rank_idx]
    return en if FORMS[form][1] else (ru if lang_of(form) == "ru" else uk)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_UNIT_NAMES = {  # kind -> (Russian, Ukrainian, English)
    "mrr": ("{n}-й мотострелковый полк", "{n}-й мотострілецький полк", "{o} Motor Rifle Regiment"),
    "mrd": ("{n}-я мотострелковая дивизия", "{n}-а мотострілецька дивізія", "{o} Motor Rifle Division"),
    "obr": ("{n}-я бригада морской пехоты", "{n}-а бригада морської піхоти", "{o} Naval Infantry Brigade"),
}


def unit(m: Man, form: str, rng: random.Random) -> str:
    kind, number = m.unit.split(":")
    latin = FORMS[form][1] is not None
    lang = lang_of(form)
    if kind == "vch":
        if latin:
            return (
                f"military unit {spell(form, number)}"
                if rng.random() < 0.7
                else (f"{spell(form, 'в/ч')} {spell(form, number)}")
            )
        if rng.random() < 0.8:
            return f"в/ч {number}"
        return f"{'войсковая часть' if lang == 'ru' else 'військова частина'} {number}"
    ru, uk, en = _UNIT_NAMES[kind]
    n = int(number)
    return (en if latin else ru if lang == "ru" else uk).format(n=n, o=_ordinal(n))


def service_number(m: Man, form: str, rng: random.Random) -> str:
    if FORMS[form][1] and rng.random() < 0.5:
        return spell(form, m.service_number).upper()
    return m.service_number


def _place(uk_name: str, form: str) -> str:
    return spell(form, uk_name if lang_of(form) == "uk" else uk_to_ru(uk_name))


def capture_place(m: Man, form: str, rng: random.Random) -> str:
    place, oblast = FRONT[m.capture_place]
    text = _place(place, form)
    u = rng.random()
    if u < 0.25:
        uk, ru, en = OBLASTS[oblast]
        region = en if FORMS[form][1] else (ru if lang_of(form) == "ru" else uk)
        return f"{text}, {region}"
    if u < 0.4 and not FORMS[form][1]:
        return f"р-н {text}" if lang_of(form) == "ru" else f"район {text}"
    return text


def birth_place(m: Man, form: str, rng: random.Random) -> str:
    lang = lang_of(form)
    text = spell(form, m.birth_place_ru if lang == "ru" else m.birth_place_uk)
    if FORMS[form][1] or rng.random() < 0.5:
        return text
    return ("г. " if lang == "ru" else "м. ") + text


def partial_date(iso: str, rng: random.Random, full: float, year_month: float, year: float) -> str:
    """The date, or its year-month, its year, or '' with the remaining probability."""
    if not iso:
        return ""
    u = rng.random()
    if u < full:
        return iso
    if u < full + year_month:
        return iso[:7]
    if u < full + year_month + year:
        return iso[:4]
    return ""
