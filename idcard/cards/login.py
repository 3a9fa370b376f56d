"""Logging in to a portal with a real card family (issue 12): only through card authentication.

A Web eID-style token needs a signature by the holder's authentication key.
On a Mav4 card that key signs only inside the §6 session, whose keys come from
the registry's card-authentication service; without the service, login with
such a card is not possible here and says so with a typed error.
"""

from __future__ import annotations

from collections.abc import Sequence

from idcard.assertion.builder import build_token_with_signer
from idcard.cards.base import NEEDS_REGISTRY, CardDriver, Operation, UnsupportedOperationError
from idcard.cards.genuine import check_genuine
from idcard.cards.keyservice import CardKeyService
from idcard.cards.mav import Mav4Driver
from idcard.cards.mav_auth import AuthenticatedMav4
from idcard.errors import AuthenticationError

#: What the hand-off tells the citizen when a real card family is on the reader.
LOGIN_NOT_POSSIBLE = (
    "logging in with this card needs the registry's card-authentication service, "
    "which this app is not connected to"
)


class Mav4TokenSigner:
    """The `TokenSigner` of a Mav4 card in an open §6 session: RS256 with private key 03."""

    algorithm = "RS256"

    def __init__(self, session: AuthenticatedMav4, auth_certificate: bytes) -> None:
        self._session = session
        self._certificate = auth_certificate

    def certificate(self) -> bytes:
        return self._certificate

    def sign_digest(self, digest: bytes) -> bytes:
        return self._session.sign_digest(digest)


def refuse_without_service(driver: CardDriver | None, service: CardKeyService | None = None) -> None:
    """Raise `card.unsupported_operation` unless this card can log in here: a real NID
    family needs the registry's service, and only Mav4's login flow is public (§6).
    Callers ask before the PIN, so nobody types one for a login that cannot happen."""
    if driver is None:
        return  # our own profile: PACE and the PKI application
    if service is None:
        raise UnsupportedOperationError(driver.family, Operation.AUTHENTICATE, LOGIN_NOT_POSSIBLE)
    if not isinstance(driver, Mav4Driver):
        raise UnsupportedOperationError(driver.family, Operation.AUTHENTICATE, NEEDS_REGISTRY)


def login_token(
    driver: CardDriver,
    service: CardKeyService | None,
    pin: str,
    origin: str,
    nonce: str,
    *,
    attributes: Sequence[str] = (),
    allow_http_loopback: bool = True,
) -> dict[str, object]:
    """A token signed by the card's authentication key after the chip proved itself (§6)."""
    refuse_without_service(driver, service)
    assert isinstance(driver, Mav4Driver) and service is not None  # what the refusal left
    signing = driver.read_signing_certificate()
    result = check_genuine(driver, service, pin, signing, driver.read_ca_certificate())
    chip = result.checks[0]
    if result.session is None or result.auth_der is None:
        raise AuthenticationError(f"The card cannot log in: {chip.reason}.", code="chip.not_genuine")
    return build_token_with_signer(
        Mav4TokenSigner(result.session, result.auth_der),
        origin,
        nonce,
        attributes=attributes,
        allow_http_loopback=allow_http_loopback,
    )
