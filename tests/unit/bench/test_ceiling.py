"""The ceiling rule of bench.ceiling: what rules a registered man out, and who remains."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.ceiling import (
    Facts,
    Registry,
    ceilings,
    compute_ceiling,
    contradicts,
    dates_contradict,
    seen_after_capture,
)

KOVALENKO = frozenset({"коваленко"})
DMITRY = frozenset({"дмитрий", "дмитро"})


def person(**fields: object) -> Facts:
    return Facts(surname=KOVALENKO, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "contradict"),
    [
        ("1994-03-07", "1994-03-07", False),
        ("1994-03-07", "1994", False),  # a year only agrees with any day of it
        ("1994-03", "1994-03-07", False),
        ("1994-07-03", "1994-03-07", True),  # a swap is a contradiction as written
        ("1995-03-07", "1994", True),
        ("", "1994-03-07", False),  # not given: rules nobody out
    ],
)
def test_dates_contradict_at_the_precision_both_have(a: str, b: str, contradict: bool) -> None:
    assert dates_contradict(a, b) is contradict
    assert dates_contradict(b, a) is contradict


def test_last_news_after_the_capture_rules_out_but_before_does_not() -> None:
    assert seen_after_capture("2024-05-10", "2024-05-01")
    assert not seen_after_capture("2024-04-20", "2024-05-01")
    assert not seen_after_capture("2024-05-10", "2024-05")  # the same month: cannot tell
    assert seen_after_capture("2024-06", "2024-05-30")
    assert not seen_after_capture("", "2024-05-01")


def test_a_field_missing_on_either_side_rules_nobody_out() -> None:
    inquiry = person(given=DMITRY, birth="2001-03-14", unit="vch:12345", father="сергеевич")
    assert not contradicts(inquiry, person())
    assert not contradicts(person(), inquiry)
    assert contradicts(inquiry, person(unit="vch:54321"))
    assert contradicts(inquiry, person(father="иванович"))
    assert contradicts(inquiry, person(given=frozenset({"иван", "іван"})))
    assert contradicts(inquiry, Facts(surname=frozenset({"коваленка"})))


def test_names_agree_on_any_form_and_the_mother_part_by_part() -> None:
    inquiry = person(given=frozenset({"дмитро"}), mother_given=frozenset({"анна", "ганна"}))
    assert not contradicts(inquiry, person(given=DMITRY, mother_given=frozenset({"ганна"})))
    assert contradicts(inquiry, person(mother_given=frozenset({"ольга"})))
    assert not contradicts(person(mother_patronymic="ивановна"), person(mother_surname=KOVALENKO))


def test_place_of_last_news_rules_out_only_in_the_strict_variant() -> None:
    inquiry = person(place=3)
    assert not contradicts(inquiry, person(place=4))
    assert contradicts(inquiry, person(place=4), place_rules_out=True)
    assert not contradicts(inquiry, person(place=3), place_rules_out=True)


def _write(path: Path, header: str, *rows: str) -> None:
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")


def test_the_man_remains_even_when_his_wrong_date_contradicts_him(tmp_path: Path) -> None:
    """He is the man; the wrong date as written still rules out his namesake born elsewhen,
    but not one whose registration gives no birth date."""
    man = Facts(surname=KOVALENKO, given=DMITRY, birth="2001-03-14")
    namesake = Facts(surname=KOVALENKO, given=DMITRY, birth="1990-05-02")
    undated = Facts(surname=KOVALENKO, given=DMITRY)
    truth = {
        "surname_ru": "Коваленко",
        "surname_uk": "Коваленко",
        "given_ru": "Дмитрий",
        "given_uk": "Дмитро",
        "patronymic_ru": "Сергеевич",
        "unit": "",
        "service_number": "",
        "mother_given_ru": "",
        "mother_given_uk": "",
        "mother_patronymic_ru": "",
        "mother_surname_ru": "",
        "mother_surname_uk": "",
        "capture_place": "",
    }
    _write(
        tmp_path / "inquiries.csv",
        "query_ref,surname,given_name,birth_date",
        "Q1,Kovalenko,Dmytro,2002-03-14",  # the year one off
        "Q2,Коваленко,Дима,2002-03-14",  # a diminutive: Дима is only Дмитрий
    )
    _write(
        tmp_path / "truth.csv",
        "query_ref,person_ref,hard_cases,inquiry_form",
        "Q1,S1,birth_year_off,ua_2010",
        "Q2,S1,diminutive;birth_year_off,ru_cyr",
    )
    two = Registry(["S1", "S2"], [man, namesake], {"коваленко": [0, 1]}, {"S1": truth}, {"S1": man})
    found = compute_ceiling(two, tmp_path)
    assert found.remaining == {"Q1": 1, "Q2": 1}
    assert found.identifiable == {"Q1", "Q2"}
    assert found.man_ruled_out == ["Q1", "Q2"]
    three = Registry(
        ["S1", "S2", "S3"], [man, namesake, undated], {"коваленко": [0, 1, 2]}, {"S1": truth}, {"S1": man}
    )
    assert compute_ceiling(three, tmp_path).remaining == {"Q1": 2, "Q2": 2}


def test_ceiling_of_a_generated_registry(synth_dir: Path) -> None:
    """Every inquiry about a man held has him among those remaining; his own record is
    contradicted only by a wrong birth date; most are identifiable in 3,000."""
    found = ceilings(synth_dir / "reg", [synth_dir / "inq"])[synth_dir / "inq"]
    summary = found.summary()
    assert summary["held"] == len(found.remaining) > 300
    assert all(n >= 1 for n in found.remaining.values())
    assert all(found.remaining_place[q] <= n for q, n in found.remaining.items())
    assert 0.9 < float(summary["ceiling"]) <= 1.0  # type: ignore[arg-type]
    assert len(found.man_ruled_out) < 0.15 * len(found.remaining)
