"""Pardis ID-PIN status with the registry's "SMD" key (iran-nid-cards.md §5).

For each PIN object the card proves nothing and spends nothing: the client
sends VERIFY without a PIN under a MAC keyed from the SMD key and the card's
fresh challenge, and the card answers with the tries left. The commands are
the spec's bytes; where the spec is silent (how the card protects its answer)
this client assumes DO'99' (status) ‖ DO'8E' (retail MAC of the padded DO'99'
under SK_MAC) and checks that MAC — CLIENT/EMULATOR ASSUMPTION.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from idcard.cards.base import CardDriver
from idcard.cards.detect import AID_PARDIS
from idcard.cards.keyservice import CardKeyRequest
from idcard.errors import MalformedResponseError
from idcard.protocol.ciphers import DES3

H = bytes.fromhex

AID_MATIA1 = H("A0000000D785013A0428")
AID_MATIA2 = H("A0000000D785013A0429")
GET_CHALLENGE = H("0084000008")

#: PIN object -> (commands that select it, PIN reference), §5.
OBJECTS: dict[str, tuple[tuple[bytes, ...], int]] = {
    "matia1": ((H("00A404000A") + AID_MATIA1,), 0x01),
    "matia2": ((H("00A404000A") + AID_MATIA2,), 0x01),
    "pardis": ((H("00A404000F") + AID_PARDIS, H("00A4000C023F00"), H("00A40000025000")), 0x81),
}

_SW_KEY_WRONG = 0x6988


@dataclass(frozen=True)
class PardisPinStatus:
    """Tries left per PIN object (None: unreadable); `key_ok` False when the card refused the key."""

    tries: dict[str, int | None]
    key_ok: bool

    def objects(self) -> dict[str, int | None]:
        return dict(self.tries)

    @property
    def tries_left(self) -> int | None:
        known = [t for t in self.tries.values() if t is not None]
        return max(known) if known else None


def session_keys(smd: bytes, rnd: bytes) -> tuple[bytes, bytes]:
    """SK_ENC, SK_MAC = 3DES-CBC(SMD, RND ‖ counter), counters 1 and 2 (§5)."""
    return (
        DES3.encrypt_cbc(smd, rnd + (1).to_bytes(8, "big")),
        DES3.encrypt_cbc(smd, rnd + (2).to_bytes(8, "big")),
    )


def verify_status_command(sk_mac: bytes, reference: int) -> bytes:
    """`0C2000 P2 0A 8E08 ‖ MAC`, MAC = retail MAC of `0C2000P2 80000000` (no SSC), §5."""
    header = bytes([0x0C, 0x20, 0x00, reference])
    return header + H("0A8E08") + DES3.mac(sk_mac, DES3.pad(header))


def _status(sw: int) -> int | None:
    """§5: 6984/63C0 → blocked (0); 63Cx → x tries; anything else unreadable."""
    if sw in (0x6984, 0x63C0):
        return 0
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    return None


def _protected_status(sk_mac: bytes, data: bytes) -> int:
    if len(data) != 14 or data[:2] != H("9902") or data[4:6] != H("8E08"):
        raise MalformedResponseError("The card's protected PIN status is not DO'99' ‖ DO'8E'.")
    if not hmac.compare_digest(DES3.mac(sk_mac, DES3.pad(data[:4])), data[6:]):
        raise MalformedResponseError("The card's protected PIN status has a wrong MAC.")
    return int.from_bytes(data[2:4], "big")


def pin_status(driver: CardDriver, smd: bytes) -> PardisPinStatus:
    tries: dict[str, int | None] = {}
    key_ok = True
    for name, (selects, reference) in OBJECTS.items():
        driver.run(*selects)
        rnd = driver.checked(GET_CHALLENGE)
        if len(rnd) != 8:
            raise MalformedResponseError("The card's challenge is not 8 bytes.")
        _, sk_mac = session_keys(smd, rnd)
        answer = driver.exchange(verify_status_command(sk_mac, reference))  # follows 610E (§5)
        if answer.sw == _SW_KEY_WRONG:
            key_ok, tries[name] = False, None
            continue
        tries[name] = _status(_protected_status(sk_mac, answer.data) if answer.data else answer.sw)
    return PardisPinStatus(tries, key_ok)


def smd_key_request(driver: CardDriver, certificate: bytes) -> CardKeyRequest:
    """What the registry is told about a Pardis card: chip type, CSN and its certificate.

    Pardis key versions are not public (§3.4 is Mav4's), so those fields stay empty.
    """
    info = driver.card_info()
    return CardKeyRequest(
        chip_type=info.chip_type or "0101",
        csn=info.csn or "",
        crn=info.crn or "",
        algorithm_version="",
        key_version="",
        perso_algorithm_version="",
        perso_key_version="",
        citizen_certificate=certificate,
    )
