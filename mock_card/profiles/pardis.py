"""An emulated Pardis NID card: the little iran-nid-cards.md gives (§3.1, §3.2).

Low confidence even in the spec (its source never had a Pardis card); every
choice not stated there is marked EMULATOR ASSUMPTION.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from idcard.cards.detect import AID_PARDIS
from idcard.cards.pardis_pin import AID_MATIA1, AID_MATIA2, session_keys, verify_status_command
from idcard.protocol.ciphers import DES3
from mock_card.personalize import Citizen
from mock_card.profiles.engine import (
    DF,
    SW_INS,
    SW_NOT_FOUND,
    SW_OK,
    FileSystemCard,
    PinObject,
    tlv,
)
from mock_card.profiles.nid_certs import make_card_certificates
from mock_card.registry_service import TEST_MASTER, smd_key_for

H = bytes.fromhex

# The spec lists this ATR and hypothesises "0101" = Pardis's chip type (§1, weak).
ATR = H("3B7D95000080318065B0850101C883019000")
AID_ISSUER_DOMAIN = H("A000000003000000")


@dataclass(frozen=True)
class PardisPersonalisation:
    citizen: Citizen = Citizen()
    #: TEST number for the certificate CN (CRN reading on Pardis is a guess, §3.1).
    crn: str = "9876543211"
    #: TEST 12-byte answer of the proprietary 9038 command (§3.1).
    csn: bytes = H("50415244495300000000AB01")
    seed: int = 1
    citizen_ca: str = "root-ca1"
    id_pin: str = "5679"
    #: Master of the card's SMD key; another value = a card the registry never keyed.
    registry_master: bytes = TEST_MASTER


class PardisCard(FileSystemCard):
    family = "pardis"
    atr_bytes = ATR

    def __init__(self, perso: PardisPersonalisation | None = None) -> None:
        super().__init__()
        self.perso = perso or PardisPersonalisation()
        c = self.perso.citizen
        self.certificates = make_card_certificates(
            c.given_name, c.family_name, self.perso.crn, seed=self.perso.seed, citizen_ca=self.perso.citizen_ca
        )
        # EMULATOR ASSUMPTION: TEST CPLC body; nothing of a real Pardis CPLC is public.
        self.cplc = H("9F7F2A") + H("4250" "5041" "0101") + bytes(36)
        # EMULATOR ASSUMPTION: the PIN value's encoding on Pardis is not public; only counters matter.
        pin = self.perso.id_pin.encode("ascii")
        main = DF()
        df5100 = main.subdir("5100")
        df5100.file("5040", self.certificates.signing_der + b"\xff" * 48)
        main.subdir("5000", PinObject(pin))
        self.apps = {"pardis": main, "gp": DF(), "matia1": DF(pin=PinObject(pin)), "matia2": DF(pin=PinObject(pin))}
        self.smd = smd_key_for(self.perso.csn, self.perso.registry_master)
        self._pending = b""
        self._rnd: bytes | None = None

    def _reset_session(self) -> None:
        self._pending = b""
        self._rnd = None

    def _app_for(self, aid: bytes) -> str | None:
        return {AID_PARDIS: "pardis", AID_ISSUER_DOMAIN: "gp", AID_MATIA1: "matia1", AID_MATIA2: "matia2"}.get(aid)

    def _dispatch(self, apdu: bytes) -> tuple[bytes, int]:
        if apdu[:3] == H("0C2000") and len(apdu) == 15:
            return self._verify_status(apdu)
        return super()._dispatch(apdu)

    def _verify_status(self, apdu: bytes) -> tuple[bytes, int]:
        """§5 PIN status under the SMD key's MAC; answers 610E, the status waits for GET RESPONSE."""
        rnd, self._rnd = self._rnd, None
        pin = self._cwd.pin if self._cwd is not None else None
        if rnd is None or pin is None:
            return b"", 0x6985
        _, sk_mac = session_keys(self.smd, rnd)
        if apdu != verify_status_command(sk_mac, apdu[3]):
            return b"", 0x6988
        # EMULATOR ASSUMPTION: blocked answers 63C0 (the spec maps 63C0 and 6984 to blocked).
        status = tlv(0x99, (0x63C0 | pin.tries).to_bytes(2, "big"))
        self._pending = status + tlv(0x8E, DES3.mac(sk_mac, DES3.pad(status)))
        return b"", 0x6100 | len(self._pending)

    def _command(
        self, cla: int, ins: int, p1: int, p2: int, body: bytes, le: int | None
    ) -> tuple[bytes, int]:
        if (cla, ins, p1, p2) == (0x80, 0xCA, 0x9F, 0x7F) and self._app == "gp":
            # §3.1: the CPLC comes in two steps, 612D then GET RESPONSE.
            self._pending = self.cplc
            return b"", 0x6100 | len(self.cplc)
        if (cla, ins, p1, p2) == (0x00, 0x84, 0x00, 0x00) and le == 8:
            self._rnd = os.urandom(8)
            return self._rnd, SW_OK
        if (cla, ins) == (0x00, 0xC0) and self._pending:
            out, self._pending = self._pending[: le or 256], b""
            return out, SW_OK
        if (cla, ins, p1, p2) == (0x90, 0x38, 0x00, 0x00):
            # EMULATOR ASSUMPTION: answered in any application.
            return self.perso.csn, SW_OK
        if (cla, ins) == (0x80, 0xCA):
            return b"", SW_NOT_FOUND
        return b"", SW_INS
