"""find_candidates and find_duplicates on an in-memory index: ranking, explanations, safety."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from powbureau.matching import (
    MemoryCandidateIndex,
    Profile,
    TraceQuery,
    default_settings,
    find_candidates,
    find_duplicates,
    profile_from_fields,
    query_from_text,
)


def man(person_id: str, custody: str = "ours", **fields: str) -> Profile:
    return profile_from_fields(fields, person_id=person_id, custody=custody)


def crowd(n: int = 300) -> list[Profile]:
    """Strangers, so that the registry is not trivially small."""
    surnames = ["Петренко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Мельник"]
    given = ["Олег", "Андрій", "Сергій", "Іван", "Михайло", "Юрій"]
    return [
        man(
            f"PX{i:05d}",
            surname=surnames[i % len(surnames)],
            given_name=given[(i // 7) % len(given)],
            birth_date=f"{1970 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        )
        for i in range(n)
    ]


KOVALENKO = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "patronymic": "Сергійович",
    "birth_date": "2001-03-14",
    "unit": "в/ч 12345",
}


def test_the_man_is_found_across_script_diminutive_and_date_typo() -> None:
    index = MemoryCandidateIndex([*crowd(), man("PK", **KOVALENKO)])
    query = TraceQuery(surname="KOVALENKO", given_name="Dima", birth_date="2001-03-04")  # day mistyped
    found = find_candidates(query, index=index)
    assert found[0].person_id == "PK"
    assert found[0].probability > 0.5
    assert "birth date (typo)" in found[0].agreed


def test_every_candidate_explains_itself() -> None:
    index = MemoryCandidateIndex([man("PK", **KOVALENKO)])
    query = TraceQuery(surname="Коваленко", given_name="Дмитрий", birth_date="2001-03-14", unit="в/ч 54321")
    best = find_candidates(query, index=index)[0]
    assert "surname (exact)" in best.agreed
    assert "birth date (exact)" in best.agreed
    assert "unit (disagree)" in best.disagreed
    assert "mother's name" in best.missing
    assert "agreed:" in best.explanation() and "missing:" in best.explanation()


def test_a_namesake_with_no_date_is_never_certain() -> None:
    index = MemoryCandidateIndex(
        [man("PK", surname="Коваленко", given_name="Дмитро", patronymic="Сергійович")]
    )
    found = find_candidates(query_from_text("Коваленко Дмитро Сергійович"), index=index)
    assert found[0].names_only
    assert found[0].probability <= default_settings().names_only_cap < default_settings().confident


def test_a_full_name_without_a_birth_date_is_never_certain_however_well_the_last_news_fits() -> None:
    registered = man(
        "PK", surname="Коваленко", given_name="Дмитро", patronymic="Сергійович", captured_on="2023-05-02"
    )
    index = MemoryCandidateIndex([*crowd(), registered])
    query = TraceQuery(
        surname="Коваленко", given_name="Дмитрий", patronymic="Сергеевич", last_seen_on="2023-04-28"
    )
    best = find_candidates(query, index=index)[0]
    assert best.person_id == "PK" and not best.names_only  # the last news agreed
    assert best.probability <= default_settings().names_only_cap
    assert any("namesake would agree" in note for note in best.notes)
    registered_dated = man(
        "PK",
        surname="Коваленко",
        given_name="Дмитро",
        patronymic="Сергійович",
        captured_on="2023-05-02",
        birth_date="2001-03-14",
    )
    dated = find_candidates(
        replace(query, birth_date="2001"), index=MemoryCandidateIndex([*crowd(), registered_dated])
    )[0]
    assert not dated.notes  # his birth year agrees: the patronymic now counts


def test_the_mothers_given_name_alone_does_not_make_a_namesake_certain() -> None:
    fields = {
        "surname": "Алексеев",
        "given_name": "Дмитрий",
        "patronymic": "Павлович",
        "birth_date": "2006-04-27",
        "mother_name": "Светлана",
        "captured_on": "2024-06-10",
    }
    index = MemoryCandidateIndex([*crowd(), man("PK", **fields)])
    query = TraceQuery(
        surname="Alekseev",
        given_name="Dmitrii",
        patronymic="Pavlovich",
        mother_name="Orekhova Svetlana Fedorovna",
        last_seen_on="2024-06-08",
    )
    best = find_candidates(query, index=index)[0]
    assert best.person_id == "PK" and "mother's name (given)" in best.agreed
    assert best.probability <= default_settings().names_only_cap
    assert any("namesake would agree" in note for note in best.notes)
    with_year = find_candidates(replace(query, birth_date="2006"), index=index)[0]
    assert with_year.person_id == "PK" and not with_year.notes  # a year agrees beside her name
    full = man("PK", **{**fields, "mother_name": "Орехова Светлана Федоровна"})
    by_her_full_name = find_candidates(query, index=MemoryCandidateIndex([*crowd(), full]))[0]
    assert "mother's name (full)" in by_her_full_name.agreed and not by_her_full_name.notes


def test_a_mother_bearing_the_family_surname_is_her_given_name_only() -> None:
    """Session 11 (bench/blind): a namesake's mother bears his surname too, so her surname
    agreeing is no evidence beyond his; only a maiden name is. Without a birth date such a
    match stays a namesake's."""
    registered = man(
        "PE", surname="Jewdokimow", given_name="Konstantin", patronymic="Maksimowitsch",
        mother_name="Jewdokimowa Julija Wladimirowna", captured_on="2023-03-27",
    )  # fmt: skip
    index = MemoryCandidateIndex([*crowd(), registered])
    query = TraceQuery(
        surname="ЕВДОКИМОВ", given_name="КОНСТАНТИН", patronymic="МАКСИМОВИЧ",
        mother_name="Евдокимова Юлия Владимировна",
    )  # fmt: skip
    best = find_candidates(query, index=index)[0]
    assert best.person_id == "PE" and "mother's name (given)" in best.agreed
    assert best.probability <= default_settings().names_only_cap
    maiden = man(
        "PE", surname="Евдокимов", given_name="Константин", patronymic="Максимович",
        mother_name="Орехова Юлия Владимировна",
    )  # fmt: skip
    by_maiden_name = find_candidates(
        replace(query, mother_name="Орехова Юлия"), index=MemoryCandidateIndex([*crowd(), maiden])
    )[0]
    assert "mother's name (full)" in by_maiden_name.agreed
    # under the family surname on one side and her maiden name on the other: no disagreement
    dated = man(
        "PE", surname="Евдокимов", given_name="Константин", patronymic="Максимович",
        mother_name="Орехова Юлия Владимировна", birth_date="1990-04-02",
    )  # fmt: skip
    family_and_maiden = find_candidates(
        replace(query, birth_date="1990-04-02"), index=MemoryCandidateIndex([*crowd(), dated])
    )[0]
    assert "mother's name (given)" in family_and_maiden.agreed
    assert not family_and_maiden.disagreed and not family_and_maiden.notes


CAPTURED = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "birth_date": "2001-03-14",
    "captured_on": "2023-05-02",
    "capture_place": "Ізюм",
}


@pytest.mark.parametrize(
    ("asked", "released"),
    [
        # the month of birth and the last news fitting the capture: 12.4 bits beyond the names
        ({"surname": "Kovalenko", "birth_date": "2001-03", "last_seen_on": "2023-04-28"}, True),
        # a bare year with the date and the place of capture: 13.8 bits
        (
            {
                "surname": "Коваленко",
                "birth_date": "2001",
                "last_seen_on": "2023-04-28",
                "last_seen_place": "Izium",
            },
            True,
        ),
        # a surname one typo away needs a month or a near-exact date, not a bare year
        ({"surname": "Коваленка", "birth_date": "2001-03", "last_seen_on": "2023-04-28"}, True),
        (
            {
                "surname": "Коваленка",
                "birth_date": "2001",
                "last_seen_on": "2023-04-28",
                "last_seen_place": "Izium",
            },
            False,
        ),
        # too little beyond the names: a bare year and the last news (8.9 bits); a month alone
        ({"surname": "Коваленко", "birth_date": "2001", "last_seen_on": "2023-04-28"}, False),
        ({"surname": "Коваленко", "birth_date": "2001-03"}, False),
        # no birth date at all: never, however well the capture fits (a namesake with no date)
        ({"surname": "Коваленко", "last_seen_on": "2023-04-28", "last_seen_place": "Izium"}, False),
        # another given name: a brother, whatever else agrees
        (
            {
                "surname": "Коваленко",
                "given_name": "Сергій",
                "birth_date": "2001-03",
                "last_seen_on": "2023-04-28",
                "last_seen_place": "Izium",
            },
            False,
        ),
    ],
)
def test_the_details_beyond_the_names_release_the_namesake_guard_only_with_a_birth_date(
    asked: dict[str, str], released: bool
) -> None:
    """Session 7: without a patronymic, a match on the full name and an approximate date is
    released from the guard when a birth date agrees and the details beyond the names are
    worth at least Scorer.DATED_EVIDENCE_BITS; with anything less it stays at the cap."""
    index = MemoryCandidateIndex([*crowd(), man("PK", **CAPTURED)])
    best = find_candidates(TraceQuery(**{"given_name": "Дмитро", **asked}), index=index)[0]
    assert best.person_id == "PK"
    guarded = any("namesake would agree" in note for note in best.notes)
    assert guarded is not released
    if released:
        assert best.probability >= default_settings().confident
    else:
        assert best.probability <= default_settings().names_only_cap


def test_nobody_is_ever_certain() -> None:
    index = MemoryCandidateIndex([man("PK", service_number="АБ-123456", mother_name="Олена", **KOVALENKO)])
    query = TraceQuery(
        surname="Коваленко", given_name="Дмитро", birth_date="2001-03-14", service_number="АБ-123456"
    )
    assert find_candidates(query, index=index)[0].probability <= default_settings().max_probability


def test_namesakes_cannot_be_told_apart_and_the_separating_detail_is_named() -> None:
    a = man("PA", surname="Иванов", given_name="Иван", birth_date="1990-01-05", unit="в/ч 11111")
    b = man("PB", surname="Иванов", given_name="Иван", birth_date="1993-07-20", unit="в/ч 22222")
    found = find_candidates(
        TraceQuery(surname="Иванов", given_name="Иван"), index=MemoryCandidateIndex([a, b])
    )
    assert [c.person_id for c in found] == ["PA", "PB"]  # a tie is broken by registry id
    assert found[0].probability == found[1].probability < 0.5
    assert found[0].cannot_tell_apart == ("PB",)
    assert found[0].separating[:2] == ("birth date", "unit")
    assert "cannot be told apart" in found[0].explanation()


def test_a_year_only_inquiry_asks_for_the_full_date() -> None:
    a = man("PA", surname="Иванов", given_name="Иван", birth_date="1990-01-05")
    b = man("PB", surname="Иванов", given_name="Иван", birth_date="1990-07-20")
    found = find_candidates(
        TraceQuery(surname="Иванов", given_name="Иван", birth_date="1990"), index=MemoryCandidateIndex([a, b])
    )
    assert found[0].separating[0] == "full birth date"


def test_one_man_registered_twice_goes_to_merge_review() -> None:
    a = man("PA", **KOVALENKO)
    b = man(
        "PB",
        surname="Kovalenko",
        given_name="Dmytro",
        patronymic="Serhiiovych",
        birth_date="2001-03-14",
        unit="military unit 12345",
    )
    found = find_candidates(
        TraceQuery(surname="Коваленко", given_name="Дмитро"), index=MemoryCandidateIndex([a, b])
    )
    assert found[0].possible_duplicates == ("PB",)
    assert found[0].cannot_tell_apart == ()
    assert "merge review" in found[0].explanation()


def test_custody_is_a_parameter_of_the_candidate_query() -> None:
    ours, own = man("PA", **KOVALENKO), man("PB", custody="own", **KOVALENKO)
    index = MemoryCandidateIndex([ours, own])
    query = TraceQuery(surname="Коваленко", given_name="Дмитро", birth_date="2001-03-14")
    assert [c.person_id for c in find_candidates(query, index=index)] == ["PA"]
    assert [c.person_id for c in find_candidates(query, index=index, custody="own")] == ["PB"]


def test_the_same_inquiry_gets_the_same_answer_alone_or_in_a_batch() -> None:
    index = MemoryCandidateIndex([*crowd(), man("PK", **KOVALENKO)])
    queries = [TraceQuery(surname=p.surname, given_name=p.given[0] if p.given else None) for p in crowd(50)]
    target = TraceQuery(surname="Коваленко", given_name="Дима")
    alone = find_candidates(target, index=index)
    batch = [find_candidates(q, index=index) for q in [*queries, target, *queries]]
    assert batch[len(queries)] == alone
    assert find_candidates(target, index=index) == alone


def test_top_limits_the_answer_but_not_the_probabilities() -> None:
    index = MemoryCandidateIndex(crowd())
    query = TraceQuery(surname="Петренко", given_name="Олег")
    every = find_candidates(query, index=index, top=100)
    three = find_candidates(query, index=index, top=3)
    assert [c.probability for c in three] == [c.probability for c in every[:3]]
    assert [c.probability for c in every] == sorted((c.probability for c in every), reverse=True)


def test_a_surname_alone_finds_the_namesakes() -> None:
    index = MemoryCandidateIndex([*crowd(), man("PK", **KOVALENKO)])
    assert [c.person_id for c in find_candidates(TraceQuery(surname="Коваленко"), index=index)] == ["PK"]


def test_duplicates_of_a_new_registration_are_found_in_the_same_custody() -> None:
    existing = man("PA", **KOVALENKO)
    other_custody = man("PB", custody="own", **KOVALENKO)
    new = profile_from_fields(
        {"surname": "KOVALENKO", "given_name": "Dmytro", "birth_date": "2001-03-14", "unit": "в/ч 12345"},
        person_id="PNEW",
        custody="ours",
    )
    index = MemoryCandidateIndex([*crowd(), existing, other_custody, new])
    found = find_duplicates(new, index=index, custody="ours")
    assert [c.person_id for c in found] == ["PA"]
    assert found[0].probability > 0.9
    # (not 1970-01-01: the crowd's first man is an Олег born that day, and a shared given name
    # and birth date under another surname is a one-in-a-hundred duplicate, at the threshold)
    stranger = man("PS", surname="Шевчук", given_name="Олег", birth_date="1999-12-31")
    assert find_duplicates(stranger, index=index, custody="ours") == []


def test_a_shared_rare_given_name_says_more_than_a_shared_common_one() -> None:
    """Term frequencies of given names: the same surname and year, one candidate an
    Олександр like a hundred others, one the only Ярополк; each asked after by name."""
    crowd_ = [
        man(
            f"PC{i:04d}",
            surname=f"Петренко{i % 40}",
            given_name="Олександр",
            patronymic="Іванович",
            birth_date=f"{1970 + i % 30}",
        )
        for i in range(200)
    ]
    common = man("PO", surname="Кравчук", given_name="Олександр", patronymic="Петрович", birth_date="1990")
    rare = man("PY", surname="Кравчук", given_name="Ярополк", patronymic="Петрович", birth_date="1990")
    index = MemoryCandidateIndex([*crowd_, common, rare])
    assert index.given_count("александр", "ours") > 200 and index.given_count("ярополк", "ours") == 1
    [found_common, *_] = find_candidates(
        TraceQuery(surname="Кравчук", given_name="Олександр", birth_date="1990"), index=index
    )
    [found_rare, *_] = find_candidates(
        TraceQuery(surname="Кравчук", given_name="Ярополк", birth_date="1990"), index=index
    )
    assert (found_common.person_id, found_rare.person_id) == ("PO", "PY")
    weight = {
        c.person_id: next(x.weight for x in c.comparisons if x.field == "given_name")
        for c in (found_common, found_rare)
    }
    assert weight["PY"] > weight["PO"]
    assert found_rare.weight > found_common.weight


def test_merged_away_records_leave_the_index() -> None:
    index = MemoryCandidateIndex([man("PA", **KOVALENKO)])
    index.remove("PA")
    assert find_candidates(TraceQuery(surname="Коваленко", given_name="Дмитро"), index=index) == []
    assert index.population("ours") == 0


@pytest.mark.parametrize("top", [1, 5])
def test_settings_can_be_passed_explicitly(top: int) -> None:
    index = MemoryCandidateIndex([man("PA", **KOVALENKO)])
    cautious = replace(default_settings(), prior_not_registered=0.99)
    query = TraceQuery(surname="Коваленко", given_name="Дмитро", birth_date="2001-03-14")
    assert (
        find_candidates(query, index=index, top=top, settings=cautious)[0].probability
        < find_candidates(query, index=index, top=top)[0].probability
    )


def test_a_surname_written_the_german_way_is_found_with_confidence() -> None:
    kozlov = man("PK", surname="Козлов", given_name="Андрей", patronymic="Петрович", birth_date="1990-05-17")
    zaporozhets = man(
        "PZ", surname="Запорожец", given_name="Тарас", patronymic="Петрович", birth_date="1985-02-03"
    )
    index = MemoryCandidateIndex([*crowd(), kozlov, zaporozhets])
    for query, person_id in [
        (query_from_text("Koslow Andrej, 17.05.1990"), "PK"),
        (
            TraceQuery(surname="Koslow", given_name="Andrej", patronymic="Petrowitsch", birth_date="1990"),
            "PK",
        ),
        (TraceQuery(surname="Saporoschez", given_name="Taras", birth_date="1985-02-03"), "PZ"),
    ]:
        found = find_candidates(query, index=index)
        assert found[0].person_id == person_id, query
        assert found[0].probability >= 0.95, query
        assert "surname (exact)" in found[0].agreed, query


def test_a_record_entered_the_german_way_is_found_from_cyrillic() -> None:
    index = MemoryCandidateIndex(
        [
            *crowd(),
            man("PZ", surname="Saporoschez", given_name="Taras", patronymic="Petrowitsch", birth_date="1985"),
        ]
    )
    found = find_candidates(
        TraceQuery(surname="Запорожец", given_name="Тарас", birth_date="1985"), index=index
    )
    assert found[0].person_id == "PZ"
    assert "surname (exact)" in found[0].agreed


# --- session 9: a date and overwhelming odds outweigh a namesake -----------------------------

FULL_NAME = {"surname": "Коваленко", "given_name": "Дмитро", "patronymic": "Сергійович"}


@pytest.mark.parametrize(
    ("asked", "released"),
    [
        # a surname one typo away, the patronymic and a month of birth: 24.6 bits, p 0.9996
        ({"surname": "Коваленка", "patronymic": "Сергійович", "birth_date": "2001-03"}, True),
        # ... and a bare year instead: 21.1 bits, p 0.9955, under namesake_confident
        ({"surname": "Коваленка", "patronymic": "Сергійович", "birth_date": "2001"}, False),
        # no patronymic, the day and month swapped: p 0.9999
        ({"surname": "Коваленко", "birth_date": "2001-04-03"}, True),
        # no patronymic, a month: p 0.9996, but a namesake sharing a month stays possible
        ({"surname": "Коваленко", "birth_date": "2001-03"}, False),
    ],
)
def test_a_match_the_guard_holds_keeps_its_probability_when_a_date_backs_it_and_the_odds_are_overwhelming(
    asked: dict[str, str], released: bool
) -> None:
    """Session 9: the guard lets a candidate's probability stand once it is at least
    namesake_confident and the birth date backs the names (Scorer.outweighs_namesakes)."""
    settings = default_settings()
    registered = man("PK", **FULL_NAME, birth_date="2001-03-04")
    index = MemoryCandidateIndex([*crowd(3000), registered])
    best = find_candidates(TraceQuery(given_name="Дмитро", **asked), index=index)[0]
    assert best.person_id == "PK"
    odds = 2.0 ** (best.weight - math.log2(settings.min_population))  # the prior's odds are even
    guarded = any("namesake would agree" in note for note in best.notes)
    assert guarded is not released
    if released:
        assert best.probability >= settings.namesake_confident
    else:
        assert best.probability == settings.names_only_cap
        assert (odds / (1 + odds) >= settings.namesake_confident) is ("patronymic" not in asked)


@pytest.mark.parametrize(
    "asked",
    [
        # no birth date: a namesake with no date is never certain, however rare the name
        {**FULL_NAME, "last_seen_on": "2023-04-28"},
        # a bare year backs the names only with the patronymic
        {"surname": "Коваленко", "given_name": "Дмитро", "birth_date": "2001", "last_seen_on": "2023-04-28"},
        # another given name: a brother, or a twin, whatever else agrees
        {**FULL_NAME, "given_name": "Сергій", "birth_date": "2001-03-14", "mother_name": "Олена"},
    ],
)
def test_overwhelming_odds_do_not_release_a_match_without_a_date_or_with_a_detail_disagreeing(
    asked: dict[str, str],
) -> None:
    """Each of these would be confident on its weight alone (p >= namesake_confident without
    the guard) and is still held at the cap."""
    settings = default_settings()
    registered = man(
        "PK", **FULL_NAME, birth_date="2001-03-14", mother_name="Олена", captured_on="2023-05-02"
    )
    index = MemoryCandidateIndex([*crowd(3000), registered])
    best = find_candidates(TraceQuery(**asked), index=index)[0]
    assert best.person_id == "PK"
    odds = 2.0 ** (best.weight - math.log2(settings.min_population))  # the prior's odds are even
    assert odds / (1 + odds) >= settings.namesake_confident
    assert best.probability <= default_settings().names_only_cap
    assert any("namesake would agree" in note for note in best.notes)


def test_a_man_whose_surname_disagrees_outright_is_never_certain() -> None:
    """Session 12 (bench/blind): another man's given name, patronymic and full birth date
    find a registered man through the date's key; a surname beyond a typing error is not his."""
    registered = man(
        "PS", surname="Андрийишин", given_name="Дмитрий", patronymic="Сергеевич",
        birth_date="1993-05-15", captured_on="2024-07-27", capture_place="Волчанск",
    )  # fmt: skip
    query = TraceQuery(
        surname="Лесикич", given_name="Дмитрий", patronymic="Сергеевич", birth_date="1993-05-15",
        last_seen_place="Вовчанськ",
    )  # fmt: skip
    best = find_candidates(query, index=MemoryCandidateIndex([*crowd(), registered]))[0]
    assert best.person_id == "PS" and "surname (disagree)" in best.disagreed
    assert best.probability <= default_settings().names_only_cap
    typo = find_candidates(
        replace(query, surname="Андрийишн"), index=MemoryCandidateIndex([*crowd(), registered])
    )[0]
    assert typo.person_id == "PS" and typo.probability >= default_settings().confident
