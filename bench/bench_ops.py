"""The cost of one op on the server, in process: what each live move costs the event loop.

    .venv/bin/python bench/bench_ops.py [--moves 2000] [--pieces 100] [--profile] [--batch K]

A temporary SQLite file (WAL, synchronous=FULL, as run.py), a workshop of `--pieces` pieces on
the 7 domains, one participant; then `--moves` `piece.move` ops through `realtime.submit` (the
path a socket's `op` takes: the op engine, the commit, the broadcast to an empty room). Prints the
median and p95 time per move and the SQL statements per move; `--profile` adds a cProfile of the
moves, the 25 costliest functions by own time. `--batch K` hands the moves K at a time to
`realtime.submit_each`, as the server does with the moves of one turn of its event loop (times
are per move). Writes bench/results/ops.json (`ops-batch<K>.json` with --batch).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import DB_DIR, machine, percentile, piece_fields, write_result


def measure(moves: int, pieces: int, profile: bool, batch: int = 1) -> dict[str, Any]:
    os.environ.setdefault("PLANNER_SECRET_KEY", "bench-secret-key")
    import sqlalchemy as sa

    from planner import auth, create_app
    from planner.board import Actor, apply_batch, create_workshop, snapshot
    from planner.config import database_url
    from planner.extensions import db
    from planner.realtime import submit, submit_each
    from planner.server import tune_gc

    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-", dir=DB_DIR))
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": database_url(None, tmp)}
    )
    with app.app_context():
        user = auth.create_staff_user("bench", "a-long-password")
        staff = Actor("staff", user.id, "bench")
        workshop = create_workshop("Ops", 2027, "smk2030", user.id)
        workshop_id, code = workshop.id, workshop.code
        domains = [d["id"] for d in snapshot(workshop, set())["domains"]]
        apply_batch(
            workshop_id,
            staff,
            [
                {"op_id": str(uuid.uuid4()), "type": "group.create", "group": {"name": "Stół 1"}},
                *(
                    {
                        "op_id": str(uuid.uuid4()),
                        "type": "piece.create",
                        "piece": piece_fields(n),
                        "domain_id": domains[n % len(domains)],
                    }
                    for n in range(pieces)
                ),
            ],
        )
        board = snapshot(db.session.get(type(workshop), workshop_id), set())
        piece_ids = [p["id"] for p in board["pieces"]]
        _, person, _ = auth.join(code, "Uczestnik", board["groups"][0]["id"])
        actor = Actor("participant", person.id, person.name, person.group_id, workshop_id)
        db.session.remove()

        rng = random.Random(8)
        payloads = [
            {
                "op_id": str(uuid.uuid4()),
                "type": "piece.move",
                "piece_id": rng.choice(piece_ids),
                "domain_id": rng.choice(domains),
                "position": rng.randrange(0, pieces // len(domains) + 1),
            }
            for _ in range(moves)
        ]
        statements = 0

        def count(sql: str) -> None:  # what SQLite runs: the live path skips SQLAlchemy's events
            nonlocal statements
            statements += not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK"))

        def trace(dbapi_connection: Any, *_args: Any) -> None:
            dbapi_connection.set_trace_callback(count)

        tune_gc()  # as the server does after start-up
        sa.event.listen(db.engine, "checkout", trace)
        profiler = cProfile.Profile() if profile else None
        times, cpu = [], []
        for start in range(0, len(payloads), batch):
            started, cpu_started = time.perf_counter(), time.thread_time()
            if profiler:
                profiler.enable()
            if batch == 1:
                submit(workshop_id, actor, payloads[start])
            else:
                submit_each(workshop_id, [(actor, p) for p in payloads[start : start + batch]])
            db.session.remove()  # each socket event ends its session
            if profiler:
                profiler.disable()
            times.append((time.perf_counter() - started) / batch)
            cpu.append((time.thread_time() - cpu_started) / batch)
        sa.event.remove(db.engine, "checkout", trace)
        db.engine.dispose()  # no connection left traced
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(25)
    return {
        "moves": moves,
        "pieces": pieces,
        "batch": batch,
        "move_median_ms": statistics.median(times) * 1000,
        "move_p95_ms": percentile(sorted(times), 95) * 1000,
        "move_cpu_median_ms": statistics.median(cpu) * 1000,
        "statements_per_move": statements / moves,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=2000)
    parser.add_argument("--pieces", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--batch", type=int, default=1, help="moves per transaction")
    args = parser.parse_args()
    result = measure(args.moves, args.pieces, args.profile, args.batch)
    print(
        f"piece.move in process: median {result['move_median_ms']:.2f} ms, "
        f"p95 {result['move_p95_ms']:.2f} ms, CPU median {result['move_cpu_median_ms']:.2f} ms, "
        f"{result['statements_per_move']:.1f} SQL statements per move"
        + (f" ({args.batch} moves per transaction)" if args.batch > 1 else "")
    )
    name = "ops" if args.batch == 1 else f"ops-batch{args.batch}"
    write_result(name, {"machine": machine(), "ops": result})


if __name__ == "__main__":
    main()
