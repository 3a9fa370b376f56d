"""Trust anchors: CSCAs and citizen CAs from files, folders and CSCA master lists.

Every anchor has a role, and each verifier uses only its own: a CSCA signs
document signers (ICAO's model: a CSCA, or a link certificate, signs them
directly), a citizen CA issues citizens' login and signing certificates. A
CSCA never vouches for a login certificate and a citizen CA never for a
document signer (issue 9: a citizen's own card key presented as a DS).

Roles come from the caller (`TrustStore(role=...)`, `load_path(role=...)`,
every master list entry is a CSCA) or, for a mixed folder, from each
certificate's extensions (`looks_like_csca`): we sort rather than refuse mixed
folders, because `mock-card pki --out DIR` and real deployments keep both
kinds together; `idcard trust DIR` shows the result. A certificate that fits
no role (not a CA and not a document signer profile) is skipped with a reason
naming its file. Sorting is a convenience, not the defence: a DS certificate
must also have the ICAO 9303-12 profile (`ds_profile_problem`). Loading is forgiving
about *which* files are in a folder (non-certificates are skipped with a
reason), and strict about each certificate: one whose public key cannot be
used is skipped with a reason rather than stored as a useless anchor.

Master lists (ICAO 9303-12 §9, CMS SignedData with eContentType
id-icao-cscaMasterList 2.23.136.1.1.2) are verified with their signer
certificate; that verification counts as *trusted* only when the signer's
issuer was already in the store before the import, because a list that
brings its own anchor proves nothing about itself.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import cms, core, x509

from idcard.apdu.tlv import Tlv, parse_single
from idcard.errors import IdCardError, MalformedResponseError, UsageError
from idcard.pki.cms import SignerFields, verify_signer
from idcard.pki.keys import (
    ASN1_ERRORS,
    PublicKey,
    SignatureAlgorithm,
    load_public_key,
    signature_algorithm_from_der,
)
from idcard.verdict import Check, Result

ID_CSCA_MASTER_LIST = "2.23.136.1.1.2"
_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"

#: A folder walk reads no file larger than this (a full master list is ~1 MB).
MAX_FILE_SIZE = 64 << 20

_PEM_CERT = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----(.*?)-----END", re.S)

_SHORT_NAMES = {
    "country_name": "C",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "common_name": "CN",
    "serial_number": "serialNumber",
    "locality_name": "L",
    "state_or_province_name": "ST",
    "email_address": "emailAddress",
    "surname": "SN",
    "given_name": "GN",
    "organization_identifier": "organizationIdentifier",
}


def dn_text(name: x509.Name) -> str:
    """A one-line DN in encoding order ("C=DE, O=bund, CN=csca-germany"), for reasons and logs."""
    parts = []
    try:
        for rdn in name.chosen:
            for attr in rdn:
                label = _SHORT_NAMES.get(attr["type"].native, attr["type"].dotted)
                value = attr["value"].native
                parts.append(f"{label}={value}")
    except ASN1_ERRORS:
        return "<unreadable name>"
    return ", ".join(parts)


class TrustAnchorRoleError(UsageError):
    """A certificate offered as a trust anchor fits no anchor role."""

    code = "trust.role"


# --- certificates --------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """Every field of a certificate that validation reads, from one asn1crypto parse."""

    subject: x509.Name
    issuer: x509.Name
    serial_number: int
    subject_key_identifier: bytes | None
    authority_key_identifier: bytes | None
    not_before: datetime
    not_after: datetime
    is_ca: bool | None
    key_usage: frozenset[str] | None
    tbs_der: bytes
    signature_algorithm_der: bytes
    signature: bytes
    spki_der: bytes
    path_length: int | None
    extended_key_usage: frozenset[str] | None
    extension_oids: frozenset[str]


def _parse(der: bytes) -> _Parsed:
    try:
        cert = x509.Certificate.load(der, strict=True)
        tbs = cert["tbs_certificate"]
        validity = tbs["validity"]
        ku = cert.key_usage_value
        bc = cert.basic_constraints_value
        return _Parsed(
            subject=tbs["subject"],
            issuer=tbs["issuer"],
            serial_number=tbs["serial_number"].native,
            subject_key_identifier=cert.key_identifier,
            authority_key_identifier=cert.authority_key_identifier,
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            is_ca=None if bc is None else bool(bc["ca"].native),
            key_usage=None if ku is None else frozenset(ku.native),
            tbs_der=tbs.dump(),
            signature_algorithm_der=cert["signature_algorithm"].dump(),
            signature=cert["signature_value"].native,
            spki_der=tbs["subject_public_key_info"].dump(),
            path_length=None if bc is None else bc["path_len_constraint"].native,
            extended_key_usage=(
                None
                if cert.extended_key_usage_value is None
                else frozenset(p.dotted for p in cert.extended_key_usage_value)
            ),
            extension_oids=_extension_oids(tbs),
        )
    except ASN1_ERRORS as exc:
        raise MalformedResponseError(f"not a readable X.509 certificate: {exc}") from exc


_OID_SKI = bytes.fromhex("551d0e")  # 2.5.29.14 subjectKeyIdentifier

#: DirectoryString and friends: tag -> codec.
_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x13: "ascii",  # PrintableString
    0x16: "ascii",  # IA5String
    0x14: "latin-1",  # TeletexString (as deployed)
    0x1E: "utf-16-be",  # BMPString
    0x1C: "utf-32-be",  # UniversalString
}

NameKey = tuple[tuple[tuple[bytes, str], ...], ...]


def name_key(name: Tlv) -> NameKey:
    """A comparable form of a DER Name: per RDN, its (type, value) pairs with the string
    values decoded, whitespace-collapsed and case-folded (RFC 5280 §7.1's comparison, less
    the rarely used Unicode mappings), so PrintableString "CSCA-X" and UTF8String "csca-x"
    match, without building name objects (issue 10)."""
    rdns = []
    for rdn in name.children():
        pairs = []
        for attr in rdn.children():
            kind, value = attr.children()
            codec = _STRING_CODECS.get(value.tag)
            try:
                text = " ".join(value.value.decode(codec).split()).casefold() if codec else None
            except UnicodeDecodeError:
                text = None
            pairs.append((kind.value, text if text is not None else f"#{value.tag:x}:{value.value.hex()}"))
        rdns.append(tuple(sorted(pairs)))
    return tuple(rdns)


_NAME_KEYS: dict[bytes, NameKey] = {}


def _cached_key(der: bytes, name: Tlv) -> NameKey:
    # A store holds few distinct names (every self-signed CSCA names itself twice).
    key = _NAME_KEYS.get(der)
    if key is None:
        key = name_key(name)
        if len(_NAME_KEYS) < 8192:
            _NAME_KEYS[der] = key
    return key


@dataclass(frozen=True)
class _Index:
    """What a store needs to find a certificate's issuer, read from its TLV structure."""

    subject_der: bytes
    issuer_der: bytes
    subject_key: NameKey
    issuer_key: NameKey
    ski: bytes | None


def _index_fields(der: bytes) -> _Index:
    """The `_Index` of a certificate without parsing the rest (issue 10: a 588-certificate
    master list loads in well under 100 ms)."""
    try:
        tbs = parse_single(der, 0x30).children()[0].children()
        first = 1 if tbs[0].tag == 0xA0 else 0  # [0] version
        issuer, subject = tbs[first + 2], tbs[first + 4]
        ski = None
        for item in tbs[first + 6 :]:
            if item.tag != 0xA3:  # [3] extensions
                continue
            for ext in item.children()[0].children():
                # Only the SKI is wanted: look at the OID's bytes before parsing the rest.
                if ext.value.startswith(b"\x06\x03" + _OID_SKI):
                    ski = parse_single(ext.children()[-1].value, 0x04).value
        subject_der, issuer_der = subject.encode(), issuer.encode()
        return _Index(subject_der, issuer_der, _cached_key(subject_der, subject),
                      _cached_key(issuer_der, issuer), ski)
    except (IndexError, ValueError, MalformedResponseError) as exc:
        raise MalformedResponseError(f"not a readable X.509 certificate: {exc}") from exc


class CertificateInfo:
    """The parts of an X.509 certificate that path validation needs, parsed once.

    `from_der` parses everything now (untrusted input: a card's or a token's certificate
    is refused at once if unreadable); `lazy` (bulk anchors such as master lists) reads
    only the names and key identifier that index a store, and the rest on first use.
    Equality is identity, as before.
    """

    def __init__(self, der: bytes, *, source: str = "", index: _Index) -> None:
        self.der = der
        self.source = source
        self.index = index
        self.subject_der = index.subject_der
        self.issuer_der = index.issuer_der

    @classmethod
    def from_der(cls, der: bytes, *, source: str = "") -> CertificateInfo:
        der = bytes(der)
        info = cls.lazy(der, source=source)
        info._fields  # noqa: B018 - parse now, raising MalformedResponseError
        return info

    @classmethod
    def lazy(cls, der: bytes, *, source: str = "") -> CertificateInfo:
        der = bytes(der)
        return cls(der, source=source, index=_index_fields(der))

    def __repr__(self) -> str:
        return f"CertificateInfo({self.subject_dn!r}, source={self.source!r})"

    @functools.cached_property
    def _fields(self) -> _Parsed:
        return _parse(self.der)

    @property
    def subject(self) -> x509.Name:
        return self._fields.subject

    @property
    def issuer(self) -> x509.Name:
        return self._fields.issuer

    @functools.cached_property
    def subject_dn(self) -> str:
        return dn_text(self._fields.subject)

    @functools.cached_property
    def issuer_dn(self) -> str:
        return dn_text(self._fields.issuer)

    @property
    def serial_number(self) -> int:
        return self._fields.serial_number

    @property
    def subject_key_identifier(self) -> bytes | None:
        return self.index.ski

    @property
    def authority_key_identifier(self) -> bytes | None:
        return self._fields.authority_key_identifier

    @property
    def not_before(self) -> datetime:
        return self._fields.not_before

    @property
    def not_after(self) -> datetime:
        return self._fields.not_after

    @property
    def is_ca(self) -> bool | None:
        """basicConstraints cA, None when the extension is absent."""
        return self._fields.is_ca

    @property
    def key_usage(self) -> frozenset[str] | None:
        """keyUsage bits by asn1crypto name, None when the extension is absent."""
        return self._fields.key_usage

    @property
    def tbs_der(self) -> bytes:
        return self._fields.tbs_der

    @property
    def signature_algorithm_der(self) -> bytes:
        return self._fields.signature_algorithm_der

    @property
    def signature(self) -> bytes:
        return self._fields.signature

    @property
    def spki_der(self) -> bytes:
        return self._fields.spki_der

    @property
    def path_length(self) -> int | None:
        """basicConstraints pathLenConstraint, None when absent."""
        return self._fields.path_length

    @property
    def extended_key_usage(self) -> frozenset[str] | None:
        """extendedKeyUsage purposes (dotted OIDs), None when the extension is absent."""
        return self._fields.extended_key_usage

    @property
    def extension_oids(self) -> frozenset[str]:
        """Dotted OIDs of every extension present."""
        return self._fields.extension_oids

    def public_key(self) -> PublicKey:
        return _public_key(self)

    def signature_algorithm(self) -> SignatureAlgorithm:
        return signature_algorithm_from_der(self.signature_algorithm_der)

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after

    @property
    def is_self_issued(self) -> bool:
        return self.index.subject_key == self.index.issuer_key

    def verify_issued_by(self, issuer: CertificateInfo) -> None:
        """Raise (InvalidSignatureError …) unless `issuer`'s key signed this certificate."""
        # A signature over fixed bytes with a fixed key verifies the same way every
        # time: remember successes (keyed by all of it), so a portal checking the
        # same citizen CA and DS certificates all day pays for each once.
        key = (self.der, issuer.spki_der)
        if key in _VERIFIED_SIGNATURES:
            return
        issuer.public_key().verify(self.signature, self.tbs_der, self.signature_algorithm())
        if SIGNATURE_CACHE_SIZE and len(_VERIFIED_SIGNATURES) < SIGNATURE_CACHE_SIZE:
            _VERIFIED_SIGNATURES.add(key)


_KEY_CACHE: dict[bytes, PublicKey] = {}

#: How many verified (certificate, issuer key) pairs to remember; 0 turns the cache off.
SIGNATURE_CACHE_SIZE = 4096
_VERIFIED_SIGNATURES: set[tuple[bytes, bytes]] = set()


def clear_signature_cache() -> None:
    _VERIFIED_SIGNATURES.clear()


def _public_key(cert: CertificateInfo) -> PublicKey:
    # Keys of anchors are used for every document; parsing explicit curves each time is waste.
    key = _KEY_CACHE.get(cert.spki_der)
    if key is None:
        key = load_public_key(cert.spki_der)
        if len(_KEY_CACHE) < 4096:
            _KEY_CACHE[cert.spki_der] = key
    return key


# --- roles ----------------------------------------------------------------------------

#: Signs document signers (ICAO 9303-12 CSCA, or a CSCA link certificate).
CSCA = "csca"
#: Issues citizens' login and signing certificates (a national PKI root or intermediate).
CITIZEN_CA = "citizen-ca"
#: Not an anchor: a document signer certificate kept only to find the signer of an EF.SOD
#: that leaves its certificate out; it vouches for nothing.
DOCUMENT_SIGNER = "document-signer"
ROLES = (CSCA, CITIZEN_CA, DOCUMENT_SIGNER)

#: Purposes of login and e-mail certificates: a certificate made for them is no DS.
_CITIZEN_EKUS = {
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
}


def ds_profile_problem(ds: CertificateInfo) -> str | None:
    """Why `ds` does not look like an ICAO 9303-12 document signer certificate, or None.

    keyUsage digitalSignature only (old specimens omit the extension: tolerated), no
    login or e-mail EKU, not a CA.
    """
    if ds.is_ca:
        return "document signer certificate is a CA certificate (basicConstraints cA is true)"
    if ds.key_usage is not None:
        if "digital_signature" not in ds.key_usage:
            return "document signer certificate may not sign (keyUsage lacks digitalSignature)"
        extra = ds.key_usage & {"non_repudiation", "key_cert_sign", "crl_sign", "key_agreement"}
        if extra:
            return (
                "document signer certificate has keyUsage "
                f"{', '.join(sorted(extra))} (ICAO 9303-12: digitalSignature only)"
            )
    ekus = ds.extended_key_usage or frozenset()
    bad = sorted(name for oid, name in _CITIZEN_EKUS.items() if oid in ekus)
    if bad:
        return (
            f"document signer certificate is made for {', '.join(bad)} "
            "(a login or e-mail certificate, not a document signer)"
        )
    return None

def ca_problem(ca: CertificateInfo, at: datetime | None = None, *, label: str = "CA certificate") -> str | None:
    """Why `ca` cannot issue certificates (at `at`, when given), or None: outside its
    validity, basicConstraints cA false, or keyUsage without keyCertSign."""
    if at is not None and not ca.valid_at(at):
        return (
            f"{label} {ca.subject_dn} is not valid at {at:%Y-%m-%d} "
            f"(valid {ca.not_before:%Y-%m-%d} to {ca.not_after:%Y-%m-%d})"
        )
    if ca.is_ca is False:
        return f"{label} {ca.subject_dn} is not a CA (basicConstraints cA is false)"
    if ca.key_usage is not None and "key_cert_sign" not in ca.key_usage:
        return f"{label} {ca.subject_dn} may not sign certificates (keyUsage)"
    return None


def validity_check(
    cert: CertificateInfo, at: datetime, *, code: str = "cert.validity", what: str = "The certificate"
) -> Check:
    """`code`: `cert` is valid at `at`; failures carry `cert.expired` / `cert.not_yet_valid`."""
    details: dict[str, object] = {
        "subject": cert.subject_dn,
        "not_before": _iso(cert.not_before),
        "not_after": _iso(cert.not_after),
        "at": at.isoformat(),
    }
    if at < cert.not_before:
        reason = f"{what} is not valid before {_day(cert.not_before)}."
        return Check(code, Result.FAILED, reason, {**details, "error": "cert.not_yet_valid"})
    if at > cert.not_after:
        reason = f"{what} expired on {_day(cert.not_after)}."
        return Check(code, Result.FAILED, reason, {**details, "error": "cert.expired"})
    return Check(code, Result.PASSED, f"valid until {_day(cert.not_after)}", details)


# A portal formats the same few certificates' dates for every token (issue 10).
@functools.lru_cache(maxsize=1024)
def _iso(when: datetime) -> str:
    return when.isoformat()


@functools.lru_cache(maxsize=1024)
def _day(when: datetime) -> str:
    return f"{when:%Y-%m-%d}"


#: ICAO's own extension arc (id-icao-mrtd-security-extensions); privateKeyUsagePeriod is no
#: hint, national PKI CAs (Estonia's) carry it too.
_ICAO_ARC = "2.23.136.1.1.6."


def _sort_role(cert: CertificateInfo) -> str:
    # Old CSCAs omit basicConstraints; keyCertSign alone still marks a CA.
    may_sign_certs = cert.key_usage is not None and "key_cert_sign" in cert.key_usage
    if not (cert.is_ca or (cert.is_ca is None and may_sign_certs)):
        return DOCUMENT_SIGNER
    return CSCA if looks_like_csca(cert) else CITIZEN_CA


def looks_like_csca(cert: CertificateInfo) -> bool:
    """A CA certificate with the ICAO 9303-12 CSCA profile: cA with pathLenConstraint 0
    (a CSCA signs document signers only) and self-issued, or carrying an ICAO extension.

    A national PKI root has pathLen >= 1 or none (it has intermediates); its citizen CA is
    issued by that root, not self-issued. Link certificates come from master lists, where
    the role is given, not guessed.
    """
    if cert.is_ca is None:  # an old CSCA without basicConstraints
        return cert.is_self_issued
    if not cert.is_ca or cert.path_length != 0:
        return False
    icao = any(o.startswith(_ICAO_ARC) for o in cert.extension_oids)
    return cert.is_self_issued or icao


# --- reports --------------------------------------------------------------------------


@dataclass
class MasterListImport:
    #: Certificates of the list now in the store (new or already there).
    loaded: int = 0
    #: (which certificate, why) for every entry not loaded.
    skipped_with_reason: list[tuple[str, str]] = field(default_factory=list)
    #: The list's signature verifies with its signer certificate.
    signer_verified: bool = False
    #: ... and that signer certificate was issued by a certificate already in the store.
    signer_trusted: bool = False
    signer_reason: str = ""
    signer_subject: str | None = None
    already_present: int = 0


@dataclass
class LoadReport:
    loaded: int = 0
    skipped_with_reason: list[tuple[str, str]] = field(default_factory=list)
    master_lists: list[MasterListImport] = field(default_factory=list)


# --- the store -------------------------------------------------------------------------


class TrustStore:
    """Trust anchors, each with a role (CSCA, CITIZEN_CA, or DOCUMENT_SIGNER for lookup only).

    `role` gives every certificate added without one that role; otherwise each is sorted
    by its extensions (`looks_like_csca`).
    """

    def __init__(self, certificates: Iterable[bytes] = (), *, role: str | None = None) -> None:
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown trust anchor role {role!r}")
        self._default_role = role
        self._certs: list[CertificateInfo] = []
        self._by_der: dict[bytes, CertificateInfo] = {}
        self._by_subject: dict[NameKey, list[CertificateInfo]] = {}
        self._by_ski: dict[bytes, list[CertificateInfo]] = {}
        self._roles: dict[bytes, str] = {}
        #: Paths idcard.pki.validate found to these anchors; any new anchor clears it.
        self.path_cache: dict[tuple[str, bytes, tuple[bytes, ...]], object] = {}
        #: Human-readable notes about skipped files and certificates.
        self.warnings: list[str] = []
        for der in certificates:
            self.add(der)

    def __len__(self) -> int:
        return len(self._certs)

    def __iter__(self) -> Iterator[CertificateInfo]:
        return iter(list(self._certs))

    def __contains__(self, der: object) -> bool:
        return isinstance(der, bytes | bytearray) and bytes(der) in self._by_der

    @property
    def certificates(self) -> list[CertificateInfo]:
        return list(self._certs)

    def add(self, der: bytes, *, source: str = "", role: str | None = None) -> CertificateInfo:
        """Store one DER certificate as an anchor of `role` (CSCA or CITIZEN_CA).

        Without a role it is sorted by its extensions (`looks_like_csca`); a certificate
        that is no CA fits no role. Raises if it is unreadable, its key is unusable, or it
        fits no role.
        """
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown trust anchor role {role!r}")
        existing = self._by_der.get(bytes(der))
        if existing is not None:
            return existing
        cert = CertificateInfo.from_der(der, source=source)
        cert.public_key()  # raises MalformedResponseError / UnsupportedAlgorithmError
        return self._add_parsed(cert, role)

    def _add_parsed(self, cert: CertificateInfo, role: str | None) -> CertificateInfo:
        if role is None:
            role = self._default_role or _sort_role(cert)
        if role == DOCUMENT_SIGNER:
            problem = ds_profile_problem(cert)
            if problem:
                raise TrustAnchorRoleError(
                    f"{cert.subject_dn} fits no trust anchor role (not a CA, and {problem})"
                )
        self._insert(cert, role)
        return cert

    def _insert(self, cert: CertificateInfo, role: str) -> None:
        self.path_cache.clear()
        self._roles[cert.der] = role
        self._certs.append(cert)
        self._by_der[cert.der] = cert
        self._by_subject.setdefault(cert.index.subject_key, []).append(cert)
        if cert.subject_key_identifier:
            self._by_ski.setdefault(cert.subject_key_identifier, []).append(cert)

    def issuer_candidates(self, cert: CertificateInfo | bytes) -> list[CertificateInfo]:
        """Stored certificates that may have signed `cert`: subject DN = its issuer, or
        SKI = its AKI. Those matching both come first; the signature decides."""
        if not isinstance(cert, CertificateInfo):
            cert = CertificateInfo.from_der(cert)
        aki = cert.authority_key_identifier
        by_ki = self._by_ski.get(aki, []) if aki else []
        by_dn = self._by_subject.get(cert.index.issuer_key, [])
        both = [c for c in by_dn if c in by_ki]
        rest = [c for c in by_dn + by_ki if c not in both]
        seen: set[int] = set()
        ordered = []
        for c in both + rest:
            if id(c) not in seen:
                seen.add(id(c))
                ordered.append(c)
        return ordered

    def role_of(self, cert: CertificateInfo) -> str | None:
        return self._roles.get(cert.der)

    def with_role(self, role: str) -> TrustStore:
        """A store of only this role's anchors (shared parsed certificates)."""
        view = TrustStore(role=role)
        for cert in self._certs:
            if self._roles.get(cert.der) == role:
                view._insert(cert, role)
        view.warnings = list(self.warnings)
        return view

    def with_subject(self, name: x509.Name) -> list[CertificateInfo]:
        return self.with_subject_der(name.dump())

    def with_subject_der(self, der: bytes) -> list[CertificateInfo]:
        """`with_subject` by the name's DER (`CertificateInfo.issuer_der`: no asn1crypto dump)."""
        key = _NAME_KEYS.get(der)  # every token names the same few issuers: decode each once
        if key is None:
            try:
                key = _cached_key(der, parse_single(der, 0x30))
            except (ValueError, MalformedResponseError):
                return []
        return list(self._by_subject.get(key, []))

    # --- files --------------------------------------------------------------------

    def load_path(self, path: str | Path, *, role: str | None = None) -> LoadReport:
        """Load a certificate file (DER/PEM), a master list, or a folder of them (recursively).

        A folder may mix CSCAs and citizen CAs: each certificate is sorted into its role by
        its extensions (`looks_like_csca`), or all get `role`; master list entries are
        CSCAs. A certificate that fits no role is skipped with a reason naming its file.
        """
        root = Path(path)
        report = LoadReport()
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            self._load_file(file, report, role)
        return report

    def _load_file(self, file: Path, report: LoadReport, role: str | None = None) -> None:
        try:
            if file.stat().st_size > MAX_FILE_SIZE:
                self._skip(report, str(file), "file too large for a certificate or master list")
                return
            data = file.read_bytes()
        except OSError as exc:
            self._skip(report, str(file), f"unreadable: {exc.strerror or exc}")
            return
        if b"-----BEGIN" in data[:4096] or _PEM_CERT.search(data):
            blocks = _PEM_CERT.findall(data)
            if not blocks:
                self._skip(report, str(file), "PEM file without a CERTIFICATE block")
            for index, block in enumerate(blocks):
                where = f"{file}#{index}"
                try:
                    der = base64.b64decode(b"".join(block.split()), validate=True)
                except ValueError:
                    self._skip(report, where, "PEM block is not valid base64")
                    continue
                self._add_counted(der, where, report, role)
            return
        if _looks_like_master_list(data):
            result = self.import_master_list(data, source=str(file))
            report.master_lists.append(result)
            report.loaded += result.loaded
            report.skipped_with_reason.extend(result.skipped_with_reason)
            return
        self._add_counted(data, str(file), report, role)

    def _add_counted(
        self, der: bytes, where: str, report: LoadReport, role: str | None = None
    ) -> None:
        try:
            self.add(der, source=where, role=role)
        except IdCardError as exc:
            self._skip(report, where, f"not a usable certificate: {exc.message}")
            return
        report.loaded += 1

    def _skip(self, report: LoadReport, where: str, reason: str) -> None:
        report.skipped_with_reason.append((where, reason))
        self.warnings.append(f"{where}: {reason}")

    # --- master lists --------------------------------------------------------------

    def import_master_list(
        self,
        data: bytes,
        *,
        source: str = "master list",
        at: datetime | None = None,
        require_trusted_signer: bool = False,
    ) -> MasterListImport:
        """Verify a CSCA master list and add its certificates.

        Nothing is imported when the list is malformed or its signature does not
        verify (a corrupted or tampered list), nor, with `require_trusted_signer`,
        when its signer does not chain to a certificate already in the store.
        """
        when = _aware(at or datetime.now(UTC))
        result = MasterListImport()
        try:
            signed, entries = _parse_master_list(data)
        except MalformedResponseError as exc:
            result.signer_reason = exc.message
            result.skipped_with_reason.append((source, exc.message))
            self.warnings.append(f"{source}: {exc.message}")
            return result
        # Before adding any entry, so the signer's issuer must come from the store as it was.
        self._check_master_list_signer(signed, when, result)
        if not result.signer_verified or (require_trusted_signer and not result.signer_trusted):
            reason = f"master list not imported: {result.signer_reason}"
            result.skipped_with_reason.append((source, reason))
            self.warnings.append(f"{source}: {reason}")
            return result
        for index, der in enumerate(entries):
            where = f"{source}#{index}"
            if der in self._by_der:
                result.already_present += 1
                result.loaded += 1
                continue
            try:
                # Keys and the rest of each certificate are parsed when first used: a
                # list's signature covers every entry, and most entries are never used.
                self._add_parsed(CertificateInfo.lazy(der, source=where), CSCA)
            except IdCardError as exc:
                label = _label(der)
                result.skipped_with_reason.append((f"{where} {label}", exc.message))
                self.warnings.append(f"{where} {label}: {exc.message}")
                continue
            result.loaded += 1
        return result

    def _check_master_list_signer(
        self, signed: cms.SignedData, at: datetime, result: MasterListImport
    ) -> None:
        try:
            signer_infos = list(signed["signer_infos"])
            if len(signer_infos) != 1:
                result.signer_reason = (
                    f"master list has {len(signer_infos)} signer infos, expected 1"
                )
                return
            fields = SignerFields.from_asn1(signer_infos[0])
            certs = [
                c.chosen.dump() for c in signed["certificates"] or [] if c.name == "certificate"
            ]
            signer_der = _find_signer(signer_infos[0], certs)
            econtent = bytes(signed["encap_content_info"]["content"])
        except IdCardError as exc:
            result.signer_reason = f"master list signer info is malformed: {exc.message}"
            return
        except ASN1_ERRORS as exc:
            result.signer_reason = f"master list signer info is malformed: {exc}"
            return
        if signer_der is None:
            result.signer_reason = "the master list does not carry its signer certificate"
            return
        try:
            signer = CertificateInfo.from_der(signer_der)
            result.signer_subject = signer.subject_dn
            verify_signer(fields, ID_CSCA_MASTER_LIST, econtent, signer_der)
        except IdCardError as exc:
            result.signer_reason = f"master list signature does not verify: {exc.message}"
            return
        result.signer_verified = True
        if not signer.valid_at(at):
            result.signer_reason = (
                f"signer certificate {signer.subject_dn} is not valid at {at:%Y-%m-%d}"
            )
            return
        for issuer in self.issuer_candidates(signer):
            try:
                signer.verify_issued_by(issuer)
            except IdCardError:
                continue
            if issuer.valid_at(at):
                result.signer_trusted = True
                result.signer_reason = (
                    f"signed by {signer.subject_dn}, issued by trusted {issuer.subject_dn}"
                )
                return
        result.signer_reason = (
            f"signature verifies with {signer.subject_dn}, but its issuer "
            f"{signer.issuer_dn} was not in the trust store before this import"
        )


class _CertList(core.SetOf):
    _child_spec = core.Any


class _MasterList(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("cert_list", _CertList),
    ]


def _parse_master_list(data: bytes) -> tuple[cms.SignedData, list[bytes]]:
    try:
        info = cms.ContentInfo.load(bytes(data), strict=True)
        if info["content_type"].dotted != _ID_SIGNED_DATA:
            raise MalformedResponseError("not a CMS SignedData master list")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != ID_CSCA_MASTER_LIST:
            raise MalformedResponseError(
                f"eContentType {encap['content_type'].dotted} is not id-icao-cscaMasterList"
            )
        if encap["content"].native is None:
            raise MalformedResponseError("the master list has no content")
        ml = _MasterList.load(bytes(encap["content"]), strict=True)
        version = ml["version"].native
        if version != 0:
            raise MalformedResponseError(f"master list version {version} is unknown")
        # Each entry stays raw: one unreadable certificate must not lose the others.
        entries = [entry.dump() for entry in ml["cert_list"]]
        return signed, entries
    except MalformedResponseError:
        raise
    except ASN1_ERRORS as exc:
        raise MalformedResponseError(f"malformed master list: {exc}") from exc


def _find_signer(si: cms.SignerInfo, certs: list[bytes]) -> bytes | None:
    sid = si["sid"]
    for der in certs:
        try:
            cert = x509.Certificate.load(der, strict=True)
            if sid.name == "subject_key_identifier":
                if cert.key_identifier == sid.chosen.native:
                    return der
            elif (
                cert.serial_number == sid.chosen["serial_number"].native
                and cert.issuer == sid.chosen["issuer"]
            ):
                return der
        except ASN1_ERRORS:
            continue
    return None


def _looks_like_master_list(data: bytes) -> bool:
    try:
        info = cms.ContentInfo.load(data, strict=True)
        return (
            info["content_type"].dotted == _ID_SIGNED_DATA
            and info["content"]["encap_content_info"]["content_type"].dotted == ID_CSCA_MASTER_LIST
        )
    except ASN1_ERRORS:
        return False


def _label(der: bytes) -> str:
    try:
        return f"({dn_text(x509.Certificate.load(der, strict=True).subject)})"
    except ASN1_ERRORS:
        return "(unreadable)"


def same_name(a: x509.Name, b: x509.Name) -> bool:
    """RFC 5280 §7.1 name equality that never raises: asn1crypto parses names lazily, so a
    malformed string (bad UTF-8, wrong tag) would raise ValueError/UnicodeDecodeError from
    `==`; such a name equals only a name with the same DER."""
    return _name_key(a) == _name_key(b)


def _name_key(name: x509.Name) -> str:
    # asn1crypto's normalised form (RFC 5280 §7.1: case and space insensitive).
    try:
        return name.hashable
    except ASN1_ERRORS:
        return "\x00" + name.dump().hex()


def _extension_oids(tbs: x509.TbsCertificate) -> frozenset[str]:
    extensions = tbs["extensions"]
    if isinstance(extensions, core.Void):
        return frozenset()
    return frozenset(ext["extn_id"].dotted for ext in extensions)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
