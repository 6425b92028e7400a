"""``serve --lan``'s address (facilitator/lan.py) and the warning on the dashboard and the wall when join
links name this machine only (127.x, ::1, localhost): phones cannot follow them.

The real server started with ``--lan`` is tests/load/test_lan_server.py."""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from typing import Any

import pytest

from facilitator import lan

UP, LOOP = lan.IFF_UP, lan.IFF_LOOPBACK
WARNING = "Telefoner kan ikke nå denne adressen"
FIX = "<code>bash scripts/demo.sh --lan</code>"


# -- choosing the address ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interfaces", "expected"),
    [
        ([], None),
        ([("lo", "127.0.0.1", UP | LOOP)], None),
        ([("lo", "127.0.0.1", UP | LOOP), ("wlan0", "192.168.1.23", UP)], "192.168.1.23"),
        # a private address on a loopback interface, or on one that is down, does not count
        ([("lo", "10.0.0.5", UP | LOOP), ("wlan0", "192.168.1.23", 0)], None),
        # not RFC 1918: documentation, public, link-local, CGNAT, just outside 172.16/12
        ([("eth0", a, UP) for a in ("192.0.2.2", "8.8.8.8", "169.254.3.4", "100.64.0.1", "172.32.0.1", "172.15.9.9")], None),
        # preference: 192.168 before 10 before 172.16, whatever the interface order
        ([("docker0", "172.17.0.1", UP), ("tun0", "10.8.0.2", UP), ("wlan0", "192.168.50.7", UP)], "192.168.50.7"),
        ([("docker0", "172.17.0.1", UP), ("tun0", "10.8.0.2", UP)], "10.8.0.2"),
        ([("eth0", "8.8.8.8", UP), ("docker0", "172.31.255.1", UP)], "172.31.255.1"),
        # two of the same kind: the first interface
        ([("eth0", "192.168.0.10", UP), ("wlan0", "192.168.1.23", UP)], "192.168.0.10"),
        ([("weird", "not-an-address", UP), ("wlan0", "10.1.2.3", UP)], "10.1.2.3"),
    ],
)
def test_choose_address(interfaces: list[tuple[str, str, int]], expected: str | None) -> None:
    assert lan.choose_address(interfaces) == expected


def _ip_private_addresses() -> set[str]:
    """RFC 1918 addresses of up, non-loopback interfaces as ``ip -4 addr`` reports them."""
    out = subprocess.run(["ip", "-j", "-4", "addr"], capture_output=True, text=True, check=True).stdout
    found = set()
    for iface in json.loads(out):
        if "UP" not in iface.get("flags", []) or "LOOPBACK" in iface.get("flags", []):
            continue
        for info in iface.get("addr_info", []):
            addr = ipaddress.IPv4Address(info["local"])
            if any(addr in net for net in lan.PRIVATE_NETWORKS):
                found.add(str(addr))
    return found


@pytest.mark.skipif(shutil.which("ip") is None, reason="no `ip` command (iproute2) to compare with")
def test_the_finder_agrees_with_ip_addr() -> None:
    """On this machine: an address ``ip -4 addr`` lists as private on an up, non-loopback interface, or None
    exactly when it lists none."""
    expected = _ip_private_addresses()
    found = lan.lan_address()
    if expected:
        assert found in expected, (found, expected)
    else:
        assert found is None, (found, lan.interface_addresses())
    # the raw reading sees the loopback interface too (so an empty result is not a failed ioctl)
    assert "127.0.0.1" in {a for _n, a, _f in lan.interface_addresses()}


def test_without_netlink_ioctl_still_reads_the_interfaces(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_netlink() -> list[tuple[str, str]]:
        raise OSError("no netlink here")

    with_netlink = {(n, a) for n, a, _f in lan.interface_addresses()}
    monkeypatch.setattr(lan, "_netlink_addresses", no_netlink)
    found = lan.interface_addresses()
    assert ("lo", "127.0.0.1", UP | LOOP) == next((n, a, f & (UP | LOOP)) for n, a, f in found if n == "lo")
    assert {(n, a) for n, a, _f in found} <= with_netlink  # primary addresses only, but the same ones


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:5000", True), ("http://127.3.4.5", True), ("localhost:5000", True), ("localhost", True),
        ("http://[::1]:5000/", True), ("https://LOCALHOST/x", True), ("http://app.localhost", True),
        ("http://192.168.1.23:5000", False), ("192.168.1.23:5000", False), ("https://verkstad.example.no", False),
        ("http://localhost.example.no", False), ("http://[fe80::1]", False), ("", False), (None, False),
    ],
)
def test_is_loopback(url: str | None, loopback: bool) -> None:
    assert lan.is_loopback(url) is loopback


# -- the warning on the dashboard and the wall ----------------------------------------------------


def _pages(app: Any, logged_in: Any, workshop: Any) -> tuple[str, str]:
    dash = logged_in.get(f"/workshops/{workshop.id}/live")
    wall = app.test_client().get(f"/wall/{workshop.wall_token}")
    assert dash.status_code == 200 and wall.status_code == 200
    return dash.get_data(as_text=True), wall.get_data(as_text=True)


@pytest.mark.parametrize("public", ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"])
def test_loopback_public_url_warns_on_dashboard_and_wall(app: Any, logged_in: Any, workshop: Any, public: str) -> None:
    app.config["PUBLIC_URL"] = public
    for html in _pages(app, logged_in, workshop):
        assert WARNING in html and FIX in html
        assert 'data-loopback-warning' in html and 'role="status"' in html
        assert "<code>python -m facilitator serve --lan</code>" in html  # escaped once, not twice


def test_lan_public_url_does_not_warn(app: Any, logged_in: Any, workshop: Any) -> None:
    app.config["PUBLIC_URL"] = "http://192.168.1.23:5000"
    dash, wall = _pages(app, logged_in, workshop)
    for html in (dash, wall):
        assert WARNING not in html and "data-loopback-warning" not in html
    assert "192.168.1.23:5000/join" in wall


def test_without_public_url_the_request_host_decides(app: Any, logged_in: Any, workshop: Any) -> None:
    app.config["PUBLIC_URL"] = None
    assert all(WARNING in html for html in _pages(app, logged_in, workshop))  # the test client's host: localhost

    def wall(base_url: str) -> str:
        return app.test_client().get(f"/wall/{workshop.wall_token}", base_url=base_url).get_data(as_text=True)

    assert WARNING in wall("http://127.0.0.1:5000")
    assert WARNING not in wall("http://192.168.1.23:5000")


def test_the_warning_speaks_nynorsk_and_english(app: Any, workshop: Any) -> None:
    app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"
    nn = app.test_client().get(f"/wall/{workshop.wall_token}?lang=nn").get_data(as_text=True)
    assert "Telefonar kan ikkje nå denne adressa" in nn and "Start med <code>" in nn
    en = app.test_client().get(f"/wall/{workshop.wall_token}?lang=en").get_data(as_text=True)
    assert "Phones cannot reach this address" in en and "Start with <code>" in en
