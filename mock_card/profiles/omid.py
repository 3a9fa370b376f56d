"""An emulated Omid NID card: the applications and the meta-FEID read of iran-nid-cards.md §3.6.

The spec gives only the SELECTs and a 56-byte READ BINARY whose layout is
unknown; everything else about Omid is not public, so this card answers
nothing more. Choices not stated in the spec are marked EMULATOR ASSUMPTION.
"""

from __future__ import annotations

from idcard.cards.detect import AID_OMID
from mock_card.profiles.engine import DF, FileSystemCard

H = bytes.fromhex

# EMULATOR ASSUMPTION: which listed ATR an Omid has is not public; the "IRN" one is taken (§1).
ATR = H("3BDB96008131FE85801349524E7396715B91302E")
AID_OMID_APP1 = H("398DE5BAB41EC676CABDB526E58571")
AID_OMID_APP2 = H("398DE5BAB41EC676CABDB526E58572")


class OmidCard(FileSystemCard):
    family = "omid"
    atr_bytes = ATR

    def __init__(self) -> None:
        super().__init__()
        app1 = DF()
        # EMULATOR ASSUMPTION: 1100 is a DF holding EF 1103; the 56-byte meta FEID is zeros
        # (its layout is unknown, §3.6), so nothing here pretends to be a real template.
        app1.subdir("1100").file("1103", bytes(56))
        self.apps = {"main": DF(), "app1": app1, "app2": DF()}

    def _app_for(self, aid: bytes) -> str | None:
        return {AID_OMID: "main", AID_OMID_APP1: "app1", AID_OMID_APP2: "app2"}.get(aid)
