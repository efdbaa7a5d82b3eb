"""The registry's tables (SQLAlchemy Core). Migrations in ``migrations/`` create them.

``events`` is the truth; every other person table is a projection rebuilt from it
by ``verify``. Text columns hold dates and times exactly as they are hashed.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from powbureau.domain.people import IDENTITY_FIELDS
from powbureau.matching.profile import PROFILE_COLUMNS

__all__ = [
    "chain_head",
    "events",
    "match_keys",
    "match_profiles",
    "metadata",
    "person_refs",
    "persons",
    "places",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

persons = Table(
    "persons",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("custody", String(8), nullable=False),
    Column("status", String(24), nullable=False),
    Column("status_on", String(10)),
    Column("place", Text),
    Column("merged_into", String(32)),
    Column("unidentified", Boolean, nullable=False, default=False),
    Column("open_conflicts", Integer, nullable=False, default=0),
    *(Column(name, Text) for name in IDENTITY_FIELDS),
    Column("extra", Text, nullable=False, default="{}"),
    Column("registered_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("updated_by", Text, nullable=False),
)
Index("ix_persons_custody_rank", persons.c.custody, persons.c.rank, persons.c.merged_into)

person_refs = Table(
    "person_refs",
    metadata,
    Column("person_ref", String(200), primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("person_id", String(32), ForeignKey("persons.id"), nullable=False),
)
Index("ix_person_refs_person_id", person_refs.c.person_id)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(32), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("occurred_on", String(10)),
    Column("place", Text),
    Column("recorded_at", String(32), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("source", Text),
    Column("payload", Text, nullable=False),
    Column("corrects", Integer),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_events_person_id", events.c.person_id, events.c.id)

chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_id", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

places = Table(
    "places",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("capacity", Integer),
    Column("address", Text),
    Column("created_at", String(32), nullable=False),
)

# Tracing: derived from the persons projection in the same transaction (store/match_index.py);
# merged-away records have none. WITHOUT ROWID on SQLite: the primary key is the table.
match_profiles = Table(
    "match_profiles",
    metadata,
    Column("person_id", String(32), primary_key=True),
    Column("custody", String(8), nullable=False),
    *(Column(name, Text, nullable=False) for name in PROFILE_COLUMNS[2:]),
    sqlite_with_rowid=False,
)
Index("ix_match_profiles_custody", match_profiles.c.custody, match_profiles.c.surname)
#: The unit's term frequency: how many persons of a custody share a unit key (migration 0018).
Index("ix_match_profiles_unit", match_profiles.c.custody, match_profiles.c.unit)

#: Candidate keys are read as ranges (``y:surname|year|...``): byte-wise order on both databases.
_KEY_TEXT = Text().with_variant(Text(collation="C"), "postgresql")

match_keys = Table(
    "match_keys",
    metadata,
    Column("key", _KEY_TEXT, primary_key=True),
    Column("custody", String(8), primary_key=True),
    Column("person_id", String(32), primary_key=True),
    sqlite_with_rowid=False,
)
