"""Who a person is: the identity fields of GC III Art. 17 and 122, custody and category.

Every field is kept exactly as the source wrote it, in any script; an empty cell is
``None``. Normalised forms of names live only in derived keys (``powbureau.names``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from powbureau.domain.dates import parse_partial_date
from powbureau.domain.errors import InvalidInput

__all__ = [
    "DATE_FIELDS",
    "FORMAT_COLUMNS",
    "IDENTITY_FIELDS",
    "Category",
    "Custody",
    "category_of",
    "custody_for",
    "display_name",
    "validate_identity",
]


class Category(StrEnum):
    """The ``category`` column of persons.csv."""

    POW = "pow"
    CIVILIAN_INTERNEE = "civilian_internee"
    MISSING = "missing"
    DECEASED = "deceased"


class Custody(StrEnum):
    """Whose the person is: ``ours`` (we hold or held him) or ``own`` (our own people)."""

    OURS = "ours"
    OWN = "own"


#: The columns of persons.csv (shared/formats), in the order they are exported.
FORMAT_COLUMNS: tuple[str, ...] = (
    "person_ref",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_place",
    "sex",
    "nationality",
    "rank",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "category",
    "captured_on",
    "capture_place",
)

#: Every identity field the registry keeps for a person (all but ``person_ref``).
#: ``nationality`` is the Power on which the person depends (the column's meaning in
#: persons.csv); ``citizenship`` is kept apart, as GC III Art. 122 asks.
IDENTITY_FIELDS: tuple[str, ...] = (
    *FORMAT_COLUMNS[1:],
    "citizenship",
    "legal_status",
    "person_to_inform",
    "correspondence_address",
    "other_spellings",
    "description",
)

DATE_FIELDS = frozenset({"birth_date", "captured_on"})
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def category_of(value: str | None) -> Category:
    """The category a cell means; an empty cell means ``pow``."""
    if value is None:
        return Category.POW
    exact = _CATEGORY_CELLS.get(value)  # every row of an import asks: the usual cells first
    if exact is not None:
        return exact
    if not value.strip():
        return Category.POW
    try:
        return Category(value.strip())
    except ValueError:
        allowed = ", ".join(c.value for c in Category)
        raise InvalidInput(f"unknown category {value!r} (allowed: {allowed})", field="category") from None


_CATEGORY_CELLS = {c.value: c for c in Category}


def custody_for(category: Category) -> Custody:
    """Map a category to custody, as the contract fixes it."""
    return Custody.OWN if category is Category.MISSING else Custody.OURS


def validate_identity(fields: Mapping[str, str | None], *, unidentified: bool = False) -> None:
    """Refuse identity fields that cannot be right, naming the field.

    Raises:
        InvalidInput: with ``field`` set to the first offending field.
    """
    surname, given = fields.get("surname"), fields.get("given_name")
    if not unidentified and not ((surname and surname.strip()) or (given and given.strip())):
        raise InvalidInput("a person needs a surname or a given name", field="surname")
    for name in DATE_FIELDS:
        value = fields.get(name)
        if value:
            try:
                parse_partial_date(value)
            except InvalidInput as exc:
                raise InvalidInput(str(exc), field=name) from None
    sex = fields.get("sex")
    if sex and sex not in ("M", "F"):
        raise InvalidInput(f"sex {sex!r} must be M, F or empty", field="sex")
    for name in ("nationality", "citizenship"):
        value = fields.get(name)
        if value and not _COUNTRY.match(value):
            raise InvalidInput(
                f"{name} {value!r} must be an ISO 3166-1 alpha-2 code such as RU or UA",
                field=name,
            )
    category_of(fields.get("category"))


def display_name(fields: Mapping[str, str | None]) -> str:
    """Surname, given name and patronymic as written, for people to read."""
    parts = [fields.get(k) for k in ("surname", "given_name", "patronymic")]
    text = " ".join(p for p in parts if p)
    return text or (fields.get("description") or "(unidentified)")
