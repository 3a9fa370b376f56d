"""What the app does with an unlocked card: read + verify the identity (citizen and desk)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from gui.cardio import Report
from gui.trust import CertificateReport, Trust, check_certificate
from idcard.cards.base import CardDriver
from idcard.cards.keyservice_http import HttpCardKeyService
from idcard.cards.reading import NidReading, read_nid_card
from idcard.desk.challenge import DeskChallenge, sign_desk_challenge
from idcard.document import Document, read_files, verify_files
from idcard.session import IdCard
from reader.errors import CodedError


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
        evidence = sign_desk_challenge(card, desk[0], desk[1], now)
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


def read_nid(
    driver: CardDriver, pin: str | None, report: Report, trust: Trust, *, key_service: str | None
) -> NidReading:
    """A real card family (idcard.cards.reading): what `idcard read` gives, against the
    citizen roots; chip genuineness only through the configured registry service."""
    report("reading", 40)
    service = HttpCardKeyService(key_service) if key_service else None
    reading = read_nid_card(driver, pin=pin, trust=trust.citizens, key_service=service)
    report("verifying", 95)
    return reading
