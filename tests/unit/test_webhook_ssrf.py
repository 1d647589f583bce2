"""Which addresses a webhook may reach (``service.webhooks.ssrf``), without resolving names:
IP literals, and the all-or-none rule over a name's addresses."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from service.webhooks.ssrf import Refused, check_addresses, parse_target, refusal

REFUSED = [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"), ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("192.0.0.192", "metadata"), ("169.254.170.2", "metadata"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("240.0.0.1", "private"), ("255.255.255.255", "private"),
    ("100.64.0.1", "not a public"), ("192.0.2.1", "private"), ("198.18.0.1", "private"),
    # IPv6 forms that carry an IPv4 address are judged by it
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a9fe:a9fe", "metadata"),
]  # fmt: skip
ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "64:ff9b::808:808",
           "::ffff:8.8.8.8"]  # fmt: skip


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_addresses_that_are_not_public_are_refused(address: str, kind: str) -> None:
    reason = refusal(ip_address(address))
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ip_address(address)) is None


def test_a_name_is_refused_when_any_of_its_addresses_is() -> None:
    public, private = ip_address("8.8.8.8"), ip_address("10.0.0.1")
    assert check_addresses("example.org", [public], allow_private=False) == [public]
    with pytest.raises(Refused, match=r"example\.org resolves to 10\.0\.0\.1, a private address"):
        check_addresses("example.org", [public, private], allow_private=False)
    assert check_addresses("example.org", [public, private], allow_private=True) == [
        public,
        private,
    ]
    with pytest.raises(Refused, match="no address"):
        check_addresses("example.org", [], allow_private=True)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.org/", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("gopher://example.org/", "http:// or https://"),
        ("example.org/hook", "http:// or https://"),
        ("http:///hook", "no host"),
        ("https://user:secret@example.org/", "user name or password"),
        ("https://user@example.org/", "user name or password"),
    ],
)
def test_urls_other_than_http_with_a_host_are_refused(url: str, why: str) -> None:
    with pytest.raises(Refused, match=why):
        parse_target(url)


def test_a_target_keeps_the_name_to_resolve_and_the_port() -> None:
    assert (parse_target("https://Example.ORG/x").host, parse_target("https://e.org/").port) == (
        "example.org",
        443,
    )
    ipv6 = parse_target("http://[2606:4700::1]:8080/hook")
    assert (ipv6.host, ipv6.port) == ("2606:4700::1", 8080)
    assert parse_target("https://bücher.example/").host == "xn--bcher-kva.example"
