"""A personalised card as data: settings, reference secrets, counters, files.

This is what `mock-card create` writes as JSON and `mock-card serve` loads.
It is a *test card*: like a real chip it stores its own PIN reference data,
so card files belong in test fixtures, never next to real user data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, get_type_hints

from idcard.files import write_atomically

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

FORMAT = "idcard-mock-card/1"

PROFILE_NID = "nid-v1"
PROFILE_PASSPORT_BAC = "passport-bac"

#: id-PACE-ECDH-GM-AES-CBC-CMAC-128
DEFAULT_PACE_OID = "0.4.0.127.0.7.2.2.4.2.2"
DEFAULT_PACE_PARAMETER_ID = 13  # brainpoolP256r1
#: id-PACE-ECDH-CAM-AES-CBC-CMAC-128: the chip proves its DG14 key inside PACE (ICAO 9303-11 §4.4.3.5)
PACE_CAM_OID = "0.4.0.127.0.7.2.2.4.6.2"


_Section = TypeVar("_Section", bound="DataclassInstance")


def _section_from_json(cls: type[_Section], data: object) -> _Section:
    """One flat section (settings, secrets, counters) from JSON, each value of its field's type.

    Missing fields keep their defaults (older files); unknown fields or wrong
    types raise TypeError, which `CardImage.from_json` reports as a corrupt file.
    """
    if not isinstance(data, dict):
        raise TypeError(cls.__name__)
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    values: dict[str, object] = {}
    for name, value in data.items():
        if name not in names:
            raise TypeError(f"{cls.__name__}.{name}")
        kind = hints[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)  # JSON writes 0.0 as 0 in some tools
        # bool is an int in Python, but a flag is not a count and a count not a flag.
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise TypeError(f"{cls.__name__}.{name}")
        values[name] = value
    return replace(cls(), **values)


@dataclass
class Settings:
    profile: str = PROFILE_NID
    pace_oid: str = DEFAULT_PACE_OID
    pace_parameter_id: int = DEFAULT_PACE_PARAMETER_ID
    #: Extended-length APDUs; off mimics older cards (short APDUs only).
    extended_length: bool = True
    #: Most response data one APDU returns (the card's buffer).
    max_response: int = 4096
    #: Artificial delay per APDU in seconds (to test responsiveness).
    latency: float = 0.0


@dataclass
class Secrets:
    """The card's reference data. Never printed: see `Secrets.__repr__`."""

    pin: str = "123456"
    can: str = "123456"
    puk: str = "12345678"
    pin2: str = "12345"
    #: MRZ information (document number, birth date, expiry with check digits) for BAC / PACE-MRZ.
    mrz_information: str = ""

    def __repr__(self) -> str:
        return "Secrets(<redacted>)"


@dataclass
class Counters:
    pin_tries: int = 3
    puk_uses: int = 10
    pin2_tries: int = 3


@dataclass
class CardImage:
    settings: Settings = field(default_factory=Settings)
    secrets: Secrets = field(default_factory=Secrets)
    counters: Counters = field(default_factory=Counters)
    #: application name ("mf", "lds", "pki") -> FID -> content
    files: dict[str, dict[int, bytes]] = field(default_factory=dict)
    #: The chip's private keys (see mock_card.chip_keys): "aa" and "ca" as
    #: PKCS#8 DER hex, "ca_key_id" (int or None), optional "ca_oid". Empty:
    #: no AA/CA. Kept out of repr, like the secrets.
    keys: dict[str, str | int | None] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "format": FORMAT,
            "settings": asdict(self.settings),
            "secrets": asdict(self.secrets),
            "counters": asdict(self.counters),
            "files": {
                app: {f"{fid:04X}": content.hex() for fid, content in sorted(files.items())}
                for app, files in self.files.items()
            },
        }
        if self.keys:  # absent when empty: files written before keys existed stay identical
            out["keys"] = dict(self.keys)
        return out

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CardImage:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a mock card file (expected format {FORMAT!r})")
        try:
            files_in = data["files"]
            assert isinstance(files_in, dict)
            files = {
                str(app): {int(fid, 16): bytes.fromhex(content) for fid, content in entries.items()}
                for app, entries in files_in.items()
            }
            keys = data.get("keys", {})
            if not isinstance(keys, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str | int))
                for k, v in keys.items()
            ):
                raise TypeError("keys")
            return cls(
                settings=_section_from_json(Settings, data["settings"]),
                secrets=_section_from_json(Secrets, data["secrets"]),
                counters=_section_from_json(Counters, data["counters"]),
                files=files,
                keys=dict(keys),
            )
        except (KeyError, TypeError, ValueError, AssertionError, AttributeError) as exc:
            raise ValueError(f"corrupt mock card file: {type(exc).__name__}") from None

    def save(self, path: str | Path) -> None:
        """Write atomically: a crash mid-write never leaves half a card file."""
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n"
        # Private: a card file holds the card's PIN, PUK and private keys.
        write_atomically(path, text.encode("utf-8"), private=True)

    @classmethod
    def load(cls, path: str | Path) -> CardImage:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"corrupt mock card file: not JSON ({exc.msg})") from None
        return cls.from_json(data)
