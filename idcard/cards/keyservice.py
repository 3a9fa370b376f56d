"""The registry's card-authentication keys, behind one interface (iran-nid-cards.md §6-§7).

Real cards authenticate only with keys the registry (NOCR) hands out online:
K_enc, K_mac (3DES), K_IFD and RND.IFD. The registry's wire protocol, its
envelope crypto and the format of `cardKeys` are not public (§7), so this
module defines our own small JSON protocol for the emulated registry
(`mock_card.registry_service`). A real deployment would implement
`CardKeyService` against the registry's own service.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Protocol

from idcard.errors import IdCardError

#: Paths of our (emulated) registry protocol: Mav4 card authentication, Pardis "SMD" key (§5).
CARD_KEYS_PATH = "/v1/card-keys"
SMD_KEY_PATH = "/v1/smd-key"


class KeyServiceError(IdCardError):
    """The card-authentication service could not be reached or refused the card."""

    code = "keyservice.unavailable"


@dataclass(frozen=True)
class CardKeyRequest:
    """What the client tells the registry about the card (the `cardInfo` items of §7)."""

    chip_type: str
    csn: str
    crn: str
    algorithm_version: str
    key_version: str
    perso_algorithm_version: str
    perso_key_version: str
    #: DER of the certificate read from the card ("citizenAuthCert" in §7).
    citizen_certificate: bytes

    def to_json(self) -> dict[str, str]:
        return {
            "chipType": self.chip_type,
            "csn": self.csn,
            "crn": self.crn,
            "algorithmVersion": self.algorithm_version,
            "keyVersion": self.key_version,
            "persoAlgorithmVersion": self.perso_algorithm_version,
            "persoKeyVersion": self.perso_key_version,
            "citizenAuthCert": base64.b64encode(self.citizen_certificate).decode("ascii"),
        }

    @classmethod
    def from_json(cls, body: dict[str, object]) -> CardKeyRequest:
        try:
            return cls(
                chip_type=str(body["chipType"]),
                csn=str(body["csn"]),
                crn=str(body["crn"]),
                algorithm_version=str(body["algorithmVersion"]),
                key_version=str(body["keyVersion"]),
                perso_algorithm_version=str(body["persoAlgorithmVersion"]),
                perso_key_version=str(body["persoKeyVersion"]),
                citizen_certificate=base64.b64decode(str(body["citizenAuthCert"]), validate=True),
            )
        except (KeyError, ValueError) as exc:
            raise KeyServiceError("The card-keys request is incomplete.", code="keyservice.request") from exc


@dataclass(frozen=True)
class CardKeys:
    """The §6 inputs from the registry for one card authentication."""

    k_enc: bytes  # 16 B, 3DES
    k_mac: bytes  # 16 B, 3DES
    k_ifd: bytes  # 32 B, the terminal's key half
    rnd_ifd: bytes  # 8 B, the terminal's nonce

    def __post_init__(self) -> None:
        sizes = {"k_enc": 16, "k_mac": 16, "k_ifd": 32, "rnd_ifd": 8}
        for name, size in sizes.items():
            if len(getattr(self, name)) != size:
                raise KeyServiceError(
                    f"The card-keys answer has a {name} that is not {size} bytes.",
                    code="keyservice.malformed",
                )

    def __repr__(self) -> str:  # never show key material
        return "CardKeys(...)"

    def to_json(self) -> dict[str, str]:
        return {"kEnc": self.k_enc.hex(), "kMac": self.k_mac.hex(), "kIfd": self.k_ifd.hex(), "rndIfd": self.rnd_ifd.hex()}

    @classmethod
    def from_json(cls, body: object) -> CardKeys:
        try:
            if not isinstance(body, dict):
                raise ValueError("not a JSON object")
            return cls(*(bytes.fromhex(str(body[k])) for k in ("kEnc", "kMac", "kIfd", "rndIfd")))
        except (KeyError, ValueError) as exc:
            raise KeyServiceError(
                "The card-keys answer is not the expected JSON.", code="keyservice.malformed"
            ) from exc


class CardKeyService(Protocol):
    """Send the card's identifiers, get the keys for one card authentication back."""

    def card_keys(self, request: CardKeyRequest) -> CardKeys: ...

    def smd_key(self, request: CardKeyRequest) -> bytes:
        """The 16-byte 3DES "SMD" key a Pardis card's PIN status needs (§5)."""
        ...
