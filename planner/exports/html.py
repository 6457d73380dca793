"""The programme as a printable web page (A4, a page per domain): "Save as PDF" makes the PDF.

Jinja's autoescape escapes every text of the board; the print styles are a static file, as the
site's content security policy forbids inline styles.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from planner.exports import Programme


def render(programme: Programme) -> bytes:
    with force_locale(programme.lang):
        page = render_template("export_print.html", p=programme)
    return page.encode("utf-8")
