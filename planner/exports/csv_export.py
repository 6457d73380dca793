"""The programme as CSV: UTF-8 with a BOM (so Excel reads the Polish letters), a header row,
one placed action per line in board order, formula-like texts neutralised.

Numbers are machine-readable (1234.50) and status is its key (in_programme), as open data wants;
the headings follow ?lang= and the import understands them in either language.
"""

from __future__ import annotations

import csv
import io

from planner.exports import COLUMNS, Programme, neutralise


def render(programme: Programme) -> bytes:
    columns = list(COLUMNS)
    if programme.combined:
        columns += [("workshop", "workshop"), ("duplicate", "duplicate")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([programme.h(key) for _name, key in columns])
    for action in programme.actions:
        row = []
        for name, _key in columns:
            if name == "workshop":
                value = action.workshop_title
            elif name == "duplicate":
                value = programme.h("yes") if action.duplicate else ""
            else:
                value = programme.cell_text(action, name)
            row.append(neutralise(value))
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
