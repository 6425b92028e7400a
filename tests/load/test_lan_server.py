"""A real ``python -m facilitator serve --lan --threading`` (helpers.ServerProcess).

With a private IPv4 address on this machine (facilitator/lan.py finds it): the server listens there, answers
at ``http://<address>:<port>/``, prints that address for the phones, puts it into the join link and sends
cookies without ``Secure`` (plain HTTP). Without one: it refuses to start and says why. Whichever case this
machine is in runs; the other is skipped with the reason.

The success case also runs on every machine that allows network namespaces (root, ``ip``, veth): a namespace
of the test's own with a veth pair on 192.168.77.1/24 stands in for the venue's Wi-Fi, and the server and
the phone's requests run inside it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from helpers import ServerProcess, wait_until

from facilitator import lan

ADDRESS = lan.lan_address()
VENUE_ADDRESS = "192.168.77.1"
# What a phone does, from inside the namespace: fetch a page, report status, Set-Cookie and body.
PHONE = """
import json, sys, urllib.request
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=2)
    print(json.dumps({"status": r.status, "cookie": r.headers.get("Set-Cookie", ""), "body": r.read().decode()}))
except Exception as err:
    print(json.dumps({"status": 0, "error": str(err)}))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def venue_namespace() -> Iterator[str]:
    """A network namespace with one private address on a veth interface that is up, like a laptop on Wi-Fi."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2's ip")
    name = f"pv-venue-{os.getpid()}"
    try:
        _ip("netns", "add", name)
    except subprocess.CalledProcessError as err:
        pytest.skip(f"cannot make a network namespace here: {err.stderr.decode().strip()}")
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "link", "add", "pv-wifi", "type", "veth", "peer", "name", "pv-peer")
        _ip("-n", name, "addr", "add", f"{VENUE_ADDRESS}/24", "dev", "pv-wifi")
        _ip("-n", name, "link", "set", "pv-wifi", "up")
        _ip("-n", name, "link", "set", "pv-peer", "up")
        yield name
    except subprocess.CalledProcessError as err:
        pytest.skip(f"cannot set up a veth pair in a namespace here: {err.stderr.decode().strip()}")
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)


def test_serve_lan_in_a_venue_network_listens_on_its_address(venue_namespace: str, tmp_path: Path) -> None:
    # SQLite: inside the namespace 127.0.0.1 is the namespace's own, so a PostgreSQL server outside is not there.
    server = ServerProcess(f"sqlite:///{tmp_path / 'venue.sqlite'}", tmp_path, args=("--lan", "--threading"),
                           prefix=("ip", "netns", "exec", venue_namespace))
    base = f"http://{VENUE_ADDRESS}:{server.port}"

    def phone(path: str) -> dict:
        out = subprocess.run(["ip", "netns", "exec", venue_namespace, sys.executable, "-c", PHONE, base + path],
                             capture_output=True, text=True, timeout=10, check=True)
        return json.loads(out.stdout)

    def answers() -> bool:
        if server.proc is not None and server.proc.poll() is not None:
            raise AssertionError(f"the server exited with {server.proc.returncode}:\n{server.log()}")
        return phone("/healthz")["status"] == 200

    server.launch()
    try:
        wait_until(answers, f"the --lan server to answer at {base} inside the namespace", timeout=60)
        assert f"Personaverkstad: phones join at {base}/join" in server.full_log()
        join = phone("/join")
        assert join["status"] == 200, join
        assert "pv_session" in join["cookie"] and not re.search(r";\s*Secure", join["cookie"], re.IGNORECASE), join["cookie"]
        # Only the venue address is listened on: the namespace's loopback does not answer.
        loopback = subprocess.run(["ip", "netns", "exec", venue_namespace, sys.executable, "-c", PHONE,
                                   f"http://127.0.0.1:{server.port}/healthz"], capture_output=True, text=True, timeout=10)
        assert json.loads(loopback.stdout)["status"] == 0
    finally:
        server.stop()


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
