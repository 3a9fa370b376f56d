"""The card's file system: applications (DFs) holding elementary files.

Access rules are part of each file, so the APDU handlers never decide on
their own who may read what.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Access(enum.Enum):
    ALWAYS = "always"  # EF.CardAccess: readable before PACE
    SECURE = "secure"  # after any PACE/BAC, under secure messaging
    NEVER = "never"


@dataclass
class ElementaryFile:
    fid: int
    content: bytes
    read: Access = Access.SECURE
    #: Short EF identifier for READ BINARY without SELECT (low five bits of the FID).
    sfi: int | None = None


@dataclass
class Application:
    """A DF selected by AID (or the MF, which has none)."""

    name: str
    aid: bytes | None
    files: dict[int, ElementaryFile] = field(default_factory=dict)

    def add(self, ef: ElementaryFile) -> None:
        self.files[ef.fid] = ef

    def by_sfi(self, sfi: int) -> ElementaryFile | None:
        for ef in self.files.values():
            if ef.sfi == sfi:
                return ef
        return None


# Well-known identifiers (card-profile.md)
FID_CARD_ACCESS = 0x011C
FID_CARD_SECURITY = 0x011D
FID_COM = 0x011E
FID_SOD = 0x011D
LDS_AID = bytes.fromhex("A0000002471001")
PKI_AID = bytes.fromhex("F049524E4944504B49")


def dg_fid(number: int) -> int:
    """DG1 -> 0101 ... DG16 -> 0110."""
    return 0x0100 + number


@dataclass
class FileSystem:
    mf: Application
    applications: list[Application]

    def find_application(self, aid: bytes) -> Application | None:
        for app in self.applications:
            # ISO 7816-4 allows selection by a leading part of the AID.
            if app.aid is not None and app.aid.startswith(aid) and aid:
                return app
        return None
