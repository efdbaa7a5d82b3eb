"""Ranks as either side writes them, read to one key (matching/ranks.py)."""

from __future__ import annotations

import pytest

from powbureau.matching.ranks import RANKS, rank_key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("рядовой", "private"),
        ("РЯДОВИЙ", "private"),
        ("солдат", "private"),
        ("Private", "private"),
        ("riadovoi", "private"),
        ("єфрейтор", "lance_corporal"),
        ("Ефрейтор", "lance_corporal"),
        ("Lance Corporal", "lance_corporal"),
        ("молодший сержант", "junior_sergeant"),
        ("Junior  Sergeant", "junior_sergeant"),
        ("старший лейтенант", "senior_lieutenant"),
        ("капітан", "captain"),
        ("Captain", "captain"),
        ("майор", "major"),
    ],
)
def test_each_side_and_english_meet_on_one_key(written: str, key: str) -> None:
    assert rank_key(written) == key


@pytest.mark.parametrize("written", ["", "   ", "гвардии рядовой", "командир", "Colonel-General"])
def test_a_rank_the_table_does_not_know_is_no_evidence(written: str) -> None:
    assert rank_key(written) == ""


def test_different_ranks_never_meet() -> None:
    seen: dict[str, str] = {}
    for key, words in RANKS.items():
        for word in words:
            assert rank_key(word) == key, word
            seen.setdefault(rank_key(word), key)
    assert len(set(seen.values())) == len(RANKS)
    assert rank_key("сержант") != rank_key("старший сержант") != rank_key("младший сержант")
