"""Exchange lists written wholly in one language: the other side's (Russian) and ours (Ukrainian)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from bench.synth import ExchangeConfig, write_exchange_list

FORMS = {"ru": {"ru_cyr", "icao_9303", "gost_52535"}, "uk": {"uk_cyr", "ua_2010"}}


def truth(folder: Path) -> list[dict[str, str]]:
    with (folder / "exchange-truth.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_a_list_in_one_language_uses_only_its_forms(synth_dir: Path, tmp_path: Path, language: str) -> None:
    write_exchange_list(
        synth_dir / "reg", tmp_path, rows=120, seed=5, config=ExchangeConfig(list_language=language)
    )
    rows = truth(tmp_path)
    assert len(rows) == 120
    assert {t["list_form"] for t in rows} <= FORMS[language]
    crossing = [t for t in rows if "other_language" in t["hard_cases"]]
    assert 0 < len(crossing) < len(rows)  # men registered in the list's language are not crossed


def test_an_unknown_list_language_is_refused(synth_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="list_language"):
        write_exchange_list(
            synth_dir / "reg", tmp_path, rows=5, seed=5, config=ExchangeConfig(list_language="pl")
        )
