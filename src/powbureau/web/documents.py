"""Printed documents: an HTML template in the reader's language, rendered to PDF by WeasyPrint.

The vendored DejaVu Sans (``web/fonts``, with its licence) is embedded through
``@font-face``, so Cyrillic names print the same on any machine. The renderer fetches
nothing but that font file: a document never reaches the network or the disk beyond it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from powbureau.web.pages import render

__all__ = ["FONT", "render_pdf"]

_WEB = Path(__file__).parent
#: The font every document is set in.
FONT = _WEB / "fonts" / "DejaVuSans.ttf"


def _fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves the vendored font and refuses anything else."""
    from weasyprint import URLFetcher  # imported here: the registry runs without it loaded

    font_url = FONT.resolve().as_uri()

    class _FontOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.split("?")[0] != font_url:
                raise ValueError(f"documents load nothing but their font, not {url[:80]}")
            return super().fetch(url, headers)

    return _FontOnly(allowed_protocols=["file"], fail_on_errors=True)


def render_pdf(template: str, language: str, **context: Any) -> bytes:
    """A PDF of ``templates/<template>`` in ``language`` (uk, ru or en).

    Raises:
        weasyprint's errors: the template or the font could not be rendered.
    """
    from weasyprint import HTML

    html = render(template, language, font_url=FONT.resolve().as_uri(), **context)
    pdf: bytes = HTML(string=html, base_url=str(_WEB), url_fetcher=_fetcher()).write_pdf()
    return pdf
