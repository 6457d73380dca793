"""Translation catalogs: extract the English source strings, keep the .po files in step, and
compile them when the app starts (no compiled files in the repository, no build step)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from planner.config import ROOT

CATALOGS = ROOT / "planner" / "translations"
LANGUAGES = ("pl", "en")
_METHODS = [
    ("planner/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
_KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def po_path(language: str) -> Path:
    return CATALOGS / language / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every translatable string in the Python code and the templates."""
    template = Catalog(project="Układanka", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), _METHODS, keywords=_KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def update_catalogs() -> None:
    """Add new source strings to each .po (English gets them as their own translation)."""
    template = extract()
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read_catalog(language) if path.exists() else Catalog(locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


def compile_catalogs(target: Path) -> Path:
    """Write the .mo files Flask-Babel reads into target/<lang>/LC_MESSAGES; returns target."""
    for language in LANGUAGES:
        out = target / language / "LC_MESSAGES" / "messages.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        buffer = BytesIO()
        write_mo(buffer, read_catalog(language), use_fuzzy=False)
        if not out.exists() or out.read_bytes() != buffer.getvalue():
            out.write_bytes(buffer.getvalue())
    return target
