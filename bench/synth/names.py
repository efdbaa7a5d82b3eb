"""Name tables: Russian and Ukrainian forms of common names, with diminutives.

Written for this generator (see docs/synthetic-data.md); surnames and the long tail of
rare given names come from Faker's ru_RU and uk_UA person providers (MIT licence).
Every table is a tuple, so iteration order never depends on hashing.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker.providers.address.ru_RU import Provider as _RuAddress
from faker.providers.address.uk_UA import Provider as _UkAddress
from faker.providers.person.ru_RU import Provider as _RuPerson
from faker.providers.person.uk_UA import Provider as _UkPerson

__all__ = [
    "FEMALE",
    "MALE",
    "RANKS",
    "RU_CITIES",
    "RU_FIRST_TAIL",
    "RU_PATRONYMIC_TAIL",
    "RU_SURNAMES",
    "RU_SURNAMES_FEMALE",
    "UK_CITIES",
    "UK_FIRST_TAIL",
    "UK_PATRONYMIC_TAIL",
    "UK_SURNAMES",
    "FemaleName",
    "MaleName",
]


@dataclass(frozen=True, slots=True)
class MaleName:
    """One given name in both languages; patronymics are the forms made from it."""

    ru: str
    uk: str
    ru_patronymic: str
    uk_patronymic: tuple[str, ...]  # the first is the standard form, others in use
    ru_diminutives: tuple[str, ...]
    uk_diminutives: tuple[str, ...]
    weight: int


def _m(row: str, weight: int) -> MaleName:
    ru, uk, rp, up, rd, ud = row.split(";")
    return MaleName(ru, uk, rp, tuple(up.split("|")), tuple(rd.split("|")), tuple(ud.split("|")), weight)


# ru; uk; ru patronymic; uk patronymic(s); ru diminutives; uk diminutives -> weight
_MALE_ROWS: tuple[tuple[str, int], ...] = (
    ("Александр;Олександр;Александрович;Олександрович;Саша|Саня|Шура;Саша|Сашко|Олесь", 10),
    ("Дмитрий;Дмитро;Дмитриевич;Дмитрович;Дима|Митя;Діма|Митько", 8),
    ("Сергей;Сергій;Сергеевич;Сергійович;Серёжа|Серега;Сергійко|Серьожа", 8),
    ("Андрей;Андрій;Андреевич;Андрійович;Андрюша;Андрійко", 7),
    ("Алексей;Олексій;Алексеевич;Олексійович;Лёша|Алёша;Льоша|Олекса", 7),
    ("Максим;Максим;Максимович;Максимович;Макс;Макс", 6),
    ("Евгений;Євген;Евгеньевич;Євгенович;Женя;Женя", 5),
    ("Иван;Іван;Иванович;Іванович;Ваня;Ваня|Івась", 5),
    ("Михаил;Михайло;Михайлович;Михайлович;Миша;Мишко", 5),
    ("Владимир;Володимир;Владимирович;Володимирович;Вова|Володя;Вова|Володя", 5),
    ("Николай;Микола;Николаевич;Миколайович;Коля;Коля|Миколка", 5),
    ("Артём;Артем;Артёмович;Артемович;Тёма;Тьома", 4),
    ("Денис;Денис;Денисович;Денисович;Дениска;Дениско", 4),
    ("Павел;Павло;Павлович;Павлович;Паша;Павлик", 4),
    ("Роман;Роман;Романович;Романович;Рома;Ромко", 4),
    ("Игорь;Ігор;Игоревич;Ігорович;Игорёк;Ігорко", 4),
    ("Юрий;Юрій;Юрьевич;Юрійович;Юра;Юрко", 4),
    ("Олег;Олег;Олегович;Олегович;Олежка;Олежик", 3),
    ("Виктор;Віктор;Викторович;Вікторович;Витя;Вітя", 3),
    ("Владислав;Владислав;Владиславович;Владиславович;Влад|Владик;Влад|Владик", 3),
    ("Вячеслав;Вʼячеслав;Вячеславович;Вʼячеславович;Слава;Слава", 3),
    ("Станислав;Станіслав;Станиславович;Станіславович;Стас|Слава;Стас|Слава", 2),
    ("Василий;Василь;Васильевич;Васильович;Вася;Василько", 3),
    ("Григорий;Григорій;Григорьевич;Григорович|Григорійович;Гриша;Гриць", 2),
    ("Геннадий;Геннадій;Геннадьевич;Геннадійович;Гена;Гена", 2),
    ("Егор;Єгор;Егорович;Єгорович;Егорка;Єгорко", 3),
    ("Кирилл;Кирило;Кириллович;Кирилович;Кирюша;Кирилко", 3),
    ("Никита;Микита;Никитич;Микитович;Никитка;Микитка", 3),
    ("Илья;Ілля;Ильич;Ілліч;Илюша;Іллюша", 3),
    ("Антон;Антон;Антонович;Антонович;Антоша;Антось", 3),
    ("Анатолий;Анатолій;Анатольевич;Анатолійович;Толя;Толік", 2),
    ("Валерий;Валерій;Валерьевич;Валерійович;Валера;Валера", 2),
    ("Виталий;Віталій;Витальевич;Віталійович;Виталик;Віталік", 2),
    ("Вадим;Вадим;Вадимович;Вадимович;Вадик;Вадик", 2),
    ("Константин;Костянтин;Константинович;Костянтинович;Костя;Костик", 2),
    ("Леонид;Леонід;Леонидович;Леонідович;Лёня;Льоня", 1),
    ("Пётр;Петро;Петрович;Петрович;Петя;Петрусь", 2),
    ("Борис;Борис;Борисович;Борисович;Боря;Борько", 1),
    ("Тимур;Тимур;Тимурович;Тимурович;Тима;Тимурко", 1),
    ("Руслан;Руслан;Русланович;Русланович;Русик;Русик", 2),
    ("Ярослав;Ярослав;Ярославович;Ярославович;Ярик|Слава;Ярко|Слава", 1),
    ("Богдан;Богдан;Богданович;Богданович;Бодя;Богданко", 1),
    ("Тарас;Тарас;Тарасович;Тарасович;Тарасик;Тарасик", 1),
    ("Степан;Степан;Степанович;Степанович;Стёпа;Стьопа", 1),
    ("Фёдор;Федір;Фёдорович;Федорович;Федя;Федько", 1),
    ("Семён;Семен;Семёнович;Семенович;Сёма;Сьома", 1),
    ("Яков;Яків;Яковлевич;Якович;Яша;Яшко", 1),
    ("Лев;Лев;Львович;Львович;Лёва;Левко", 1),
    ("Георгий;Георгій;Георгиевич;Георгійович;Жора|Гоша;Жора", 1),
    ("Аркадий;Аркадій;Аркадьевич;Аркадійович;Аркаша;Аркаша", 1),
    ("Эдуард;Едуард;Эдуардович;Едуардович;Эдик;Едік", 1),
    ("Ростислав;Ростислав;Ростиславович;Ростиславович;Ростик;Ростик", 1),
    ("Данила;Данило;Данилович;Данилович;Даня;Данилко", 2),
    ("Матвей;Матвій;Матвеевич;Матвійович;Мотя;Матвійко", 1),
    ("Тимофей;Тимофій;Тимофеевич;Тимофійович;Тима;Тимко", 1),
    ("Арсений;Арсеній;Арсеньевич;Арсенійович;Сеня;Арсенко", 1),
    ("Глеб;Гліб;Глебович;Глібович;Глебушка;Глібко", 1),
    ("Валентин;Валентин;Валентинович;Валентинович;Валя;Валько", 1),
    ("Назар;Назар;Назарович;Назарович;Назарка;Назарко", 1),
    ("Всеволод;Всеволод;Всеволодович;Всеволодович;Сева;Сева", 1),
    ("Вениамин;Веніамін;Вениаминович;Веніамінович;Веня;Веня", 1),
)

MALE: tuple[MaleName, ...] = tuple(_m(row, w) for row, w in _MALE_ROWS)


@dataclass(frozen=True, slots=True)
class FemaleName:
    ru: str
    uk: str
    weight: int


_FEMALE_ROWS = (
    "Елена;Олена;5",
    "Татьяна;Тетяна;5",
    "Наталья;Наталія;5",
    "Ольга;Ольга;5",
    "Ирина;Ірина;4",
    "Светлана;Світлана;4",
    "Мария;Марія;3",
    "Людмила;Людмила;3",
    "Галина;Галина;3",
    "Валентина;Валентина;2",
    "Надежда;Надія;3",
    "Любовь;Любов;2",
    "Вера;Віра;2",
    "Лариса;Лариса;2",
    "Оксана;Оксана;2",
    "Юлия;Юлія;2",
    "Анна;Ганна;3",
    "Екатерина;Катерина;3",
    "Алла;Алла;1",
    "Инна;Інна;1",
    "Виктория;Вікторія;2",
    "Лидия;Лідія;1",
    "Раиса;Раїса;1",
    "Тамара;Тамара;1",
    "Нина;Ніна;2",
    "Зоя;Зоя;1",
)

FEMALE: tuple[FemaleName, ...] = tuple(
    FemaleName(ru, uk, int(w)) for ru, uk, w in (r.split(";") for r in _FEMALE_ROWS)
)

# rank as a Russian, a Ukrainian and an English-writing registrar puts it
RANKS: tuple[tuple[str, str, str, int], ...] = (
    ("рядовой", "рядовий", "Private", 40),
    ("ефрейтор", "єфрейтор", "Lance Corporal", 10),
    ("младший сержант", "молодший сержант", "Junior Sergeant", 10),
    ("сержант", "сержант", "Sergeant", 10),
    ("старший сержант", "старший сержант", "Senior Sergeant", 5),
    ("старшина", "старшина", "Sergeant Major", 3),
    ("прапорщик", "прапорщик", "Warrant Officer", 4),
    ("лейтенант", "лейтенант", "Lieutenant", 4),
    ("старший лейтенант", "старший лейтенант", "Senior Lieutenant", 3),
    ("капитан", "капітан", "Captain", 2),
    ("майор", "майор", "Major", 1),
    ("солдат", "солдат", "Soldier", 8),
)

RU_SURNAMES: tuple[str, ...] = tuple(_RuPerson.last_names_male)
RU_SURNAMES_FEMALE: tuple[str, ...] = tuple(_RuPerson.last_names_female)
UK_SURNAMES: tuple[str, ...] = tuple(_UkPerson.last_names_male)

_known_ru = {n.ru for n in MALE}
_known_uk = {n.uk for n in MALE}
RU_FIRST_TAIL: tuple[str, ...] = tuple(n for n in _RuPerson.first_names_male if n not in _known_ru)
UK_FIRST_TAIL: tuple[str, ...] = tuple(n for n in _UkPerson.first_names_male if n not in _known_uk)
_known_rp = {n.ru_patronymic for n in MALE}
_known_up = {p for n in MALE for p in n.uk_patronymic}
RU_PATRONYMIC_TAIL: tuple[str, ...] = tuple(n for n in _RuPerson.middle_names_male if n not in _known_rp)
UK_PATRONYMIC_TAIL: tuple[str, ...] = tuple(n for n in _UkPerson.middle_names_male if n not in _known_up)

RU_CITIES: tuple[str, ...] = tuple(_RuAddress.city_names)
UK_CITIES: tuple[str, ...] = tuple(_UkAddress.city_names)
