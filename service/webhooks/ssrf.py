"""Which addresses a webhook may be sent to, so that the service cannot be made to reach its
own network (server-side request forgery).

A webhook's URL must be ``http://`` or ``https://`` with a host, and every address its host
resolves to must be public: loopback, private, link-local, multicast, unspecified, reserved and
shared (carrier-grade NAT) addresses are refused, and so are the cloud metadata endpoints
(169.254.169.254, fd00:ec2::254, …) and IPv6 forms that carry an IPv4 address (mapped, 6to4,
Teredo, NAT64), judged by the IPv4 address they carry. ``allow_private`` (the setting
``POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE``, for tests and trusted networks) lets every address
through.

The check is made when a webhook is created and again before every attempt, because what a
name resolves to can change (DNS rebinding): the sender resolves the name once, checks every
address, and connects to an address it checked, never resolving again in between.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

import httpx

Address = IPv4Address | IPv6Address
RESOLVE_SECONDS = 5.0
SCHEMES = ("http", "https")
METADATA: frozenset[Address] = frozenset(
    ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, …
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
NAT64 = IPv6Network("64:ff9b::/96")
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class Refused(ValueError):
    """A URL a webhook may not be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str  # as DNS is asked (IDNA, ASCII); an IP address without brackets
    port: int


def parse_target(url: str) -> Target:
    """The URL's parts, or Refused when it is not an http(s) URL with a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        raise Refused(f"not a URL: {error}") from None
    if parsed.scheme not in SCHEMES:
        raise Refused(f"the URL must start with http:// or https:// (not {parsed.scheme!r})")
    host = parsed.raw_host.decode("ascii").strip("[]")
    if not host:
        raise Refused("the URL has no host")
    if parsed.userinfo:
        # The secret signs each message; a password in the URL would be shown in every listing.
        raise Refused("the URL must not hold a user name or password")
    return Target(parsed, host, parsed.port or (443 if parsed.scheme == "https" else 80))


def refusal(address: Address) -> str | None:
    """Why a webhook may not be sent to ``address``, or None when it may."""
    if isinstance(address, IPv6Address):
        carried = _carried_ipv4(address)
        if carried is not None:
            reason = refusal(carried)
            return f"{reason} (carried in {address})" if reason else None
    if address in METADATA:
        return "a cloud metadata address"
    for test, reason in (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_unspecified, "the unspecified address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    ):
        if test:
            return reason
    return None


def _carried_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_addresses(host: str, addresses: list[Address], allow_private: bool) -> list[Address]:
    """``addresses`` when every one may be reached (all or none: a name that also resolves to
    a private address is refused, whichever address a connection would take)."""
    if not addresses:
        raise Refused(f"{host} resolves to no address")
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                shown = host if host == str(address) else f"{host} resolves to {address},"
                raise Refused(
                    f"{shown} {reason}: webhooks go to public addresses only "
                    "(POLICY_TIMELINE_WEBHOOK_ALLOW_PRIVATE=true allows any)"
                )
    return addresses


def _addresses(infos: list[tuple[object, ...]]) -> list[Address]:
    found: list[Address] = []
    for info in infos:
        sockaddr = info[4]
        assert isinstance(sockaddr, tuple)
        address = ip_address(str(sockaddr[0]).split("%")[0])  # a zone id is not part of it
        if address not in found:
            found.append(address)
    return found


def resolve(target: Target, timeout: float = RESOLVE_SECONDS) -> list[Address]:
    """The addresses of ``target``'s host (blocking, at most ``timeout`` seconds)."""
    future = _resolver.submit(socket.getaddrinfo, target.host, target.port, 0, socket.SOCK_STREAM)
    try:
        return _addresses(future.result(timeout))  # type: ignore[arg-type]
    except FutureTimeout:
        raise Refused(f"{target.host} did not resolve within {timeout:g} s") from None
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"{target.host} does not resolve: {error}") from None


async def resolve_async(target: Target) -> list[Address]:
    """The addresses of ``target``'s host (the caller bounds the time)."""
    try:
        return [ip_address(target.host)]  # an address already: nothing to ask the resolver
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"{target.host} does not resolve: {error}") from None
    return _addresses(infos)  # type: ignore[arg-type]


def check_url(url: str, allow_private: bool, timeout: float = RESOLVE_SECONDS) -> Target:
    """``url``'s target when a webhook may be sent there now (resolving its host), or Refused."""
    target = parse_target(url)
    check_addresses(target.host, resolve(target, timeout), allow_private)
    return target
