"""Reading a registry back: sampling its men, and making men who are not in it."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .crossforms import ru_to_uk, uk_to_ru
from .csvio import Reservoir, read_registry
from .identity import Man, People, pick
from .variants import one_letter_edit

__all__ = [
    "NotHeldMaker",
    "Pool",
    "RegistryScan",
    "sample_registry",
    "scan_registry",
    "settle_not_held",
]


@dataclass(frozen=True)
class Pool:
    """A uniform sample of `size` registry men for whom `accepts` holds; with `repeat`, men
    are drawn again when the registry has fewer than `size` of them."""

    name: str
    accepts: Callable[[Man], bool]
    size: int
    repeat: bool = True


def sample_registry(registry_dir: Path, pools: Sequence[Pool], rng: random.Random) -> dict[str, list[Man]]:
    """One streaming pass over the registry; returns each pool's men in a shuffled order."""
    reservoirs = [Reservoir[Man](p.size, random.Random(f"{rng.random()}:{p.name}")) for p in pools]
    for man in read_registry(registry_dir):
        for pool, res in zip(pools, reservoirs, strict=True):
            if pool.accepts(man):
                res.offer(man)
    out: dict[str, list[Man]] = {}
    for pool, res in zip(pools, reservoirs, strict=True):
        men = list(res.items)
        while pool.repeat and men and len(men) < pool.size:
            men.append(res.items[rng.randrange(len(res.items))])
        rng.shuffle(men)
        out[pool.name] = men
    return out


class NotHeldMaker:
    """Men who are not in the registry but whose names are like those of men who are."""

    def __init__(self, rng: random.Random, kinds: tuple[tuple[str, float], ...], same_year: float) -> None:
        self.rng = rng
        self.people = People(rng)
        self.kinds = [k for k, _ in kinds]
        self.kind_cw: list[float] = []
        for _, w in kinds:
            self.kind_cw.append((self.kind_cw[-1] if self.kind_cw else 0.0) + w)
        self.same_year = same_year

    def make(self, base: Man, ref: str) -> tuple[Man, str]:
        """A new man modelled on `base`: same names, a near surname, or just alike."""
        rng = self.rng
        kind = self.kinds[pick(rng, self.kind_cw)]
        if kind == "namesake":
            m = self.people.namesake(base, ref, "pow", "RU", rng.random() < self.same_year)
        elif kind == "similar_surname":
            if base.native == "ru":
                s_ru = one_letter_edit(base.surname_ru, rng)
                s_uk = ru_to_uk(s_ru)
            else:
                s_uk = one_letter_edit(base.surname_uk, rng)
                s_ru = uk_to_ru(s_uk)
            g_idx, g_ru, g_uk = (
                (base.given_idx, base.given_ru, base.given_uk)
                if rng.random() < 0.5
                else self.people.given(base.native)
            )
            m = self.people.complete(ref, "pow", "RU", base.native, s_ru, s_uk, g_idx, g_ru, g_uk)
        else:
            m = self.people.man(ref, "pow", "RU", base.native)
        m.registry_form = base.registry_form
        m.namesake_of = ""
        return m, kind

    def part(self, m: Man, taken: set[str]) -> Man:
        """The same man born in the nearest year in which no registry man has his full name."""
        sign = self.rng.choice((-1, 1))
        born = int(m.birth_date[:4])
        for step in range(1, 40):
            for year in (born + sign * step, born - sign * step):
                if 1950 <= year <= 2009 and str(year) not in taken:
                    return replace(m, birth_date=self.people.birth_date(year))
        raise ValueError(f"no free birth year for {m.surname_ru} {m.given_ru} {m.patronymic_ru}")


@dataclass
class RegistryScan:
    collisions: set[tuple[str, str, str, str]]  # keys of not-held men found in the registry
    taken: dict[tuple[str, str, str], set[str]]  # their full names -> birth years in the registry
    namesakes: Counter[tuple[str, str]]
    namesakes_same_year: Counter[tuple[str, str, str]]


def scan_registry(registry_dir: Path, not_held: Sequence[Man], sought: Sequence[Man]) -> RegistryScan:
    """Which not-held men collide with a registry man, and how many namesakes each has."""
    keys = {m.key() for m in not_held}
    scan = RegistryScan(set(), {k[:3]: set() for k in keys}, Counter(), Counter())
    names = {(m.surname_ru, m.given_ru) for m in sought}
    for man in read_registry(registry_dir):
        name = (man.surname_ru, man.given_ru)
        if name in names:
            scan.namesakes[name] += 1
            scan.namesakes_same_year[(*name, man.birth_date[:4])] += 1
        full = scan.taken.get((*name, man.patronymic_ru))
        if full is not None:
            full.add(man.birth_date[:4])
            if man.key() in keys:
                scan.collisions.add(man.key())
    return scan


def settle_not_held(
    registry_dir: Path, maker: NotHeldMaker, not_held: list[Man], sought: Sequence[Man]
) -> RegistryScan:
    """Give every not-held man who shares full name and birth year with a registry man
    another birth year, one in which no registry man has his full name; one pass.

    The namesake counts of the scan returned are keyed by the registry men's years, so they
    stay right for the men as moved.
    """
    scan = scan_registry(registry_dir, not_held, sought)
    for i, m in enumerate(not_held):
        if m.key() in scan.collisions:
            not_held[i] = maker.part(m, scan.taken[m.key()[:3]])
    return scan
