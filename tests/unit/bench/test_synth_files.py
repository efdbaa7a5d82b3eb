"""The generator's files: columns as in shared/formats, determinism, truth consistency."""

from __future__ import annotations

import csv
import random
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from bench.synth import write_exchange_list, write_inquiries, write_registry
from bench.synth.csvio import read_registry
from bench.synth.sampling import NotHeldMaker, settle_not_held

PERSONS = {
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
}
INQUIRIES = {
    "query_ref",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
    "last_seen_on",
    "last_seen_place",
    "inquirer_name",
    "inquirer_relation",
    "inquirer_contact",
}
EXCHANGE = {
    "list_ref",
    "list_kind",
    "claimed_state",
    "medical_category",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "rank",
    "unit",
    "service_number",
}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def valid_partial_date(s: str) -> bool:
    if s == "":
        return True
    if re.fullmatch(r"\d{4}", s):
        return True
    if re.fullmatch(r"\d{4}-\d{2}", s):
        return 1 <= int(s[5:]) <= 12
    try:
        return date.fromisoformat(s).isoformat() == s
    except ValueError:
        return False


def test_columns_are_those_of_the_formats(synth_dir: Path) -> None:
    assert set(header(synth_dir / "reg/persons.csv")) == PERSONS | {"note"}
    assert set(header(synth_dir / "inq/inquiries.csv")) == INQUIRIES
    assert set(header(synth_dir / "ex/exchange-list.csv")) == EXCHANGE


def test_persons_cells_are_valid(synth_dir: Path) -> None:
    persons = rows(synth_dir / "reg/persons.csv")
    assert len(persons) == 3000
    refs = [p["person_ref"] for p in persons]
    assert len(set(refs)) == len(refs)
    assert all(re.fullmatch(r"S\d{7}", r) for r in refs)
    for p in persons:
        assert p["surname"] or p["given_name"]
        assert p["category"] in {"pow", "civilian_internee", "missing", "deceased"}
        assert p["sex"] in {"M", "F", ""}
        assert re.fullmatch(r"[A-Z]{2}|", p["nationality"])
        assert valid_partial_date(p["birth_date"]) and valid_partial_date(p["captured_on"])
    cats = [p["category"] for p in persons]
    assert cats.count("pow") > 0.7 * len(cats)
    assert {"civilian_internee", "missing", "deceased"} <= set(cats)
    assert 0 < sum(1 for p in persons if p["note"]) < 60  # about one in 200
    assert any(len(p["birth_date"]) == 4 for p in persons)
    assert any(len(p["birth_date"]) == 7 for p in persons)
    assert any(re.fullmatch(r"в/ч \d{5}", p["unit"]) for p in persons)
    assert any(re.fullmatch(r"[А-Я]{2}-\d{6}", p["service_number"]) for p in persons)
    scripts = {("latin" if re.search("[A-Za-z]", p["surname"]) else "cyr") for p in persons}
    assert scripts == {"latin", "cyr"}
    assert any(re.search("[іїєґ]", p["given_name"] + p["patronymic"]) for p in persons)
    assert any(p["surname"].isupper() and re.search("[А-Я]", p["surname"]) for p in persons)


def test_registry_has_namesakes(synth_dir: Path) -> None:
    truth = rows(synth_dir / "reg/persons-truth.csv")
    groups: dict[tuple[str, str], list[str]] = {}
    for t in truth:
        groups.setdefault((t["surname_ru"], t["given_ru"]), []).append(t["birth_date"][:4])
    assert sum(1 for g in groups.values() if len(g) >= 2) > 30
    assert any(len(g) != len(set(g)) for g in groups.values())  # same name and year


def test_inquiry_truth_points_at_men_held(synth_dir: Path) -> None:
    persons = {p["person_ref"]: p for p in rows(synth_dir / "reg/persons.csv")}
    identity = {t["person_ref"]: t for t in rows(synth_dir / "reg/persons-truth.csv")}
    inquiries = rows(synth_dir / "inq/inquiries.csv")
    truth = rows(synth_dir / "inq/truth.csv")
    assert [q["query_ref"] for q in inquiries] == [t["query_ref"] for t in truth]
    held = [t for t in truth if t["person_ref"]]
    assert 0.6 < len(held) / len(truth) < 0.74
    for t in held:
        assert persons[t["person_ref"]]["category"] in {"pow", "civilian_internee"}
        assert t["registry_form"] == identity[t["person_ref"]]["registry_form"]
    not_held = [t for t in truth if not t["person_ref"]]
    assert {t["not_held_kind"] for t in not_held} == {"namesake", "similar_surname", "fresh"}
    assert all(t["base_person_ref"] in persons for t in not_held)
    assert any(int(t["namesakes"]) > 0 for t in not_held)
    for q, t in zip(inquiries, truth, strict=True):
        assert valid_partial_date(q["birth_date"]) and valid_partial_date(q["last_seen_on"])
        if not t["person_ref"] and "surname_typo" not in t["hard_cases"]:
            assert q["surname"]


def test_a_man_not_held_never_shares_name_and_year_with_a_man_held(synth_dir: Path) -> None:
    reg = synth_dir / "reg"
    registry = list(read_registry(reg))
    keys = {m.key() for m in registry}
    maker = NotHeldMaker(random.Random(1), (("namesake", 1.0),), same_year=1.0)
    twins = [replace(m, person_ref=f"X{i}") for i, m in enumerate(registry[:20])]
    scan = settle_not_held(reg, maker, twins, twins)
    assert len(scan.collisions) == 20  # all were found, and then moved:
    assert not {m.key() for m in twins} & keys
    assert all(scan.namesakes[(m.surname_ru, m.given_ru)] >= 1 for m in twins)


def test_hard_cases_all_occur(synth_dir: Path) -> None:
    truth = rows(synth_dir / "inq/truth.csv")
    tags = {tag for t in truth for tag in t["hard_cases"].split(";") if tag}
    assert {
        "other_form",
        "other_language",
        "other_script",
        "diminutive",
        "surname_typo",
        "no_patronymic",
        "upper_case",
        "birth_missing",
        "birth_year_only",
        "birth_year_month",
        "birth_year_off",
        "birth_digit_typo",
        "birth_day_month_swap",
    } <= tags
    forms = {t["inquiry_form"] for t in truth}
    assert {"ru_cyr", "uk_cyr", "ua_2010", "iso9", "informal_de"} <= forms


def test_exchange_truth_matches_categories(synth_dir: Path) -> None:
    persons = {p["person_ref"]: p for p in rows(synth_dir / "reg/persons.csv")}
    listed = rows(synth_dir / "ex/exchange-list.csv")
    truth = rows(synth_dir / "ex/exchange-truth.csv")
    assert [x["list_ref"] for x in listed] == [t["list_ref"] for t in truth]
    for x, t in zip(listed, truth, strict=True):
        assert x["list_kind"] == t["list_kind"] in {"offer", "request", "held"}
        assert x["claimed_state"] in {"", "held", "wounded", "deceased", "released"}
        assert bool(x["medical_category"]) == (x["claimed_state"] == "wounded")
        if not t["person_ref"]:
            assert t["expected_status"] == "not_held"
            continue
        category = persons[t["person_ref"]]["category"]
        if t["list_kind"] == "request":
            assert category in {"pow", "civilian_internee", "deceased"}
            assert t["expected_status"] == ("deceased" if category == "deceased" else "matched")
        else:
            assert category == "missing" and t["expected_status"] == "matched"
        assert "other_language" in t["hard_cases"]  # written the other side's way


def test_same_seed_same_bytes(tmp_path: Path, synth_dir: Path) -> None:
    write_registry(tmp_path / "reg", persons=3000, seed=11)
    write_inquiries(tmp_path / "reg", tmp_path / "inq", count=600, seed=12)
    write_exchange_list(tmp_path / "reg", tmp_path / "ex", rows=300, seed=13)
    for name in (
        "reg/persons.csv",
        "reg/persons-truth.csv",
        "inq/inquiries.csv",
        "inq/truth.csv",
        "ex/exchange-list.csv",
        "ex/exchange-truth.csv",
    ):
        assert (tmp_path / name).read_bytes() == (synth_dir / name).read_bytes(), name


def test_other_seed_other_rows(tmp_path: Path, synth_dir: Path) -> None:
    write_registry(tmp_path, persons=50, seed=99)
    other = (tmp_path / "persons.csv").read_text(encoding="utf-8").splitlines()[1:]
    first = (synth_dir / "reg/persons.csv").read_text(encoding="utf-8").splitlines()[1:51]
    assert other != first


def test_cli_writes_the_files(tmp_path: Path) -> None:
    from bench.synth.__main__ import main

    assert main(["registry", "--persons", "200", "--seed", "3", "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert (
        main(
            [
                "inquiries",
                "--registry",
                str(tmp_path / "r"),
                "--count",
                "40",
                "--seed",
                "4",
                "--held-share",
                "0.5",
                "--out",
                str(tmp_path / "i"),
                "--quiet",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "exchange-list",
                "--registry",
                str(tmp_path / "r"),
                "--rows",
                "30",
                "--seed",
                "5",
                "--out",
                str(tmp_path / "e"),
                "--quiet",
            ]
        )
        == 0
    )
    truth = rows(tmp_path / "i/truth.csv")
    assert len(truth) == 40 and sum(1 for t in truth if t["person_ref"]) == 20
    assert len(rows(tmp_path / "e/exchange-list.csv")) == 30
    assert (
        main(
            [
                "inquiries",
                "--registry",
                str(tmp_path / "none"),
                "--count",
                "4",
                "--out",
                str(tmp_path / "x"),
                "--quiet",
            ]
        )
        == 1
    )
