"""The laptop's address on the venue's network, for ``serve --lan`` and ``scripts/demo.sh --lan``.

The address is read from the laptop's own interfaces (the kernel's address list over netlink, as ``ip -4
addr`` reads it, and each interface's flags by ``ioctl``); no packet is sent on any network. :func:`choose_address` is the pure rule: a private IPv4 address (RFC 1918) of an interface
that is up and not loopback, preferring 192.168/16, then 10/8, then 172.16/12 (Docker bridges and VPNs
tend to use the latter two). :func:`is_loopback` decides whether phones cannot reach a URL at all.

Standard library only (the module is imported before gevent patches anything). ``python -m facilitator.lan``
prints the address, or explains on stderr and exits 1.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
import sys
from collections.abc import Iterable
from urllib.parse import urlsplit

IFF_UP = 0x1
IFF_LOOPBACK = 0x8
SIOCGIFFLAGS = 0x8913
SIOCGIFADDR = 0x8915

# RFC 1918, in order of preference. Not ``ipaddress.is_private``: that also counts documentation, link-local
# and other ranges (192.0.2.0/24, 169.254/16, …) that no phone on a Wi-Fi uses.
PRIVATE_NETWORKS = (
    ipaddress.IPv4Network("192.168.0.0/16"),
    ipaddress.IPv4Network("10.0.0.0/8"),
    ipaddress.IPv4Network("172.16.0.0/12"),
)
NO_ADDRESS = (
    "Personaverkstad: --lan found no private network address (192.168.x.x, 10.x.x.x or 172.16-31.x.x) on an "
    "interface that is up. Connect the laptop to the venue's Wi-Fi (or the phones' hotspot) and try again, "
    "or set PV_HOST and PV_PUBLIC_URL yourself (docs/deployment.md)."
)


def choose_address(interfaces: Iterable[tuple[str, str, int]]) -> str | None:
    """The address phones should use, from (interface name, IPv4 address, interface flags) triples, or None.

    Only interfaces that are up and not loopback count; of their RFC 1918 addresses the first in
    ``PRIVATE_NETWORKS`` order wins (ties: the order given, i.e. the interface order).
    """
    best: tuple[int, int, str] | None = None
    for order, (_name, address, flags) in enumerate(interfaces):
        if not flags & IFF_UP or flags & IFF_LOOPBACK:
            continue
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError:
            continue
        for rank, network in enumerate(PRIVATE_NETWORKS):
            if ip in network and (best is None or (rank, order) < best[:2]):
                best = (rank, order, address)
    return best[2] if best else None


def interface_addresses() -> list[tuple[str, str, int]]:
    """(name, IPv4 address, flags) of every IPv4 address of every interface, secondary ones included.

    Linux: the kernel's address list over netlink (what ``ip -4 addr`` asks; a message to the kernel, not to
    the network) and each interface's flags by ``ioctl``. Where netlink is missing, one (primary) address per
    interface by ``ioctl``. Nothing is sent on any network.
    """
    try:
        pairs = _netlink_addresses()
    except OSError:
        pairs = None
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a handle for ioctl; never connected or sent on
        if pairs is None:
            pairs = []
            for _index, name in socket.if_nameindex():
                try:
                    pairs.append((name, socket.inet_ntoa(fcntl.ioctl(s.fileno(), SIOCGIFADDR, _ifreq(name))[20:24])))
                except OSError:  # no IPv4 address on this interface (or it went away)
                    continue
        for name, address in pairs:
            try:
                flags = struct.unpack_from("H", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, _ifreq(name)), 16)[0]
            except OSError:
                continue
            found.append((name, address, flags))
    return found


def _ifreq(name: str) -> bytes:
    return struct.pack("256s", name.encode()[:15])


NLMSG_DONE, NLMSG_ERROR, RTM_NEWADDR, RTM_GETADDR = 3, 2, 20, 22
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_ADDRESS, IFA_LOCAL = 1, 2


def _netlink_addresses() -> list[tuple[str, str]]:
    """(interface name, IPv4 address) pairs from the kernel (RTM_GETADDR over a NETLINK_ROUTE socket)."""
    if not hasattr(socket, "AF_NETLINK"):
        raise OSError("no netlink here")
    pairs = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as s:
        s.bind((0, 0))
        body = struct.pack("=BBBBI", socket.AF_INET, 0, 0, 0, 0)
        s.send(struct.pack("=IHHII", 16 + len(body), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)
        while True:
            data = s.recv(65536)
            if not data:
                raise OSError("netlink closed")
            off = 0
            while off + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, off)
                if length < 16:
                    raise OSError("bad netlink message")
                if kind == NLMSG_DONE:
                    return pairs
                if kind == NLMSG_ERROR:
                    raise OSError("netlink error")
                if kind == RTM_NEWADDR:
                    family, _plen, _flags, _scope, index = struct.unpack_from("=BBBBI", data, off + 16)
                    attrs: dict[int, bytes] = {}
                    at = off + 24
                    while at + 4 <= off + length:
                        alen, atype = struct.unpack_from("=HH", data, at)
                        if alen < 4:
                            break
                        attrs[atype] = data[at + 4 : at + alen]
                        at += (alen + 3) & ~3
                    raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
                    if family == socket.AF_INET and raw and len(raw) == 4:
                        try:
                            pairs.append((socket.if_indextoname(index), socket.inet_ntoa(raw)))
                        except OSError:  # the interface went away meanwhile
                            pass
                off += (length + 3) & ~3


def lan_address() -> str | None:
    """This machine's address on the local network, or None (see :func:`choose_address`)."""
    return choose_address(interface_addresses())


def is_loopback(url_or_host: str | None) -> bool:
    """Whether ``url_or_host`` (``http://127.0.0.1:5000``, ``localhost:5000``, ``[::1]``) names this machine
    only, so that no phone can reach it: 127.0.0.0/8, ::1 or localhost."""
    if not url_or_host:
        return False
    text = url_or_host if "//" in url_or_host else f"//{url_or_host}"
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main() -> int:
    address = lan_address()
    if address is None:
        print(NO_ADDRESS, file=sys.stderr)
        return 1
    print(address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
