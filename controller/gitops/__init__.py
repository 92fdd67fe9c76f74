"""Job and AuthSession files in git as resources in a cluster (``jobctl apply``).

Files are validated by the shared loader before anything touches the cluster; the resources
carry ``intuned.io/source: code`` and their file's path and commit, which is what pruning and
the Job status's ``source`` go by.
"""

from .desired import (
    OPERATIONAL_KEYS,
    Change,
    Desired,
    desired_resources,
    plan,
    plural_of,
    resource_body,
)

__all__ = [
    "OPERATIONAL_KEYS",
    "Change",
    "Desired",
    "desired_resources",
    "plan",
    "plural_of",
    "resource_body",
]
