"""A real ``python -m facilitator serve --lan --threading`` (helpers.ServerProcess).

With a private IPv4 address on this machine (facilitator/lan.py finds it): the server listens there, answers
at ``http://<address>:<port>/``, prints that address for the phones, puts it into the join link and sends
cookies without ``Secure`` (plain HTTP). Without one: it refuses to start and says why. Whichever case this
machine is in runs; the other is skipped with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from helpers import ServerProcess, wait_until

from facilitator import lan

ADDRESS = lan.lan_address()


@pytest.mark.skipif(ADDRESS is None, reason="this machine has no private IPv4 address (RFC 1918) for --lan to use")
def test_serve_lan_listens_on_the_private_address(database_url: str, tmp_path: Path) -> None:
    server = ServerProcess(database_url, tmp_path, args=("--lan", "--threading"))
    base = f"http://{ADDRESS}:{server.port}"

    def answers() -> bool:
        if server.proc is not None and server.proc.poll() is not None:
            raise AssertionError(f"the server exited with {server.proc.returncode}:\n{server.log()}")
        try:
            return requests.get(f"{base}/healthz", timeout=1).ok
        except requests.RequestException:
            return False

    server.launch()
    try:
        wait_until(answers, f"the --lan server to answer at {base}", timeout=60)
        home = requests.get(f"{base}/", timeout=5)
        assert home.status_code < 400, home.status_code
        assert f"Personaverkstad: phones join at {base}/join" in server.full_log()
        join = requests.get(f"{base}/join", timeout=5)
        assert join.status_code == 200
        cookies = join.headers.get("Set-Cookie", "")
        assert "pv_session" in cookies and not re.search(r";\s*Secure", cookies, re.IGNORECASE), cookies  # PV_ALLOW_HTTP=1
    finally:
        server.stop()


@pytest.mark.skipif(ADDRESS is not None, reason=f"this machine has a private IPv4 address ({ADDRESS}); --lan starts")
def test_serve_lan_without_a_private_address_says_so(database_url: str, tmp_path: Path) -> None:
    server = ServerProcess(database_url, tmp_path, args=("--lan", "--threading"))
    server.launch()
    assert server.proc is not None
    assert server.proc.wait(60) == 2
    log = server.full_log()
    assert "--lan found no private network address" in log and "listening" not in log, log
