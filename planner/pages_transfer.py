"""The bureau's export page: documents out, candidate actions in, restore and next year."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from planner import auth
from planner.exports import FORMATS
from planner.extensions import db
from planner.models import Workshop

bp = Blueprint("transfer_pages", __name__)


def _strings() -> dict[str, str]:
    """Texts the page's script shows, translated for the request's language."""
    return {
        "network": _("Cannot reach the server. Check the connection and try again."),
        "checking": _("Checking the file…"),
        "importing": _("Importing…"),
        "choose_file": _("Choose a file first."),
        "preview_ok": _(
            "The file is clean: {created} new, {updated} changed, {unchanged} unchanged."
        ),
        "preview_errors": _("The file has {n} errors. Nothing will be imported until it is clean."),
        "preview_truncated": _("Only the first rows are shown."),
        "ignored": _("Columns not recognised (ignored): {columns}"),
        "imported": _("Imported: {created} new, {updated} changed."),
        "row": _("Row"),
        "column": _("Column"),
        "message": _("Problem"),
        "code": _("Code"),
        "title": _("Title"),
        "what": _("What happens"),
        "domain": _("Domain"),
        "action.create": _("new"),
        "action.update": _("changed"),
        "action.unchanged": _("unchanged"),
        "tray": _("Tray"),
        "created_workshop": _("Created the workshop “{title}”."),
        "open_console": _("Open its console"),
        "choose_workshops": _("Choose at least one workshop."),
    }


@bp.get("/export/<int:workshop_id>")
def export_page(workshop_id: int):
    actor = auth.current_actor()
    if actor is None:
        return redirect(url_for("views.index", next=request.path))
    if not actor.is_staff:
        message = _("Only facilitators may see this page.")
        return render_template("error.html", code=403, message=message), 403
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        return render_template("error.html", code=404, message=_("This page does not exist.")), 404
    same_year = db.session.scalars(
        sa.select(Workshop).where(Workshop.year == workshop.year).order_by(Workshop.id)
    )
    siblings = [{"id": w.id, "title": w.title} for w in same_year]
    page_data: dict[str, Any] = {
        "workshop_id": workshop.id,
        "lang": str(get_locale() or "pl"),
        "strings": _strings(),
        "import_url": url_for("api.import_file", workshop_id=workshop.id),
        "restore_url": url_for("api.restore"),
        "next_year_url": url_for("api.next_year", workshop_id=workshop.id),
    }
    return render_template(
        "export.html",
        workshop=workshop,
        formats=FORMATS,
        siblings=siblings,
        page_data=page_data,
    )
