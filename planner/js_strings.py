"""Every text the browser code shows, translated for the request's language.

The pages hand this dict to the JavaScript (page_data["strings"]); the scripts never hard-code a
visible text. Placeholders in braces ({name}) are filled in by the script.
"""

from __future__ import annotations

from flask_babel import gettext


def js_strings() -> dict[str, str]:
    """Translated strings keyed by what they are for, e.g. "conn.online"."""
    return {
        "conn.connecting": gettext("Connecting…"),
        "conn.online": gettext("Online"),
        "conn.reconnecting": gettext("Connection lost, reconnecting…"),
        "conn.offline": gettext("Offline: changes wait until the connection is back"),
        "conn.unauthorized": gettext("You are not signed in to this workshop."),
        "conn.forbidden": gettext("You may not see this workshop."),
        "conn.rejoin": gettext("Join again"),
        "conn.to_start": gettext("Go to the start page"),
        "zone.tray": gettext("Tray"),
        "zone.empty": gettext("Drop pieces here"),
        "zone.count": gettext("Number of pieces:"),
        "piece.held_by": gettext("held by {name}"),
        "piece.move_to": gettext("Move “{title}” to…"),
        "piece.created": gettext("Added “{title}”."),
        "move.current": gettext("{zone} (here now)"),
        "move.done": gettext("Moved “{title}” to {zone}."),
        "move.failed": gettext("The move was undone: {message}"),
        "editor.saved": gettext("Saved."),
        "editor.deleted": gettext("Deleted “{title}”."),
        "editor.confirm_delete": gettext("Delete “{title}”? This cannot be undone here."),
        "editor.removed_elsewhere": gettext("This piece has just been deleted by someone else."),
        "editor.remove_partner": gettext("Remove partner {name}"),
        "editor.title_required": gettext("Give the action a title."),
        "editor.cost_invalid": gettext("Type an amount of zero or more, e.g. 12500.50."),
        "editor.check_fields": gettext("Check the marked fields."),
        "error.generic": gettext("Something went wrong. Try again."),
        "error.network": gettext("Cannot reach the server. Check the connection and try again."),
        "console.no_groups": gettext("No groups yet."),
        "console.no_participants": gettext("Nobody has joined yet."),
        "console.online": gettext("online"),
        "console.offline": gettext("offline"),
        "console.staff": gettext("staff"),
        "console.group_added": gettext("Group “{name}” added."),
        "console.group_name_required": gettext("Give the group a name."),
        "console.copied": gettext("The join link is copied."),
        "console.copy_failed": gettext("Could not copy; select the link and copy it by hand."),
    }
