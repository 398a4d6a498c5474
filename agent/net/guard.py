"""Which addresses the agent may fetch from: the public internet only, unless opted in.

A sheet editor chooses the URLs the agents fetch, but must not reach what only the worker
machines can reach. :class:`AddressGuard` refuses every address the public internet cannot
reach (loopback, RFC 1918, link-local with the cloud metadata address 169.254.169.254, IPv6
link-local and unique-local, CGNAT, unspecified, multicast, reserved and the other
special-purpose ranges) and the metadata host names, except addresses inside the networks of
``ALLOW_PRIVATE_URLS`` (comma-separated CIDRs). The caller checks the address it is about to
connect to (see :mod:`agent.net.transport`), not the text of a URL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from agent.errors import ConfigError, RefusedUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Host names of cloud metadata services: refused whatever they resolve to.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata"})

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

#: Named ranges, most specific first, so that a refusal says what the address is.
#: Anything else that Python's ``ipaddress`` does not call global is refused as "reserved".
_RANGES: tuple[tuple[IPNetwork, str], ...] = (
    (_V4("169.254.169.254/32"), "cloud metadata"),
    (_V4("0.0.0.0/8"), "unspecified"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("10.0.0.0/8"), "RFC 1918"),
    (_V4("172.16.0.0/12"), "RFC 1918"),
    (_V4("192.168.0.0/16"), "RFC 1918"),
    (_V4("169.254.0.0/16"), "link-local"),
    (_V4("100.64.0.0/10"), "CGNAT"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fc00::/7"), "unique local"),
    (_V6("ff00::/8"), "multicast"),
)

#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and 8215).
_NAT64 = (_V6("64:ff9b::/96"), _V6("64:ff9b:1::/48"))


def parse_networks(text: str | None) -> tuple[IPNetwork, ...]:
    """``ALLOW_PRIVATE_URLS`` as networks: comma-separated CIDRs (or bare addresses).

    Raises :class:`~agent.errors.ConfigError` naming ``ALLOW_PRIVATE_URLS`` and the bad item.
    """
    networks: list[IPNetwork] = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                "ALLOW_PRIVATE_URLS",
                f"{item[:60]!r} is not a CIDR (expected e.g. 127.0.0.0/8,10.1.2.0/24)",
            ) from None
    return tuple(networks)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in prefix for prefix in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """What makes ``address`` unreachable from the public internet, or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_kind(embedded)
    for network, kind in _RANGES:
        if address.version == network.version and address in network:
            return kind
    if address.is_multicast:
        return "multicast"
    if not address.is_global:
        return "reserved"
    return None


def _shown(address: IPAddress) -> str:
    """The address as text; an IPv4-mapped one in dotted form on every Python version."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class AddressGuard:
    """Refuses private and metadata addresses; ``allowed`` networks are let through.

    Build it with :meth:`from_setting` (``ALLOW_PRIVATE_URLS``) or with networks in tests.
    """

    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_setting(cls, text: str | None) -> AddressGuard:
        """The guard ``ALLOW_PRIVATE_URLS=text`` describes (empty: refuse every private one)."""
        return cls(parse_networks(text))

    def is_allowed(self, address: IPAddress) -> bool:
        """Whether an opt-in network holds ``address`` (or the IPv4 address it stands for)."""
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address):
            embedded = _embedded_ipv4(address)
            if embedded is not None:
                candidates.append(embedded)
        return any(a.version == n.version and a in n for a in candidates for n in self.allowed)

    def refusal(self, ip: str) -> str | None:
        """Why connecting to ``ip`` is refused (``refused: private address …``), or None."""
        try:
            address = ipaddress.ip_address(_host_key(ip).partition("%")[0])
        except ValueError:
            return f"refused: {ip[:100]!r} is not an IP address"
        kind = address_kind(address)
        if kind is None or self.is_allowed(address):
            return None
        return f"refused: private address {_shown(address)} ({kind})"

    def check_host(self, url: str, host: str) -> None:
        """Refuse a metadata host name, or a host that is itself a refused IP address."""
        key = _host_key(host)
        if key in METADATA_HOSTS:
            raise RefusedUrlError(url, f"refused: metadata host {key}")
        try:
            ipaddress.ip_address(key.partition("%")[0])
        except ValueError:
            return  # a name: its addresses are checked when they are connected to
        self.check_address(url, key, key)

    def check_address(self, url: str, host: str, ip: str) -> None:
        """Raise :class:`~agent.errors.RefusedUrlError` unless ``ip`` may be connected to."""
        reason = self.refusal(ip)
        if reason is None:
            return
        if _host_key(host) != _host_key(ip):
            reason += f", resolved from {_host_key(host)[:100]}"
        raise RefusedUrlError(url, reason)

    def check_addresses(self, url: str, host: str, ips: Iterable[str]) -> None:
        """:meth:`check_address` for each address a name resolved to: one refused, all refused."""
        for ip in ips:
            self.check_address(url, host, ip)
