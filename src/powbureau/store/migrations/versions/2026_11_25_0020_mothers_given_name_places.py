"""mother's name and places: her given name told from a surname the tables list as a first
name, a town's names in both languages met by a gazetteer; keys rebuilt

A mother's name of two words that both read as given names (the tables list a few surnames
among first names: Ильина) now takes as hers the word before the patronymic, else the one
without a woman's surname ending, else the second ("Ильина Юлия Григорьевна" is Юлия, of the
Ильины). Before, the first was taken and her real given name lost, so a family's "Юлия"
disagreed with her. A place of capture in the gazetteer of the front's towns
(``names/data/places.csv``) is keyed by its Ukrainian name whichever name or spelling is
written (Угледар = Вугледар, Николаев = Миколаїв, Артёмовск = Бахмут, Cherson = Херсон).
The stored comparison values change for such registrations, so the match index is rebuilt
from the persons projection.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: the schema is unchanged, and the values are those of the code that runs."""
