"""Assurance level of a certification path from the Iranian governmental PKI's policy OIDs.

The G3 level intermediates assert certificate policy 2.16.364.101.1.1.N with
N = 1 Bronze, 2 Silver, 3 Gold, 4 Platinum; a certificate inherits the level
of the nearest CA above it that asserts one (or asserts one itself).
"""

from __future__ import annotations

from collections.abc import Iterable

from asn1crypto import x509

__all__ = ["LEVEL_NAMES", "POLICY_ARC", "assurance_level", "certificate_level"]

POLICY_ARC = "2.16.364.101.1.1."
LEVEL_NAMES = {1: "Bronze", 2: "Silver", 3: "Gold", 4: "Platinum"}


def certificate_level(cert: x509.Certificate) -> int | None:
    """The level one certificate's certificatePolicies assert, None without one."""
    policies = cert.certificate_policies_value
    if policies is None:
        return None
    levels = set()
    for info in policies:
        dotted = info["policy_identifier"].dotted
        tail = dotted[len(POLICY_ARC):] if dotted.startswith(POLICY_ARC) else ""
        if tail.isdigit() and int(tail) in LEVEL_NAMES:
            levels.add(int(tail))
    # Two levels on one certificate is a contradiction: claim the weaker one.
    return min(levels) if levels else None


def assurance_level(path_leaf_first: Iterable[x509.Certificate]) -> int | None:
    """The level of a path given leaf first: the first certificate asserting one."""
    for cert in path_leaf_first:
        level = certificate_level(cert)
        if level is not None:
            return level
    return None
