"""Command-line tasks for developers (flask --app planner <command>)."""

from __future__ import annotations

import click

from planner.i18n import LANGUAGES, po_path, update_catalogs


@click.command("translations")
def translations() -> None:
    """Refresh the .po catalogs from the source strings (then translate the new Polish entries)."""
    update_catalogs()
    for language in LANGUAGES:
        click.echo(f"updated {po_path(language)}")
