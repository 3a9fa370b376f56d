"""Pick the driver for the card in a reader (iran-nid-cards.md §1)."""

from __future__ import annotations

from idcard.cards.base import CardDriver
from idcard.cards.detect import Family, detect_family
from idcard.cards.mav import Mav4Driver
from idcard.cards.omid import OmidDriver
from idcard.cards.pardis import PardisDriver
from reader.base import Transport

#: A Mav card of unknown generation gets the Mav4 driver: Mav4 is the only generation whose
#: flows are public, and the chip-type query that would tell Mav2/3/4 apart is not (§8).
_DRIVERS: dict[Family, type[CardDriver]] = {
    Family.PARDIS: PardisDriver,
    Family.MAV: Mav4Driver,
    Family.OMID: OmidDriver,
}


def nid_driver(transport: Transport) -> CardDriver | None:
    """The NID-family driver for the card, or None when no NID application answers
    (the caller then treats the card as an ICAO document or our own profile)."""
    driver = _DRIVERS.get(detect_family(transport))
    return driver(transport) if driver else None
