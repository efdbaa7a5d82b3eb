"""The scoring settings: m and u of every comparison level, the prior, the calibration.

Settings are a dataclass saved as JSON (``settings.json`` beside this module), written
by ``bench/train_matching.py`` from synthetic data with a fixed seed, so that a trained
model can be reproduced and reviewed. Loading refuses settings that leave a level of
:data:`.compare.COMPARISONS` without m and u, or whose m or u is below the floor: no
level is ever silently defaulted, and no unseen outcome becomes a veto.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from powbureau.matching.compare import LEVELS

__all__ = [
    "DEFAULT_PATH",
    "PROBABILITY_FLOOR",
    "ComparisonSettings",
    "LevelSettings",
    "MatchSettings",
    "default_settings",
]

DEFAULT_PATH = Path(__file__).with_name("settings.json")
#: No m or u below this (training floors m much higher, see bench/train_matching.py).
PROBABILITY_FLOOR = 1e-7


@dataclass(frozen=True)
class LevelSettings:
    """One level of a comparison: P(level | same man) and P(level | two different men)."""

    name: str
    m: float
    u: float
    m_count: int = 0  # how often training saw the level among true pairs
    u_count: int = 0  # ... and among random pairs of different men

    @property
    def weight(self) -> float:
        """The level's match weight: log2 of its Bayes factor m/u."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class ComparisonSettings:
    """A comparison's levels; with ``term_frequency`` the exact level's u is the value's
    frequency in the registry (a rare surname weighs more than Иванов; for the unit, the
    ``number`` level's too). ``tf_minimum_u`` is the least u a frequency gives (Splink's
    ``tf_minimum_u_value``): 0, none beyond the smoothing (``tf_prior_count``)."""

    name: str
    levels: tuple[LevelSettings, ...]
    term_frequency: bool = False
    tf_minimum_u: float = 0.0

    def level(self, name: str) -> LevelSettings:
        """The settings of one level."""
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(f"comparison {self.name} has no level {name!r}")


@dataclass(frozen=True)
class MatchSettings:
    """Everything the scorer needs; see docs/tracing.md for the meaning of each part.

    Attributes:
        prior_not_registered: prior probability that the man an inquiry asks about is
            not among the registered (the rest is shared equally by the registered).
        min_population: the prior shares ``1 - prior_not_registered`` among at least
            this many men, so that a small registry does not make anyone certain.
        scale, offset: calibration of the summed weights (bits), fitted on labelled
            synthetic inquiries: a candidate's weight is ``scale * sum + offset``.
        tf_prior_count: the surname's frequency in the registry is smoothed towards the
            exact level's u as if this many more persons had been counted, so that a
            small registry does not make a shared surname look common or unique.
        names_only_cap: the highest probability a candidate gets when nothing but
            names agrees (no date, number, unit, mother or capture): a namesake with no
            date is never certain.
        namesake_confident: a candidate the namesake guard would hold at
            ``names_only_cap`` keeps his probability when it is at least this and a birth
            date backs the names (:meth:`.Scorer.outweighs_namesakes`): the guard asks for
            odds of 999 to 1, not the 19 to 1 of ``confident``, before it lets a namesake's
            doubt go.
        max_probability: nobody is ever given more than this.
        confident: the probability from which an answer counts as confident.
        ambiguity_ratio: candidates within this ratio of the best one, when the best is
            not confident, cannot be told apart.
        ambiguity_floor: ... unless they are below this (then the answer is rather that
            he is probably not registered).
        duplicate_rate: prior share of registrations that repeat a registered man.
    """

    comparisons: tuple[ComparisonSettings, ...]
    prior_not_registered: float = 0.5
    min_population: int = 10_000
    scale: float = 1.0
    offset: float = 0.0
    tf_prior_count: float = 100.0
    names_only_cap: float = 0.9
    namesake_confident: float = 0.999
    max_probability: float = 0.9999
    confident: float = 0.95
    ambiguity_ratio: float = 0.25
    ambiguity_floor: float = 0.05
    duplicate_rate: float = 0.02
    trained_with: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse settings with a level missing, unknown, or below the floor.

        Raises:
            ValueError: naming the comparison and level.
        """
        by_name = {c.name: c for c in self.comparisons}
        for name, levels in LEVELS.items():
            comparison = by_name.get(name)
            if comparison is None:
                raise ValueError(f"settings have no comparison {name!r}")
            have = [lv.name for lv in comparison.levels]
            if sorted(have) != sorted(levels):
                raise ValueError(f"comparison {name}: settings have levels {have}, the code {list(levels)}")
            for level in comparison.levels:
                for part in ("m", "u"):
                    value = getattr(level, part)
                    if not PROBABILITY_FLOOR <= value <= 1:
                        raise ValueError(f"{name}.{level.name}: {part}={value} is outside [floor, 1]")
        unknown = set(by_name) - set(LEVELS)
        if unknown:
            raise ValueError(f"settings name unknown comparisons {sorted(unknown)}")
        if not 0 < self.prior_not_registered < 1:
            raise ValueError("prior_not_registered must be between 0 and 1")

    def comparison(self, name: str) -> ComparisonSettings:
        """The settings of one comparison."""
        for comparison in self.comparisons:
            if comparison.name == name:
                return comparison
        raise KeyError(name)

    def to_json(self) -> str:
        """The settings as JSON text (stable key order, one level per line)."""
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def save(self, path: Path = DEFAULT_PATH) -> None:
        """Write the settings as JSON."""
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_json(cls, text: str) -> MatchSettings:
        """Read settings written by :meth:`to_json`."""
        data = json.loads(text)
        comparisons = tuple(
            ComparisonSettings(
                name=c["name"],
                levels=tuple(LevelSettings(**lv) for lv in c["levels"]),
                term_frequency=bool(c.get("term_frequency", False)),
                tf_minimum_u=float(c.get("tf_minimum_u", 0.0)),
            )
            for c in data.pop("comparisons")
        )
        return cls(comparisons=comparisons, **data)

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> MatchSettings:
        """Read settings from a JSON file."""
        return cls.from_json(path.read_text(encoding="utf-8"))


@cache
def default_settings() -> MatchSettings:
    """The packaged settings (``matching/settings.json``), read once."""
    return MatchSettings.load()
