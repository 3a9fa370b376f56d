"""What the app trusts: CSCAs for documents, the citizen-certificate roots for the card's keys.

The two are kept apart on purpose: a document signer must chain to a CSCA,
and a citizen certificate to the national ID root; one store for both would
let a certificate of one PKI pass as the other's.

`--demo` adds the TEST anchors the demo card is signed with (IR CSCA TEST,
IR NID ROOT TEST, and the TEST look-alikes of the Iranian Root CA-G3 and IRAN Root CA1
for the emulated real cards) and the app says so on every screen that shows a verdict.
The built-in demo card (an `emulator:` reader, which exists only inside this
process) is checked against them too; a real card never is, unless `--demo`.

The citizen roots always include the shipped `iran-gov` set (IRAN Root CA1 and
Root CA-G3, idcard.pki.builtin): a real national card's signing certificate
chains to them through the citizen CA the card carries, so the app judges a
real card without any flag.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.serialization import Encoding

from idcard.pki.builtin import builtin_trust
from idcard.pki.trust import CertificateInfo, TrustStore
from idcard.pki.validate import Usage, validate_certificate
from idcard.verdict import Check, Result
from mock_card.testpki import iran_test_pki, test_pki

#: Extra trust paths, separated like PATH (for deployments without command-line flags).
TRUST_ENV = "IDCARD_TRUST"
CITIZEN_TRUST_ENV = "IDCARD_CITIZEN_TRUST"
#: Shipped citizen roots loaded by default (see idcard.pki.builtin).
BUILTIN_CITIZEN_TRUST = ("iran-gov",)


@dataclass
class Trust:
    documents: TrustStore
    citizens: TrustStore
    #: True when the TEST anchors are in: every verdict screen then says so.
    test_anchors: bool = False
    sources: list[str] = field(default_factory=list)


def _test_anchor_ders() -> tuple[list[bytes], list[bytes]]:
    pki = test_pki()
    # The emulated real cards (mav4, pardis …) chain to the TEST Iranian PKI: the set
    # `mock-card pki` writes (roots, level intermediates, citizen CAs).
    iran_pki = iran_test_pki()
    iran = [
        ca.der
        for ca in (
            *iran_pki.roots,
            *iran_pki.levels.values(),
            iran_pki.citizen_ca,
            iran_pki.gold_citizen_ca,
        )
    ]
    return (
        [pki.csca_cert.public_bytes(Encoding.DER)],
        [pki.root_cert.public_bytes(Encoding.DER), pki.citizen_ca_cert.public_bytes(Encoding.DER), *iran],
    )


def _env_paths(name: str) -> list[str]:
    return [p for p in os.environ.get(name, "").split(os.pathsep) if p]


def build_trust(
    document_paths: Sequence[str] = (),
    citizen_paths: Sequence[str] = (),
    *,
    test_anchors: bool = False,
    shipped: Sequence[str] = BUILTIN_CITIZEN_TRUST,
) -> Trust:
    documents, citizens = TrustStore(), TrustStore()
    sources: list[str] = []
    for path in [*document_paths, *_env_paths(TRUST_ENV)]:
        documents.load_path(path)
        sources.append(path)
    for path in [*shipped, *citizen_paths, *_env_paths(CITIZEN_TRUST_ENV)]:
        # A shipped set by name (`iran-gov`) unless a file or folder has that name.
        builtin = None if os.path.exists(path) else builtin_trust(path)
        if builtin is not None:
            citizens.load_path(builtin[0], role=builtin[1])
        else:
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
    """The card's certificate: its chain (leaf first) and the checks on it."""

    certificate: CertificateInfo | None
    chain: list[CertificateInfo]
    checks: list[Check]
    #: 1 (Bronze) … 4 (Platinum) when the chain has an Iranian assurance level.
    assurance_level: int | None = None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.result is Result.PASSED for c in self.checks)

    @property
    def not_after(self) -> dt.datetime | None:
        return self.certificate.not_after if self.certificate else None


#: The validator's checks the certificate badge lists even when they pass; the others
#: (profile, policy, revocation — the app has no revocation source) only when they fail.
_SHOWN = frozenset({"cert.parse", "cert.validity", "cert.chain", "cert.assurance"})


def check_certificate(
    der: bytes,
    trust: TrustStore,
    *,
    national_code: str | None,
    at: dt.datetime,
    usage: Usage = "auth",
    intermediates: Sequence[bytes] = (),
) -> CertificateReport:
    """The one validator's verdict on the card's certificate, and that it names the same
    national code as the chip data."""
    result = validate_certificate(der, trust=trust, usage=usage, intermediates=intermediates, at=at)
    checks = [
        c for c in result.checks if c.code in _SHOWN or c.result in (Result.FAILED, Result.UNTRUSTED)
    ]
    if not result.path:  # unreadable
        return CertificateReport(None, [], checks)
    leaf = result.path[0]
    checks.append(_national_code_check(leaf, national_code))
    return CertificateReport(leaf, result.path, checks, result.assurance_level)


def _national_code_check(leaf: CertificateInfo, national_code: str | None) -> Check:
    serial = _serial_number_attribute(leaf)
    if national_code is None:
        return Check("cert.national_code", Result.NOT_PERFORMED, "the chip data has no national code")
    if serial == f"PNOIR-{national_code}":
        return Check(
            "cert.national_code",
            Result.PASSED,
            f"the certificate names {serial}, as the chip data does",
        )
    return Check(
        "cert.national_code",
        Result.FAILED,
        f"the certificate names {serial or 'no national code'}, the chip data {national_code}",
    )


def _serial_number_attribute(cert: CertificateInfo) -> str | None:
    for rdn in cert.subject.chosen:
        for attr in rdn:
            if attr["type"].native == "serial_number":
                return str(attr["value"].native)
    return None
