"""Templates and the reader's language for server-rendered pages."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from powbureau.i18n import LANGUAGES, translations

__all__ = ["LANGUAGES", "TEMPLATES", "pick_language", "render", "translations"]

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    auto_reload=False,
)


def pick_language(chosen: str | None, remembered: str | None, accept_language: str | None) -> str:
    """The page's language: the reader's choice, then the one remembered, then the browser's."""
    for candidate in (chosen, remembered):
        if candidate in LANGUAGES:
            return str(candidate)
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            ranked.append((quality, primary))
    ranked.sort(key=lambda qt: -qt[0])
    return ranked[0][1] if ranked else "uk"


def render(template: str, language: str, **context: object) -> str:
    """A page in the given language."""
    tr = translations(language)
    env = _env.overlay()
    env.install_gettext_translations(tr, newstyle=True)  # type: ignore[attr-defined]
    return env.get_template(template).render(lang=language, languages=LANGUAGES, **context)
