"""An emulated Pardis NID card: the little iran-nid-cards.md gives (§3.1, §3.2).

Low confidence even in the spec (its source never had a Pardis card); every
choice not stated there is marked EMULATOR ASSUMPTION.
"""

from __future__ import annotations

from dataclasses import dataclass

from idcard.cards.detect import AID_PARDIS
from mock_card.personalize import Citizen
from mock_card.profiles.engine import DF, SW_INS, SW_NOT_FOUND, SW_OK, FileSystemCard
from mock_card.profiles.nid_certs import make_card_certificates

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
        main = DF()
        df5100 = main.subdir("5100")
        df5100.file("5040", self.certificates.signing_der + b"\xff" * 48)
        main.subdir("5000")
        self.apps = {"pardis": main, "gp": DF()}
        self._pending = b""

    def _reset_session(self) -> None:
        self._pending = b""

    def _app_for(self, aid: bytes) -> str | None:
        return {AID_PARDIS: "pardis", AID_ISSUER_DOMAIN: "gp"}.get(aid)

    def _command(
        self, cla: int, ins: int, p1: int, p2: int, body: bytes, le: int | None
    ) -> tuple[bytes, int]:
        if (cla, ins, p1, p2) == (0x80, 0xCA, 0x9F, 0x7F) and self._app == "gp":
            # §3.1: the CPLC comes in two steps, 612D then GET RESPONSE.
            self._pending = self.cplc
            return b"", 0x6100 | len(self.cplc)
        if (cla, ins) == (0x00, 0xC0) and self._pending:
            out, self._pending = self._pending[: le or 256], b""
            return out, SW_OK
        if (cla, ins, p1, p2) == (0x90, 0x38, 0x00, 0x00):
            # EMULATOR ASSUMPTION: answered in any application.
            return self.perso.csn, SW_OK
        if (cla, ins) == (0x80, 0xCA):
            return b"", SW_NOT_FOUND
        return b"", SW_INS
