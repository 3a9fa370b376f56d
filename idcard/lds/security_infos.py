"""SecurityInfos (ICAO 9303-11 §9.2, BSI TR-03110-3 A.1.1): EF.CardAccess, DG14, CardSecurity.

`parse_security_infos` turns the DER `SET OF SecurityInfo` into typed
dataclasses; entries this module does not model are kept as raw bytes.
`encode_security_infos` is its inverse: objects that came out of the parser
re-emit the exact bytes they were parsed from (a card's BER quirks survive),
objects built or changed in code are DER encoded from their fields.

All input is hostile (EF.CardAccess is unsigned): any failure ends in
`MalformedResponseError`, never in an asn1crypto exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asn1crypto import core

from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.errors import IdCardError, MalformedResponseError

ID_PK = "0.4.0.127.0.7.2.2.1"  # ChipAuthenticationPublicKeyInfo.protocol: id-PK-DH / -ECDH
ID_TA = "0.4.0.127.0.7.2.2.2"
ID_CA = "0.4.0.127.0.7.2.2.3"
ID_PACE = "0.4.0.127.0.7.2.2.4"
ID_AA = "2.23.136.1.1.5"  # id-icao-mrtd-security-aaProtocolObject
STANDARDIZED_DOMAIN_PARAMETERS = "0.4.0.127.0.7.1.2"

TAG_SET = 0x31
TAG_DG14 = 0x6E


# --- ASN.1 (asn1crypto) ------------------------------------------------------------


class _Asn1AlgorithmIdentifier(core.Sequence):
    _fields = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class _Asn1SubjectPublicKeyInfo(core.Sequence):
    _fields = [
        ("algorithm", _Asn1AlgorithmIdentifier),
        ("subject_public_key", core.OctetBitString),
    ]


class _Asn1VersionInfo(core.Sequence):
    """PACEInfo and ChipAuthenticationInfo: protocol, version, optional id."""

    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("id", core.Integer, {"optional": True}),
    ]


class _Asn1DomainParameterInfo(core.Sequence):
    """PACEDomainParameterInfo and ChipAuthenticationDomainParameterInfo."""

    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("domain_parameter", _Asn1AlgorithmIdentifier),
        ("id", core.Integer, {"optional": True}),
    ]


class _Asn1PublicKeyInfo(core.Sequence):
    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("public_key", _Asn1SubjectPublicKeyInfo),
        ("key_id", core.Integer, {"optional": True}),
    ]


class _Asn1TerminalAuthenticationInfo(core.Sequence):
    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("ef_cvca", core.Any, {"optional": True}),  # TR-03110 v1 FileID, kept opaque
    ]


class _Asn1ActiveAuthenticationInfo(core.Sequence):
    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("version", core.Integer),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class _Asn1Elements(core.SequenceOf):
    _child_spec = core.Any


class _Asn1SecurityInfos(core.SetOf):
    _child_spec = core.Any


# --- typed values ------------------------------------------------------------------


@dataclass(frozen=True)
class AlgorithmIdentifier:
    algorithm: str
    #: DER of the parameters (ANY), or None when absent.
    parameters: bytes | None = None

    @property
    def standardized_parameter_id(self) -> int | None:
        """The Table 12 id when this is `standardizedDomainParameters`, else None."""
        if self.algorithm != STANDARDIZED_DOMAIN_PARAMETERS or self.parameters is None:
            return None
        try:
            value = core.Integer.load(self.parameters, strict=True).native
        except Exception:  # noqa: BLE001 - hostile ANY content: "not an id"
            return None
        return value if isinstance(value, int) else None

    def _asn1(self) -> _Asn1AlgorithmIdentifier:
        value: dict[str, object] = {"algorithm": self.algorithm}
        if self.parameters is not None:
            value["parameters"] = core.Any.load(self.parameters, strict=True)
        return _Asn1AlgorithmIdentifier(value)


@dataclass(frozen=True)
class SubjectPublicKeyInfo:
    algorithm: AlgorithmIdentifier
    #: The BIT STRING content (e.g. an uncompressed point 04||X||Y, or a DER INTEGER for DH).
    public_key: bytes


# Each typed info remembers the bytes it was parsed from (`_der`, not an init
# field, so dataclasses.replace() forgets it and the edited value is re-encoded).


@dataclass(frozen=True)
class PaceInfo:
    protocol: str
    version: int
    parameter_id: int | None = None
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        return _Asn1VersionInfo(
            {"protocol": self.protocol, "version": self.version, "id": self.parameter_id}
        ).dump()


@dataclass(frozen=True)
class PaceDomainParameterInfo:
    protocol: str
    domain_parameter: AlgorithmIdentifier
    parameter_id: int | None = None
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        return _domain_parameter_der(self.protocol, self.domain_parameter, self.parameter_id)


@dataclass(frozen=True)
class ChipAuthenticationInfo:
    protocol: str
    version: int
    key_id: int | None = None
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        return _Asn1VersionInfo(
            {"protocol": self.protocol, "version": self.version, "id": self.key_id}
        ).dump()


@dataclass(frozen=True)
class ChipAuthenticationDomainParameterInfo:
    """TR-03110-3 A.1.1.2: the domain parameters of a chip authentication key."""

    protocol: str
    domain_parameter: AlgorithmIdentifier
    key_id: int | None = None
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        return _domain_parameter_der(self.protocol, self.domain_parameter, self.key_id)


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo:
    protocol: str
    public_key: SubjectPublicKeyInfo
    key_id: int | None = None
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        spki = _Asn1SubjectPublicKeyInfo(
            {
                "algorithm": self.public_key.algorithm._asn1(),
                "subject_public_key": self.public_key.public_key,
            }
        )
        return _Asn1PublicKeyInfo(
            {"protocol": self.protocol, "public_key": spki, "key_id": self.key_id}
        ).dump()


@dataclass(frozen=True)
class TerminalAuthenticationInfo:
    protocol: str
    version: int
    #: DER of the optional efCVCA FileID (TR-03110 v1), or None.
    ef_cvca: bytes | None = None
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        value: dict[str, object] = {"protocol": self.protocol, "version": self.version}
        if self.ef_cvca is not None:
            value["ef_cvca"] = core.Any.load(self.ef_cvca, strict=True)
        return _Asn1TerminalAuthenticationInfo(value).dump()


@dataclass(frozen=True)
class ActiveAuthenticationInfo:
    protocol: str
    version: int
    signature_algorithm: str
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def to_der(self) -> bytes:
        return _Asn1ActiveAuthenticationInfo(
            {
                "protocol": self.protocol,
                "version": self.version,
                "signature_algorithm": self.signature_algorithm,
            }
        ).dump()


@dataclass(frozen=True)
class UnknownSecurityInfo:
    """Any other SecurityInfo (CardInfo, PrivilegedTerminalInfo, RI, EFDIR ...), verbatim."""

    protocol: str
    raw: bytes

    def to_der(self) -> bytes:
        return self.raw


SecurityInfo = (
    PaceInfo
    | PaceDomainParameterInfo
    | ChipAuthenticationInfo
    | ChipAuthenticationDomainParameterInfo
    | ChipAuthenticationPublicKeyInfo
    | TerminalAuthenticationInfo
    | ActiveAuthenticationInfo
    | UnknownSecurityInfo
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class SecurityInfos:
    #: Kept as a tuple (see __post_init__); any sequence is accepted.
    infos: Sequence[SecurityInfo]
    _der: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept any iterable (callers pass lists) but keep the value immutable.
        object.__setattr__(self, "infos", tuple(self.infos))

    def of_type(self, kind: type[_T]) -> list[_T]:
        return [info for info in self.infos if isinstance(info, kind)]

    @property
    def pace_infos(self) -> list[PaceInfo]:
        return self.of_type(PaceInfo)

    @property
    def chip_authentication_infos(self) -> list[ChipAuthenticationInfo]:
        return self.of_type(ChipAuthenticationInfo)

    @property
    def chip_authentication_public_keys(self) -> list[ChipAuthenticationPublicKeyInfo]:
        return self.of_type(ChipAuthenticationPublicKeyInfo)


# --- parsing -----------------------------------------------------------------------


def parse_security_infos(data: bytes) -> SecurityInfos:
    """Parse `SecurityInfos` (SET OF SecurityInfo): DER, BER length quirks tolerated."""
    data = bytes(data)
    if not data or data[0] != TAG_SET:
        raise MalformedResponseError("SecurityInfos must start with a SET (31).")
    try:
        elements = [item.dump() for item in _Asn1SecurityInfos.load(data, strict=True)]
    except IdCardError:
        raise
    except Exception as exc:  # noqa: BLE001 - asn1crypto raises many types on hostile input
        raise MalformedResponseError(f"SecurityInfos do not parse: {exc}") from None
    result = SecurityInfos(tuple(_parse_info(raw) for raw in elements))
    object.__setattr__(result, "_der", data)
    return result


def parse_dg14(data: bytes) -> SecurityInfos:
    """EF.DG14: the SecurityInfos inside the application tag 6E."""
    return parse_security_infos(parse_single(bytes(data), TAG_DG14).value)


def _parse_info(raw: bytes) -> SecurityInfo:
    try:
        info = _parse_known(raw)
    except IdCardError:
        raise
    except Exception as exc:  # noqa: BLE001 - see parse_security_infos
        raise MalformedResponseError(f"A SecurityInfo does not parse: {exc}") from None
    if not isinstance(info, UnknownSecurityInfo):
        object.__setattr__(info, "_der", raw)
    return info


def _parse_known(raw: bytes) -> SecurityInfo:
    elements = list(_Asn1Elements.load(raw, strict=True))
    if not elements:
        raise MalformedResponseError("A SecurityInfo is an empty SEQUENCE.")
    protocol = core.ObjectIdentifier.load(elements[0].dump(), strict=True).dotted
    kind = _classify(protocol)
    if kind is None:
        return UnknownSecurityInfo(protocol, raw)
    spec = _SPECS[kind]
    parsed = spec.load(raw, strict=True)
    present = [name for name, *_ in spec._fields if parsed[name].native is not None]
    if len(present) != len(elements):
        # asn1crypto files surplus or mistyped elements as extra fields; refuse them.
        raise MalformedResponseError(f"{kind.__name__} has unexpected elements.")
    return _BUILDERS[kind](parsed)


def _classify(protocol: str) -> type | None:
    for prefix, with_suite, without_suite in (
        (ID_PACE, PaceInfo, PaceDomainParameterInfo),
        (ID_CA, ChipAuthenticationInfo, ChipAuthenticationDomainParameterInfo),
    ):
        if protocol.startswith(prefix + "."):
            arcs = protocol[len(prefix) + 1 :].count(".") + 1
            return {2: with_suite, 1: without_suite}.get(arcs)
    if protocol.startswith(ID_PK + ".") and protocol.count(".") == ID_PK.count(".") + 1:
        return ChipAuthenticationPublicKeyInfo
    if protocol == ID_TA:
        return TerminalAuthenticationInfo
    if protocol == ID_AA:
        return ActiveAuthenticationInfo
    return None


def _algorithm(value: _Asn1AlgorithmIdentifier) -> AlgorithmIdentifier:
    params = value["parameters"]
    return AlgorithmIdentifier(
        value["algorithm"].dotted, None if params.native is None else params.dump()
    )


def _spki(value: _Asn1SubjectPublicKeyInfo) -> SubjectPublicKeyInfo:
    return SubjectPublicKeyInfo(_algorithm(value["algorithm"]), value["subject_public_key"].native)


_SPECS: dict[type, type[core.Sequence]] = {
    PaceInfo: _Asn1VersionInfo,
    ChipAuthenticationInfo: _Asn1VersionInfo,
    PaceDomainParameterInfo: _Asn1DomainParameterInfo,
    ChipAuthenticationDomainParameterInfo: _Asn1DomainParameterInfo,
    ChipAuthenticationPublicKeyInfo: _Asn1PublicKeyInfo,
    TerminalAuthenticationInfo: _Asn1TerminalAuthenticationInfo,
    ActiveAuthenticationInfo: _Asn1ActiveAuthenticationInfo,
}

_BUILDERS: dict[type, Callable[[Any], SecurityInfo]] = {
    PaceInfo: lambda v: PaceInfo(v["protocol"].dotted, v["version"].native, v["id"].native),
    ChipAuthenticationInfo: lambda v: ChipAuthenticationInfo(
        v["protocol"].dotted, v["version"].native, v["id"].native
    ),
    PaceDomainParameterInfo: lambda v: PaceDomainParameterInfo(
        v["protocol"].dotted, _algorithm(v["domain_parameter"]), v["id"].native
    ),
    ChipAuthenticationDomainParameterInfo: lambda v: ChipAuthenticationDomainParameterInfo(
        v["protocol"].dotted, _algorithm(v["domain_parameter"]), v["id"].native
    ),
    ChipAuthenticationPublicKeyInfo: lambda v: ChipAuthenticationPublicKeyInfo(
        v["protocol"].dotted, _spki(v["public_key"]), v["key_id"].native
    ),
    TerminalAuthenticationInfo: lambda v: TerminalAuthenticationInfo(
        v["protocol"].dotted,
        v["version"].native,
        None if v["ef_cvca"].native is None else v["ef_cvca"].dump(),
    ),
    ActiveAuthenticationInfo: lambda v: ActiveAuthenticationInfo(
        v["protocol"].dotted, v["version"].native, v["signature_algorithm"].dotted
    ),
}


# --- encoding ----------------------------------------------------------------------


def encode_security_infos(infos: SecurityInfos) -> bytes:
    """DER SET OF the infos, in their order (DG14 files in the wild are not sorted)."""
    if infos._der is not None:
        return infos._der
    return encode_tlv(TAG_SET, b"".join(_encode_info(info) for info in infos.infos))


def encode_dg14(infos: SecurityInfos) -> bytes:
    return encode_tlv(TAG_DG14, encode_security_infos(infos))


def _encode_info(info: SecurityInfo) -> bytes:
    der = getattr(info, "_der", None)
    return der if der is not None else info.to_der()


def _domain_parameter_der(
    protocol: str, algorithm: AlgorithmIdentifier, ident: int | None
) -> bytes:
    return _Asn1DomainParameterInfo(
        {"protocol": protocol, "domain_parameter": algorithm._asn1(), "id": ident}
    ).dump()
