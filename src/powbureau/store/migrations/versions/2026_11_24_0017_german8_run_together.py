"""names: German surname readings of letters that run together, at most four; ``a:`` keys

A Latin surname that could be German (Duden) now also reads the letters its spelling runs
together (с+х and з+х = sch: Beschlebnaja is Бесхлебная too; з+ж = ssch; т+ш = tsch; з+с =
ss before a consonant), cheapest first and at most four other keys per surname, so
``match_profiles.surname_alt`` changes for some registrations. Each reading is also stored
alone as an ``a:`` key, so that a search or a surname-only inquiry in Cyrillic (Козлов) finds
a man registered as Koslow. The match index is rebuilt from the persons projection.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24
"""

from __future__ import annotations

from itertools import product

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from powbureau.store.match_index import rebuild_match_index

    rebuild_match_index(op.get_bind())


def downgrade() -> None:
    """Back to 0016's readings: each profile with readings gets 0016's (recomputed by the
    copy of its reader below) and the keys 0016 would store for them; no ``a:`` keys."""
    from powbureau.matching import profile_from_row, registry_keys
    from powbureau.matching.keys import ALT_KEYS
    from powbureau.matching.profile import PROFILE_COLUMNS
    from powbureau.names import name_scheme

    bind = op.get_bind()
    profiles = sa.table("match_profiles", *(sa.column(c) for c in PROFILE_COLUMNS))
    keys = sa.table("match_keys", sa.column("key"), sa.column("custody"), sa.column("person_id"))
    persons = sa.table(
        "persons", sa.column("id"), sa.column("surname"), sa.column("given_name"), sa.column("patronymic")
    )
    held = bind.execute(
        sa.select(
            *(profiles.c[c] for c in PROFILE_COLUMNS),
            persons.c.surname,
            persons.c.given_name,
            persons.c.patronymic,
        )
        .join(persons, persons.c.id == profiles.c.person_id)
        .where(profiles.c.surname_alt != "")
    ).all()
    for row in held:
        cells = tuple(row)[: len(PROFILE_COLUMNS)]
        surname, given, patronymic = (c or "" for c in tuple(row)[len(PROFILE_COLUMNS) :])
        old = profile_from_row(cells)._replace(
            surname_alt=_alts_0016(surname, name_scheme(surname, given, patronymic))
        )
        bind.execute(keys.delete().where(keys.c.person_id == old.person_id))
        rows = [
            {"key": k, "custody": old.custody, "person_id": old.person_id}
            for k in registry_keys(old)
            if not k.startswith(ALT_KEYS)
        ]
        if rows:
            bind.execute(keys.insert(), rows)
        bind.execute(
            profiles.update()
            .where(profiles.c.person_id == old.person_id)
            .values(surname_alt=" ".join(old.surname_alt))
        )
    bind.execute(keys.delete().where(keys.c.key.startswith(ALT_KEYS, autoescape=True)))


def _alts_0016(surname: str, scheme: int) -> tuple[str, ...]:
    """``names.german_surname_keys`` as 0016 had it (every reading of the first three
    ambiguous s or sch, no letters that run together, no cap)."""
    from powbureau.names.canon import fold_word
    from powbureau.names.german import DUDEN
    from powbureau.names.keys import surname_key, surname_word_key
    from powbureau.names.script import repair_homoglyphs, split_words
    from powbureau.names.translit import has_latin

    words = [repair_homoglyphs(w).lower() for w in split_words(surname)]
    if len(words) != 1 or not has_latin(words[0]) or not scheme & DUDEN:
        return ()
    primary = surname_key(surname, scheme)
    found = {surname_word_key(folded) for raw in _readings_0016(words[0]) if (folded := fold_word(raw))}
    return tuple(sorted(found - {primary, ""}))


def _readings_0016(word: str) -> tuple[str, ...]:
    """0016's ``names.german.german_readings``: ss с, s с or з, sch ш or ж; at most 8."""
    from powbureau.names.translit import (
        _BASE,
        _SEPARATORS,
        GERMAN,
        WMODE,
        _clean,
        _digraph,
        _single,
        _token_re,
    )

    w = _clean(word)
    flags = GERMAN | WMODE
    choices: list[tuple[str, ...]] = []
    ambiguous = 0
    for m in _token_re(0).finditer(w):
        tok, i = m.group(), m.start()
        options: tuple[str, ...]
        if tok == "sch":
            options = ("ш", "ж")
        elif tok == "s":
            prev, nxt = (w[i - 1] if i else ""), w[i + 1 : i + 2]
            options = ("с",) if "s" in (prev, nxt) else ("с", "з")
        elif len(tok) > 1:
            special = _digraph(tok, flags)
            options = (_BASE[tok] if special is None else special,)
        elif "a" <= tok <= "z":
            options = (_single(tok, w, i, flags),)
        else:
            options = ("ь",) if tok in _SEPARATORS else (_BASE.get(tok, tok),)
        if len(options) > 1:
            ambiguous += 1
            if 1 << ambiguous > 8:
                options = options[:1]
        choices.append(options)
    return tuple("".join(parts) for parts in product(*choices))
