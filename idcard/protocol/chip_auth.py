"""Chip Authentication v1 (ICAO 9303-11 §6.2, BSI TR-03110): both roles.

The chip proves it holds the private key of the static key pair that DG14
publishes (and the SOD signs) by agreeing on new secure-messaging keys with
an ephemeral terminal key: nobody without the private key can derive them.

Terminal (`chip_authentication`), inside the current secure messaging:

* 3DES suites: MSE:Set KAT `00 22 41 A6` { 91 PK_IFD, [84 key id] };
* AES suites:  MSE:Set AT `00 22 41 A4` { 80 CA OID, [84 key id] }, then
  GENERAL AUTHENTICATE `00 86 00 00` { 7C { 80 PK_IFD } }.

Both sides then derive KS_Enc/KS_MAC = KDF(K, 1/2) from the shared secret K
(the x-coordinate for ECDH, PKCS#3 octets for DH) with the cipher the CA OID
names, and secure messaging restarts with SSC 0. The proof is implicit: only
a response MACed under the new keys shows the chip really derived them, so
`chip_authentication` sends one cheap command under the new keys before it
reports `passed` (or leaves that to `confirm_chip_authentication`).

Chip (`ChipAuthChip`, used by the emulator): answers MSE:Set KAT, or MSE:Set
AT followed by GENERAL AUTHENTICATE, with the new `ChipSecureMessaging` that
takes over after the answer was sent.

Domain parameters and key encodings are PACE's (`idcard.protocol.pace.params`);
the chip key's domain comes from DG14: a standardized parameter id, a named
curve, or explicit EC/DH parameters that are matched to a standardized group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from asn1crypto import core
from asn1crypto import keys as asn1_keys
from asn1crypto.algos import DHParameters
from cryptography.hazmat.primitives.asymmetric import ec

from idcard.apdu.command import LE_MAX_SHORT, CommandAPDU
from idcard.apdu.response import SW_OK, status_error
from idcard.apdu.tlv import encode_tlv, parse_all, parse_single
from idcard.errors import (
    CardStatusError,
    MalformedResponseError,
    SecureMessagingError,
    UnsupportedCardError,
    UsageError,
)
from idcard.lds.security_infos import (
    ID_CA,
    ID_PK,
    AlgorithmIdentifier,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    SecurityInfos,
    parse_dg14,
    parse_security_infos,
)
from idcard.protocol.ciphers import AES128, AES192, AES256, DES3, BlockCipher
from idcard.protocol.pace.oids import oid_from_bytes, oid_to_bytes
from idcard.protocol.pace.params import (
    STANDARDIZED_DOMAINS,
    DhDomain,
    Domain,
    EcDomain,
    EcPoint,
    Rng,
    domain_by_id,
)
from idcard.protocol.pace.tokens import session_keys
from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging
from idcard.verdict import Check, Result

if TYPE_CHECKING:
    from idcard.apdu.channel import CardChannel, SecureChannel

__all__ = [
    "CA_ALGORITHMS",
    "CHECK_CODE",
    "CLONE_REASON",
    "CaAlgorithm",
    "ChipAuthChip",
    "ChipAuthenticationChoice",
    "chip_auth_confirmed",
    "chip_auth_refuted",
    "chip_authentication",
    "choose_chip_authentication",
    "confirm_chip_authentication",
    "domain_from_algorithm",
    "domain_of_ec_key",
]

CHECK_CODE = "chip.chip_auth"
CLONE_REASON = "the chip does not hold the key its DG14 declares (possibly a cloned chip)"

Agreement = Literal["DH", "ECDH"]

INS_MSE = 0x22
INS_GENERAL_AUTHENTICATE = 0x86
P1P2_SET_KAT = (0x41, 0xA6)
P1P2_SET_AT_CA = (0x41, 0xA4)

TAG_MECHANISM = 0x80
TAG_KEY_ID = 0x84
TAG_KAT_EPHEMERAL_KEY = 0x91
TAG_DYNAMIC_AUTHENTICATION_DATA = 0x7C
TAG_GA_EPHEMERAL_KEY = 0x80

#: The emulator's confirmation command selects this application (EF.COM's).
LDS_AID = bytes.fromhex("A0000002471001")

ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
ID_DH_PKCS3 = "1.2.840.113549.1.3.1"  # dhKeyAgreement: DHParameter (p, g, [l])
ID_DH_X942 = "1.2.840.10046.2.1"  # dhpublicnumber: DomainParameters (p, g, q, ...)

SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_REFERENCE_NOT_FOUND = 0x6A88
SW_WRONG_DATA = 0x6A80


# --- algorithms --------------------------------------------------------------------


@dataclass(frozen=True)
class CaAlgorithm:
    oid: str
    name: str  # e.g. "id-CA-ECDH-AES-CBC-CMAC-128"
    agreement: Agreement
    cipher: BlockCipher


def _build_table() -> dict[str, CaAlgorithm]:
    agreements: dict[int, Agreement] = {1: "DH", 2: "ECDH"}
    suites = {
        1: ("3DES-CBC-CBC", DES3),
        2: ("AES-CBC-CMAC-128", AES128),
        3: ("AES-CBC-CMAC-192", AES192),
        4: ("AES-CBC-CMAC-256", AES256),
    }
    table = {}
    for a_arc, agreement in agreements.items():
        for c_arc, (suite, cipher) in suites.items():
            oid = f"{ID_CA}.{a_arc}.{c_arc}"
            table[oid] = CaAlgorithm(oid, f"id-CA-{agreement}-{suite}", agreement, cipher)
    return table


#: id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-128/192/256} (ICAO 9303-11 §9.2.5).
CA_ALGORITHMS: dict[str, CaAlgorithm] = _build_table()

#: ChipAuthenticationPublicKeyInfo.protocol per agreement: id-PK-DH, id-PK-ECDH.
_PK_PROTOCOLS: dict[str, Agreement] = {f"{ID_PK}.1": "DH", f"{ID_PK}.2": "ECDH"}


def ca_algorithm(oid: str) -> CaAlgorithm:
    try:
        return CA_ALGORITHMS[oid]
    except KeyError:
        raise UnsupportedCardError(f"Unknown chip authentication algorithm {oid}.") from None


# --- domain parameters of the chip key ---------------------------------------------


#: Largest DH modulus accepted from DG14 (ICAO 9303 groups stop at 2048).
MAX_DH_BITS = 4096


def domain_from_algorithm(algorithm: AlgorithmIdentifier) -> Domain:
    """The group of a public key's AlgorithmIdentifier, as one of PACE's domains.

    Accepts standardizedDomainParameters (TR-03110), id-ecPublicKey with a
    named curve or explicit parameters, and DH (PKCS#3 or X9.42) parameters.
    Explicit parameters are matched to the standardized group with the same
    values; explicit DH groups that match none are used as they are (DG14 is
    signed by the issuer, so they are not attacker-chosen). Anything else is
    `UnsupportedCardError`; undecodable parameters `MalformedResponseError`.
    """
    parameter_id = algorithm.standardized_parameter_id
    if parameter_id is not None:
        return domain_by_id(parameter_id)
    if algorithm.algorithm == ID_EC_PUBLIC_KEY:
        return _ec_domain(algorithm.parameters)
    if algorithm.algorithm in (ID_DH_PKCS3, ID_DH_X942):
        return _dh_domain(algorithm.algorithm, algorithm.parameters)
    raise UnsupportedCardError(f"Key algorithm {algorithm.algorithm} is not supported.")


def _load_asn1(spec: type[core.Asn1Value], der: bytes | None, what: str) -> core.Asn1Value:
    if der is None:
        raise UnsupportedCardError(f"The {what} carry no domain parameters.")
    try:
        value = spec.load(der, strict=True)
        value.native  # noqa: B018 - force the lazy parse so errors surface here
    except Exception as exc:  # noqa: BLE001 - asn1crypto raises many types on bad input
        raise MalformedResponseError(f"The {what} do not parse: {exc}") from None
    return value


def _ec_domain(parameters: bytes | None) -> EcDomain:
    value = _load_asn1(asn1_keys.ECDomainParameters, parameters, "EC key parameters")
    candidates = [d for d in STANDARDIZED_DOMAINS.values() if isinstance(d, EcDomain)]
    if value.name == "named":
        oid = value.chosen.dotted
        for domain in candidates:
            if ".".join(map(str, domain.curve.oid)) == oid:
                return domain
        raise UnsupportedCardError(f"Curve {oid} is not a standardized chip authentication curve.")
    if value.name != "specified":
        raise UnsupportedCardError("Implicitly given EC parameters (implicitCA) are not supported.")
    spec = value.chosen
    if spec["field_id"]["field_type"].native != "prime_field":
        raise UnsupportedCardError("Only curves over prime fields are supported.")
    p = spec["field_id"]["parameters"].native
    a = int.from_bytes(spec["curve"]["a"].native, "big")
    b = int.from_bytes(spec["curve"]["b"].native, "big")
    base = spec["base"].native
    order = spec["order"].native
    for domain in candidates:
        f = domain.field
        if (p, a % p, b % p, order) != (f.p(), f.a() % p, f.b() % p, domain.order):
            continue
        g = domain.generator
        n = domain.field_bytes
        x = g.x().to_bytes(n, "big")
        compressed = bytes([2 + (g.y() & 1)]) + x
        if base in (domain.encode(g), compressed):
            return domain
    raise UnsupportedCardError("The explicit EC parameters are not a standardized curve.")


def _dh_domain(algorithm: str, parameters: bytes | None) -> DhDomain:
    q: int | None
    if algorithm == ID_DH_X942:
        value = _load_asn1(asn1_keys.DomainParameters, parameters, "DH key parameters")
        p, g, q = value["p"].native, value["g"].native, value["q"].native
    else:

        value = _load_asn1(DHParameters, parameters, "DH key parameters")
        p, g, q = value["p"].native, value["g"].native, None
    if not (isinstance(p, int) and isinstance(g, int) and p > 3 and 1 < g < p - 1):
        raise MalformedResponseError("The DH key parameters are not a group.")
    if p.bit_length() > MAX_DH_BITS:
        # Every exponentiation costs cubic time in the size: refuse before any.
        raise MalformedResponseError(
            f"The DH group has {p.bit_length()} bits; at most {MAX_DH_BITS} are accepted."
        )
    for domain in STANDARDIZED_DOMAINS.values():
        if isinstance(domain, DhDomain) and (domain.p, domain.g) == (p, g):
            if q is None or q == domain.q:
                return domain
    if q is None:
        # PKCS#3 parameters name no subgroup order. With q = p-1 (the order of
        # the whole group Z_p*) the validation in DhDomain.decode reduces to
        # 1 < y < p-1 and ephemeral keys are drawn from [1, p-2]: all a
        # terminal can check without knowing the subgroup.
        q = p - 1
    return DhDomain(-1, f"explicit {p.bit_length()}-bit MODP group", p=p, g=g, q=q)


def _decode_public_key(domain: Domain, raw: bytes) -> EcPoint | int:
    """The chip's static public key from the SPKI BIT STRING, validated."""
    if isinstance(domain, EcDomain):
        return domain.decode(raw)
    try:
        y = core.Integer.load(raw, strict=True).native  # DH: the BIT STRING holds a DER INTEGER
    except Exception:  # noqa: BLE001 - hostile bytes
        raise MalformedResponseError("The DH chip authentication key does not parse.") from None
    if not isinstance(y, int) or y <= 0:
        raise MalformedResponseError("The DH chip authentication key is not a positive integer.")
    return domain.decode(y.to_bytes((y.bit_length() + 7) // 8, "big"))


# --- choosing the key ----------------------------------------------------------------


@dataclass(frozen=True)
class ChipAuthenticationChoice:
    """What DG14 says to run: algorithm, group, the chip's public key, key id."""

    algorithm: CaAlgorithm
    domain: Domain
    chip_public_key: EcPoint | int = field(repr=False)
    #: Sent as DO'84' when not None.
    key_id: int | None
    public_key_info: ChipAuthenticationPublicKeyInfo = field(repr=False)
    #: None when DG14 has no ChipAuthenticationInfo (3DES is then implied).
    info: ChipAuthenticationInfo | None = field(default=None, repr=False)

    @property
    def chip_public_key_bytes(self) -> bytes:
        return self.domain.encode(self.chip_public_key)


def choose_chip_authentication(infos: SecurityInfos) -> ChipAuthenticationChoice:
    """The best Chip Authentication v1 this client can run with the DG14 keys.

    Each ChipAuthenticationInfo (version 1) is paired with the public key of
    the same keyId (or the only key when it has none). A DG14 without any
    ChipAuthenticationInfo implies 3DES (ICAO 9303-11 §9.2.5). Preference:
    AES over 3DES, ECDH over DH, longer keys, then DG14's order.
    Raises UnsupportedCardError when nothing is usable.
    """
    public_keys = infos.chip_authentication_public_keys
    if not public_keys:
        raise UnsupportedCardError("DG14 holds no chip authentication public key.")
    pairs: list[
        tuple[CaAlgorithm, ChipAuthenticationPublicKeyInfo, ChipAuthenticationInfo | None]
    ] = []
    ca_infos = infos.chip_authentication_infos
    if ca_infos:
        for info in ca_infos:
            algorithm = CA_ALGORITHMS.get(info.protocol)
            if algorithm is None or info.version != 1:
                continue
            if info.key_id is not None:
                keys = [pk for pk in public_keys if pk.key_id == info.key_id]
            else:
                keys = public_keys
            pairs += [(algorithm, pk, info) for pk in keys]
    else:
        for pk in public_keys:
            agreement = _PK_PROTOCOLS.get(pk.protocol)
            if agreement is not None:
                oid = f"{ID_CA}.{1 if agreement == 'DH' else 2}.1"
                pairs.append((CA_ALGORITHMS[oid], pk, None))
    candidates = []
    problems: list[str] = []
    for index, (algorithm, pk, ca_info) in enumerate(pairs):
        if _PK_PROTOCOLS.get(pk.protocol) != algorithm.agreement:
            continue
        try:
            domain = domain_from_algorithm(pk.public_key.algorithm)
            wanted = EcDomain if algorithm.agreement == "ECDH" else DhDomain
            if not isinstance(domain, wanted):
                raise UnsupportedCardError(f"{algorithm.name} cannot use {domain.name}.")
            public = _decode_public_key(domain, pk.public_key.public_key)
        except UnsupportedCardError as exc:
            problems.append(exc.message)
            continue
        key_id = ca_info.key_id if ca_info is not None and ca_info.key_id is not None else pk.key_id
        choice = ChipAuthenticationChoice(algorithm, domain, public, key_id, pk, ca_info)
        rank = (
            algorithm.cipher.name != "AES",
            algorithm.agreement != "ECDH",
            -algorithm.cipher.key_length,
            -domain.field_bytes,
            index,
        )
        candidates.append((rank, choice))
    if not candidates:
        detail = f" ({'; '.join(problems)})" if problems else ""
        raise UnsupportedCardError(
            f"DG14 offers no Chip Authentication (version 1) this client supports{detail}."
        )
    return min(candidates, key=lambda item: item[0])[1]


def _security_infos(dg14: SecurityInfos | bytes) -> SecurityInfos:
    if isinstance(dg14, SecurityInfos):
        return dg14
    data = bytes(dg14)
    return parse_dg14(data) if data[:1] == b"\x6e" else parse_security_infos(data)


# --- terminal ------------------------------------------------------------------------


def _key_id_do(key_id: int | None) -> bytes:
    if key_id is None:
        return b""
    if key_id < 0:
        raise MalformedResponseError("A negative chip authentication key id.")
    return encode_tlv(TAG_KEY_ID, key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big"))


def _agree(
    domain: Domain, cipher: BlockCipher, peer: EcPoint | int, private: int
) -> tuple[bytes, bytes]:
    shared = domain.exp(peer, private)
    if domain.is_identity(shared):
        raise MalformedResponseError("The key agreement gives no shared secret.")
    return session_keys(cipher, domain.secret(shared))


class _Refused(Exception):
    """A status word other than 9000 during the CA exchange."""

    def __init__(self, sw: int) -> None:
        super().__init__(sw)
        self.sw = sw
        # status_error gives the citizen-readable meaning (PinError, CardStatusError …).
        self.message = str(status_error(sw))


def _send_ok(channel: CardChannel, command: CommandAPDU) -> bytes:
    response = channel.send(command)
    if response.sw != SW_OK:
        raise _Refused(response.sw)
    return response.data


def chip_authentication(
    channel: CardChannel,
    dg14: SecurityInfos | bytes,
    *,
    rng: Rng = os.urandom,
    confirm: bool = True,
) -> tuple[Check, SecureChannel]:
    """Run Chip Authentication v1 with the DG14 key; return the check and the channel to use.

    Must run inside secure messaging (after PACE or BAC): UsageError otherwise.
    `dg14` is the parsed SecurityInfos, the EF.DG14 file (6E …) or bare
    SecurityInfos DER.

    With `confirm=True` (default) the new keys are installed on `channel` and
    the LDS application is SELECTed under them (one APDU, no data); the check
    passes only when the chip answers that correctly MACed. A chip without
    the private key cannot: the check fails with `CLONE_REASON` and the
    returned (closed) secure messaging refuses any further use.

    With `confirm=False` nothing is sent under the new keys: the check is
    `not_performed` and the caller installs the returned secure messaging
    (`channel.secure = sm`) and calls `confirm_chip_authentication(channel)`.

    The returned channel is always the one to use from now on: the new
    `SecureMessaging`, or the current one unchanged when CA was not run
    (DG14 unusable → failed / not_performed, or the chip refused the MSE →
    failed with its status word). Transport and old-session SM errors raise.
    """
    current = channel.secure
    if current is None:
        raise UsageError("Chip authentication needs secure messaging: unlock the card first.")
    try:
        choice = choose_chip_authentication(_security_infos(dg14))
    except UnsupportedCardError as exc:
        return Check(CHECK_CODE, Result.NOT_PERFORMED, exc.message), current
    except MalformedResponseError as exc:
        reason = f"DG14 does not describe a usable chip authentication key: {exc.message}"
        return Check(CHECK_CODE, Result.FAILED, reason), current

    algorithm, domain = choice.algorithm, choice.domain
    details: dict[str, object] = {"algorithm": algorithm.name, "domain": domain.name}
    if choice.key_id is not None:
        details["keyId"] = choice.key_id
    private = domain.random_private(rng)
    ephemeral = domain.encode(domain.exp(domain.generator, private))
    try:
        ks_enc, ks_mac = _agree(domain, algorithm.cipher, choice.chip_public_key, private)
    except MalformedResponseError as exc:
        return Check(CHECK_CODE, Result.FAILED, f"DG14's key is unusable: {exc.message}"), current
    sm = SecureMessaging(algorithm.cipher, ks_enc, ks_mac, 0)

    key_id = _key_id_do(choice.key_id)
    try:
        if algorithm.cipher is DES3:
            data = encode_tlv(TAG_KAT_EPHEMERAL_KEY, ephemeral) + key_id
            _send_ok(channel, CommandAPDU(0x00, INS_MSE, *P1P2_SET_KAT, data))
        else:
            data = encode_tlv(TAG_MECHANISM, oid_to_bytes(algorithm.oid)) + key_id
            _send_ok(channel, CommandAPDU(0x00, INS_MSE, *P1P2_SET_AT_CA, data))
            ga = encode_tlv(
                TAG_DYNAMIC_AUTHENTICATION_DATA, encode_tlv(TAG_GA_EPHEMERAL_KEY, ephemeral)
            )
            answer = _send_ok(
                channel,
                CommandAPDU(0x00, INS_GENERAL_AUTHENTICATE, 0x00, 0x00, ga, le=LE_MAX_SHORT),
            )
            if answer:
                # CA v1 returns an empty 7C template; v2 data would be ignored.
                parse_single(answer, TAG_DYNAMIC_AUTHENTICATION_DATA)
    except _Refused as exc:
        details["sw"] = f"{exc.sw:04X}"
        reason = f"The chip refused chip authentication (status {exc.sw:04X}: {exc.message})"
        return Check(CHECK_CODE, Result.FAILED, reason, details), current
    except MalformedResponseError as exc:
        reason = f"The chip's chip authentication answer is malformed: {exc.message}"
        return Check(CHECK_CODE, Result.FAILED, reason, details), current

    if not confirm:
        reason = "Keys agreed; not yet confirmed by a command under the new keys."
        return Check(CHECK_CODE, Result.NOT_PERFORMED, reason, details), sm
    channel.secure = sm
    return confirm_chip_authentication(channel, details=details), sm


def confirm_chip_authentication(
    channel: CardChannel, *, details: dict[str, object] | None = None
) -> Check:
    """The implicit CA proof: SELECT the LDS application under the new keys.

    Call right after installing the secure messaging chip_authentication
    returned (with `confirm=False`). Passed only on a 9000 whose MAC checked
    out; a secure-messaging failure means the chip derived other keys.
    """
    if channel.secure is None:
        raise UsageError("Install the chip authentication keys before confirming them.")
    details = dict(details or {})
    try:
        response = channel.send(CommandAPDU(0x00, 0xA4, 0x04, 0x0C, LDS_AID))
    except SecureMessagingError as exc:
        return chip_auth_refuted(exc, details)
    if response.sw != SW_OK:
        # An error SW may come without a MAC: it proves nothing either way.
        details["sw"] = f"{response.sw:04X}"
        reason = (
            "The chip did not confirm the chip authentication keys "
            f"(status {response.sw:04X}: {status_error(response.sw)})."
        )
        return Check(CHECK_CODE, Result.FAILED, reason, details)
    return chip_auth_confirmed(details)


def chip_auth_confirmed(details: dict[str, object] | None = None) -> Check:
    """CA passed: a 9000 answer to any command sent under the new keys carried a good MAC.

    A reader that has a command to send anyway (INTERNAL AUTHENTICATE) uses
    it as the proof instead of an extra SELECT.
    """
    return Check(
        CHECK_CODE,
        Result.PASSED,
        "The chip proved it holds the chip authentication key of DG14.",
        dict(details or {}),
    )


def chip_auth_refuted(error: SecureMessagingError, details: dict[str, object] | None = None) -> Check:
    """CA failed: the chip's answer under the new keys did not check out."""
    details = dict(details or {})
    details["error"] = error.code
    return Check(CHECK_CODE, Result.FAILED, CLONE_REASON, details)


# --- chip ----------------------------------------------------------------------------

#: cryptography's curve names -> standardized domain parameter ids (ICAO 9303-11 Table 12).
_CURVE_PARAMETER_IDS = {
    "secp192r1": 8,
    "secp224r1": 10,
    "secp256r1": 12,
    "brainpoolP256r1": 13,
    "secp384r1": 15,
    "brainpoolP384r1": 16,
    "brainpoolP512r1": 17,
    "secp521r1": 18,
}


def domain_of_ec_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> EcDomain:
    """The standardized domain of a `cryptography` EC key."""
    parameter_id = _CURVE_PARAMETER_IDS.get(key.curve.name)
    if parameter_id is None:
        raise UnsupportedCardError(f"Curve {key.curve.name} is not a standardized domain.")
    domain = domain_by_id(parameter_id)
    assert isinstance(domain, EcDomain)
    return domain


class ChipAuthChip:
    """The chip's side of Chip Authentication v1 with one static key pair.

    Errors (for the emulator to turn into status words): `CardStatusError`
    carries its SW (6985 out of order / KAT with an AES suite, 6A88 unknown
    key id), `MalformedResponseError` means 6A80 (bad data, invalid or
    reflected public key, wrong OID).
    """

    def __init__(
        self,
        private_key: int | ec.EllipticCurvePrivateKey,
        domain: Domain | int | None,
        ca_oid: str,
        key_id: int | None = None,
    ) -> None:
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            key_domain = domain_of_ec_key(private_key)
            if domain is not None:
                given = domain_by_id(domain) if isinstance(domain, int) else domain
                if given.parameter_id != key_domain.parameter_id:
                    raise UsageError("The private key is not on the given domain.")
            domain = key_domain
            private = private_key.private_numbers().private_value
        elif domain is None:
            raise UsageError("A private key given as an integer needs its domain.")
        else:
            private = private_key
        self.domain: Domain = domain_by_id(domain) if isinstance(domain, int) else domain
        self.algorithm = ca_algorithm(ca_oid)
        wanted = EcDomain if self.algorithm.agreement == "ECDH" else DhDomain
        if not isinstance(self.domain, wanted):
            raise UsageError(f"{self.algorithm.name} cannot use {self.domain.name}.")
        if not 0 < private < self.domain.order:
            raise UsageError("The chip authentication private key is out of range.")
        self._private = private
        self.key_id = key_id
        self.public_key = self.domain.encode(self.domain.exp(self.domain.generator, private))
        self._armed = False

    def __repr__(self) -> str:  # never show key material
        return f"ChipAuthChip({self.algorithm.name}, {self.domain.name}, key_id={self.key_id})"

    # -- commands ------------------------------------------------------------------
    def mse_set_kat(self, data: bytes) -> ChipSecureMessaging:
        """MSE:Set KAT (3DES suites only): { 91 PK_IFD, [84 key id] } → new SM."""
        self._armed = False
        if self.algorithm.cipher is not DES3:
            raise CardStatusError(
                "MSE:Set KAT is for 3DES chip authentication only.",
                SW_CONDITIONS_NOT_SATISFIED,
                code="card.conditions",
            )
        fields = self._fields(data, {TAG_KAT_EPHEMERAL_KEY, TAG_KEY_ID}, TAG_KAT_EPHEMERAL_KEY)
        self._check_key_id(fields.get(TAG_KEY_ID))
        return self._session(fields[TAG_KAT_EPHEMERAL_KEY])

    def mse_set_at(self, data: bytes) -> None:
        """MSE:Set AT for CA: { 80 CA OID, [84 key id] }; arms GENERAL AUTHENTICATE."""
        self._armed = False
        fields = self._fields(data, {TAG_MECHANISM, TAG_KEY_ID}, TAG_MECHANISM)
        if oid_from_bytes(fields[TAG_MECHANISM]) != self.algorithm.oid:
            raise MalformedResponseError("MSE:Set AT names another chip authentication algorithm.")
        self._check_key_id(fields.get(TAG_KEY_ID))
        self._armed = True

    def general_authenticate(self, data: bytes) -> tuple[bytes, ChipSecureMessaging]:
        """{ 7C { 80 PK_IFD } } → (empty 7C template, new SM)."""
        if not self._armed:
            raise CardStatusError(
                "Chip authentication was not set up with MSE:Set AT.",
                SW_CONDITIONS_NOT_SATISFIED,
                code="card.conditions",
            )
        self._armed = False
        template = parse_single(bytes(data), TAG_DYNAMIC_AUTHENTICATION_DATA)
        fields = self._fields(template.value, {TAG_GA_EPHEMERAL_KEY}, TAG_GA_EPHEMERAL_KEY)
        sm = self._session(fields[TAG_GA_EPHEMERAL_KEY])
        return encode_tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, b""), sm

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _fields(data: bytes, allowed: set[int], required: int) -> dict[int, bytes]:
        fields: dict[int, bytes] = {}
        for item in parse_all(bytes(data)):
            if item.tag not in allowed or item.tag in fields:
                raise MalformedResponseError(f"Unexpected data object {item.tag:02X}.")
            fields[item.tag] = item.value
        if required not in fields:
            raise MalformedResponseError(f"Data object {required:02X} is missing.")
        return fields

    def _check_key_id(self, raw: bytes | None) -> None:
        if raw is None:
            return
        if self.key_id is None or not raw or int.from_bytes(raw, "big") != self.key_id:
            raise CardStatusError(
                "No chip authentication key with this id.",
                SW_REFERENCE_NOT_FOUND,
                code="card.reference_not_found",
            )

    def _session(self, encoded_peer: bytes) -> ChipSecureMessaging:
        peer = self.domain.decode(encoded_peer)  # MalformedResponseError unless valid
        if self.domain.encode(peer) == self.public_key:
            raise MalformedResponseError("The terminal sent the chip's own public key.")
        ks_enc, ks_mac = _agree(self.domain, self.algorithm.cipher, peer, self._private)
        return ChipSecureMessaging(self.algorithm.cipher, ks_enc, ks_mac, 0)
