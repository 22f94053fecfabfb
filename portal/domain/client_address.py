"""Which client a request comes from, for the login limit: the socket peer, or, only when the
peer is a proxy the configuration trusts, the right-most address in the proxy's forwarding
header that is not itself a trusted proxy (every hop left of it may be forged by the client).

``trusted_proxies`` empty (the default) means the forwarding headers are ignored entirely.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from enum import Enum
from typing import Final

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: What Streamlit reports for a loopback peer (it gives no address for localhost).
LOOPBACK: Final = ipaddress.ip_address("127.0.0.1")
# uvicorn's default FORWARDED_ALLOW_IPS.
_UVICORN_TRUSTED: Final = frozenset({"127.0.0.1", "::1"})


class ProxyHeader(Enum):
    """The header a trusted proxy names the client in."""

    X_FORWARDED_FOR = "x-forwarded-for"
    FORWARDED = "forwarded"  # RFC 7239


def parse_networks(values: Sequence[str]) -> tuple[IpNetwork, ...]:
    """Addresses or networks (``10.0.0.1``, ``10.0.0.0/8``, ``::1``); ValueError names a bad
    one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def client_address(
    *,
    peer: str | None,
    header_values: Sequence[str],
    trusted_proxies: tuple[IpNetwork, ...],
    header: ProxyHeader = ProxyHeader.X_FORWARDED_FOR,
) -> str:
    """The client's address. ``peer`` is the socket peer (None: loopback); ``header_values``
    every value of ``header`` the request carried, in order."""
    peer_ip = _ip(peer) if peer else LOOPBACK
    if peer_ip is None:
        return str(peer)
    if not _trusted(peer_ip, trusted_proxies):
        return str(peer_ip)
    hops = [hop for value in header_values for hop in _hops(value, header)]
    for hop in reversed(hops):
        hop_ip = _ip(hop)
        if hop_ip is None:
            # Not an address (a forged or obfuscated hop): that text is the client's key.
            return f"unparsed:{hop[:64]}"
        if not _trusted(hop_ip, trusted_proxies):
            return str(hop_ip)
    # Every hop is a trusted proxy (or there is no header): the left-most one is the client.
    return hops[0] if hops and _ip(hops[0]) is not None else str(peer_ip)


def socket_peer(*, reported: str | None, x_forwarded_for: Sequence[str]) -> str | None:
    """The socket peer behind what Streamlit reports (None: loopback). Streamlit's server,
    uvicorn, believes a loopback peer's X-Forwarded-For by default and reports that header's
    right-most non-loopback hop instead; a reported peer equal to that hop was loopback, so
    the header is judged by ``trusted_proxies`` alone, as for any other peer."""
    if not reported or not x_forwarded_for:
        return reported
    hops = [_strip_port(h.strip()) for h in ",".join(x_forwarded_for).split(",") if h.strip()]
    untrusted = [hop for hop in hops if hop not in _UVICORN_TRUSTED]
    picked = untrusted[-1] if untrusted else (hops[0] if hops else None)
    return None if picked is not None and picked == reported else reported


def _trusted(address: IpAddress, networks: tuple[IpNetwork, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def _hops(value: str, header: ProxyHeader) -> list[str]:
    if header is ProxyHeader.X_FORWARDED_FOR:
        return [_strip_port(part.strip()) for part in value.split(",") if part.strip()]
    hops = []
    for element in value.split(","):
        for pair in element.split(";"):
            name, _, raw = pair.strip().partition("=")
            if name.strip().lower() == "for":
                hops.append(_strip_port(raw.strip().strip('"')))
    return hops


def _strip_port(hop: str) -> str:
    if hop.startswith("["):  # [2001:db8::1]:4711
        return hop[1 : hop.find("]")] if "]" in hop else hop
    if hop.count(":") == 1:  # 192.0.2.1:4711
        return hop.split(":", 1)[0]
    return hop


def _ip(text: str | None) -> IpAddress | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
