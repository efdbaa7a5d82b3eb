"""What a family asks: the inquiry's fields, and reading them from free text.

A mother writes what she writes: "Дима Коваленко 2001", "KOVALENKO Dmytro born
14.03.2001", "Коваленко Дмитро Сергійович, 2001-03". :func:`query_from_text` takes the
dates out (ISO, day-first with dots or slashes, "born 2001", "2001 г.р.") and hands the
rest to :func:`powbureau.names.parse_full_name`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Final

from powbureau.domain.dates import parse_partial_date
from powbureau.domain.errors import InvalidInput
from powbureau.matching.profile import Profile, profile_from_fields
from powbureau.names import parse_full_name
from powbureau.names.parse import read_name_fields

__all__ = ["TraceQuery", "parse_birth", "query_from_text"]


@dataclass(frozen=True)
class TraceQuery:
    """An inquiry's fields as written (inquiries.csv columns); None when not given."""

    surname: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    birth_date: str | None = None
    unit: str | None = None
    service_number: str | None = None
    mother_name: str | None = None
    father_name: str | None = None
    last_seen_on: str | None = None
    last_seen_place: str | None = None

    def profile(self) -> Profile:
        """The inquiry's comparison values, its name fields read as the name they hold: a
        whole name in one field split, a given name and patronymic written together or into
        each other's field separated, a surname and a given name swapped back
        (:func:`.names.parse.read_name_fields`)."""
        fields = asdict(self)
        name = read_name_fields(self.surname, self.given_name, self.patronymic)
        fields.update(surname=name.surname, given_name=name.given_name, patronymic=name.patronymic)
        return profile_from_fields(fields, inquiry=True)

    def is_empty(self) -> bool:
        """True when the inquiry gives no name and no service number."""
        return not any((self.surname, self.given_name, self.patronymic, self.service_number))


_ISO: Final = re.compile(r"(?<![\d.])(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?![\d.])")
_DAY_FIRST: Final = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)")
_MONTH_YEAR: Final = re.compile(r"(?<![\d./])(\d{1,2})[./](\d{4})(?!\d)")
_BEFORE: Final = re.compile(
    r"(?i)(?:born|b\.|dob:?|d\.o\.b\.:?|народився|народилась|родился|родилась|рождения|р\.\s*н\.|д\.\s*р\.|г\.\s*р\.|р\.)[\s,:]*$"
)
_AFTER: Final = re.compile(
    r"(?i)^[\s,]*(?:г\.\s*р\.|р\.\s*н\.|года рождения|год рождения|року народження|рік народження|"
    r"г\.|р\.|года|год|року|рік)(?!\w)"
)
_FIRST_YEAR, _LAST_YEAR = 1900, 2030


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    text = f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None
    try:
        return str(parse_partial_date(text))
    except InvalidInput:
        return None


def _find_date(text: str) -> tuple[str | None, str]:
    """The first date in ``text`` (ISO form) and the text without it."""
    for pattern, order in ((_DAY_FIRST, "dmy"), (_MONTH_YEAR, "my"), (_ISO, "ymd")):
        match = pattern.search(text)
        if match is None:
            continue
        parts = [int(g) if g else None for g in match.groups()]
        if order == "dmy":
            day, month, year = parts
            found = _iso(year or 0, month, day)
        elif order == "my":
            month, year = parts
            found = _iso(year or 0, month)
        else:
            year, month, day = parts
            found = _iso(year or 0, month, day)
        if found is not None:
            before = _BEFORE.sub("", text[: match.start()])
            after = _AFTER.sub("", text[match.end() :])
            return found, before + " " + after
    return None, text


def parse_birth(text: str) -> str:
    """A birth date as a person types it, in ISO form: 2001, 2001-03, 14.03.2001, born 2001.

    Raises:
        InvalidInput: when no date can be read.

    Examples:
        >>> parse_birth("14.03.2001"), parse_birth("born 2001"), parse_birth("03.2001")
        ('2001-03-14', '2001', '2001-03')
    """
    found, rest = _find_date(text.strip())
    if found is None or rest.strip(" ,;"):
        raise InvalidInput(
            f"birth date {text!r} cannot be read: write 2001, 2001-03, 2001-03-14 or 14.03.2001",
            field="birth_date",
        )
    return found


def query_from_text(text: str, **fields: str | None) -> TraceQuery:
    """An inquiry from free text; named fields given as keywords override what it says.

    Examples:
        >>> q = query_from_text("Дима Коваленко born 14.03.2001")
        >>> q.surname, q.given_name, q.birth_date
        ('Коваленко', 'Дима', '2001-03-14')
    """
    born, rest = _find_date(text or "")
    name = parse_full_name(" ".join(rest.replace(",", " , ").split()).strip(" ,;"))
    query = TraceQuery(
        surname=name.surname, given_name=name.given_name, patronymic=name.patronymic, birth_date=born
    )
    given = {k: v for k, v in fields.items() if v}
    unknown = set(given) - set(TraceQuery.__dataclass_fields__)
    if unknown:
        raise InvalidInput(f"unknown inquiry field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    return replace(query, **given)
