"""Comparison values and candidate keys: what a mother writes meets what a registrar wrote."""

from __future__ import annotations

import pytest

from powbureau.matching import (
    PROFILE_COLUMNS,
    MemoryCandidateIndex,
    Profile,
    compare,
    compare_all,
    profile_from_fields,
    profile_from_row,
    profile_row,
    query_keys,
    registry_keys,
)
from powbureau.matching.keys import date_variants, key_query, surname_edits
from powbureau.matching.profile import capture_place_key, normal_date, service_number_key, unit_key
from powbureau.matching.query import TraceQuery

REGISTERED = {
    "surname": "Коваленко",
    "given_name": "Дмитро",
    "patronymic": "Сергійович",
    "birth_date": "2001-03-14",
    "unit": "в/ч А1234",
    "service_number": "АБ-123456",
    "mother_name": "Коваленко Олена Іванівна",
    "captured_on": "2023-05-02",
    "capture_place": "р-н Купʼянськ",
}


def registered(**overrides: str) -> Profile:
    return profile_from_fields({**REGISTERED, **overrides}, person_id="P1", custody="ours")


def inquiry(**fields: str) -> Profile:
    return profile_from_fields(fields, inquiry=True)


def meets(q: Profile, r: Profile) -> bool:
    return any(key_query(q).admits(k) for k in registry_keys(r))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("в/ч 12345", "вч:12345"),
        ("military unit 12345", "вч:12345"),
        ("войсковая часть 12345", "вч:12345"),
        ("v/ch A5387", "вч:А5387"),
        ("військова частина А5387", "вч:А5387"),
        ("130-я мотострелковая дивизия", "див:130"),
        ("130th Motor Rifle Division", "див:130"),
        ("1065-й мотострілецький полк", "полк:1065"),
        ("155-а бригада морської піхоти", "бр:155"),
        ("", ""),
    ],
)
def test_units_meet_across_languages(written: str, expected: str) -> None:
    assert unit_key(written) == expected


def test_service_numbers_keep_letters_and_digits() -> None:
    assert service_number_key("АБ-123456") == service_number_key("AB 123456")
    assert service_number_key("АБ-123456").endswith("|123456")
    assert service_number_key("") == ""


def test_places_drop_region_and_district_words() -> None:
    assert capture_place_key("р-н Купʼянськ") == capture_place_key("Kupiansk, Kharkiv Oblast")
    assert capture_place_key("Часів Яр") == capture_place_key("Часов Яр")
    assert capture_place_key("Херсон") != capture_place_key("Бахмут")
    # prepositions and "region" as families write them; a case ending's vowel is dropped anyway
    for said, registered in [
        ("в Бахмуте", "Бахмут"),
        ("у Бахмуті", "Бахмут"),
        ("Kherson region", "Херсон"),
        ("outskirts of Izium", "Изюм"),
        ("під Ізюмом", "Изюм"),
        ("in Mariupol", "Маріуполь"),
    ]:
        assert capture_place_key(said) == capture_place_key(registered), said


def test_dates_are_normalised_or_dropped() -> None:
    assert normal_date("2001-03-14") == "2001-03-14"
    assert normal_date("14.03.2001") == ""  # the registry holds ISO dates only
    assert normal_date("") == ""


def test_a_profile_survives_its_row() -> None:
    profile = registered()
    assert profile_from_row(profile_row(profile)) == profile
    empty = profile_from_fields({"surname": "Иванов"}, person_id="P2", custody="own")
    assert profile_from_row(profile_row(empty)) == empty


def test_an_inquiry_reads_last_news_not_capture() -> None:
    q = profile_from_fields({"surname": "X", "last_seen_on": "2023-04", "captured_on": "2020"}, inquiry=True)
    assert q.captured_on == "2023-04"


@pytest.mark.parametrize(
    "fields",
    [
        {"surname": "Kovalenko", "given_name": "Dmytro"},  # Latin, Ukrainian scheme
        {"surname": "Коваленко", "given_name": "Дмитрий"},  # Russian form
        {"surname": "КОВАЛЕНКО", "given_name": "Дима"},  # capitals, diminutive
        {"surname": "Коваленка", "given_name": "Дмитро"},  # a typo
        {"surname": "Ковалнеко", "given_name": "Дмитро"},  # two letters swapped
        {"surname": "Кавальчук", "given_name": "Дмитро", "birth_date": "2001-03-14"},  # other surname, date
        {"surname": "Кавальчук", "given_name": "Дмитро", "birth_date": "2001-03-13"},  # one digit off
        {"surname": "Кавальчук", "given_name": "Дмитро", "birth_date": "2002-03-14"},  # a year off
        {"surname": "Коваленко", "birth_date": "2000"},  # surname and a year off
        {"surname": "Кавальчук", "service_number": "AB-123457"},  # one digit off
    ],
)
def test_keys_survive_transliteration_diminutives_and_typos(fields: dict[str, str]) -> None:
    assert meets(inquiry(**fields), registered())


def test_father_and_year_find_him_when_his_date_is_partial() -> None:
    man = registered(birth_date="2001-03")
    assert meets(
        inquiry(surname="Кавальчук", given_name="Дима", patronymic="Сергеевич", birth_date="2001"), man
    )


def test_day_and_month_swapped_still_meets() -> None:
    man = registered(birth_date="2001-03-04")
    assert meets(inquiry(surname="Кавальчук", given_name="Дмитро", birth_date="2001-04-03"), man)


@pytest.mark.parametrize(
    "given",
    [
        "Дмитрко",  # a diminutive the tables do not know
        "Д.",  # an initial
    ],
)
def test_surname_and_year_find_him_when_his_given_name_is_unknown(given: str) -> None:
    q = inquiry(surname="Коваленко", given_name=given, birth_date="2001")
    assert not set(query_keys(q)) & set(registry_keys(registered()))  # only the year key finds him
    assert meets(q, registered())


@pytest.mark.parametrize(
    ("typed", "registered_as"),
    [
        ("Дмитирй", "Дмитро"),  # two letters swapped
        ("Олксандр", "Олександр"),  # a letter dropped
        ("Никиа", "Никита"),
        ("Mikhial", "Михайло"),  # in Latin
        ("Геннадиф", "Геннадий"),  # a neighbouring key
    ],
)
def test_a_given_name_one_typing_error_off_meets_him_without_a_date(typed: str, registered_as: str) -> None:
    """The surname-and-name key, not only the year's, finds him: an inquiry without a birth
    date has no year key, and a common surname is too many men for a surname-only lookup."""
    man = registered(given_name=registered_as)
    q = inquiry(surname="Коваленко", given_name=typed)
    assert set(query_keys(q)) & set(registry_keys(man))
    assert compare.given_name(q, man) == "close"
    assert compare.given_name(man, q) == "close"


def test_a_known_given_name_is_not_read_as_a_typo_of_another() -> None:
    q = inquiry(surname="Коваленко", given_name="Олег")
    assert not set(query_keys(q)) & set(registry_keys(registered(given_name="Олеся")))
    assert compare.given_name(q, registered(given_name="Олеся")) == "disagree"


def test_surname_and_year_pass_over_a_namesake_with_another_known_given_name() -> None:
    q = inquiry(surname="Коваленко", given_name="Олег", birth_date="2001")
    assert not meets(q, registered())
    assert meets(q, registered(given_name="Олег"))
    assert meets(q, registered(given_name=""))  # no given name recorded: still a candidate
    plan = key_query(q)
    assert plan.year_prefixes == ("y:коваленко|2000|", "y:коваленко|2001|", "y:коваленко|2002|")
    assert not plan.any_given


def test_a_stranger_does_not_meet() -> None:
    assert not meets(inquiry(surname="Петренко", given_name="Олег", birth_date="1970-01-01"), registered())


def test_registry_keys_are_few_and_sorted() -> None:
    keys = registry_keys(registered())
    assert keys == sorted(set(keys))
    assert len(keys) <= 6


def test_edits_and_date_variants() -> None:
    edits = surname_edits("коваленко")
    assert {"коваленко", "коваленк", "ковалнеко", "коваленка"} <= edits
    assert surname_edits("ли") == {"ли"}
    variants = date_variants("2001-03-04")
    assert {"2001-04-03", "2000-03-04", "2002-03-04", "2001-03-05"} <= variants
    assert all(len(v) == 10 for v in variants)


def test_a_man_registered_without_a_given_name_is_met_by_name_without_a_date() -> None:
    # Соколов, patronymic only, no date: no key held him but the surname-only fallback,
    # which a namesake Сергей Соколов found by the usual key shut off
    record = profile_from_fields(
        {"surname": "Соколов", "patronymic": "Євгенович"}, person_id="S", custody="ours"
    )
    assert "n:соколов|" in registry_keys(record)
    assert meets(inquiry(surname="Sokolov", given_name="Sergei", patronymic="Yevgenievich"), record)
    assert meets(inquiry(surname="Соколв", given_name="Сергей"), record)  # and with a typo
    assert not meets(inquiry(surname="Петров", given_name="Сергей"), record)


def test_finding_only_men_without_a_given_name_still_reads_the_surname() -> None:
    # Левко is a pet form no table lists: no n: key of his finds Лев Беляєв; a Беляєв
    # registered without a given name is found by n:беляев|, and that must not stop the
    # surname-only lookup that finds Лев
    lev = profile_from_fields(
        {"surname": "Беляєв", "given_name": "Лев", "patronymic": "Ігорович", "birth_date": "1994-09-10"},
        person_id="L",
        custody="ours",
    )
    nameless = profile_from_fields({"surname": "Беляев"}, person_id="N", custody="ours")
    index = MemoryCandidateIndex([lev, nameless])
    asked = inquiry(surname="Беляєв", given_name="Левко", patronymic="Ігорович")
    assert [p.person_id for p in index.candidates(asked, "ours")] == ["L", "N"]
    assert index.candidate_ids(asked, "ours") == {"N"}


@pytest.mark.parametrize(
    ("typed", "registered_as"),
    [("Голубес", "Голубев"), ("Голубеа", "Голубева"), ("Ковальсая", "Ковальская"), ("Сидороа", "Сидорова")],
)
def test_a_typo_in_an_ending_the_key_folds_still_meets_him(typed: str, registered_as: str) -> None:
    # Голубес is one letter from Голубев but two from its key (голубов: -ев is -ов)
    record = profile_from_fields(
        {"surname": registered_as, "given_name": "Михайло"}, person_id="G", custody="ours"
    )
    asked = inquiry(surname=typed, given_name="Михаил")
    assert asked.surname != record.surname
    assert meets(asked, record)


# A surname written the German way (Duden: з = s, ж = sch, ц = z), both directions.
GERMAN = [
    ({"surname": "Koslow", "given_name": "Andrej"}, {"surname": "Козлов", "given_name": "Андрей"}),
    ({"surname": "Saporoschez", "given_name": "Taras"}, {"surname": "Запорожець", "given_name": "Тарас"}),
    ({"surname": "Schukow", "given_name": "Georgij"}, {"surname": "Жуков", "given_name": "Георгий"}),
    # с+х run together into sch (Duden: с = s, х = ch)
    ({"surname": "Ischakow", "given_name": "Rinat"}, {"surname": "Исхаков", "given_name": "Ринат"}),
]


@pytest.mark.parametrize(("german", "cyrillic"), GERMAN)
def test_a_german_surname_agrees_exactly_and_meets_both_ways(
    german: dict[str, str], cyrillic: dict[str, str]
) -> None:
    g_record = profile_from_fields(german, person_id="G", custody="ours")
    c_record = profile_from_fields(cyrillic, person_id="C", custody="ours")
    assert g_record.surname != c_record.surname and c_record.surname in g_record.surname_alt
    assert compare.surname(inquiry(**german), c_record) == "exact"  # German inquiry, Cyrillic record
    assert compare.surname(inquiry(**cyrillic), g_record) == "exact"  # and the other way round
    assert meets(inquiry(**german), c_record) and meets(inquiry(**cyrillic), g_record)
    assert f"n:{c_record.surname}|{c_record.given[0]}" in registry_keys(g_record)
    assert profile_from_row(profile_row(g_record)) == g_record


def test_an_english_or_cyrillic_surname_has_no_other_reading() -> None:
    assert registered().surname_alt == ()
    kozlov = inquiry(surname="Kozlov", given_name="Andrei")
    assert kozlov.surname_alt == ()
    assert inquiry(surname="Hrechko", given_name="Illia", patronymic="Volodymyrovych").surname_alt == ()
    assert (
        compare.surname(inquiry(surname="Kosov", given_name="Ivan"), registered(surname="Козов")) != "exact"
    )
    assert (
        compare.surname(inquiry(surname="Kossow", given_name="Iwan"), registered(surname="Козов")) != "exact"
    )


def test_a_german_surname_counts_as_its_most_common_reading() -> None:
    """The namesakes expected for "Koslow" are the registry's Козлов, not its Кослов (none):
    the engine's term frequency and reconciliation's names rule read the same count."""
    kozlovs = [
        profile_from_fields(
            {"surname": "Козлов", "given_name": "Иван"}, person_id=f"K{i:02d}", custody="ours"
        )
        for i in range(30)
    ]
    index = MemoryCandidateIndex(kozlovs)
    koslow = inquiry(surname="Koslow", given_name="Andrej")
    assert index.surname_count(koslow.surname, "ours") == 0
    assert index.name_surname_count(koslow, "ours") == 30
    assert index.name_surname_count(inquiry(surname="Козлов", given_name="Андрей"), "ours") == 30


def test_a_cyrillic_surname_alone_finds_the_men_whose_german_readings_have_it() -> None:
    """A man registered as "Koslow" with no given name or birth date has no ``y:`` key and
    only the given-less ``n:`` keys; his readings stored alone (``a:``) let a surname-only
    inquiry or search for Козлов find him."""
    koslow = profile_from_fields({"surname": "Koslow"}, person_id="G", custody="ours")
    kozlov = profile_from_fields({"surname": "Козлов", "given_name": "Андрей"}, person_id="C", custody="ours")
    stored = registry_keys(koslow)
    assert f"a:{kozlov.surname}" in stored and not [k for k in stored if k[:2] == "y:"]
    assert [k for k in stored if k[:2] == "n:"] == [f"n:{kozlov.surname}|", f"n:{koslow.surname}|"]
    assert not [k for k in registry_keys(kozlov) if k.startswith("a:")]
    index = MemoryCandidateIndex([koslow, kozlov])
    found = index.candidates(inquiry(surname="Козлов"), "ours")
    assert [p.person_id for p in found] == ["C", "G"]
    assert index.candidates(inquiry(surname="Козлов"), "theirs") == []
    assert not [
        k for k in key_query(inquiry(surname="Козлов", given_name="Андрей")).exact if k.startswith("a:")
    ]


@pytest.mark.parametrize(
    ("typed", "registered_as"),
    [
        ("Таасенко", "Тарасенко"),
        ("Дараан", "Дараган"),
        ("Баариченко", "Бабариченко"),
        ("Kyylenko", "Kyrylenko"),
    ],
)
def test_a_letter_dropped_between_two_equal_ones_still_meets_him(typed: str, registered_as: str) -> None:
    # the double left behind is folded by the key: Таасенко reads тасенко, two edits from тарасенко
    record = profile_from_fields(
        {"surname": registered_as, "given_name": "Руслан"}, person_id="T", custody="ours"
    )
    assert meets(inquiry(surname=typed, given_name="Руслан"), record)


@pytest.mark.parametrize(
    ("typed", "registered_as"),
    [("ЕВРНИДУБ", "Вернидуб"), ("Ердько", "Редько"), ("Peetrov", "Petrov"), ("Федороуа", "Федорова")],
)
def test_a_typing_error_on_the_written_surname_meets_him_and_scores_as_a_typo(
    typed: str, registered_as: str
) -> None:
    record = profile_from_fields(
        {"surname": registered_as, "given_name": "Руслан"}, person_id="T", custody="ours"
    )
    q = inquiry(surname=typed, given_name="Руслан")
    assert record.surname not in surname_edits(q.surname)  # two edits or more apart by key
    assert meets(q, record)
    assert compare_all(q, record)[0] == "typo"


def test_only_an_inquiry_carries_its_surname_typos_and_they_are_never_stored() -> None:
    fields = {"surname": "Вернидуб", "given_name": "Руслан"}
    assert profile_from_fields(fields, person_id="T", custody="ours").surname_near == frozenset()
    asked = inquiry(**fields)
    assert asked.surname_near and "surname_near" not in PROFILE_COLUMNS
    assert len(profile_row(asked)) == len(PROFILE_COLUMNS)
    assert profile_from_row(profile_row(asked)) == asked._replace(surname_near=frozenset())


@pytest.mark.parametrize(
    "fields",
    [
        {"surname": "Коваленко Дмитро Сергійович"},
        {"given_name": "Kovalenko Dmytro Serhiiovych"},
        {"surname": "Коваленко", "given_name": "Дмитрий Сергеевич"},
        {"surname": "Коваленко", "given_name": "Сергеевич", "patronymic": "Дмитрий"},
    ],
)
def test_a_whole_name_in_one_field_is_read_as_the_name(fields: dict[str, str]) -> None:
    q = TraceQuery(**fields).profile()
    man = registered()
    assert (q.surname, q.given, q.patronymic) == (man.surname, man.given, man.patronymic)
    assert meets(q, man)


@pytest.mark.parametrize(
    ("written", "given", "surname"),
    [
        ("Ильина Юлия Григорьевна", "юлия", "илин"),  # Ильина is also among the tables' first names
        ("Юлия Ильина", "юлия", "илин"),
        ("Ильина Ирина", "ирина", "илин"),  # both read as first names: lists write the surname first
        ("Виноградова Елена Геннадьевна", "елена", "виноградов"),
    ],
)
def test_a_mothers_given_name_is_told_from_a_surname_the_tables_list_as_a_first_name(
    written: str, given: str, surname: str
) -> None:
    p = profile_from_fields({"surname": "Коваленко", "mother_name": written})
    assert (p.mother_given, p.mother_surname) == ((given,), surname)
