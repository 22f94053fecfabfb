"""Which client a login attempt comes from (issue 11.2): the socket peer, unless the peer is a
proxy the configuration trusts; then the right-most forwarded hop that is not a trusted proxy.
A client cannot name itself another client by sending the header."""

from __future__ import annotations

import pytest

from portal.domain.client_address import ProxyHeader, client_address, parse_networks, socket_peer

PROXY = parse_networks(["10.0.0.1"])
PROXIES = parse_networks(["10.0.0.0/8", "::1", "127.0.0.1"])


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (None, "198.51.100.1", "127.0.0.1"),  # Streamlit's loopback peer
        ("2001:db8::5", "198.51.100.1", "2001:db8::5"),
    ],
)
def test_without_trusted_proxies_the_header_is_ignored(
    peer: str | None, header: str, expected: str
) -> None:
    assert client_address(peer=peer, header_values=[header], trusted_proxies=()) == expected


def test_a_trusted_proxy_names_the_right_most_untrusted_hop() -> None:
    # The client forged the first hop; the proxy appended the address it saw.
    forged = "1.1.1.1, 198.51.100.7"
    assert client_address(peer="10.0.0.1", header_values=[forged], trusted_proxies=PROXY) == (
        "198.51.100.7"
    )


def test_a_chain_of_trusted_proxies_is_walked_right_to_left() -> None:
    hops = ["6.6.6.6, 198.51.100.7", "10.2.3.4"]
    assert (
        client_address(peer="10.0.0.1", header_values=hops, trusted_proxies=PROXIES)
        == "198.51.100.7"
    )


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_sends() -> None:
    assert (
        client_address(peer="198.51.100.99", header_values=["10.0.0.5"], trusted_proxies=PROXY)
        == "198.51.100.99"
    )


def test_a_trusted_loopback_proxy_without_a_header_is_the_client_itself() -> None:
    assert client_address(peer=None, header_values=[], trusted_proxies=PROXIES) == "127.0.0.1"


def test_the_forwarded_header_of_rfc_7239() -> None:
    value = 'for=6.6.6.6, for=192.0.2.60;proto=https, for="[2001:db8::1]:4711";by=10.0.0.1'
    assert (
        client_address(
            peer="10.0.0.1",
            header_values=[value],
            trusted_proxies=PROXY,
            header=ProxyHeader.FORWARDED,
        )
        == "2001:db8::1"
    )


def test_a_hop_that_is_not_an_address_is_its_own_client() -> None:
    assert client_address(
        peer="10.0.0.1", header_values=["198.51.100.7, garbage"], trusted_proxies=PROXY
    ).startswith("unparsed:")


def test_bad_proxy_entries_are_refused() -> None:
    with pytest.raises(ValueError):
        parse_networks(["10.0.0.0/33"])


@pytest.mark.parametrize(
    ("reported", "header", "peer"),
    [
        # uvicorn believed a loopback peer's header and reported its right-most hop.
        ("198.51.100.7", ["1.1.1.1, 198.51.100.7"], None),
        ("198.51.100.7", ["198.51.100.7, 127.0.0.1"], None),
        # A remote peer's header is not believed by uvicorn: the peer stands.
        ("203.0.113.9", ["198.51.100.7"], "203.0.113.9"),
        ("203.0.113.9", [], "203.0.113.9"),
        (None, ["198.51.100.7"], None),
    ],
)
def test_the_socket_peer_behind_uvicorns_own_forwarding(
    reported: str | None, header: list[str], peer: str | None
) -> None:
    assert socket_peer(reported=reported, x_forwarded_for=header) == peer


def test_a_forged_header_from_loopback_without_trusted_proxies_is_loopback() -> None:
    forged = ["198.51.100.7"]
    peer = socket_peer(reported="198.51.100.7", x_forwarded_for=forged)
    assert client_address(peer=peer, header_values=forged, trusted_proxies=()) == "127.0.0.1"
