"""The draft programme as an editable, accessible DOCX (Word, LibreOffice).

Headings use the built-in Heading styles, tables mark their header row (repeated on every page),
the document language is pl-PL (or en-GB) and the title is in the document properties. The body
is written as WordprocessingML and parsed once: python-docx's object API is too slow for a
2 000-action board, and the XML gives exact control of what assistive technology reads.
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm
from lxml import etree

from planner.exports import Action, Programme

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT_WIDTH = 9638  # twips: A4 (210 mm) less two 20 mm margins
_LANGUAGE = {"pl": "pl-PL", "en": "en-GB"}


def _text(value: str) -> str:
    """Runs for a text; line breaks become <w:br/>, characters XML forbids are dropped."""
    lines = _CONTROL.sub("", value).replace("\r\n", "\n").split("\n")
    return "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)


def _run(value: str, *, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f"<w:r>{props}{_text(value)}</w:r>"


def _para(value: str = "", style: str | None = None, *, page_break: bool = False) -> str:
    props = ""
    if style or page_break:
        inner = f'<w:pStyle w:val="{style}"/>' if style else ""
        inner += "<w:pageBreakBefore/>" if page_break else ""
        props = f"<w:pPr>{inner}</w:pPr>"
    return f"<w:p>{props}{_run(value) if value else ''}</w:p>"


def _labelled(label: str, value: str) -> str:
    return f"<w:p>{_run(label + ': ', bold=True)}{_run(value)}</w:p>"


def _table(caption: str, headers: list[str], rows: list[list[str]], widths: list[int]) -> str:
    """A table whose first row is a header row repeated on every page."""
    scale = _TEXT_WIDTH / sum(widths)
    twips = [int(w * scale) for w in widths]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)

    def row(cells: list[str], header: bool) -> str:
        props = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else "<w:trPr/>"
        body = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
            f"<w:p>{_run(cell, bold=header) if cell else ''}</w:p></w:tc>"
            for cell, w in zip(cells, twips, strict=True)
        )
        return f"<w:tr>{props}{body}</w:tr>"

    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f'<w:tblCaption w:val="{escape(caption, {chr(34): "&quot;"})}"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
        + row(headers, True)
        + "".join(row(cells, False) for cells in rows)
        + "</w:tbl><w:p/>"
    )


def _toc(programme: Programme, entries: list[str]) -> str:
    """A TOC field; its stored result lists the chapters until Word updates it with pages."""
    first, *rest = entries
    begin = (
        '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-1" \\h \\z \\u </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    )
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    parts = [_para(programme.h("toc"), "TOCHeading")]
    if not rest:
        parts.append(f"<w:p>{begin}{_run(first)}{end}</w:p>")
    else:
        parts.append(f"<w:p>{begin}{_run(first)}</w:p>")
        parts.extend(_para(entry) for entry in rest[:-1])
        parts.append(f"<w:p>{_run(rest[-1])}{end}</w:p>")
    parts.append(_para(programme.h("toc_hint")))
    return "".join(parts)


def _action(programme: Programme, action: Action) -> list[str]:
    h = programme.h
    none = h("none")
    parts = [_para(f"{action.code} — {action.title}", "Heading2")]
    if action.duplicate:
        parts.append(f"<w:p>{_run(h('duplicate_note'), bold=True)}</w:p>")
    fields = [
        ("code", action.code),
        ("description", action.description or none),
        ("objective", action.objective or none),
        ("lead", action.lead or none),
        ("partners", "; ".join(action.partners) or none),
        ("quarters", programme.cell_text(action, "quarters") or none),
        ("cost", programme.money(action.cost)),
        ("funding", action.funding or none),
        ("result", action.result or none),
        ("indicator", action.indicator or none),
        ("votes", programme.integer(action.votes)),
        ("status", programme.status(action.status)),
        ("origin", action.origin or none),
    ]
    if programme.combined:
        fields.append(("workshop", action.workshop_title))
    parts.extend(_labelled(h(key), value) for key, value in fields)
    return parts


def _summaries(programme: Programme) -> list[str]:
    h = programme.h
    names = [c.name for c in programme.chapters]
    per_domain = [
        [n, programme.integer(c), programme.money(cost)] for n, c, cost in programme.per_domain()
    ]
    per_domain.append(
        [
            h("total"),
            programme.integer(len(programme.actions)),
            programme.money(programme.total_cost),
        ]
    )
    matrix = [
        [body, *(programme.integer(n) for n in counts), programme.integer(sum(counts))]
        for body, counts in programme.matrix()
    ]
    timeline = [[n, *(programme.integer(c) for c in counts)] for n, counts in programme.timeline()]
    yes = h("yes")
    per_action = [
        [a.code, a.title, *(yes if q in a.quarters else "" for q in (1, 2, 3, 4))]
        for a in programme.actions
    ]
    quarters = ["I", "II", "III", "IV"]
    return [
        _para(h("summaries"), "Heading1", page_break=True),
        _para(h("per_domain"), "Heading2"),
        _table(h("per_domain"), [h("domain"), h("actions"), h("cost")], per_domain, [5, 2, 3]),
        _para(h("matrix"), "Heading2"),
        _para(h("matrix_note")),
        _table(h("matrix"), [h("body"), *names, h("total")], matrix, [4] + [2] * len(names) + [2]),
        _para(h("timeline"), "Heading2"),
        _para(h("timeline_note")),
        _table(
            h("timeline"), [h("domain"), *quarters, h("no_timing")], timeline, [5, 1, 1, 1, 1, 2]
        ),
        _para(h("timeline_actions"), "Heading2"),
        _table(
            h("timeline_actions"),
            [h("code"), h("title_field"), *quarters],
            per_action,
            [2, 6, 1, 1, 1, 1],
        ),
    ]


def _body(programme: Programme) -> str:
    h = programme.h
    parts = [
        _para(h("association"), "Subtitle"),
        _para(programme.title, "Title"),
        _para(h("workshops") if programme.combined else h("workshop"), "Subtitle"),
        *(_para(line) for line in programme.workshop_lines()),
        _para(h("prepared")),
    ]
    chapter_titles = [
        h("chapter", n=n, name=c.name) for n, c in enumerate(programme.chapters, start=1)
    ]
    toc_entries = [*chapter_titles, h("summaries"), h("appendix")]
    if programme.duplicates:
        toc_entries.insert(0, h("duplicates"))
    parts.append(f"<w:p><w:pPr><w:pageBreakBefore/></w:pPr></w:p>{_toc(programme, toc_entries)}")
    if programme.duplicates:
        parts.append(_para(h("duplicates"), "Heading1", page_break=True))
        parts.append(_para(", ".join(programme.duplicates)))
    for title, chapter in zip(chapter_titles, programme.chapters, strict=True):
        parts.append(_para(title, "Heading1", page_break=True))
        summary = h(
            "chapter_summary",
            count=programme.integer(len(chapter.actions)),
            cost=programme.money(chapter.cost),
        )
        parts.append(_para(summary))
        if not chapter.actions:
            parts.append(_para(h("no_actions")))
        for action in chapter.actions:
            parts.extend(_action(programme, action))
    parts.extend(_summaries(programme))
    parts.append(_para(h("appendix"), "Heading1", page_break=True))
    parts.append(_para(h("appendix_note")))
    if programme.tray:
        rows = [
            [a.code, a.title, a.description or "", a.origin or h("none")] for a in programme.tray
        ]
        headers = [h("code"), h("title_field"), h("description"), h("origin")]
        parts.append(_table(h("appendix"), headers, rows, [2, 4, 6, 2]))
    else:
        parts.append(_para(h("nothing_left")))
    return "".join(parts)


def render(programme: Programme) -> bytes:
    return package(_body(programme), programme.title, programme.h("association"), programme.lang)


def package(body: str, title: str, author: str, lang: str) -> bytes:
    """A DOCX around a WordprocessingML body: A4, the document language, title and author."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    language = _LANGUAGE[lang]
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), language)
    settings = document.settings.element
    settings.find(qn("w:themeFontLang")).set(qn("w:val"), language)
    # Word asks to refresh the fields on opening, so the contents get their page numbers.
    settings.find(qn("w:compat")).addprevious(
        parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
    )
    props = document.core_properties
    props.title = title
    props.subject = author
    props.author = author
    props.language = language
    # Parse the body once into a whole new document element: moving tens of thousands of
    # parsed elements into python-docx's tree one by one takes seconds.
    root = document.element
    section_xml = etree.tostring(root.body.find(qn("w:sectPr")), encoding="unicode")
    namespaces = " ".join(f'xmlns:{k}="{v}"' for k, v in root.nsmap.items() if k)
    document.part._element = parse_xml(
        f"<w:document {namespaces}><w:body>{body}{section_xml}</w:body></w:document>"
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
