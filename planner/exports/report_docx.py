"""The workshop report as an accessible DOCX and as a printable web page.

The same layout as the programme: built-in Title and Heading styles, tables whose header row is
marked (and repeated on every page), the document language pl-PL or en-GB. Groups only: nothing
in a ReportDocument can name a participant.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from planner.exports.docx import _para, _table, package
from planner.exports.report import ReportDocument
from planner.exports.report import report_document as report_document  # re-exported

ASSOCIATION = "Stowarzyszenie Metropolia Krakowska"


def _body(doc: ReportDocument) -> str:
    parts = [
        _para(ASSOCIATION, "Subtitle"),
        _para(doc.title, "Title"),
        _para(doc.subtitle, "Subtitle"),
        *(_para(line) for line in doc.lines),
    ]
    for section in doc.sections:
        parts.append(_para(section.heading, f"Heading{section.level}"))
        parts.extend(_para(text) for text in section.paragraphs)
        table = section.table
        if table is not None:
            rows = [*table.rows, table.total] if table.total else table.rows
            parts.append(_table(table.caption, table.headers, rows, table.widths))
    return "".join(parts)


def render_docx(doc: ReportDocument) -> bytes:
    return package(_body(doc), f"{doc.title}: {doc.subtitle}", ASSOCIATION, doc.lang)


def render_html(doc: ReportDocument) -> bytes:
    with force_locale(doc.lang):
        page = render_template("report_print.html", r=doc, association=ASSOCIATION)
    return page.encode("utf-8")
