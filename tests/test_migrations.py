"""Migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from planner.extensions import db


def _differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_sqlite_schema_matches_models(app):
    assert _differences() == []


def test_postgres_schema_matches_models(pg_app):
    assert _differences() == []


FIRST_REVISION = "39b9978b0b74"


def _upgrade_keeps_data(app) -> None:
    """A database made by the first release is upgraded to head with its board intact."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from planner.config import ROOT

    directory = str(ROOT / "migrations")
    db.session.remove()
    downgrade(directory=directory, revision="base")
    upgrade(directory=directory, revision=FIRST_REVISION)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO workshop (id, code, title, year, phase, locked, seq, created_at)"
                " VALUES (1, 'ABCDEFGH', 'Stary', 2026, 'placing', false, 1, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO piece (id, workshop_id, code, title, position, partners, quarters,"
                " status, version, created_at, updated_at) VALUES (1, 1, 'MOB-01', 'Bilet', 0,"
                " '[]', '[2]', 'proposed', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(directory=directory)
    with db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT code, title FROM piece WHERE id = 1")).one()
    assert tuple(row) == ("MOB-01", "Bilet")
    assert _differences() == []


def test_sqlite_upgrade_from_the_first_release(app):
    _upgrade_keeps_data(app)


def test_postgres_upgrade_from_the_first_release(pg_app):
    _upgrade_keeps_data(pg_app)
