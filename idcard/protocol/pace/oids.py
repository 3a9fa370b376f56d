"""PACE protocol object identifiers (ICAO 9303-11 §9.2.3) and password references.

An OID names the whole algorithm suite: mapping (generic, integrated, chip
authentication), key agreement (DH or ECDH) and the block cipher that is used
for the nonce, the session keys, secure messaging and the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from asn1crypto import core

from idcard.apdu.tlv import encode_tlv
from idcard.errors import MalformedResponseError, UnsupportedCardError
from idcard.protocol.ciphers import AES128, AES192, AES256, DES3, BlockCipher

Mapping = Literal["GM", "IM", "CAM"]
Agreement = Literal["DH", "ECDH"]

ID_PACE = "0.4.0.127.0.7.2.2.4"

#: id-PACE-<agreement>-<mapping> arc below id-PACE.
_MAPPING_ARCS: dict[int, tuple[Agreement, Mapping]] = {
    1: ("DH", "GM"),
    2: ("ECDH", "GM"),
    3: ("DH", "IM"),
    4: ("ECDH", "IM"),
    6: ("ECDH", "CAM"),
}
#: Last arc: the cipher suite.
_CIPHER_ARCS: dict[int, tuple[str, BlockCipher]] = {
    1: ("3DES-CBC-CBC", DES3),
    2: ("AES-CBC-CMAC-128", AES128),
    3: ("AES-CBC-CMAC-192", AES192),
    4: ("AES-CBC-CMAC-256", AES256),
}


class PasswordRef(IntEnum):
    """MSE:Set AT DO'83' password reference (ICAO 9303-11 §4.4.4.1, TR-03110-3 B.11.1)."""

    MRZ = 1
    CAN = 2
    PIN = 3
    PUK = 4


@dataclass(frozen=True)
class PaceAlgorithm:
    oid: str
    name: str  # e.g. "id-PACE-ECDH-GM-AES-CBC-CMAC-128"
    mapping: Mapping
    agreement: Agreement
    cipher: BlockCipher


def _build_table() -> dict[str, PaceAlgorithm]:
    table: dict[str, PaceAlgorithm] = {}
    for map_arc, (agreement, mapping) in _MAPPING_ARCS.items():
        for cipher_arc, (suite, cipher) in _CIPHER_ARCS.items():
            if mapping == "CAM" and cipher is DES3:
                continue  # ICAO defines no 3DES variant of CAM
            oid = f"{ID_PACE}.{map_arc}.{cipher_arc}"
            name = f"id-PACE-{agreement}-{mapping}-{suite}"
            table[oid] = PaceAlgorithm(oid, name, mapping, agreement, cipher)
    return table


#: Every PACE algorithm ICAO 9303-11 defines, by dotted OID.
PACE_ALGORITHMS: dict[str, PaceAlgorithm] = _build_table()

#: Domain-parameter-only OIDs (PACEDomainParameterInfo.protocol): id-PACE-DH-GM etc.
PACE_DOMAIN_PARAMETER_OIDS: frozenset[str] = frozenset(
    f"{ID_PACE}.{arc}" for arc in _MAPPING_ARCS
)


def pace_algorithm(oid: str) -> PaceAlgorithm:
    """The algorithm suite for a PACE OID; UnsupportedCardError for anything else."""
    try:
        return PACE_ALGORITHMS[oid]
    except KeyError:
        raise UnsupportedCardError(f"Unknown PACE algorithm {oid}.") from None


def oid_to_bytes(dotted: str) -> bytes:
    """DER content octets of an OID (what MSE:Set AT DO'80' and DO'06' carry)."""
    try:
        return core.ObjectIdentifier(dotted).contents
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an object identifier: {dotted!r}") from exc


def oid_from_bytes(content: bytes) -> str:
    """Dotted OID from DER content octets; MalformedResponseError if they do not parse."""
    if not content or content[-1] & 0x80:
        raise MalformedResponseError("Object identifier is empty or truncated.")
    try:
        return core.ObjectIdentifier.load(encode_tlv(0x06, content)).dotted
    except (ValueError, TypeError) as exc:
        raise MalformedResponseError("Object identifier does not parse.") from exc

