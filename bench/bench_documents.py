"""Benchmark: exports of a 2 000-piece board in every format, and imports of 2 000 rows.

Run from the repository root:  .venv/bin/python bench/bench_documents.py [--repeat N]
Everything goes through the REST endpoints (snapshot, rendering, parsing, the op engine and the
broadcast), on a temporary SQLite database made by create_app(TESTING=True). Prints a table and
writes bench/results/documents.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLANNER_SECRET_KEY", "bench-secret-key")
os.environ.setdefault("PLANNER_INSTANCE_PATH", tempfile.mkdtemp(prefix="planner-bench-"))

from planner import auth, create_app  # noqa: E402
from planner.board import Actor, apply_batch, create_workshop, snapshot  # noqa: E402
from planner.config import database_url  # noqa: E402

PIECES = 2000
TARGET_SECONDS = 2.0
GMINAS = ("Kraków", "Wieliczka", "Skawina", "Niepołomice", "Zabierzów", "Liszki", "Mogilany")


def piece_fields(n: int) -> dict:
    return {
        "code": f"B-{n:04d}",
        "title": f"Działanie metropolitalne nr {n}: wspólna usługa gmin",
        "description": "Zakres rzeczowy: analiza potrzeb, projekt, wdrożenie i ocena. " * 5,
        "objective": "Cel 2.1: spójny system transportu zbiorowego",
        "lead": GMINAS[n % len(GMINAS)],
        "partners": [GMINAS[(n + k) % len(GMINAS)] for k in (1, 2, 3)],
        "quarters": sorted({1 + n % 4, 1 + (n + 1) % 4}),
        "cost_pln": 1000 + (n * 37) % 90000 + 0.5,
        "funding": "budżet SMK, składki gmin",
        "result": "Wdrożona usługa we wszystkich gminach partnerskich",
        "indicator": "liczba gmin: 15",
    }


def build_board(app, staff: Actor, title: str) -> int:
    workshop = create_workshop(title, 2027, "smk2030", staff.id)
    domains = snapshot(workshop, set())["domains"]
    ops = []
    for n in range(PIECES):
        zone = None if n % 20 == 0 else domains[n % len(domains)]["id"]  # 5 % left in the tray
        ops.append(
            {
                "op_id": str(uuid.uuid4()),
                "type": "piece.create",
                "piece": piece_fields(n),
                "domain_id": zone,
            }
        )
    apply_batch(workshop.id, staff, ops)
    return workshop.id


def timed(call, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except OSError:
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--name", default="documents", help="the result file: NAME.json")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": tmp,
            "SQLALCHEMY_DATABASE_URI": database_url(None, tmp),
        }
    )
    rows = []
    with app.app_context():
        user = auth.create_staff_user("bench", "a-long-password")
        token = auth.issue_staff_token(user)
        staff = Actor("staff", user.id, "bench")
        headers = {"Authorization": f"Bearer {token}"}
        http = app.test_client()
        started = time.perf_counter()
        source = build_board(app, staff, "Benchmark 2027")
        setup = time.perf_counter() - started
        files = {}
        for fmt in ("docx", "xlsx", "csv", "json", "html"):
            url = f"/api/workshops/{source}/export/{fmt}?lang=pl"

            def export(url=url):
                answer = http.get(url, headers=headers)
                assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
                return answer.data

            times, data = timed(export, args.repeat)
            files[fmt] = data
            rows.append(("export", fmt, times, len(data)))
        placed = PIECES - PIECES // 20
        for fmt in ("csv", "xlsx"):

            def load(fmt=fmt):
                target = create_workshop(f"Import {fmt}", 2027, "smk2030", user.id)
                answer = http.post(
                    f"/api/workshops/{target.id}/import",
                    data={"file": (io.BytesIO(files[fmt]), f"program.{fmt}")},
                    headers=headers,
                    content_type="multipart/form-data",
                )
                assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
                assert answer.get_json()["created"] == placed
                return answer

            times, _answer = timed(load, args.repeat)
            rows.append(("import", fmt, times, len(files[fmt])))
            # The check alone (a dry run): parsing and validation without the op engine.
            dry_url = f"/api/workshops/{source}/import?dry_run=1"

            def check(fmt=fmt, dry_url=dry_url):
                return http.post(
                    dry_url,
                    data={"file": (io.BytesIO(files[fmt]), f"program.{fmt}")},
                    headers=headers,
                    content_type="multipart/form-data",
                )

            times, _answer = timed(check, args.repeat)
            rows.append(("import dry run", fmt, times, len(files[fmt])))
    print(f"2 000-piece board built in {setup:.2f} s; {args.repeat} runs each; target ≤ 2 s")
    print(f"{'what':<16}{'format':<7}{'median s':>10}{'min s':>8}{'max s':>8}{'size KiB':>10}")
    results = []
    for what, fmt, times, size in rows:
        median = statistics.median(times)
        print(
            f"{what:<16}{fmt:<7}{median:>10.3f}{min(times):>8.3f}{max(times):>8.3f}"
            f"{size / 1024:>10.0f}"
        )
        results.append(
            {
                "what": what,
                "format": fmt,
                "rows": PIECES if what == "export" else PIECES - PIECES // 20,
                "median_s": round(median, 4),
                "min_s": round(min(times), 4),
                "max_s": round(max(times), 4),
                "bytes": size,
                "within_target": median <= TARGET_SECONDS,
            }
        )
    out = ROOT / "bench" / "results" / f"{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "pieces": PIECES,
        "repeat": args.repeat,
        "target_s": TARGET_SECONDS,
        "machine": machine(),
        "database": "SQLite (temporary file, WAL, synchronous=FULL)",
        "results": results,
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
