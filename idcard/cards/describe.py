"""`card` of `idcard readers --json`: which family is in a reader and what it can do."""

from __future__ import annotations

from idcard.cards.icao import NID_V1, NID_V1_CAPABILITIES, icao_card_info
from idcard.session import IdCard
from reader.errors import CodedError
from reader.registry import EMULATOR_DEMO


def describe_card(reader_name: str) -> dict[str, object] | None:
    """Family, chip type, CSN, CRN and capabilities of the card in the reader.

    None when the card cannot be reached now: listing readers never fails because of one card.
    """
    if reader_name == EMULATOR_DEMO:
        # The built-in demo is our own nid-v1 card: no need to build it to ask.
        return {**icao_card_info(NID_V1).to_json(), "capabilities": NID_V1_CAPABILITIES.to_json()}
    try:
        with IdCard.open(reader_name) as card:
            return {**card.card_info().to_json(), "capabilities": card.capabilities.to_json()}
    except CodedError:
        return None
