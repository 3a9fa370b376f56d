"""Read a NID-family card end to end: identifiers, certificates, dates, PINs, verdict.

What `idcard read` does for a real card family (iran-nid-cards.md): everything
the family gives without keys, the certificate chain judged by the PKI
validator against the given trust anchors (with the assurance level where the
chain has one), and chip genuineness only through a configured
card-authentication service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from idcard.cards.base import CardDriver, CardInfo, Operation, UnsupportedOperationError
from idcard.cards.genuine import GenuineResult, check_genuine
from idcard.cards.identity import CertificateIdentity, certificate_identity
from idcard.cards.keyservice import CardKeyService, KeyServiceError
from idcard.cards.mav import Mav4Driver, PinObjectStatus
from idcard.cards.pardis import PardisDriver
from idcard.cards.pardis_pin import PardisPinStatus
from idcard.cards.verdict import nid_verdict
from idcard.errors import CardStatusError, MalformedResponseError
from idcard.pki.validate import validate_certificate
from idcard.verdict import Check, Result, Verdict

if TYPE_CHECKING:
    from idcard.pki.trust import TrustStore


@dataclass
class NidReading:
    info: CardInfo
    identity: CertificateIdentity | None = None
    verdict: Verdict = field(default_factory=Verdict)
    dates: dict[str, str | None] | None = None
    pin: PinObjectStatus | PardisPinStatus | None = None
    pin_verified: bool | None = None
    genuine: GenuineResult | None = None
    chain: dict[str, object] | None = None
    unsupported: list[dict[str, object]] = field(default_factory=list)
    #: Items this card did not give in the layout the spec infers (kept out of the verdict).
    problems: list[dict[str, object]] = field(default_factory=list)

    @property
    def assurance_level(self) -> int | None:
        check = self.verdict.get("certificate.chain")
        level = check.details.get("assuranceLevel") if check else None
        return level if isinstance(level, int) else None

    def to_json(self) -> dict[str, object]:
        personal = self.genuine.personal_info if self.genuine else None
        pin: dict[str, object] | None = None
        if self.pin is not None:
            pin = {
                "triesLeft": self.pin.tries_left,
                "objects": self.pin.objects(),
                "verified": self.pin_verified,
            }
        chip = self.verdict.get("chip.genuine")
        return {
            "card": self.info.to_json(),
            "certificate": self.identity.to_json() if self.identity else None,
            "dates": self.dates,
            "pin": pin,
            "assuranceLevel": self.assurance_level,
            "chain": self.chain,
            "chip": {"genuine": chip.result.value, "reason": chip.reason} if chip else None,
            "personalData": personal.to_json() if personal else None,
            "unsupported": self.unsupported,
            "problems": self.problems,
            "verdict": self.verdict.to_json(),
        }


def chain_check(
    signing_der: bytes, ca_der: bytes | None, trust: TrustStore | None, at: dt.datetime
) -> tuple[Check, dict[str, object] | None]:
    """`certificate.chain` from the RFC 5280 validator; the card's CA is an untrusted intermediate."""
    if trust is None:
        return Check("certificate.chain", Result.NOT_PERFORMED, "no trust anchors were given"), None

    result = validate_certificate(
        signing_der, trust=trust, usage="sign", intermediates=[ca_der] if ca_der else [], at=at
    )
    report = result.to_json()
    level = result.assurance_level
    outcome = Result(result.result)
    if outcome is Result.PASSED:
        reason = "the signing certificate chains to a trusted root" + (
            f" (assurance level {level})" if level else " (the chain names no assurance level)"
        )
    else:
        # What broke the chain first; a step merely not performed (revocation) only if nothing broke.
        failed = [c for c in result.checks if c.result in (Result.FAILED, Result.UNTRUSTED)] or [
            c for c in result.checks if c.result is not Result.PASSED
        ]
        reason = "; ".join(c.reason.rstrip(".") for c in failed[:2]) or "the chain does not validate"
    details: dict[str, object] = {"assuranceLevel": level}
    if result.path and (outcome is Result.PASSED or len(result.path) > 1):
        # The anchor it ended at, so a verdict resting on the TEST PKI is marked TEST
        # (idcard.marking); a path that never left the leaf has no anchor to name.
        details["anchor"] = result.path[-1].subject_dn
    return Check("certificate.chain", outcome, reason, details), report


def _pardis_pin_status(
    driver: PardisDriver, service: CardKeyService, reading: NidReading
) -> PardisPinStatus | None:
    """§5 with the registry's SMD key; an unreachable service is reported, not raised."""
    try:
        return driver.id_pin_status(service)
    except KeyServiceError as exc:
        _unsupported(reading, UnsupportedOperationError(driver.family, Operation.PIN_STATUS, exc.message))
        return None


def _unsupported(reading: NidReading, exc: UnsupportedOperationError) -> None:
    reading.unsupported.append(exc.to_json())


def read_nid_card(
    driver: CardDriver,
    *,
    pin: str | None,
    trust: TrustStore | None,
    key_service: CardKeyService | None,
    at: dt.datetime | None = None,
) -> NidReading:
    when = at or dt.datetime.now(dt.UTC)
    reading = NidReading(driver.card_info())
    # With a service, the Mav4 driver reaches what is otherwise registry-only (§6).
    reachable = set(driver.capabilities.supported)
    if key_service is not None and isinstance(driver, Mav4Driver):
        reachable |= {Operation.AUTHENTICATE, Operation.SIGN, Operation.READ_SIGNED_DATA}
    if key_service is not None and isinstance(driver, PardisDriver):
        reachable.add(Operation.PIN_STATUS)
    for operation, reason in driver.capabilities.missing.items():
        if operation not in reachable and operation is not Operation.CHANGE_PIN:
            _unsupported(reading, UnsupportedOperationError(driver.family, operation, reason))
    if not isinstance(driver, Mav4Driver | PardisDriver):
        reading.verdict = Verdict(required=("certificate.chain", "chip.genuine"))
        reading.verdict.not_performed("certificate.chain", "this card family's certificates are not readable here")
        reading.verdict.not_performed("chip.genuine", driver.capabilities.missing[Operation.AUTHENTICATE])
        return reading
    signing = driver.read_signing_certificate()
    reading.identity = certificate_identity(signing)
    ca_der: bytes | None = None
    try:
        ca_der = driver.read_ca_certificate()
    except UnsupportedOperationError as exc:
        _unsupported(reading, exc)
    except (CardStatusError, MalformedResponseError) as exc:
        reading.problems.append({"item": "caCertificate", "code": exc.code, "message": exc.message})
    genuine: GenuineResult | None = None
    chip: Check | None = None
    if isinstance(driver, Mav4Driver):
        # Layouts partly inferred (§3.3, §5): a card that disagrees loses the item, not the read.
        try:
            dates = driver.read_dates()
            reading.dates = {"issue": dates.issue, "expiry": dates.expiry}
        except (CardStatusError, MalformedResponseError) as exc:
            reading.problems.append({"item": "dates", "code": exc.code, "message": exc.message})
        try:
            reading.pin = driver.id_pin_status()
        except (CardStatusError, MalformedResponseError) as exc:
            reading.problems.append({"item": "pinStatus", "code": exc.code, "message": exc.message})
        if pin is not None:
            driver.verify_id_pin(pin)  # §5: a wrong or blocked PIN stops here with its typed error
            reading.pin_verified = True
            genuine = check_genuine(driver, key_service, pin, signing, ca_der)
            chip = genuine.checks[0]
        elif key_service is not None:
            chip = Check("chip.genuine", Result.NOT_PERFORMED, "card authentication needs the ID PIN (--pin-stdin)")
    elif key_service is not None:
        reading.pin = _pardis_pin_status(driver, key_service, reading)
    reading.genuine = genuine
    chain, reading.chain = chain_check(signing, ca_der, trust, when)
    reading.verdict = nid_verdict(
        reading.info, reading.identity, signing, ca_der, now=when, chain=chain, chip_authentication=chip
    )
    if genuine:
        reading.verdict.extend(genuine.checks[1:])
    return reading


def reading_text(reading: NidReading) -> str:
    """The human form of a reading: what the card says, then what was and was not proven."""
    card = reading.info
    lines = [f"Card:          {card.family} (chip type {card.chip_type or 'unknown'}, {card.chip_type_basis})"]
    if card.csn or card.crn:
        lines.append(f"CSN / CRN:     {card.csn or '-'} / {card.crn or '-'}")
    ident = reading.identity
    if ident is not None:
        lines.append(f"Name:          {ident.given_name} {ident.surname}  (certificate CN {ident.number})")
        lines.append(f"Certificate:   valid {ident.not_before:%Y-%m-%d} to {ident.not_after:%Y-%m-%d}")
    if reading.dates:
        lines.append(f"Card dates:    issued {reading.dates['issue']}, expires {reading.dates['expiry']}")
    if reading.pin is not None:
        lines.append(f"ID PIN:        {reading.pin.tries_left} tries left")
    level = reading.assurance_level
    lines.append(f"Assurance:     {'level ' + str(level) if level else 'none named by the chain'}")
    verdict = reading.verdict
    state = "VERIFIED" if verdict.verified else "NOT VERIFIED"
    lines.append(f"Verdict:       {state}")
    for check in verdict.checks:
        lines.append(f"  [{check.result.value:>13}] {check.code}: {check.reason}")
    return "\n".join(lines)
