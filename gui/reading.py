"""What the app does with an unlocked card: read + verify the identity (citizen and desk)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from gui.cardio import Report
from gui.trust import CertificateReport, Trust, check_certificate
from idcard.document import Document, read_files, verify_files
from idcard.errors import CardStatusError
from idcard.session import IdCard
from reader.errors import CodedError


@dataclass
class DeskChallenge:
    """The desk's Active Authentication challenge and the chip's raw answer.

    challenge = SHA-256("idcard-desk-v1" | desk | operator | time | nonce)[:8]:
    the chip's signature is bound to this desk, this clerk and this moment.
    """

    nonce: bytes
    challenge: bytes
    signature: bytes


def desk_challenge(desk: str, operator: str, when: dt.datetime, nonce: bytes) -> bytes:
    material = b"\x00".join(
        [b"idcard-desk-v1", desk.encode(), operator.encode(), when.isoformat().encode(), nonce]
    )
    return hashlib.sha256(material).digest()[:8]


@dataclass
class ReadResult:
    document: Document
    certificate: CertificateReport | None
    reader: str
    test_anchors: bool
    read_at: dt.datetime
    desk: DeskChallenge | None = None
    #: Facts for the desk record (desk name, operator, purpose), when read at a desk.
    context: dict[str, str] = field(default_factory=dict)


def _auth_certificate(card: IdCard) -> bytes | None:
    try:
        return card.read_auth_certificate()
    except CodedError as exc:
        if exc.code in ("card.no_pki", "card.file_not_found"):
            return None
        raise


def _desk_signature(card: IdCard, desk: tuple[str, str], now: dt.datetime) -> DeskChallenge | None:
    nonce = os.urandom(16)
    challenge = desk_challenge(desk[0], desk[1], now, nonce)
    try:
        signature = card.internal_authenticate(challenge)
    except CardStatusError:
        return None  # no Active Authentication on this chip: the record says so
    return DeskChallenge(nonce, challenge, signature)


def read_identity(
    card: IdCard,
    report: Report,
    trust: Trust,
    *,
    reader: str,
    data_groups: Sequence[int] = (1, 2, 11, 12, 14, 15),
    desk: tuple[str, str] | None = None,
) -> ReadResult:
    """Certificate, data groups, chip proof; then verification. Runs on the card thread."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report("reading", 35)
    cert_der = _auth_certificate(card)
    evidence: DeskChallenge | None = None
    if desk is not None:
        # Before the data groups: Chip Authentication (the last step of reading) ends
        # the secure channel of a chip that fails it, and the desk wants its answer
        # from every chip, genuine or not.
        report("signing", 40)
        evidence = _desk_signature(card, desk, now)
    report("reading", 45)
    files, chip_checks = read_files(card, data_groups=data_groups)
    report("verifying", 85)
    document = verify_files(files, trust.documents, at=now, chip_checks=chip_checks)
    certificate = None
    if cert_der is not None:
        code = document.identity.national_code if document.identity else None
        certificate = check_certificate(cert_der, trust.citizens, national_code=code, at=now)
    report("verifying", 95)
    return ReadResult(document, certificate, reader, trust.test_anchors, now, evidence)
