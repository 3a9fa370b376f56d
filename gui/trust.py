"""What the app trusts: CSCAs for documents, the citizen-certificate roots for the card's keys.

The two are kept apart on purpose: a document signer must chain to a CSCA,
and a citizen certificate to the national ID root; one store for both would
let a certificate of one PKI pass as the other's.

`--demo` adds the TEST anchors the demo card is signed with (IR CSCA TEST,
IR NID ROOT TEST) and the app says so on every screen that shows a verdict.
The built-in demo card (an `emulator:` reader, which exists only inside this
process) is checked against them too; a real card never is, unless `--demo`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from idcard.errors import IdCardError
from idcard.pki.trust import CertificateInfo, TrustStore
from idcard.verdict import Check, Result

#: Extra trust paths, separated like PATH (for deployments without command-line flags).
TRUST_ENV = "IDCARD_TRUST"
CITIZEN_TRUST_ENV = "IDCARD_CITIZEN_TRUST"


@dataclass
class Trust:
    documents: TrustStore
    citizens: TrustStore
    #: True when the TEST anchors are in: every verdict screen then says so.
    test_anchors: bool = False
    sources: list[str] = field(default_factory=list)


def _test_anchor_ders() -> tuple[list[bytes], list[bytes]]:
    from cryptography.hazmat.primitives.serialization import Encoding

    from mock_card.testpki import test_pki

    pki = test_pki()
    return (
        [pki.csca_cert.public_bytes(Encoding.DER)],
        [pki.root_cert.public_bytes(Encoding.DER), pki.citizen_ca_cert.public_bytes(Encoding.DER)],
    )


def _env_paths(name: str) -> list[str]:
    return [p for p in os.environ.get(name, "").split(os.pathsep) if p]


def build_trust(
    document_paths: Sequence[str] = (),
    citizen_paths: Sequence[str] = (),
    *,
    test_anchors: bool = False,
) -> Trust:
    documents, citizens = TrustStore(), TrustStore()
    sources: list[str] = []
    for path in [*document_paths, *_env_paths(TRUST_ENV)]:
        documents.load_path(path)
        sources.append(path)
    for path in [*citizen_paths, *_env_paths(CITIZEN_TRUST_ENV)]:
        citizens.load_path(path)
        sources.append(path)
    if test_anchors:
        csca, nid = _test_anchor_ders()
        for der in csca:
            documents.add(der, source="TEST (demo)")
        for der in nid:
            citizens.add(der, source="TEST (demo)")
        sources.append("TEST anchors (demo)")
    return Trust(documents, citizens, test_anchors, sources)


def is_demo_reader(name: str) -> bool:
    return name.startswith("emulator:")


# --- the citizen's authentication certificate ------------------------------------------


@dataclass
class CertificateReport:
    """The card's authentication certificate: its chain (leaf first) and the checks on it."""

    certificate: CertificateInfo | None
    chain: list[CertificateInfo]
    checks: list[Check]

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.result is Result.PASSED for c in self.checks)

    @property
    def not_after(self) -> dt.datetime | None:
        return self.certificate.not_after if self.certificate else None


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def check_certificate(
    der: bytes, trust: TrustStore, *, national_code: str | None, at: dt.datetime
) -> CertificateReport:
    """Validity, chain to a trusted root, and that it names the same national code as the chip data."""
    at = _aware(at)
    try:
        leaf = CertificateInfo.from_der(der)
    except IdCardError as exc:
        return CertificateReport(None, [], [Check("cert.parse", Result.FAILED, exc.message)])
    checks: list[Check] = []
    dates: dict[str, object] = {"not_before": leaf.not_before.isoformat(), "not_after": leaf.not_after.isoformat()}
    if at < leaf.not_before:
        checks.append(
            Check(
                "cert.validity",
                Result.FAILED,
                f"the certificate is not valid before {leaf.not_before:%Y-%m-%d}",
                dates,
            )
        )
    elif at > leaf.not_after:
        checks.append(
            Check(
                "cert.validity",
                Result.FAILED,
                f"the certificate expired on {leaf.not_after:%Y-%m-%d}",
                dates,
            )
        )
    else:
        checks.append(
            Check("cert.validity", Result.PASSED, f"valid until {leaf.not_after:%Y-%m-%d}", dates)
        )
    chain, chain_check = _chain(leaf, trust, at)
    checks.append(chain_check)
    serial = _serial_number_attribute(leaf)
    if national_code is None:
        checks.append(
            Check("cert.national_code", Result.NOT_PERFORMED, "the chip data has no national code")
        )
    elif serial == f"PNOIR-{national_code}":
        checks.append(
            Check(
                "cert.national_code",
                Result.PASSED,
                f"the certificate names {serial}, as the chip data does",
            )
        )
    else:
        checks.append(
            Check(
                "cert.national_code",
                Result.FAILED,
                f"the certificate names {serial or 'no national code'}, the chip data {national_code}",
            )
        )
    return CertificateReport(leaf, chain, checks)


def _serial_number_attribute(cert: CertificateInfo) -> str | None:
    for rdn in cert.subject.chosen:
        for attr in rdn:
            if attr["type"].native == "serial_number":
                return str(attr["value"].native)
    return None


def _chain(
    leaf: CertificateInfo, trust: TrustStore, at: dt.datetime
) -> tuple[list[CertificateInfo], Check]:
    """Leaf to anchor: every issuer comes from the trust store, so the walk ends at an anchor."""
    chain = [leaf]
    current = leaf
    for _ in range(8):
        candidates = trust.issuer_candidates(current)
        issuer = _verified_issuer(current, candidates)
        if issuer is None:
            if current is not leaf:
                break  # `current` came from the trust store: it is the anchor
            if not candidates:
                return chain, Check(
                    "cert.chain", Result.UNTRUSTED, f"no trusted issuer for {current.issuer_dn}"
                )
            return chain, Check(
                "cert.chain",
                Result.FAILED,
                f"the signature on {current.subject_dn} does not verify with any trusted issuer",
            )
        if issuer is current:
            break  # a self-signed root verified itself
        chain.append(issuer)
        if not issuer.valid_at(at):
            return chain, Check(
                "cert.chain",
                Result.FAILED,
                f"the issuing certificate {issuer.subject_dn} is not valid now",
            )
        if issuer.is_ca is False:
            return chain, Check("cert.chain", Result.FAILED, f"{issuer.subject_dn} is not a CA")
        if issuer.is_self_issued:
            break
        current = issuer
    return chain, Check(
        "cert.chain",
        Result.PASSED,
        f"issued by {chain[-1].subject_dn}",
        {"root": chain[-1].subject_dn},
    )


def _verified_issuer(
    cert: CertificateInfo, candidates: Iterable[CertificateInfo]
) -> CertificateInfo | None:
    for candidate in candidates:
        try:
            cert.verify_issued_by(candidate)
        except IdCardError:
            continue
        except ValueError:
            continue
        return candidate
    return None
