"""A consistent copy of the database while the server keeps running."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from planner.extensions import db


def backup_database(app: Flask, target: Path) -> None:
    """SQLite: the online backup API (a snapshot even while ops commit); PostgreSQL: pg_dump,
    whose single transaction sees one consistent state (restore with pg_restore)."""
    with app.app_context():
        url: sa.URL = db.engine.url
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database or "")
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    if url.get_backend_name() == "postgresql":
        env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
        command = ["pg_dump", "--format=custom", f"--file={target}", "--no-owner"]
        command += [f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}"]
        if url.username:
            command.append(f"--username={url.username}")
        subprocess.run([*command, url.database or ""], check=True, env=env)
        return
    raise SystemExit(f"No backup method for {url.get_backend_name()}")
