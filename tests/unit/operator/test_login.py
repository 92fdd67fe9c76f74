"""kopf logs in with the same credentials as the operator's Kubernetes client."""

from __future__ import annotations

import pytest

from controller.operator.handlers import bearer_token


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        ("Bearer abc.def", "abc.def"),  # from a kubeconfig
        ("bearer abc.def", "abc.def"),  # from the in-cluster configuration
        ("abc.def", "abc.def"),
        ("", ""),
    ],
)
def test_the_token_is_taken_whatever_the_schemes_case(authorization: str, token: str) -> None:
    assert bearer_token(authorization) == token
