"""bench.reconcile_ceiling: who a list row rules out, strictly and "as well"."""

from __future__ import annotations

from bench.ceiling import Facts, _names
from bench.reconcile_ceiling import _Custody, remaining

SURNAME = _names("Гнатюк")
GIVEN = _names("Сергей", "Сергій")


def pool(*men: tuple[str, Facts, int | None]) -> _Custody:
    p = _Custody()
    for ref, facts, rank in men:
        p.position[ref] = len(p.refs)
        p.refs.append(ref)
        p.facts.append(facts)
        p.ranks.append(rank)
        for form in facts.surname:
            p.by_surname[form].append(p.position[ref])
    return p


def man(birth: str = "", father: str | None = "василий") -> Facts:
    return Facts(surname=SURNAME, given=GIVEN, father=father, birth=birth)


def test_a_namesake_without_the_date_is_not_ruled_out_but_explains_the_row_less_well() -> None:
    p = pool(("M", man("1990-04-04"), 3), ("N", man(""), 3), ("X", man("1985-01-01"), 3))
    plain, ranked, rivals, rivals_rank = remaining(p, man("1990-04-04"), 3, "M", p.position["M"])
    assert (plain, ranked) == (2, 2), "the man and the undated namesake; the other date rules X out"
    assert (rivals, rivals_rank) == (0, 0), "the undated namesake cannot agree on the date"


def test_the_rank_rules_out_a_namesake_as_good_otherwise() -> None:
    p = pool(("M", man(), 3), ("N", man(), 7), ("U", man(), None))
    plain, ranked, rivals, rivals_rank = remaining(p, man(), 3, "M", p.position["M"])
    assert (plain, ranked) == (3, 2), "N's rank differs; U gives none"
    assert (rivals, rivals_rank) == (2, 0), (
        "without the rank both explain the row as well; with it, U gives none"
    )
