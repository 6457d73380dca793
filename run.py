#!/usr/bin/env python3
"""Start Układanka, or run its tests.

    python3 run.py            start the server (SQLite in instance/, one process)
    python3 run.py test       run the whole test suite (extra arguments go to pytest)
    python3 run.py backup F   write a consistent copy of the database to F (server may run)
    python3 run.py anonymise  replace participants' names in workshops closed for
                              PLANNER_RETENTION_DAYS days (the server also does it daily)

The first call makes a virtual environment in .venv and installs the project into it, so a fresh
clone needs nothing but Python 3.11 and git. It re-installs when pyproject.toml changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import subprocess
import sys
import venv
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"


def _bootstrap(extras: str) -> None:
    """Make sure .venv exists with the project installed, then re-run this script inside it."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not VENV_PYTHON.exists():
        print(f"Creating a virtual environment in {VENV} (first run only)…", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras}"
    if not stamp.exists() or stamp.read_text() != digest:
        print(f"Installing dependencies ({extras})…", flush=True)
        pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "-e", f".[{extras}]"], check=True, cwd=ROOT)
        stamp.write_text(digest)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def _patch_async_mode() -> None:
    """Monkey-patch for the green-thread server before anything else is imported."""
    mode = os.environ.get("PLANNER_ASYNC_MODE", "eventlet")
    if mode == "eventlet":
        # Known and planned for: gevent is the drop-in alternative (PLANNER_ASYNC_MODE=gevent).
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()  # this also makes psycopg2 wait through the hub
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        # psycopg2 must wait for PostgreSQL through the hub, not block it (postgres extra)
        with contextlib.suppress(ImportError):
            importlib.import_module("psycogreen.gevent").patch_psycopg()


def serve() -> None:
    _patch_async_mode()
    from planner import create_app
    from planner.server import run_server

    run_server(create_app())


def test(args: list[str]) -> int:
    os.chdir(ROOT)
    return subprocess.call([sys.executable, "-m", "pytest", *args])


def backup(target: str) -> None:
    from planner import create_app
    from planner.backup import backup_database

    backup_database(create_app(), Path(target))
    print(f"Backup written to {target}")


def anonymise() -> None:
    from planner import create_app
    from planner.retention import anonymise_due

    app = create_app()
    with app.app_context():
        count = anonymise_due(app.config["RETENTION_DAYS"])
    print(f"Participants anonymised: {count}")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "test":
        _bootstrap("dev")
        return test(sys.argv[2:])
    _bootstrap("postgres,redis,gevent")
    if command == "serve":
        serve()
    elif command == "backup" and len(sys.argv) == 3:
        backup(sys.argv[2])
    elif command == "anonymise" and len(sys.argv) == 2:
        anonymise()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
