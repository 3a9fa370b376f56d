"""EF.SOD, the Document Security Object (ICAO 9303-10 §4.6.2).

EF.SOD is tag 77 around a CMS ContentInfo whose SignedData encapsulates an
LDSSecurityObject (eContentType id-icao-ldsSecurityObject 2.23.136.1.1.1):
the hash of every data group, signed by the document signer (DS).

`Sod.parse` reads it (hostile input: any failure is MalformedResponseError),
`Sod.encode` re-emits the exact bytes it was parsed from, and `sign_sod`
builds a new signed SOD for the emulator's personalisation. Verifying the
signature and the chain is `idcard.pki.passive`'s job, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from asn1crypto import algos, cms, core, x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from idcard.asn1 import ASN1_ERRORS, HASHES
from idcard.errors import MalformedResponseError

ID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
TAG_SOD = 0x77

#: A real EF.SOD is a few KB (a DS certificate and a few hashes). Anything far
#: bigger is hostile and only costs memory and parse time.
MAX_SOD_SIZE = 1 << 20


_HASH_OIDS = {
    "sha1": "1.3.14.3.2.26",
    "sha224": "2.16.840.1.101.3.4.2.4",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}
_HASH_NAMES = {oid: name for name, oid in _HASH_OIDS.items()}
_ECDSA_OIDS = {
    "sha1": "1.2.840.10045.4.1",
    "sha224": "1.2.840.10045.4.3.1",
    "sha256": "1.2.840.10045.4.3.2",
    "sha384": "1.2.840.10045.4.3.3",
    "sha512": "1.2.840.10045.4.3.4",
}
_RSA_PKCS1_OIDS = {
    "sha1": "1.2.840.113549.1.1.5",
    "sha224": "1.2.840.113549.1.1.14",
    "sha256": "1.2.840.113549.1.1.11",
    "sha384": "1.2.840.113549.1.1.12",
    "sha512": "1.2.840.113549.1.1.13",
}
_RSASSA_PSS = "1.2.840.113549.1.1.10"

_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"


# --- ASN.1 (ICAO 9303-10 §4.6.2.2) ------------------------------------------------


class DataGroupHash(core.Sequence):
    _fields = [
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LDSSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),
    ]


# --- parsed view -------------------------------------------------------------------


@dataclass(frozen=True)
class SignerInfo:
    version: int
    #: sid as issuerAndSerialNumber (issuer Name DER, serial) or subjectKeyIdentifier.
    sid_issuer_der: bytes | None
    sid_serial: int | None
    sid_key_identifier: bytes | None
    digest_algorithm: str  # dotted OID
    signature_algorithm: str  # dotted OID
    #: The whole AlgorithmIdentifier, for `idcard.pki.keys.signature_algorithm_from_der`.
    signature_algorithm_der: bytes
    #: Attribute type (dotted OID) -> DER of each value.
    signed_attributes: dict[str, tuple[bytes, ...]]
    #: The signed attributes re-tagged as SET (31): what the signature covers.
    signed_attributes_der: bytes | None
    signature: bytes

    @property
    def message_digest(self) -> bytes | None:
        values = self.signed_attributes.get(_ATTR_MESSAGE_DIGEST)
        if not values or len(values) != 1:
            return None
        try:
            return core.OctetString.load(values[0], strict=True).native
        except ASN1_ERRORS:
            return None

    @property
    def content_type(self) -> str | None:
        values = self.signed_attributes.get(_ATTR_CONTENT_TYPE)
        if not values or len(values) != 1:
            return None
        try:
            return core.ObjectIdentifier.load(values[0], strict=True).dotted
        except ASN1_ERRORS:
            return None

    @property
    def signing_time(self) -> datetime | None:
        values = self.signed_attributes.get(_ATTR_SIGNING_TIME)
        if not values or len(values) != 1:
            return None
        try:
            value = cms.Time.load(values[0], strict=True).native
        except ASN1_ERRORS:
            return None
        return value if isinstance(value, datetime) else None


class Sod:
    """A parsed EF.SOD. Build one with `Sod.parse`; every accessor is computed there."""

    def __init__(
        self,
        header: bytes,
        content_info: cms.ContentInfo,
        lds: LDSSecurityObject,
        econtent: bytes,
    ) -> None:
        self._header = header
        self._content_info = content_info
        signed: cms.SignedData = content_info["content"]
        self.signed_data = signed
        self.encapsulated_content = econtent
        self.content_type: str = signed["encap_content_info"]["content_type"].dotted
        self.version: int = lds["version"].native
        self.hash_algorithm_oid: str = lds["hash_algorithm"]["algorithm"].dotted
        #: "sha256" etc., or the dotted OID when the hash is not one we know.
        self.hash_algorithm: str = _HASH_NAMES.get(self.hash_algorithm_oid, self.hash_algorithm_oid)
        self.dg_hashes: dict[int, bytes] = {}
        for entry in lds["data_group_hash_values"]:
            number = entry["data_group_number"].native
            if not 1 <= number <= 16:
                raise MalformedResponseError(f"EF.SOD lists data group {number} (must be 1..16)")
            if number in self.dg_hashes:
                raise MalformedResponseError(f"EF.SOD lists data group {number} twice")
            self.dg_hashes[number] = entry["data_group_hash_value"].native
        info = lds["lds_version_info"]
        self.lds_version: str | None = info["lds_version"].native if info.native else None
        self.unicode_version: str | None = info["unicode_version"].native if info.native else None
        self.digest_algorithms: list[str] = [
            d["algorithm"].dotted for d in signed["digest_algorithms"]
        ]
        self.certificates: list[bytes] = [
            choice.chosen.dump()
            for choice in (signed["certificates"] or [])
            if choice.name == "certificate"
        ]
        self.signer_infos: list[SignerInfo] = [_signer_info(si) for si in signed["signer_infos"]]

    @classmethod
    def parse(cls, data: bytes) -> Sod:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MalformedResponseError("EF.SOD must be bytes")
        data = bytes(data)
        if len(data) > MAX_SOD_SIZE:
            raise MalformedResponseError(f"EF.SOD of {len(data)} bytes is implausibly large")
        if not data or data[0] != TAG_SOD:
            raise MalformedResponseError("EF.SOD does not start with tag 77")
        if len(data) > 1 and data[1] == 0x80:
            raise MalformedResponseError("EF.SOD uses an indefinite length; the LDS needs DER")
        try:
            outer = core.Asn1Value.load(data, strict=True)
            contents = outer.contents or b""
            header = data[: len(data) - len(contents)]
            content_info = cms.ContentInfo.load(contents, strict=True)
            if content_info["content_type"].dotted != ID_SIGNED_DATA:
                raise MalformedResponseError("EF.SOD does not contain CMS SignedData")
            signed = content_info["content"]
            # asn1crypto parses lazily: touch every part now so hostile bytes fail here.
            _ = (signed["version"].native, signed["digest_algorithms"].native)
            _ = signed["signer_infos"].native
            for choice in signed["certificates"] or []:
                choice.chosen.dump()
            if signed["crls"] is not None:
                signed["crls"].dump()
            encap = signed["encap_content_info"]
            if encap["content_type"].dotted != ID_LDS_SECURITY_OBJECT:
                raise MalformedResponseError(
                    f"EF.SOD encapsulates {encap['content_type'].dotted}, "
                    "not an LDS security object"
                )
            if encap["content"].native is None:
                raise MalformedResponseError("EF.SOD has no encapsulated LDS security object")
            econtent = bytes(encap["content"])
            lds = LDSSecurityObject.load(econtent, strict=True)
            _ = lds.native
            version = lds["version"].native
            if version not in (0, 1):
                raise MalformedResponseError(f"LDS security object version {version} is unknown")
            return cls(header, content_info, lds, econtent)
        except MalformedResponseError:
            raise
        except ASN1_ERRORS as exc:
            raise MalformedResponseError(f"EF.SOD is malformed: {exc}") from exc

    def encode(self) -> bytes:
        body = self._content_info.dump()
        # Keep the parsed header (it may use a non-minimal length) while the body is unchanged.
        if _length_of(self._header) == len(body):
            return self._header + body
        return _tlv(TAG_SOD, body)

    @property
    def ds_certificate(self) -> bytes | None:
        """The certificate (DER) the first signer info names, if the SOD carries it."""
        if not self.signer_infos:
            return None
        return find_certificate(self.signer_infos[0], self.certificates, embedded=True)

    @property
    def signed_attributes(self) -> dict[str, tuple[bytes, ...]]:
        return self.signer_infos[0].signed_attributes if self.signer_infos else {}

    @property
    def signature_algorithm(self) -> str | None:
        return self.signer_infos[0].signature_algorithm if self.signer_infos else None


def find_certificate(
    signer: SignerInfo, certificates: list[bytes], *, embedded: bool = False
) -> bytes | None:
    """The certificate among `certificates` that the signer's sid names.

    issuerAndSerialNumber is matched in decreasing strictness, each rule over all
    candidates before the next: the exact DER of the issuer name; RFC 5280 name
    equality; the same RDNs in another order (some passports' SignerInfos list the
    issuer's attributes in a different order than the DS certificate does); and,
    when `embedded` (the SOD's own certificates) holds exactly one certificate,
    the serial number alone. The serial number must always match: a name is never
    enough. The signature check that follows is what proves the match.
    """
    parsed: list[tuple[bytes, x509.Certificate]] = []
    for der in certificates:
        try:
            cert = x509.Certificate.load(der, strict=True)
            _ = (cert.serial_number, cert.issuer.dump(), cert.key_identifier)
        except ASN1_ERRORS:
            continue  # a certificate we cannot read cannot be the signer's
        parsed.append((der, cert))
    if signer.sid_key_identifier is not None:
        return next(
            (der for der, cert in parsed if cert.key_identifier == signer.sid_key_identifier),
            None,
        )
    if signer.sid_issuer_der is None:
        return None
    same_serial = [(der, cert) for der, cert in parsed if cert.serial_number == signer.sid_serial]
    try:
        wanted: x509.Name | None = x509.Name.load(signer.sid_issuer_der, strict=True)
    except ASN1_ERRORS:
        wanted = None
    ranked = [
        (level, der)
        for der, cert in same_serial
        if (level := _issuer_match(cert.issuer, signer.sid_issuer_der, wanted)) is not None
    ]
    if ranked:
        return min(ranked, key=lambda item: item[0])[1]
    if embedded and len(parsed) == 1 and len(same_serial) == 1:
        return same_serial[0][0]
    return None


def _issuer_match(issuer: x509.Name, sid_der: bytes, wanted: x509.Name | None) -> int | None:
    """How closely a certificate's issuer matches the sid's: 0 same DER, 1 equal under
    RFC 5280 §7.1, 2 the same RDNs in another order; None when it does not."""
    if issuer.dump() == sid_der:
        return 0
    if wanted is None:
        return None
    if _name_equal(issuer, wanted):
        return 1
    ours = _rdn_keys(issuer)
    if ours is not None and ours == _rdn_keys(wanted):
        return 2
    return None


def _name_equal(a: x509.Name, b: x509.Name) -> bool:
    try:
        return bool(a == b)
    except ASN1_ERRORS:  # asn1crypto normalises lazily; a malformed string raises here
        return False


def _rdn_keys(name: x509.Name) -> list[str] | None:
    """The name's RDNs, each normalised (RFC 5280 §7.1), in sorted order; None if unreadable."""
    try:
        return sorted(rdn.hashable for rdn in name.chosen)
    except ASN1_ERRORS:
        return None


def _signer_info(si: cms.SignerInfo) -> SignerInfo:
    sid = si["sid"]
    issuer_der = serial = key_id = None
    if sid.name == "issuer_and_serial_number":
        issuer_der = sid.chosen["issuer"].dump()
        serial = sid.chosen["serial_number"].native
    else:
        key_id = sid.chosen.native
    attrs: dict[str, tuple[bytes, ...]] = {}
    attrs_der = None
    if si["signed_attrs"].native is not None:  # present, even if (wrongly) empty
        for attr in si["signed_attrs"]:
            oid = attr["type"].dotted
            if oid in attrs:
                raise MalformedResponseError(f"signed attribute {oid} appears twice")
            attrs[oid] = tuple(value.dump() for value in attr["values"])
        attrs_der = b"\x31" + si["signed_attrs"].dump()[1:]
    return SignerInfo(
        version=int(si["version"]),
        sid_issuer_der=issuer_der,
        sid_serial=serial,
        sid_key_identifier=key_id,
        digest_algorithm=si["digest_algorithm"]["algorithm"].dotted,
        signature_algorithm=si["signature_algorithm"]["algorithm"].dotted,
        signature_algorithm_der=si["signature_algorithm"].dump(),
        signed_attributes=attrs,
        signed_attributes_der=attrs_der,
        signature=si["signature"].native,
    )


# --- building a signed SOD ---------------------------------------------------------


def lds_security_object(
    dg_hashes: Mapping[int, bytes],
    hash_algorithm: str,
    *,
    lds_version: tuple[str, str] | None = None,
) -> bytes:
    """DER LDSSecurityObject: v0, or v1 when (LDS version, Unicode version) is given."""
    if hash_algorithm not in _HASH_OIDS:
        raise ValueError(f"unsupported hash algorithm {hash_algorithm!r}")
    size = HASHES[hash_algorithm]().digest_size
    if not 2 <= len(dg_hashes) <= 16:
        raise ValueError("an LDS security object lists 2 to 16 data group hashes")
    for number, digest in dg_hashes.items():
        if not 1 <= number <= 16:
            raise ValueError(f"data group number {number} out of range 1..16")
        if len(digest) != size:
            raise ValueError(
                f"DG{number} hash is {len(digest)} bytes, {hash_algorithm} gives {size}"
            )
    value: dict[str, object] = {
        "version": 1 if lds_version else 0,
        "hash_algorithm": {"algorithm": _HASH_OIDS[hash_algorithm]},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": dg_hashes[n]}
            for n in sorted(dg_hashes)
        ],
    }
    if lds_version:
        value["lds_version_info"] = {
            "lds_version": lds_version[0],
            "unicode_version": lds_version[1],
        }
    return LDSSecurityObject(value).dump()


def sign_sod(
    dg_hashes: Mapping[int, bytes],
    hash_algorithm: str,
    ds_certificate_der: bytes,
    ds_private_key: PrivateKeyTypes,
    *,
    signature_algorithm: Literal["ecdsa", "rsa-pss", "rsa-pkcs1"] = "ecdsa",
    signing_time: datetime | None = None,
    lds_version: tuple[str, str] | None = None,
) -> bytes:
    """A complete EF.SOD (tag 77) signed by the DS key, as ICAO 9303-10 describes it.

    Signed attributes are content-type and message-digest (plus signing-time when
    given); the DS certificate is in `certificates`; sid is issuerAndSerialNumber.
    ECDSA signatures are deterministic (RFC 6979) where the backend allows, so a
    personalisation replays byte for byte.
    """
    econtent = lds_security_object(dg_hashes, hash_algorithm, lds_version=lds_version)
    cert = x509.Certificate.load(ds_certificate_der, strict=True)
    h = hashes.Hash(HASHES[hash_algorithm]())
    h.update(econtent)
    attrs: list[dict[str, object]] = [
        {"type": _ATTR_CONTENT_TYPE, "values": [ID_LDS_SECURITY_OBJECT]},
        {"type": _ATTR_MESSAGE_DIGEST, "values": [h.finalize()]},
    ]
    if signing_time is not None:
        when = signing_time if signing_time.tzinfo else signing_time.replace(tzinfo=UTC)
        attrs.append({"type": _ATTR_SIGNING_TIME, "values": [cms.Time({"utc_time": when})]})
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": {"algorithm": _HASH_OIDS[hash_algorithm]},
            "signed_attrs": cms.CMSAttributes(attrs),
            "signature_algorithm": _signature_algorithm_id(signature_algorithm, hash_algorithm),
            "signature": b"",
        }
    )
    to_sign = b"\x31" + signer["signed_attrs"].dump()[1:]
    signer["signature"] = _sign(ds_private_key, signature_algorithm, hash_algorithm, to_sign)
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": _HASH_OIDS[hash_algorithm]}],
            "encap_content_info": {"content_type": ID_LDS_SECURITY_OBJECT, "content": econtent},
            "certificates": [cms.CertificateChoices(name="certificate", value=cert)],
            "signer_infos": [signer],
        }
    )
    content_info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return _tlv(TAG_SOD, content_info.dump())


def _signature_algorithm_id(scheme: str, hash_algorithm: str) -> algos.SignedDigestAlgorithm:
    if scheme == "ecdsa":
        return algos.SignedDigestAlgorithm({"algorithm": _ECDSA_OIDS[hash_algorithm]})
    if scheme == "rsa-pkcs1":
        return algos.SignedDigestAlgorithm(
            {"algorithm": _RSA_PKCS1_OIDS[hash_algorithm], "parameters": core.Null()}
        )
    if scheme == "rsa-pss":
        hash_id = {"algorithm": _HASH_OIDS[hash_algorithm]}
        return algos.SignedDigestAlgorithm(
            {
                "algorithm": _RSASSA_PSS,
                "parameters": algos.RSASSAPSSParams(
                    {
                        "hash_algorithm": hash_id,
                        "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": hash_id},
                        "salt_length": HASHES[hash_algorithm]().digest_size,
                        "trailer_field": 1,
                    }
                ),
            }
        )
    raise ValueError(f"unknown signature algorithm {scheme!r}")


def _sign(key: PrivateKeyTypes, scheme: str, hash_algorithm: str, data: bytes) -> bytes:
    hash_cls = HASHES[hash_algorithm]
    if scheme == "ecdsa":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("signature_algorithm 'ecdsa' needs an EC private key")
        try:
            return key.sign(data, ec.ECDSA(hash_cls(), deterministic_signing=True))
        except UnsupportedAlgorithm:  # OpenSSL older than 3.2
            return key.sign(data, ec.ECDSA(hash_cls()))
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"signature_algorithm {scheme!r} needs an RSA private key")
    if scheme == "rsa-pss":
        pss = padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=hash_cls().digest_size)
        return key.sign(data, pss, hash_cls())
    return key.sign(data, padding.PKCS1v15(), hash_cls())


# --- TLV helpers ---------------------------------------------------------------------


def _tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + value


def _length_of(header: bytes) -> int | None:
    """The definite length a parsed tag-77 header announces (None for indefinite)."""
    if len(header) < 2:
        return None
    first = header[1]
    if first < 0x80:
        return first
    if first == 0x80:
        return None
    return int.from_bytes(header[2 : 2 + (first & 0x7F)], "big")
