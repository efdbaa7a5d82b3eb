"""An expert Splink (DuckDB) setup, shared by the tracing and reconciliation peers.

What issue 4 calls the expert setup, built as well as we could:

* **names in one form before Splink sees them**: every row goes through the bureau's
  names layer (``matching.profile_from_fields``): surname key (Latin read back to
  Cyrillic, Ukrainian forms mapped to Russian, feminine to masculine), given-name ids
  (diminutives and Russian/Ukrainian forms of a name share an id), the father's-name id of
  the patronymic, and normalised unit, service number, mother's name, place and date of
  capture (last news for an inquiry). Splink gets these keys as columns; keys are written
  one byte per letter (:func:`encode`), because DuckDB's string distances count bytes and
  a Cyrillic letter takes two;
* **term-frequency adjustments** on the exact levels of surname and given name, with the
  frequencies taken from the registry alone (registered with Splink as lookup tables), so
  that an inquiry's candidates do not depend on which other inquiries came in the batch;
* **a birth-date comparison** with levels for exact, day and month swapped, one digit off,
  the year off by one with day and month equal, year-month and year agreeing when one side
  is partial, the same year, a year apart, and missing as neutral;
* **wide blocking**: ten rules, so that a typo or a missing field still leaves a rule that
  pairs the records (surname + year, surname + given id, given id + date, the first three or
  last four letters of the surname with the given id, a consonant skeleton of the surname,
  service number, ...);
* u by random sampling, m by EM over three blocking rules, then every m of a disagreeing
  level raised to at least :data:`M_FLOOR`, so that an outcome EM never saw (a unit written
  otherwise, a mistyped service number) is strong evidence against but never a veto;
* **one probability shared among an inquiry's candidates**: Splink's pairwise match weight
  less its prior weight is the Bayes factor of the pair; with the prior :data:`PRIOR` that
  the man asked about is registered, spread evenly over the N registered men in scope, the
  posterior of candidate c is ``(PRIOR / N) BF_c / ((1 - PRIOR) + (PRIOR / N) sum BF)``,
  and the remainder is "not registered". At most one candidate can reach 0.95.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from powbureau.matching.profile import profile_from_fields
from powbureau.names import phonetic_key

#: The prior that the man an inquiry (or a list row) is about is registered: one half,
#: whatever the real share in a batch (the bureau's engine assumes the same).
PRIOR = 0.5
#: The smallest m kept for a level that is not agreement (see the module docstring).
M_FLOOR = 0.005
MODEL = Path(__file__).with_name("splink_expert_model.json")

_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ"
_BYTES = "abcdefghijklmnopqrstuvwxyz0123456789#$%&*"
_ENCODE = str.maketrans(dict(zip(_CYRILLIC, _BYTES[: len(_CYRILLIC)], strict=True)))

COLUMNS: tuple[tuple[str, str], ...] = (
    ("unique_id", "VARCHAR"),
    ("surname", "VARCHAR"),
    ("surname_ph", "VARCHAR"),
    ("given1", "VARCHAR"),
    ("given_ids", "VARCHAR[]"),
    ("patr1", "VARCHAR"),
    ("patr_ids", "VARCHAR[]"),
    ("birth", "VARCHAR"),
    ("birth_year", "INTEGER"),
    ("unit", "VARCHAR"),
    ("service", "VARCHAR"),
    ("mother_ids", "VARCHAR[]"),
    ("mother_surname", "VARCHAR"),
    ("seen_on", "VARCHAR"),
    ("seen_place", "VARCHAR"),
)


def encode(text: str) -> str:
    """A lowercase Cyrillic key written one ASCII byte per letter (a bijection)."""
    return text.translate(_ENCODE)


def expert_row(ref: str, fields: Mapping[str, str | None], *, inquiry: bool) -> tuple[Any, ...]:
    """One input row for Splink: the names layer's keys, encoded, in :data:`COLUMNS` order."""
    p = profile_from_fields(fields, inquiry=inquiry)
    given = [encode(g) for g in p.given]
    fathers = [encode(f) for f in p.patronymic]
    mother = [encode(m) for m in p.mother_given]
    return (
        ref,
        encode(p.surname) or None,
        encode(phonetic_key(p.surname)) if p.surname else None,
        given[0] if given else None,
        given or None,
        fathers[0] if fathers else None,
        fathers or None,
        p.birth or None,
        int(p.birth[:4]) if p.birth[:4].isdigit() else None,
        encode(p.unit) or None,
        encode(p.service) or None,
        mother or None,
        encode(p.mother_surname) or None,
        p.captured_on or None,
        (p.capture_place and encode(p.capture_place)) or None,
    )


def load_table(con: Any, name: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """CREATE TABLE ``name`` in DuckDB from expert rows (through Arrow: fast)."""
    import pyarrow as pa

    names = [c for c, _ in COLUMNS]
    arrays = {
        c: pa.array(
            [r[i] for r in rows],
            type=pa.list_(pa.string())
            if kind.endswith("[]")
            else (pa.int32() if kind == "INTEGER" else pa.string()),
        )
        for i, (c, kind) in enumerate(COLUMNS)
    }
    arrow_rows = pa.table({c: arrays[c] for c in names})  # noqa: F841 - read by DuckDB below
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM arrow_rows")


def _null(column: str) -> dict[str, Any]:
    return {
        "sql_condition": f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        "label_for_charts": "missing",
        "is_null_level": True,
    }


def _level(sql: str, label: str, tf: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


_ELSE = {"sql_condition": "ELSE", "label_for_charts": "else"}
_FULL = "length(birth_l) = 10 AND length(birth_r) = 10"


def _comparison(name: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_description": name, "comparison_levels": levels}


def settings() -> dict[str, Any]:
    """The untrained Splink settings (link_only: inquiries or list rows against the registry)."""
    comparisons = [
        _comparison(
            "surname",
            [
                _null("surname"),
                _level("surname_l = surname_r", "exact key", tf="surname"),
                _level("damerau_levenshtein(surname_l, surname_r) <= 1", "one edit"),
                _level("surname_ph_l = surname_ph_r", "same consonant skeleton"),
                _level("jaro_winkler_similarity(surname_l, surname_r) >= 0.88", "Jaro-Winkler >= 0.88"),
                _ELSE,
            ],
        ),
        _comparison(
            "given",
            [
                _null("given1"),
                _level("given1_l = given1_r", "same name id", tf="given1"),
                _level("list_has_any(given_ids_l, given_ids_r)", "one of the name ids"),
                _level("jaro_winkler_similarity(given1_l, given1_r) >= 0.9", "Jaro-Winkler >= 0.9"),
                _ELSE,
            ],
        ),
        _comparison(
            "patronymic",
            [
                _null("patr1"),
                _level("list_has_any(patr_ids_l, patr_ids_r)", "same father's name id"),
                _level("jaro_winkler_similarity(patr1_l, patr1_r) >= 0.9", "Jaro-Winkler >= 0.9"),
                _ELSE,
            ],
        ),
        _comparison(
            "birth",
            [
                _null("birth"),
                _level(f"{_FULL} AND birth_l = birth_r", "exact date"),
                _level(
                    f"{_FULL} AND substr(birth_l, 1, 4) = substr(birth_r, 1, 4) "
                    "AND substr(birth_l, 6, 2) = substr(birth_r, 9, 2) "
                    "AND substr(birth_l, 9, 2) = substr(birth_r, 6, 2)",
                    "day and month swapped",
                ),
                _level(f"{_FULL} AND levenshtein(birth_l, birth_r) = 1", "one digit off"),
                _level(
                    f"{_FULL} AND abs(birth_year_l - birth_year_r) = 1 "
                    "AND substr(birth_l, 6) = substr(birth_r, 6)",
                    "year off by one, day and month equal",
                ),
                _level(
                    "least(length(birth_l), length(birth_r)) = 7 "
                    "AND substr(birth_l, 1, 7) = substr(birth_r, 1, 7)",
                    "year and month (one side partial)",
                ),
                _level(
                    "least(length(birth_l), length(birth_r)) = 4 AND birth_year_l = birth_year_r",
                    "year (one side year only)",
                ),
                _level("birth_year_l = birth_year_r", "same year, day or month differ"),
                _level("abs(birth_year_l - birth_year_r) = 1", "a year apart"),
                _ELSE,
            ],
        ),
        _comparison("unit", [_null("unit"), _level("unit_l = unit_r", "same unit"), _ELSE]),
        _comparison(
            "service",
            [
                _null("service"),
                _level("service_l = service_r", "same number"),
                _level("damerau_levenshtein(service_l, service_r) <= 1", "one edit"),
                _ELSE,
            ],
        ),
        _comparison(
            "mother",
            [
                _null("mother_ids"),
                _level(
                    "list_has_any(mother_ids_l, mother_ids_r) AND mother_surname_l = mother_surname_r",
                    "given name and surname",
                ),
                _level("list_has_any(mother_ids_l, mother_ids_r)", "given name"),
                _ELSE,
            ],
        ),
        _comparison(
            "seen_place",
            [_null("seen_place"), _level("seen_place_l = seen_place_r", "same place"), _ELSE],
        ),
        _comparison(
            "seen_on",
            [
                _null("seen_on"),
                _level(
                    "length(seen_on_l) = 10 AND length(seen_on_r) = 10 AND "
                    "abs(date_diff('day', CAST(seen_on_l AS DATE), CAST(seen_on_r AS DATE))) <= 45",
                    "within 45 days",
                ),
                _level("substr(seen_on_l, 1, 7) = substr(seen_on_r, 1, 7)", "same month"),
                _ELSE,
            ],
        ),
    ]
    blocking = [
        "l.surname = r.surname AND l.birth_year = r.birth_year",
        "l.surname = r.surname AND l.given1 = r.given1",
        "l.surname = r.surname AND l.patr1 = r.patr1",
        "l.given1 = r.given1 AND l.birth = r.birth",
        "l.given1 = r.given1 AND l.patr1 = r.patr1 AND l.birth_year = r.birth_year",
        "substr(l.surname, 1, 3) = substr(r.surname, 1, 3) AND l.given1 = r.given1",
        "right(l.surname, 4) = right(r.surname, 4) AND l.given1 = r.given1",
        "l.surname_ph = r.surname_ph AND l.given1 = r.given1",
        "l.service = r.service",
        "l.unit = r.unit AND l.given1 = r.given1 AND l.birth_year = r.birth_year",
    ]
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-5,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [{"blocking_rule": b} for b in blocking],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
    }


#: EM passes: each trains every comparison its rule does not use.
TRAINING_RULES = (
    "l.surname = r.surname AND l.given1 = r.given1",
    "l.birth = r.birth AND length(l.birth) = 10",
    "l.given1 = r.given1 AND l.birth_year = r.birth_year AND l.patr1 = r.patr1",
)


def register_tf(linker: Any, db: Any, registry_table: str) -> None:
    """Term frequencies of surname and given id from the registry alone."""
    con = db.duckdb_con
    for column in ("surname", "given1"):
        tf = f"tf_{column}_registry"
        con.execute(
            f"CREATE OR REPLACE TABLE {tf} AS SELECT {column}, "
            f"count(*)::DOUBLE / sum(count(*)) OVER () AS tf_{column} "
            f"FROM {registry_table} WHERE {column} IS NOT NULL GROUP BY {column}"
        )
        linker.table_management.register_term_frequency_lookup(db.register(tf), column)


@contextmanager
def _m_floor_in_em() -> Iterator[None]:
    """Keep every m at or above :data:`M_FLOOR` during EM's maximisation steps.

    Without it EM drives the m of an outcome it sees only among non-matches (a unit or
    service number that disagrees) to exactly 0, which Splink 5 refuses ("m_probability
    value 0.0 is below the minimum allowed value"), and which would be a veto anyway.
    """
    from splink.internals import expectation_maximisation as em

    original = em.populate_m_u_from_lookup

    def floored(fixed: Any, level: Any, column: str, lookup: dict[str, dict[int, Any]]) -> None:
        record = lookup.get(column, {}).get(level.comparison_vector_value)
        if record is not None and isinstance(record.get("m_probability"), (int, float)):
            record["m_probability"] = max(record["m_probability"], M_FLOOR)
        original(fixed, level, column, lookup)

    em.populate_m_u_from_lookup = floored
    try:
        yield
    finally:
        em.populate_m_u_from_lookup = original


def train(linker: Any) -> dict[str, Any]:
    """u by random sampling, m by EM (m floored); returns the trained model."""
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    with _m_floor_in_em():
        for rule in TRAINING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    return floor_m(model)


def floor_m(model: dict[str, Any]) -> dict[str, Any]:
    """Raise every m to :data:`M_FLOOR`; give a level EM or the sampling never saw a stated value.

    Splink would otherwise use its defaults for such a level silently (a trap the lessons
    name). A level with no trained m gets m = :data:`M_FLOOR`; one with no trained u (never
    met among 5 million random pairs) gets u = :data:`M_FLOOR` too, so that a level seen in
    neither is neutral. The levels so set are listed under ``"untrained_levels"``.
    """
    untrained: list[str] = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            for key in ("m_probability", "u_probability"):
                if not isinstance(level.get(key), (int, float)):
                    untrained.append(
                        f"{comparison['output_column_name']}: {level['label_for_charts']} ({key[0]})"
                    )
                    level[key] = M_FLOOR
            level["m_probability"] = max(float(level["m_probability"]), M_FLOOR)
    model["untrained_levels"] = untrained
    return model


def save_model(model: Mapping[str, Any], path: Path = MODEL) -> None:
    path.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def posteriors(
    con: Any, predictions_table: str, prior_weight: float, registered: int, top: int = 10
) -> dict[str, list[tuple[str, float]]]:
    """Each inquiry's ``top`` candidates with the shared posterior, most probable first.

    ``prior_weight`` is the log2 prior odds Splink added to every match weight; ``registered``
    the number of registered men the inquiries were linked against (N).
    """
    scale = math.log2(PRIOR / registered) - math.log2(1 - PRIOR)  # log2((PRIOR/N) / (1 - PRIOR))
    sql = f"""
        WITH pairs AS (
            SELECT
                CASE WHEN source_dataset_l = 'inquiries' THEN unique_id_l ELSE unique_id_r END AS q,
                CASE WHEN source_dataset_l = 'inquiries' THEN unique_id_r ELSE unique_id_l END AS p,
                match_weight - {prior_weight!r} + {scale!r} AS w
            FROM {predictions_table}
        ),
        shifted AS (  -- odds relative to "not registered", log2
            SELECT q, p, w, max(w) OVER (PARTITION BY q) AS top_w FROM pairs
        ),
        normalised AS (
            SELECT q, p, w,
                pow(2, w - top_w) / (pow(2, -top_w) + sum(pow(2, w - top_w)) OVER (PARTITION BY q)) AS prob
            FROM shifted
        ),
        ranked AS (
            SELECT q, p, prob, row_number() OVER (PARTITION BY q ORDER BY prob DESC, p) AS k FROM normalised
        )
        SELECT q, p, prob FROM ranked WHERE k <= {top} ORDER BY q, k
    """
    found: dict[str, list[tuple[str, float]]] = {}
    for q, p, prob in con.execute(sql).fetchall():
        found.setdefault(q, []).append((p, float(prob)))
    return found


def link(
    inquiries: Sequence[tuple[Any, ...]],
    registry: Sequence[tuple[Any, ...]],
    *,
    model: Mapping[str, Any] | None = None,
    top: int = 10,
) -> tuple[dict[str, list[tuple[str, float]]], dict[str, Any], int]:
    """Train (unless ``model`` is given) and link; returns candidates, the model, blocked pairs."""
    import logging

    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    db = DuckDBAPI()
    con = db.duckdb_con
    load_table(con, "inquiries", inquiries)
    load_table(con, "registry", registry)
    tables = [
        db.register("inquiries", dataset_display_name="inquiries"),
        db.register("registry", dataset_display_name="registry"),
    ]
    if model is None:
        linker = Linker(tables, settings())
        register_tf(linker, db, "registry")
        model = train(linker)
    linker = Linker(tables, {k: v for k, v in model.items() if k != "untrained_levels"})
    register_tf(linker, db, "registry")
    lam = float(model["probability_two_random_records_match"])
    prior_weight = math.log2(lam / (1 - lam))
    predictions = linker.inference.predict()
    pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchone()[0]
    return posteriors(con, predictions.physical_name, prior_weight, len(registry), top), dict(model), pairs


def rows_from_csv(records: Iterable[Mapping[str, str]], key: str, *, inquiry: bool) -> list[tuple[Any, ...]]:
    """Expert rows of CSV records (persons.csv, inquiries.csv or exchange-list.csv)."""
    return [expert_row(r[key], r, inquiry=inquiry) for r in records]
