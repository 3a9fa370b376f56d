"""The authentication token (assertion.md): Web eID ``web-eid:1.0`` plus chip evidence.

```json
{"format": "web-eid:1.0", "unverifiedCertificate": "<b64 DER>", "algorithm": "ES384",
 "signature": "<b64 r||s>", "appVersion": "https://…/releases/<version>",
 "idcardEvidence": {"version": 1, "sod": "<b64>", "dataGroups": {"1": "<b64>", …},
                    "activeAuthentication": "<b64>"}}
```

`AuthToken` is the typed form; `to_json()` gives the JSON object above and
`AuthToken.from_json()` reads one back strictly (standard base64 with
padding, DG numbers 1–16), raising `TokenFormatError` (``token.format``).
Unknown extra members are ignored, as Web eID 1.x adds some.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from idcard import __version__
from idcard.errors import IdCardError

__all__ = [
    "APP_VERSION",
    "EVIDENCE_VERSION",
    "FORMAT",
    "PROJECT_URL",
    "AuthToken",
    "Evidence",
    "TokenFormatError",
    "b64",
    "dumps",
    "unb64",
]

FORMAT = "web-eid:1.0"
EVIDENCE_VERSION = 1
#: Where releases are published; appVersion is PROJECT_URL/releases/<version>.
PROJECT_URL = "https://idcard.invalid"
APP_VERSION = f"{PROJECT_URL}/releases/{__version__}"


class TokenFormatError(IdCardError):
    """The token is not shaped as assertion.md says."""

    code = "token.format"


def b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def unb64(value: object, what: str) -> bytes:
    """Strict standard base64 (with padding); TokenFormatError otherwise."""
    if not isinstance(value, str) or not value:
        raise TokenFormatError(f"{what} must be a non-empty base64 string.")
    try:
        if len(value) >= _LARGE:
            return _decode_large(_LargeText(value))
        return _decode(value)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise TokenFormatError(f"{what} is not valid base64.") from None


def _decode(value: str) -> bytes:
    # strict_mode accepts exactly what b64decode(validate=True) does (alphabet, padding
    # only at the end) without its regular-expression pass over the text first.
    return binascii.a2b_base64(value.encode("ascii"), strict_mode=True)


#: A face image (DG2) is ~30 KB of base64 and decoding it costs a portal more than
#: hashing it (binascii decodes ~2 ns a character); a returning citizen sends the same
#: certificate, EF.SOD and face, so values this long are decoded once (the text is the
#: key; failures are not cached).
_LARGE = 512


class _LargeText:
    """A long base64 value as a cache key, equal only to the same whole text.

    Hashed by its length and last characters: each token's JSON makes a new
    string, and hashing all of a face image's 30 KB costs more than comparing
    it with the cached entry that shares its tail.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __hash__(self) -> int:
        return hash((len(self.text), self.text[-64:]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LargeText) and other.text == self.text


@functools.lru_cache(maxsize=192)  # a certificate, an EF.SOD and a face for each of 64 citizens
def _decode_large(value: _LargeText) -> bytes:
    return _decode(value.text)


def _is_mapping(value: object) -> TypeGuard[Mapping[Any, Any]]:
    # What json.loads makes is a dict: that answer needs no trip through the ABC machinery.
    return type(value) is dict or isinstance(value, Mapping)


#: How a data group's member is named in errors (built once, not per token).
_DG_MEMBER = {n: f"idcardEvidence.dataGroups[{n}]" for n in range(1, 17)}


@dataclass(frozen=True)
class Evidence:
    """``idcardEvidence``: EF.SOD, the released data groups and the chip's AA signature."""

    sod: bytes
    data_groups: dict[int, bytes]
    active_authentication: bytes
    version: int = EVIDENCE_VERSION

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "sod": b64(self.sod),
            "dataGroups": {str(n): b64(self.data_groups[n]) for n in sorted(self.data_groups)},
            "activeAuthentication": b64(self.active_authentication),
        }

    @classmethod
    def from_json(cls, obj: object) -> Evidence:
        if not _is_mapping(obj):
            raise TokenFormatError("idcardEvidence must be a JSON object.")
        version = obj.get("version")
        if type(version) is not int:
            raise TokenFormatError("idcardEvidence.version must be an integer.")
        if version != EVIDENCE_VERSION:
            raise TokenFormatError(f"idcardEvidence version {version} is not supported (1 is).")
        groups = obj.get("dataGroups")
        if not _is_mapping(groups):
            raise TokenFormatError("idcardEvidence.dataGroups must be a JSON object.")
        data_groups: dict[int, bytes] = {}
        for key, value in groups.items():
            if not (isinstance(key, str) and key.isascii() and key.isdigit() and key[0] != "0"):
                raise TokenFormatError(f"idcardEvidence.dataGroups has a bad key {key!r}.")
            number = int(key)
            if not 1 <= number <= 16:
                raise TokenFormatError(f"There is no data group {number}.")
            data_groups[number] = unb64(value, _DG_MEMBER[number])
        return cls(
            sod=unb64(obj.get("sod"), "idcardEvidence.sod"),
            data_groups=data_groups,
            active_authentication=unb64(
                obj.get("activeAuthentication"), "idcardEvidence.activeAuthentication"
            ),
            version=version,
        )


@dataclass(frozen=True)
class AuthToken:
    certificate: bytes
    algorithm: str
    signature: bytes
    app_version: str = APP_VERSION
    evidence: Evidence | None = None
    format: str = FORMAT
    #: Members of the JSON object this class does not model (kept, never interpreted).
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "format": self.format,
            "unverifiedCertificate": b64(self.certificate),
            "algorithm": self.algorithm,
            "signature": b64(self.signature),
            "appVersion": self.app_version,
        }
        if self.evidence is not None:
            out["idcardEvidence"] = self.evidence.to_json()
        return out

    def dumps(self) -> str:
        return dumps(self.to_json())

    @classmethod
    def from_json(cls, obj: object) -> AuthToken:
        """The token from its parsed JSON object; TokenFormatError on any shape problem."""
        if not _is_mapping(obj):
            raise TokenFormatError("The token must be a JSON object.")
        fmt = obj.get("format")
        if not isinstance(fmt, str):
            raise TokenFormatError("The token has no format.")
        algorithm = obj.get("algorithm")
        if not isinstance(algorithm, str) or not algorithm:
            raise TokenFormatError("The token has no algorithm.")
        app_version = obj.get("appVersion", "")
        if not isinstance(app_version, str):
            raise TokenFormatError("appVersion must be a string.")
        evidence_obj = obj.get("idcardEvidence")
        known = {
            "format",
            "unverifiedCertificate",
            "algorithm",
            "signature",
            "appVersion",
            "idcardEvidence",
        }
        return cls(
            certificate=unb64(obj.get("unverifiedCertificate"), "unverifiedCertificate"),
            algorithm=algorithm,
            signature=unb64(obj.get("signature"), "signature"),
            app_version=app_version,
            evidence=None if evidence_obj is None else Evidence.from_json(evidence_obj),
            format=fmt,
            extra={k: v for k, v in obj.items() if k not in known},
        )


def dumps(token: Mapping[str, object]) -> str:
    """Compact JSON text of a token object (what is POSTed to a portal)."""
    return json.dumps(token, separators=(",", ":"), ensure_ascii=False)
