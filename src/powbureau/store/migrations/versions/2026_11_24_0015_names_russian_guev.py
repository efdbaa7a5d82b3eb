"""names: a final -guev(a) is the Russian -гуев, not French; keys rebuilt

A Latin name ending in ``-guev`` or ``-gueva`` (Rostorguev, GOST, ICAO and most other
schemes for Росторгуев) was taken for French, whose ``gue`` is ге, and read as Росторгев.
Only ``gue``/``gui`` elsewhere (Sergueï, Gueorguiev, Guerassimov) now marks French alone.
A registered name of that kind gets another surname key, so the match index is rebuilt
from the persons projection.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild()


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged, and the keys are those of the code that runs."""


def _rebuild() -> None:
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())
