"""Candidate actions from a spreadsheet (CSV, XLSX) or a JSON backup, imported all or nothing.

The file is read and every row is checked through PieceFieldsSchema first; only a clean file
becomes ops (`piece.create`, `piece.update`, `piece.move`), applied in one batch through
`planner.realtime.submit_batch`, so every connected screen gets the events like any other change.
Rows are numbered as a spreadsheet shows them (the header is row 1; in a JSON file, piece n is
row n), and each error names the column by its header as written in the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from openpyxl import load_workbook

from planner.board import Actor, BoardError, snapshot
from planner.exports import COLUMNS, HEADINGS, LANGUAGES
from planner.models import Workshop
from planner.schemas import PIECE_STATUSES, PieceFieldsSchema

MAX_BYTES = 8 * 1024 * 1024
MAX_ROWS = 5000
PREVIEW_ROWS = 500

_TEXT_FIELDS = ("code", "title", "description", "objective", "lead", "funding", "result")
_TEXT_FIELDS += ("indicator",)
_FIELDS = (*_TEXT_FIELDS, "partners", "quarters", "cost_pln", "status", "domain")


def normalise(text: Any) -> str:
    """Compare headers and names without case, diacritics, spaces or punctuation."""
    folded = str(text).casefold().replace("ł", "l")
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    return re.sub(r"[^a-z0-9]", "", plain)


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("kod", "lp", "code", "symbol", "koddzialania"),
    "title": ("tytul", "nazwa", "nazwadzialania", "dzialanie", "tytuldzialania", "title", "name"),
    "description": ("opis", "zakresrzeczowy", "opiszakresrzeczowy", "description", "scope"),
    "domain": ("dziedzina", "dziedzinawspolpracy", "obszar", "domain", "area"),
    "objective": ("cel", "kierunekdzialan", "celkierunekdzialan", "objective", "goal"),
    "lead": ("lider", "podmiotodpowiedzialny", "liderpodmiotodpowiedzialny", "lead", "leader"),
    "partners": ("partnerzy", "partners"),
    "quarters": ("termin", "terminrealizacji", "kwartaly", "timing", "quarters"),
    "cost_pln": ("koszt", "szacunkowykoszt", "szacunkowykosztzl", "kosztzl", "kosztpln", "cost"),
    "funding": ("zrodlofinansowania", "finansowanie", "funding", "fundingsource"),
    "result": ("rezultat", "oczekiwanyrezultat", "result", "expectedresult"),
    "indicator": ("wskaznik", "indicator"),
    "status": ("status",),
}
# Columns our own exports add that an import does not set: recognised, and left alone.
_EXPORT_ONLY = ("votes", "origin", "workshop", "duplicate", "position")
_TRAY_NAMES = {normalise(n) for n in ("tray", "zasobnik", "poza programem", "not included")}


def _header_map() -> dict[str, str | None]:
    mapping: dict[str, str | None] = {}
    for name, synonyms in _SYNONYMS.items():
        for synonym in synonyms:
            mapping[synonym] = name
    for lang in LANGUAGES:
        for name, key in COLUMNS:
            mapping[normalise(HEADINGS[lang][key])] = None if name in _EXPORT_ONLY else name
        for key in _EXPORT_ONLY:
            if key in HEADINGS[lang]:
                mapping.setdefault(normalise(HEADINGS[lang][key]), None)
    mapping.update({"costpln": "cost_pln", "votes": None, "glosy": None, "origin": None})
    return mapping


HEADERS = _header_map()
_STATUS = {normalise(s): s for s in PIECE_STATUSES}
for _lang in LANGUAGES:
    _STATUS |= {normalise(HEADINGS[_lang][f"status.{s}"]): s for s in PIECE_STATUSES}


@dataclass
class Sheet:
    """The file as a header and rows of raw cells, each row with its number in the file."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]


@dataclass
class Plan:
    """What an import would do; `payloads` are the ops, empty when there are errors."""

    payloads: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": str(message)})

    def summary(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "ignored_columns": self.ignored_columns,
        }


# --- reading files --------------------------------------------------------------------------


def _too_many() -> BoardError:
    return BoardError("too_large", _("The file has more than %(n)s rows; split it.", n=MAX_ROWS))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1250")
    except UnicodeDecodeError as exc:
        msg = _("The file is neither UTF-8 nor Windows-1250 text; save it as CSV UTF-8.")
        raise BoardError("validation_error", msg) from exc


def _delimiter(text: str) -> str:
    """`,` or `;`: whichever splits the header into more known columns (then more columns)."""
    first = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(1 for c in cells if normalise(c) in HEADERS), len(cells)

    return ";" if score(";") > score(",") else ","


def read_csv(data: bytes) -> Sheet:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        headers = next(reader, [])
        rows = []
        for number, cells in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise _too_many()
            rows.append((number, cells))
    except csv.Error as exc:
        msg = _("The CSV file cannot be read: %(reason)s", reason=str(exc))
        raise BoardError("validation_error", msg) from exc
    return Sheet(headers, rows)


def read_xlsx(data: bytes) -> Sheet:
    """The first sheet; formulas are taken as their text and never evaluated."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        msg = _("The file is not a readable XLSX workbook.")
        raise BoardError("validation_error", msg) from exc
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        headers = ["" if c is None else str(c) for c in next(lines, ())]
        rows = []
        for number, cells in enumerate(lines, start=2):
            if all(c is None or c == "" for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many()
            rows.append((number, list(cells)))
    finally:
        book.close()
    return Sheet(headers, rows)


def read_json(data: bytes) -> tuple[Sheet, dict[int, str]]:
    """A JSON backup's (or a bare list's) pieces as rows; domain ids become domain keys/names."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BoardError("validation_error", _("The file is not valid JSON.")) from exc
    pieces = doc.get("pieces") if isinstance(doc, dict) else doc
    if not isinstance(pieces, list) or not all(isinstance(p, dict) for p in pieces):
        raise BoardError("validation_error", _("The JSON file holds no list of pieces."))
    if len(pieces) > MAX_ROWS:
        raise _too_many()
    names: dict[int, str] = {}
    if isinstance(doc, dict):
        for domain in doc.get("domains") or []:
            if isinstance(domain, dict) and isinstance(domain.get("id"), int):
                names[domain["id"]] = str(domain.get("key") or domain.get("name") or "")
    headers = ["domain", *(name for name in _FIELDS if name != "domain")]
    rows = []
    for number, piece in enumerate(pieces, start=1):
        zone = piece.get("domain_id")
        domain = names.get(zone, piece.get("domain_key") or "") if zone is not None else ""
        rows.append((number, [domain, *(piece.get(h) for h in headers[1:])]))
    return Sheet(headers, rows), names


def read_file(filename: str, data: bytes) -> Sheet:
    if len(data) > MAX_BYTES:
        raise BoardError("too_large", _("The file is larger than 8 MiB."))
    name = filename.lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if name.endswith(".json"):
        return read_json(data)[0]
    if name.endswith((".csv", ".txt")) or not name:
        return read_csv(data)
    raise BoardError("validation_error", _("Send a .csv, .xlsx or .json file."))


# --- cell values ----------------------------------------------------------------------------


def _plain(value: Any) -> str | None:
    """A cell as text: numbers without a spurious .0, dates as ISO, undoing our neutralising."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    if re.match(r"^'+[=+\-@\t\r]", text):
        text = text[1:]  # our export's apostrophe before a formula-like text
    return text or None


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = _plain(value)
    return [part.strip() for part in re.split(r"[;\n,]", text or "") if part.strip()]


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER_WORDS = re.compile(r"(?i)\b(kwarta[łl]y?|kw\.?|quarters?)(?=\W|$)")


def _quarter(token: str) -> int:
    token = token.strip().casefold().removeprefix("q").strip(". ")
    if token in _ROMAN:
        return _ROMAN[token]
    if token in ("1", "2", "3", "4"):
        return int(token)
    raise ValueError(token)


def _quarters(value: Any) -> list[int]:
    """ "I, III", "II–IV", "1-4", "Q1 Q2" or a list of numbers; a set of quarters 1–4."""
    if isinstance(value, list):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise ValueError(value)
        return sorted(set(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not float(value).is_integer():
            raise ValueError(value)
        return [_quarter(str(int(value)))]
    text = _QUARTER_WORDS.sub(" ", _plain(value) or "")
    text = re.sub(r"\s*[-–—]\s*", "-", text)
    found: set[int] = set()
    for part in re.split(r"[,;/\s]+", text):
        if not part:
            continue
        if "-" in part:
            lo, hi = (_quarter(p) for p in part.split("-", 1))
            if lo > hi:
                raise ValueError(part)
            found.update(range(lo, hi + 1))
        else:
            found.add(_quarter(part))
    return sorted(found)


def _amount(value: Any) -> float | int | None:
    """1 234,50 zł, 1234.50, 1.234,50 or a number cell; the schema checks range and decimals."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = _plain(value)
    if text is None:
        return None
    text = re.sub(r"(?i)\s|\u00a0|\u202f|zł|zl|pln", "", text)
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "")
    text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(value)
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    return int(amount) if amount == amount.to_integral_value() else float(amount)


# --- planning -------------------------------------------------------------------------------


def _messages(error: Any) -> str:
    if isinstance(error, dict):
        return " ".join(_messages(v) for v in error.values())
    if isinstance(error, list):
        return " ".join(_messages(v) for v in error)
    return str(error)


def _same(field_name: str, new: Any, old: Any) -> bool:
    if field_name == "cost_pln":
        if new is None or old is None:
            return new is old
        return Decimal(str(new)).quantize(Decimal("0.01")) == Decimal(str(old)).quantize(
            Decimal("0.01")
        )
    return new == old


# Built once: a schema's construction costs more than loading one row with it.
_NEW_FIELDS = PieceFieldsSchema()
_UPDATE_FIELDS = PieceFieldsSchema(partial=True)


def plan(board: dict[str, Any], sheet: Sheet) -> Plan:
    """Check every row against the board and turn the clean file into ops (nothing applied)."""
    result = Plan()
    columns: dict[str, int] = {}
    header_of: dict[str, str] = {}
    for index, header in enumerate(sheet.headers):
        key = normalise(header)
        if not key:
            continue
        if key not in HEADERS:
            result.ignored_columns.append(header)
            continue
        name = HEADERS[key]
        if name is None:
            continue
        if name in columns:
            result.error(1, header, _("Another column already holds this field."))
            continue
        columns[name] = index
        header_of[name] = header
    domains: dict[str, dict[str, Any]] = {}
    for domain in board["domains"]:
        domains.setdefault(normalise(domain["name"]), domain)
        domains.setdefault(normalise(domain["key"]), domain)
    existing = {p["code"]: p for p in board["pieces"]}
    codes_seen: dict[str, int] = {}
    creates_without_title = False
    for number, cells in sheet.rows:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        raw = {n: (cells[i] if i < len(cells) else None) for n, i in columns.items()}
        row_errors = len(result.errors)
        fields: dict[str, Any] = {}
        for name, value in raw.items():
            try:
                if name == "partners":
                    fields[name] = _list(value)
                elif name == "quarters":
                    fields[name] = _quarters(value)
                elif name == "cost_pln":
                    fields[name] = _amount(value)
                else:
                    fields[name] = _plain(value)
            except ValueError:
                message = {
                    "quarters": _("Use quarters I–IV, e.g. “I, III” or “II–IV”."),
                    "cost_pln": _("Not a valid amount; write e.g. 1 234,50."),
                }.get(name, _("Not a valid value."))
                result.error(number, header_of[name], message)
        code = fields.pop("code", None)
        domain_name = fields.pop("domain", None)
        target: dict[str, Any] | None = None
        to_tray = False
        if domain_name is not None:
            key = normalise(domain_name)
            if key in _TRAY_NAMES:
                to_tray = True
            elif key in domains:
                target = domains[key]
            else:
                msg = _("No domain is called “%(name)s” on this board.", name=domain_name)
                result.error(number, header_of["domain"], msg)
        if "status" in fields:
            status = fields.pop("status")
            if status is not None:
                if normalise(status) in _STATUS:
                    fields["status"] = _STATUS[normalise(status)]
                else:
                    result.error(number, header_of["status"], _("Unknown status."))
        if code is not None:
            if code in codes_seen:
                msg = _(
                    "The code %(code)s is already used in row %(row)s.",
                    code=code,
                    row=codes_seen[code],
                )
                result.error(number, header_of["code"], msg)
            codes_seen[code] = number
        old = existing.get(code) if code is not None else None
        if old is None and code is not None:
            fields["code"] = code
        if "partners" in fields and fields["partners"] is None:
            fields["partners"] = []
        try:
            loaded = (_UPDATE_FIELDS if old is not None else _NEW_FIELDS).load(fields)
        except ValidationError as exc:
            for name, messages in exc.messages_dict.items():
                column = header_of.get(name, name)
                if name == "title" and "title" not in columns:
                    creates_without_title = True
                    continue
                if name == "title" and fields.get("title") is None:
                    messages = _("Every action needs a title.")
                result.error(number, column, _messages(messages))
            loaded = None
        if loaded is None or len(result.errors) > row_errors:
            continue
        _plan_row(result, number, fields, old, target, to_tray, code)
    if creates_without_title:
        msg = _("New actions need a title, and the file has no title column.")
        result.error(1, "", msg)
    if result.errors:
        result.payloads = []
    return result


def _op(type_: str, **fields: Any) -> dict[str, Any]:
    return {"op_id": f"import-{uuid.uuid4().hex}", "type": type_, **fields}


def _plan_row(
    result: Plan,
    number: int,
    fields: dict[str, Any],
    old: dict[str, Any] | None,
    target: dict[str, Any] | None,
    to_tray: bool,
    code: str | None,
) -> None:
    domain_id = target["id"] if target else None
    entry: dict[str, Any] = {"row": number, "code": code, "title": fields.get("title")}
    if old is None:
        piece = {k: v for k, v in fields.items() if v is not None}
        result.payloads.append(_op("piece.create", piece=piece, domain_id=domain_id))
        result.created += 1
        entry |= {"action": "create", "domain": target["name"] if target else None}
    else:
        changes = {k: v for k, v in fields.items() if not _same(k, v, old.get(k))}
        if "status" in changes and changes["status"] is None:
            del changes["status"]
        moves = (target is not None and target["id"] != old["domain_id"]) or (
            to_tray and old["domain_id"] is not None
        )
        if changes:
            result.payloads.append(
                _op("piece.update", piece_id=old["id"], changes=changes, version=old["version"])
            )
        if moves:
            result.payloads.append(
                _op("piece.move", piece_id=old["id"], domain_id=domain_id, position=MAX_ROWS * 10)
            )
        if changes or moves:
            result.updated += 1
        else:
            result.unchanged += 1
        entry |= {
            "action": "update" if changes or moves else "unchanged",
            "title": fields.get("title") or old["title"],
            "changed": sorted(changes) + (["domain"] if moves else []),
            "domain": target["name"] if target else None,
        }
    if len(result.preview) < PREVIEW_ROWS:
        result.preview.append(entry)


def import_file(
    workshop: Workshop, actor: Actor, filename: str, data: bytes, *, dry_run: bool = False
) -> dict[str, Any]:
    """Check a file and, unless a dry run, apply it all or nothing; the answer's body."""
    from planner.realtime import submit_batch  # the adapter that also broadcasts the events

    sheet = read_file(filename, data)
    result = plan(snapshot(workshop, online=set()), sheet)
    if dry_run:
        return {
            "dry_run": True,
            **result.summary(),
            "preview": result.preview,
            "preview_truncated": len(sheet.rows) > len(result.preview),
        }
    if result.errors:
        message = _("The file has %(n)s errors; nothing was imported.", n=len(result.errors))
        raise BoardError("validation_error", message, {"rows": result.errors})
    applied = submit_batch(workshop.id, actor, result.payloads) if result.payloads else []
    summary = result.summary()
    summary["seq"] = applied[-1].event["seq"] if applied else workshop.seq
    return summary
