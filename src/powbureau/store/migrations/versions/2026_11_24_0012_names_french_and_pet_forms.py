"""names: French gu/ï without other markers, Ukrainian pet forms in -ко; keys rebuilt

The names layer now reads French spellings that carry no marker but ``gue``/``gui`` or a
final ``aï``/``eï``/``oï`` (Sergueï, Gueorgui, Ievgueni, Nikolaï), and Ukrainian pet forms
made with -ко from a full name (Єгорко, Глібко); a name's parts are read in the scheme
the whole name shows (Stelmach Taras Wjatscheslawowitsch: Стельмах); a German given name
no table knows is read again with s/sch as з/ж (Nasar, Baschen); the French ``-ine``
fold is applied last (folding twice changes nothing). A registered name of that kind gets
other tracing keys and comparison values, so the match index is rebuilt from the persons
projection.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild()


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged, and the keys are those of the code that runs."""


def _rebuild() -> None:
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())
