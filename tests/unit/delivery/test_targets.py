"""Which addresses delivery targets may not resolve to (without --allow-private-targets)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from controller.delivery import non_public_reason, refused_target


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata endpoint
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6 is unwrapped
        ("100.64.0.1", "shared"),
        ("224.0.0.1", "multicast"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_classification(address: str, kind: str | None) -> None:
    reason = non_public_reason(ipaddress.ip_address(address))
    if kind is None:
        assert reason is None
    else:
        assert reason is not None and kind in reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://localhost/hook",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_urls_on_non_public_hosts_are_refused_with_the_flag_to_use(url: str) -> None:
    reason = asyncio.run(refused_target(url))
    assert reason is not None and "--allow-private-targets" in reason


def test_an_unresolvable_host_is_not_a_refusal() -> None:
    assert asyncio.run(refused_target("http://no-such-host.invalid/hook")) is None
