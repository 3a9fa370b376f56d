"""DG15, the Active Authentication public key (ICAO 9303-10 §4.7.15): '6F' { SubjectPublicKeyInfo }.

The key stays DER bytes here. EC keys on documents often carry explicit
curve parameters, which `cryptography` refuses; turning them into usable keys
is idcard/pki/keys.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from asn1crypto import keys

from idcard.apdu.tlv import encode_tlv
from idcard.errors import MalformedResponseError, UnsupportedCardError
from idcard.lds._codec import outer, remember
from idcard.lds.tags import DG_TAGS

TAG_DG15 = DG_TAGS[15]

KeyAlgorithm = Literal["ec", "rsa"]


def _load(spki: bytes) -> keys.PublicKeyInfo:
    try:
        info = keys.PublicKeyInfo.load(spki, strict=True)
        info.native  # asn1crypto parses lazily: force every field now  # noqa: B018
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError, ...
        raise MalformedResponseError(f"DG15: not a valid SubjectPublicKeyInfo ({exc})") from exc
    return info


def _algorithm(info: keys.PublicKeyInfo) -> KeyAlgorithm:
    try:
        name = info.algorithm
    except Exception:  # asn1crypto: unknown OIDs raise
        name = str(info["algorithm"]["algorithm"].dotted)
    if name not in ("ec", "rsa"):
        raise UnsupportedCardError(
            f"DG15: Active Authentication with a {name} key is not supported"
        )
    return name


@dataclass(frozen=True)
class Dg15:
    #: DER of the SubjectPublicKeyInfo, exactly as on the card.
    spki: bytes = field(repr=False)
    algorithm: KeyAlgorithm = field(init=False)
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "algorithm", _algorithm(_load(self.spki)))

    @property
    def public_key_info(self) -> keys.PublicKeyInfo:
        return keys.PublicKeyInfo.load(self.spki)

    @property
    def named_curve(self) -> str | None:
        """The curve's name for EC keys with a named curve; None for RSA or explicit parameters."""
        if self.algorithm != "ec":
            return None
        params = self.public_key_info["algorithm"]["parameters"]
        return str(params.chosen.native) if params.name == "named" else None

    @classmethod
    def parse(cls, data: bytes) -> Dg15:
        return remember(cls(outer(data, TAG_DG15, "DG15").value), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        return encode_tlv(TAG_DG15, self.spki)
