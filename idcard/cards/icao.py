"""The two card families `IdCard` speaks itself, described like the NID drivers.

`nid-v1` is our ICAO-9303-style profile (card-profile.md): PACE with PIN, CAN
and PUK, the LDS application and a PKI application. `passport-bac` is an
ICAO document without EF.CardAccess, opened with BAC from the MRZ. A passport
that offers PACE follows the `nid-v1` path (the same protocols); it has no PKI
application, which the card says (`card.no_pki`) when certificates are asked for.
"""

from __future__ import annotations

from idcard.cards.base import Capabilities, CardInfo, Operation

NID_V1 = "nid-v1"
PASSPORT_BAC = "passport-bac"

NID_V1_CAPABILITIES = Capabilities(frozenset(Operation))

_NO_PIN = "a passport has no PIN: it opens with the data of its machine-readable zone"
_NO_PKI = "a passport has no PKI application (no authentication or signing keys)"

PASSPORT_CAPABILITIES = Capabilities(
    frozenset({Operation.READ_IDENTITY, Operation.READ_SIGNED_DATA, Operation.AUTHENTICATE}),
    {
        Operation.PIN_STATUS: _NO_PIN,
        Operation.VERIFY_PIN: _NO_PIN,
        Operation.CHANGE_PIN: _NO_PIN,
        Operation.UNBLOCK_PIN: _NO_PIN,
        Operation.READ_CERTIFICATES: _NO_PKI,
        Operation.SIGN: _NO_PKI,
    },
)

CAPABILITIES = {NID_V1: NID_V1_CAPABILITIES, PASSPORT_BAC: PASSPORT_CAPABILITIES}


def icao_card_info(family: str) -> CardInfo:
    """What an ICAO chip tells before it is opened: its family; no serial numbers are read."""
    return CardInfo(family, None, None, None, chip_type_basis="not applicable")
