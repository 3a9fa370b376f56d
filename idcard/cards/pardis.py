"""Pardis cards: the little the spec gives (iran-nid-cards.md §3.1, §3.2; low confidence).

The certificate path is untested on real cards by its only source; PIN status
needs the registry's "SMD" key (§5); everything else is not public.
"""

from __future__ import annotations

from idcard.cards.base import (
    NOT_PUBLIC,
    REGISTRY_ONLY,
    Capabilities,
    CardDriver,
    CardInfo,
    Operation,
    UnsupportedOperationError,
    checked_cplc,
)
from idcard.cards.detect import AID_PARDIS
from idcard.cards.keyservice import CardKeyService
from idcard.cards.pardis_pin import PardisPinStatus, pin_status, smd_key_request
from idcard.errors import MalformedResponseError

H = bytes.fromhex

SELECT_PARDIS = H("00A404000F") + AID_PARDIS
SELECT_ISSUER_DOMAIN = H("00A4040008A000000003000000")
#: CPLC in two steps: the card answers 612D and GET RESPONSE 00C000002D fetches it (§3.1).
GET_CPLC = H("80CA9F7F00")
GET_CSN = H("903800000C")
#: Pardis certificate reads go in blocks of F8 (§3.2).
BLOCK = 0xF8


class PardisDriver(CardDriver):
    family = "pardis"
    capabilities = Capabilities(
        frozenset({Operation.READ_IDENTITY, Operation.READ_CERTIFICATES}),
        {
            Operation.PIN_STATUS: "needs the SMD key that only the registry's card-authentication service hands out",
            Operation.VERIFY_PIN: NOT_PUBLIC,
            Operation.CHANGE_PIN: NOT_PUBLIC,
            Operation.UNBLOCK_PIN: NOT_PUBLIC,
            **REGISTRY_ONLY,
        },
    )

    def read_cplc(self) -> bytes:
        self.run(SELECT_ISSUER_DOMAIN)
        return checked_cplc(self.checked(GET_CPLC))

    def card_info(self) -> CardInfo:
        self.read_cplc()
        csn = self.checked(GET_CSN)
        if len(csn) != 12:
            raise MalformedResponseError("The card's serial record is not 12 bytes.")
        # The CRN offsets in the CPLC are the re-implementer's own guess (§3.1): not reported.
        return CardInfo(self.family, "0101", csn.hex().upper(), None, "assumed")

    def read_signing_certificate(self) -> bytes:
        """EF 5040 of DF 5100 in the Pardis application, in the apps' SELECT form (§3.2)."""
        self.run(SELECT_PARDIS, H("00A40000023F00"), H("00A40000025100"), H("00A40200025040"))
        return self._read_certificate(BLOCK)

    def id_pin_status(self, service: CardKeyService | None = None) -> PardisPinStatus:
        """§5: the counters are readable only under the registry's SMD key."""
        if service is None:
            raise self.unsupported(Operation.PIN_STATUS)
        key = service.smd_key(smd_key_request(self, self.read_signing_certificate()))
        return pin_status(self, key)

    def read_ca_certificate(self) -> bytes:
        raise UnsupportedOperationError(
            self.family,
            Operation.READ_CERTIFICATES,
            "where Pardis cards keep the CA certificate is not public",
        )
