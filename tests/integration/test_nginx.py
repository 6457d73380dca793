"""The shipped nginx configuration in front of two processes: websockets, polling, stickiness."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid

import pytest
import requests
import socketio

from tests.mirror import BoardClient
from tests.support import REDIS_URL, ROOT, free_port, need, port_open

pytestmark = pytest.mark.slow


@pytest.fixture
def behind_nginx(make_live_server, tmp_path):
    need(shutil.which("nginx") is not None, "nginx is not installed (apt-get install nginx-light)")
    need(port_open("127.0.0.1", 6379), "Redis is not running on 127.0.0.1:6379")
    env = {
        "PLANNER_MESSAGE_QUEUE": REDIS_URL,
        "PLANNER_REDIS_PREFIX": f"planner-test-{uuid.uuid4().hex[:8]}",
        "PLANNER_PROXY_COUNT": "1",
    }
    first = make_live_server("postgres", **env)
    second = make_live_server(first.env["PLANNER_DATABASE_URL"], **env)
    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("127.0.0.1:5001", f"127.0.0.1:{first.port}")
    site = site.replace("127.0.0.1:5002", f"127.0.0.1:{second.port}")
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{port};", site)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\nclient_body_temp_path {tmp_path};\n"
        f"proxy_temp_path {tmp_path};\n{site}\n}}\n"
    )
    check = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(tmp_path)], capture_output=True
    )
    assert check.returncode == 0, check.stderr.decode()
    proxy = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for the port to open
    yield url, first, second
    proxy.terminate()
    proxy.wait(10)


def test_websocket_and_polling_clients_through_nginx(behind_nginx):
    url, first, second = behind_nginx
    assert requests.get(f"{url}/healthz", timeout=5).json()["queue"] == "ok"
    workshop = first.create_workshop()
    through_ws = BoardClient(url, first.staff_token, workshop["id"]).connect()
    direct = BoardClient(second.url, first.staff_token, workshop["id"]).connect()
    polling = socketio.Client(reconnection=False)
    seen: list[dict] = []
    polling.on("event", seen.append)
    polling.connect(
        url,
        auth={"token": first.staff_token, "workshop_id": workshop["id"]},
        transports=["polling"],
        wait_timeout=10,
    )
    ack = through_ws.op("piece.create", piece={"title": "Przez nginx"})
    assert ack["ok"]
    assert direct.mirror.wait_for_seq(ack["seq"])
    ack2 = polling.call(
        "op",
        {"op_id": str(uuid.uuid4()), "type": "piece.create", "piece": {"title": "Long-polling"}},
        timeout=10,
    )
    assert ack2["ok"] and ack2["seq"] == ack["seq"] + 1
    assert through_ws.mirror.wait_for_seq(ack2["seq"])
    assert direct.mirror.wait_for_seq(ack2["seq"])
    titles = sorted(p["title"] for p in direct.mirror.pieces.values())
    assert titles == ["Long-polling", "Przez nginx"]
    assert [e["seq"] for e in seen][-1] == ack2["seq"] or ack2["seq"] in [e["seq"] for e in seen]
    for client in (through_ws, direct):
        client.close()
    polling.disconnect()


class _FromAddress(requests.adapters.HTTPAdapter):
    """Connect from another loopback address, as a second tablet behind another router."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def _session(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


def test_join_limit_counts_the_real_address_behind_nginx(behind_nginx):
    url, _, _ = behind_nginx
    guesser, neighbour = _session("127.0.0.2"), _session("127.0.0.3")
    wrong = {"code": "ZZZZZZZZ", "name": "x"}
    for n in range(10):
        # a forged X-Forwarded-For does not help: nginx appends the real address, and only
        # that last hop is trusted (PLANNER_PROXY_COUNT=1)
        spoof = {"X-Forwarded-For": f"10.0.0.{n}"}
        answer = guesser.post(f"{url}/api/join", json=wrong, headers=spoof, timeout=5)
        assert answer.status_code == 404, n
    assert guesser.post(f"{url}/api/join", json=wrong, timeout=5).status_code == 429
    # another address (not nginx's own, shared by everyone) is not held back
    assert neighbour.post(f"{url}/api/join", json=wrong, timeout=5).status_code == 404
