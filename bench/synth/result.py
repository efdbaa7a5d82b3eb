"""What a generator call returns, and the tags that describe a change of form."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .render import FORMS, LATIN_FORMS

__all__ = ["SynthResult", "form_tags"]


@dataclass(frozen=True)
class SynthResult:
    """The files written, their number of data rows, and how often each hard case or kind occurs."""

    files: tuple[Path, ...]
    rows: int
    counts: dict[str, int] = field(default_factory=dict)  # hard cases, forms, kinds

    def summary(self) -> str:
        lines = [f"{self.rows} rows -> " + ", ".join(str(f) for f in self.files)]
        for tag, n in sorted(self.counts.items()):
            lines.append(f"  {tag:<22} {n:>8}  {n / max(self.rows, 1):6.1%}")
        return "\n".join(lines)


def form_tags(registry_form: str, form: str) -> list[str]:
    """other_form when the row is not written as the registry wrote the man; other_language
    when it uses the other language's name forms; other_script when Latin meets Cyrillic."""
    base = "ru_cyr" if registry_form == "ru_cyr_upper" else registry_form
    tags: list[str] = []
    if form != base:
        tags.append("other_form")
        if FORMS[form][0] != FORMS[base][0]:
            tags.append("other_language")
        if (form in LATIN_FORMS) != (base in LATIN_FORMS):
            tags.append("other_script")
    return tags
