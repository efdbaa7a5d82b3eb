"""names and places: French given names, Polish forms, place words; keys rebuilt

A Latin given name that neither the default reading nor the ISO or German second readings
find is read once more with ch as ш and j as ж (Sacha, Natacha, Aliocha, Micha), and the
Polish forms Włodzimierz, Eugeniusz and Dymitr stand for Владимир, Евгений and Дмитрий.
The place of capture drops prepositions and "region" as families write them (в Бахмуте,
Kherson region, outskirts of Izium). A man registered without a given name is now stored
under ``n:surname|`` too, which every inquiry asks for. A registered name or place of that
kind gets other tracing keys and comparison values, so the match index is rebuilt from the
persons projection.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged, and the keys are those of the code that runs."""
