"""Board size: the snapshot of a 200- and a 2 000-piece board, and the pages in headless Chromium.

    .venv/bin/python bench/bench_board.py [--sizes 200 2000] [--repeat 10] [--moves 20]

1. Snapshot, server side, in-process (create_app on a temporary SQLite file): the `snapshot()`
   call the socket catch-up makes, and the whole `GET /api/workshops/<id>/board` request through
   Flask's test client (schemas and JSON included), with the size of its body.
2. Pages, against run.py: the tablet board `/board/<id>` and the projector `/screen/<id>` in
   Debian's Chromium (Playwright, 1024×768, staff session). "Interactive" is the moment
   (performance.now() since navigation start) `[data-board]` gets `aria-busy="false"`. Then a
   second socket moves pieces one at a time; an init script stamps when each `event` frame
   reaches the page's WebSocket, the first DOM mutation of the board after it (applied) and the
   next animation frame after that (painted), and counts the nodes the update added (a full
   re-render adds thousands).
Writes bench/results/board.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from common import OurServer, machine, percentile, piece_fields, write_result

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1024, "height": 768}

# Injected before the page's own scripts (Playwright add_init_script), never in the templates.
PROBE = """
(() => {
  const bench = (window.__bench = { ready: null, moves: [], pending: null });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (m) => {
        if (typeof m.data === "string" && m.data.includes('"op_id":"bench-move-')) {
          bench.pending = { t_msg: performance.now(), t_applied: null, t_frame: null, added: 0 };
          bench.moves.push(bench.pending);
        }
      });
    }
  };
  const watch = () => {
    const board = document.querySelector("[data-board]");
    if (!board) return false;
    const done = () => board.getAttribute("aria-busy") === "false";
    if (done()) bench.ready = performance.now();
    new MutationObserver((records) => {
      if (bench.ready === null && done()) bench.ready = performance.now();
      const move = bench.pending;
      if (!move) return;
      for (const r of records) move.added += r.addedNodes.length;
      if (move.t_applied === null) {
        move.t_applied = performance.now();
        requestAnimationFrame(() => { move.t_frame = performance.now(); });
      }
    }).observe(board, { attributes: true, childList: true, subtree: true });
    return true;
  };
  if (!watch()) document.addEventListener("DOMContentLoaded", watch);
})();
"""


def snapshot_costs(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    import os

    os.environ.setdefault("PLANNER_SECRET_KEY", "bench-secret-key")
    from planner import auth, create_app
    from planner.board import Actor, apply_batch, create_workshop, snapshot, workshops
    from planner.config import database_url
    from planner.extensions import db
    from planner.models import Workshop
    from planner.server import tune_gc

    tmp = Path(tempfile.mkdtemp(prefix="planner-bench-"))
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": database_url(None, tmp)}
    )
    rows = []
    with app.app_context():
        user = auth.create_staff_user("bench", "a-long-password")
        token = auth.issue_staff_token(user)
        user_id = user.id
        staff = Actor("staff", user_id, "bench")
        http = app.test_client()
        for size in sizes:
            workshop = create_workshop(f"Board {size}", 2027, "smk2030", user_id)
            workshop_id = workshop.id
            domains = [d["id"] for d in snapshot(workshop, set())["domains"]]
            ops = [
                {
                    "op_id": str(uuid.uuid4()),
                    "type": "piece.create",
                    "piece": piece_fields(n),
                    "domain_id": None if n % 20 == 0 else domains[n % len(domains)],
                }
                for n in range(size)
            ]
            apply_batch(workshop_id, staff, ops)
            tune_gc()  # as the server does after start-up
            cold, calls, warm, requests_ = [], [], [], []
            body = b""
            placed = [p for p in snapshot(workshop, set())["pieces"] if p["domain_id"]]
            for n in range(repeat):
                db.session.remove()  # a fresh session, as a new socket's handler has
                workshops._pieces_cache.clear()  # nothing kept: after a start, or evicted
                started = time.perf_counter()
                snapshot(db.session.get(Workshop, workshop_id), set())
                cold.append(time.perf_counter() - started)
                piece = placed[(n * 37) % len(placed)]  # one move: the first client after it
                move = {"piece_id": piece["id"], "domain_id": piece["domain_id"], "position": 0}
                apply_batch(
                    workshop_id, staff, [{"op_id": str(uuid.uuid4()), "type": "piece.move", **move}]
                )
                db.session.remove()
                started = time.perf_counter()
                snapshot(db.session.get(Workshop, workshop_id), set())
                calls.append(time.perf_counter() - started)
                db.session.remove()  # warm: another client at the same seq
                started = time.perf_counter()
                snapshot(db.session.get(Workshop, workshop_id), set())
                warm.append(time.perf_counter() - started)
                db.session.remove()
                workshops._pieces_cache.clear()
                started = time.perf_counter()
                answer = http.get(
                    f"/api/workshops/{workshop_id}/board",
                    headers={"Authorization": f"Bearer {token}"},
                )
                requests_.append(time.perf_counter() - started)
                body = answer.data
            rows.append(
                {
                    "pieces": size,
                    "snapshot_cold_ms": statistics.median(cold) * 1000,
                    "snapshot_call_ms": statistics.median(calls) * 1000,
                    "snapshot_warm_ms": statistics.median(warm) * 1000,
                    "snapshot_request_ms": statistics.median(requests_) * 1000,
                    "snapshot_request_min_ms": min(requests_) * 1000,
                    "snapshot_bytes": len(body),
                }
            )
    return rows


async def _mover(url: str, token: str, workshop_id: int, moves: list[dict], gap: float) -> None:
    import aiohttp

    ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        await ws.receive_str()
        await ws.send_str("40" + json.dumps({"token": token, "workshop_id": workshop_id}))
        while not (await ws.receive_str()).startswith(("40", "44")):
            pass
        for n, move in enumerate(moves, 1):
            await ws.send_str(f"42{n}" + json.dumps(["op", move]))
            while True:
                data = await ws.receive_str()
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith(f"43{n}["):
                    break
            await asyncio.sleep(gap)


def page_costs(sizes: list[int], moves: int, loads: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    server = OurServer().start()
    rows = []
    try:
        boards = {size: server.board(size) for size in sizes}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for size, (workshop_id, piece_ids, zones) in boards.items():
                    for page_name, path in (("tablet", "board"), ("projector", "screen")):
                        rows.append(
                            _page(
                                browser,
                                server,
                                f"{path}/{workshop_id}",
                                page_name,
                                size,
                                workshop_id,
                                piece_ids,
                                zones,
                                moves,
                                loads,
                            )
                        )
                        row = rows[-1]
                        print(
                            f"    {page_name} {size}: interactive {row['interactive_ms']:.0f} ms,"
                            f" move applied p50 {row['move_applied_p50_ms']:.1f} ms,"
                            f" painted p50 {row['move_frame_p50_ms']:.1f} ms"
                        )
            finally:
                browser.close()
    finally:
        server.stop()
    return rows


def _page(
    browser,
    server: OurServer,
    path: str,
    name: str,
    size: int,
    workshop_id: int,
    piece_ids: list[int],
    zones: list,
    moves: int,
    loads: int,
) -> dict[str, Any]:
    ready = []
    for _ in range(loads):
        context = browser.new_context(viewport=VIEWPORT, locale="pl-PL")
        context.add_init_script(PROBE)
        login = {"username": server.ADMIN[0], "password": server.ADMIN[1]}
        context.request.post(f"{server.url}/api/login", data=login).dispose()
        page = context.new_page()
        page.goto(f"{server.url}/{path}")
        deadline = time.monotonic() + 60
        while (stamp := page.evaluate("window.__bench.ready")) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} never became interactive")
            page.wait_for_timeout(20)  # wait_for_function would need eval, which the CSP forbids
        ready.append(stamp)
        if len(ready) < loads:
            context.close()
    page.wait_for_timeout(500)
    ops = [
        {
            "op_id": f"bench-move-{uuid.uuid4()}",
            "type": "piece.move",
            "piece_id": piece_ids[(n * 97) % len(piece_ids)],
            "domain_id": zones[1 + n % (len(zones) - 1)],
            "position": n % 5,
        }
        for n in range(moves)
    ]
    # Playwright's sync API owns this thread's event loop: the mover runs in a thread of its own,
    # while the page is polled (which keeps Playwright's loop turning).
    token = server.staff_token
    mover = threading.Thread(
        target=lambda: asyncio.run(_mover(server.url, token, workshop_id, ops, 0.25))
    )
    mover.start()
    while mover.is_alive():
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)
    measured = page.evaluate("window.__bench.moves")
    context.close()
    applied = [m["t_applied"] - m["t_msg"] for m in measured if m["t_applied"] is not None]
    frames = [m["t_frame"] - m["t_msg"] for m in measured if m["t_frame"] is not None]
    added = [m["added"] for m in measured]
    return {
        "page": name,
        "pieces": size,
        "interactive_ms": statistics.median(ready),
        "interactive_all_ms": ready,
        "moves_sent": moves,
        "moves_seen": len(measured),
        "move_applied_p50_ms": percentile(applied, 50),
        "move_applied_max_ms": max(applied, default=float("nan")),
        "move_frame_p50_ms": percentile(frames, 50),
        "move_frame_max_ms": max(frames, default=float("nan")),
        "nodes_added_per_move_max": max(added, default=0),
    }


def run(
    sizes: list[int], repeat: int, moves: int, loads: int, pages: bool = True
) -> dict[str, Any]:
    print("  snapshot (server, in-process)")
    snapshots = snapshot_costs(sizes, repeat)
    for row in snapshots:
        print(
            f"    {row['pieces']} pieces: snapshot() after a move {row['snapshot_call_ms']:.1f} ms "
            f"(nothing kept {row['snapshot_cold_ms']:.1f} ms, "
            f"again at the same seq {row['snapshot_warm_ms']:.1f} ms), "
            f"GET board {row['snapshot_request_ms']:.1f} ms, {row['snapshot_bytes'] / 1024:.0f} KiB"
        )
    if not pages:
        return {"sizes": sizes, "snapshot": snapshots}
    print("  pages (headless Chromium)")
    return {"sizes": sizes, "snapshot": snapshots, "pages": page_costs(sizes, moves, loads)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument(
        "--snapshot-only", action="store_true", help="the server's snapshot alone; writes nothing"
    )
    parser.add_argument("--name", default="board", help="the result file: NAME.json")
    args = parser.parse_args()
    if args.snapshot_only:  # before/after a change of the snapshot, without clobbering board.json
        run(args.sizes, args.repeat, 0, 0, pages=False)
        return
    result = run(args.sizes, args.repeat, args.moves, args.loads)
    result["machine"] = machine()
    print(f"written {write_result(args.name, result)}")


if __name__ == "__main__":
    main()
