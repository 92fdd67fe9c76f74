"""Refuse delivery targets on loopback, private, link-local and other non-public addresses.

A Job file can name any URL; without this check a Job could make the controller POST into the
cluster's or the host's internal network (SSRF). The host is resolved and *every* address it
resolves to must be public. ``--allow-private-targets`` turns the check off (local development,
tests on 127.0.0.1, receivers inside the same cluster).

Known limit: the address is checked when the delivery is made, and the HTTP client resolves the
name again when it connects, so a DNS server that answers differently the second time (DNS
rebinding) is not stopped by this check alone; a network policy on the controller is the
complete answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def non_public_reason(address: IpAddress) -> str | None:
    """Why this address is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        (address.is_loopback, "a loopback"),
        (address.is_link_local, "a link-local"),
        (address.is_unspecified, "an unspecified"),
        (address.is_multicast, "a multicast"),
        (address.is_private, "a private"),
        (address.is_reserved, "a reserved"),
        (
            isinstance(address, ipaddress.IPv4Address) and address in _SHARED_ADDRESS_SPACE,
            "a shared (carrier-grade NAT)",
        ),
    )
    for matched, kind in checks:
        if matched:
            return f"{kind} address"
    return None


async def refused_target(url: str) -> str | None:
    """Why the URL's host may not be delivered to, or None. Resolution failures are not refusals
    (the delivery then fails like any unreachable host, and is retried)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses: list[IpAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except OSError:
            return None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        reason = non_public_reason(address)
        if reason is not None:
            return (
                f"{host} resolves to {address}, {reason}; deliveries to non-public addresses are "
                "refused unless the controller runs with --allow-private-targets"
            )
    return None
