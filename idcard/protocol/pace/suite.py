"""The (algorithm, domain parameters) pair a PACE run uses, checked to fit together."""

from __future__ import annotations

from dataclasses import dataclass

from idcard.errors import UnsupportedCardError
from idcard.protocol.ciphers import BlockCipher
from idcard.protocol.pace.mapping import supports_integrated_mapping
from idcard.protocol.pace.oids import PaceAlgorithm, pace_algorithm
from idcard.protocol.pace.params import DhDomain, Domain, EcDomain, domain_by_id


@dataclass(frozen=True)
class PaceSuite:
    algorithm: PaceAlgorithm
    domain: Domain

    @property
    def oid(self) -> str:
        return self.algorithm.oid

    @property
    def cipher(self) -> BlockCipher:
        return self.algorithm.cipher


def resolve_suite(algorithm_oid: str, parameter_id: int) -> PaceSuite:
    """Both halves by identifier; UnsupportedCardError for combinations PACE forbids."""
    algorithm = pace_algorithm(algorithm_oid)
    domain = domain_by_id(parameter_id)
    wanted = EcDomain if algorithm.agreement == "ECDH" else DhDomain
    if not isinstance(domain, wanted):
        raise UnsupportedCardError(
            f"{algorithm.name} cannot use domain parameter {parameter_id} ({domain.name})."
        )
    if algorithm.mapping == "IM" and not supports_integrated_mapping(domain):
        raise UnsupportedCardError(f"{domain.name} cannot be used with the Integrated Mapping.")
    return PaceSuite(algorithm, domain)


def is_supported(algorithm_oid: str, parameter_id: int | None) -> bool:
    if parameter_id is None:
        return False  # explicit domain parameters are never used (§9.2.2)
    try:
        resolve_suite(algorithm_oid, parameter_id)
    except UnsupportedCardError:
        return False
    return True
