"""The programme as a workbook: every action with every field, the summary tables, the tray.

Cells are typed (costs and votes are numbers), the header row is frozen and filtered, and every
text that a spreadsheet would take for a formula is neutralised.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.exports import COLUMNS, Action, Programme, neutralise

_MONEY = '#,##0.00 "zł"'
_WIDTHS = {
    "code": 11,
    "title": 40,
    "description": 60,
    "domain": 24,
    "objective": 30,
    "lead": 24,
    "partners": 30,
    "quarters": 12,
    "cost_pln": 16,
    "funding": 24,
    "result": 30,
    "indicator": 30,
    "votes": 8,
    "status": 14,
    "origin": 16,
    "workshop": 30,
    "duplicate": 10,
}
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _text(value: str) -> str:
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value) if value else None
    return value


def _columns(programme: Programme) -> list[tuple[str, str]]:
    columns = list(COLUMNS)
    if programme.combined:
        columns += [("workshop", "workshop"), ("duplicate", "duplicate")]
    return columns


def _row(programme: Programme, action: Action, columns: list[tuple[str, str]]) -> list[Any]:
    row: list[Any] = []
    for name, _key in columns:
        if name == "cost_pln":
            row.append(None if action.cost is None else float(action.cost))
        elif name == "votes":
            row.append(action.votes)
        elif name == "workshop":
            row.append(_cell(action.workshop_title))
        elif name == "status":
            row.append(programme.status(action.status))
        elif name == "duplicate":
            row.append(programme.h("yes") if action.duplicate else None)
        else:
            row.append(_cell(programme.cell_text(action, name)))
    return row


def _action_sheet(
    sheet: Worksheet, programme: Programme, actions: list[Action], columns: list[tuple[str, str]]
) -> None:
    sheet.append([programme.h(key) for _name, key in columns])
    for action in actions:
        sheet.append(_row(programme, action, columns))
    last = get_column_letter(len(columns))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(actions) + 1}"
    for index, (name, _key) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = _WIDTHS[name]
        sheet.cell(row=1, column=index).font = _BOLD
        if name == "cost_pln":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = _MONEY


def _table(sheet: Worksheet, title: str, headers: list[str], rows: list[list[Any]]) -> None:
    """A titled table under the previous one, with a bold header row."""
    start = sheet.max_row + 2 if sheet.max_row > 1 else 1
    sheet.cell(row=start, column=1, value=_text(title)).font = Font(bold=True, size=13)
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=start + 1, column=index, value=_text(header)).font = _BOLD
    for offset, values in enumerate(rows, start=start + 2):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=offset, column=index, value=_cell(value))
            if isinstance(value, float):
                cell.number_format = _MONEY


def _summary_sheet(sheet: Worksheet, programme: Programme) -> None:
    h = programme.h
    names = [c.name for c in programme.chapters]
    per_domain: list[list[Any]] = [[n, c, float(cost)] for n, c, cost in programme.per_domain()]
    per_domain.append([h("total"), len(programme.actions), float(programme.total_cost)])
    _table(sheet, h("per_domain"), [h("domain"), h("actions"), h("cost")], per_domain)
    matrix = [[body, *counts, sum(counts)] for body, counts in programme.matrix()]
    _table(sheet, h("matrix"), [h("body"), *names, h("total")], matrix)
    timeline = [[name, *counts] for name, counts in programme.timeline()]
    _table(sheet, h("timeline"), [h("domain"), "I", "II", "III", "IV", h("no_timing")], timeline)
    per_action = [
        [a.code, a.title, *(1 if q in a.quarters else None for q in (1, 2, 3, 4))]
        for a in programme.actions
    ]
    _table(
        sheet,
        h("timeline_actions"),
        [h("code"), h("title_field"), "I", "II", "III", "IV"],
        per_action,
    )
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 40
    for letter in "CDEFGHIJ":
        sheet.column_dimensions[letter].width = 14


def render(programme: Programme) -> bytes:
    workbook = Workbook()
    workbook.properties.title = programme.title
    workbook.properties.subject = programme.h("association")
    workbook.properties.creator = programme.h("association")
    workbook.properties.language = "pl-PL" if programme.lang == "pl" else "en-GB"
    columns = _columns(programme)
    actions = workbook.active
    actions.title = programme.h("sheet_actions")
    _action_sheet(actions, programme, programme.actions, columns)
    _summary_sheet(workbook.create_sheet(programme.h("sheet_summary")), programme)
    tray = workbook.create_sheet(programme.h("sheet_tray"))
    _action_sheet(tray, programme, programme.tray, columns)
    for sheet in (actions, tray):
        for row in sheet.iter_rows(min_row=2, max_col=3):
            row[2].alignment = _WRAP
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
