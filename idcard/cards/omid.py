"""Omid cards: recognised, but nothing the spec gives is readable without guessing.

GetCID's meaning is unknown and the meta-FEID layout is unknown (iran-nid-cards.md
§3.1, §3.6); every operation says so instead of presenting invented data.
"""

from __future__ import annotations

from idcard.cards.base import (
    NOT_PUBLIC,
    REGISTRY_ONLY,
    Capabilities,
    CardDriver,
    CardInfo,
    Operation,
)

_UNKNOWN_LAYOUT = "the Omid file layouts and identifier commands are not public"


class OmidDriver(CardDriver):
    family = "omid"
    capabilities = Capabilities(
        frozenset(),
        {
            Operation.READ_IDENTITY: _UNKNOWN_LAYOUT,
            Operation.READ_CERTIFICATES: _UNKNOWN_LAYOUT,
            Operation.PIN_STATUS: NOT_PUBLIC,
            Operation.VERIFY_PIN: NOT_PUBLIC,
            Operation.CHANGE_PIN: NOT_PUBLIC,
            Operation.UNBLOCK_PIN: NOT_PUBLIC,
            **REGISTRY_ONLY,
        },
    )

    def card_info(self) -> CardInfo:
        # "0102" is the vendor's default class for Omid (§1); no identifier is read.
        return CardInfo(self.family, "0102", None, None, "assumed")
