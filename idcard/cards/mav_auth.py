"""Mav4 card authentication, secure messaging and signing (iran-nid-cards.md §6).

Runs only with keys from the registry's card-authentication service
(`keyservice.CardKeyService`). Every command is the spec's byte string. The
spec's vendor logic does not check the card's MAC M' nor what precedes K_ICC
in its answer; this client checks both, because a chip that cannot answer
them is not proven genuine:

* M' over 00..00‖E' (the same MAC form the terminal sends) — the spec's form
  for the terminal's side, assumed for the card's;
* EMULATOR/CLIENT ASSUMPTION: SS[0..31] = RND.ICC‖SN.ICC‖RND.IFD‖SN.IFD,
  the mirror of the terminal's S (the spec gives only K_ICC = SS[32..63]).

The session keys and SSC follow the ICAO BAC derivation exactly (§6 step 7), so
the BAC helpers and the ICAO secure-messaging core are reused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from idcard.apdu.command import CommandAPDU
from idcard.apdu.response import ResponseAPDU
from idcard.cards.keyservice import CardKeyRequest, CardKeys, CardKeyService
from idcard.cards.mav import (
    AID_DATA,
    GET_CPLC,
    SELECT_CM,
    SELECT_IAS,
    SELECT_MF,
    Mav4Driver,
    encode_pin,
)
from idcard.errors import AuthenticationError, CardStatusError, MalformedResponseError, PinError
from idcard.protocol.bac import session_keys
from idcard.protocol.ciphers import DES3
from idcard.protocol.sm import SecureMessaging

H = bytes.fromhex

#: The terminal serial number the vendor script sends (§6 step 4).
SN_IFD = H("AABBCCDD44668877")
MSE_SET_AUTH = H("002241A406830101950180")
GET_CHALLENGE = H("8084000008")
MSE_SET_DST = H("002241B6068001028401" "03")
#: Header of MUTUAL AUTHENTICATE with Lc 72 (§6 step 6); Le 48 follows the data.
MUTUAL_AUTH_HEADER = H("8082000048")
PSO_HASH_HEADER = H("002A90A0229020")
#: Plaintext of the protected PSO:COMPUTE DIGITAL SIGNATURE (§6 step 10).
PSO_CDS_PLAIN = H("8100")
SIGNATURE_LENGTH = 256
AUTH_ANSWER_LENGTH = 72

_ZERO_BLOCK = bytes(8)


def auth_mac(k_mac: bytes, cryptogram: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3, padding method 2, over 00..00‖cryptogram (§6 step 5)."""
    return DES3.mac(k_mac, DES3.pad(_ZERO_BLOCK + cryptogram))


def seal(k_enc: bytes, k_mac: bytes, plain: bytes) -> bytes:
    """E‖M: 3DES-CBC (zero IV) of 64 bytes, then its MAC."""
    cryptogram = DES3.encrypt_cbc(k_enc, plain)
    return cryptogram + auth_mac(k_mac, cryptogram)


def open_sealed(k_enc: bytes, k_mac: bytes, data: bytes) -> bytes | None:
    """The 64 plaintext bytes of a 72-byte E‖M, or None when length or MAC is wrong."""
    if len(data) != AUTH_ANSWER_LENGTH:
        return None
    cryptogram, mac = data[:64], data[64:]
    if not hmac.compare_digest(auth_mac(k_mac, cryptogram), mac):
        return None
    return DES3.decrypt_cbc(k_enc, cryptogram)


def mutual_auth_command(keys: CardKeys, rnd_icc: bytes, sn_icc: bytes) -> bytes:
    """MUTUAL AUTHENTICATE `8082000048`‖E‖M‖`48` (§6 steps 5-6)."""
    s = keys.rnd_ifd + SN_IFD + rnd_icc + sn_icc + keys.k_ifd
    return MUTUAL_AUTH_HEADER + seal(keys.k_enc, keys.k_mac, s) + b"\x48"


def pso_hash_command(data: bytes) -> bytes:
    """PSO:HASH with SHA-256 of the terminal data, sent plain (§6 step 9)."""
    return PSO_HASH_HEADER + hashlib.sha256(data).digest()


@dataclass(frozen=True)
class ProtectedData:
    """EF 0201 (personal information 1) and EF 0205 (SOD1) read under secure messaging (§3.7),
    and the dates file EF 0303 (§3.3, readable without keys) that SOD1 also covers."""

    personal_info: bytes
    sod: bytes
    dates: bytes


class AuthenticatedMav4:
    """A Mav4 card after MUTUAL AUTHENTICATE: secure messaging is open."""

    def __init__(self, driver: Mav4Driver, sm: SecureMessaging) -> None:
        self.driver = driver
        self._sm = sm
        #: False once another application was selected (protected reads): reselect IAS to sign.
        self._ias_selected = True

    def _protected(self, command: CommandAPDU) -> ResponseAPDU:
        wrapped = self._sm.wrap(command)
        return self._sm.unwrap(self.driver.exchange(wrapped.encode()))

    def sign(self, data: bytes) -> bytes:
        """The card's 256-byte RSA signature of SHA-256(data) with private key 03 (§6 steps 8-11)."""
        return self.sign_digest(hashlib.sha256(data).digest())

    def sign_digest(self, digest: bytes) -> bytes:
        """Sign a SHA-256 digest: MSE:SET DST, PSO:HASH (plain), PSO:CDS under SM."""
        if len(digest) != 32:
            raise ValueError("PSO:HASH takes a SHA-256 digest (32 bytes)")
        if not self._ias_selected:
            # EMULATOR/CLIENT ASSUMPTION: the session survives SELECT (the spec never reselects).
            self.driver.run(SELECT_IAS)
            self._ias_selected = True
        self.driver.run(MSE_SET_DST, PSO_HASH_HEADER + digest)
        answer = self._protected(CommandAPDU(0x00, 0x2A, 0x9E, 0x9A, PSO_CDS_PLAIN))
        if not answer.ok:
            raise CardStatusError(f"The card refused to sign ({answer.sw:04X}).", answer.sw)
        if len(answer.data) < SIGNATURE_LENGTH:
            raise MalformedResponseError("The card's signature is shorter than 256 bytes.")
        return answer.data[:SIGNATURE_LENGTH]

    def _read_protected_file(self, df: bytes, ef: bytes, le: int) -> bytes:
        # Selects go plain as in the vendor's reads (§3.7); only READ BINARY is protected.
        # EMULATOR/CLIENT ASSUMPTION: the protected READ BINARY is ICAO-style (DO97, DO8E).
        self._ias_selected = False
        self.driver.run(H("00A4040010") + AID_DATA, SELECT_MF, H("00A4010002") + df, H("00A4020002") + ef)

        def block(p1p2: int, size: int) -> ResponseAPDU:
            return self._protected(CommandAPDU(0x00, 0xB0, p1p2 >> 8, p1p2 & 0xFF, le=size))

        return self.driver._read_file(le=le, unit=4, read_block=block)

    def read_protected_data(self) -> ProtectedData:
        """Personal information 1 (Le F4) and SOD1 (Le EC), §3.7."""
        return ProtectedData(
            personal_info=self._read_protected_file(H("0200"), H("0201"), 0xF4),
            sod=self._read_protected_file(H("0200"), H("0205"), 0xEC),
            dates=self.driver.read_dates_file(),
        )


def card_key_request(driver: Mav4Driver, certificate: bytes) -> CardKeyRequest:
    """The `cardInfo` the registry needs (§7), read from the card without keys."""
    info = driver.card_info()
    versions = driver.read_versions()
    # CLIENT ASSUMPTION: how the §3.4 versions map onto the §7 request fields is not public.
    return CardKeyRequest(
        chip_type=info.chip_type or "",
        csn=info.csn or "",
        crn=info.crn or "",
        algorithm_version=versions.key_algorithm,
        key_version=versions.sod1_key,
        perso_algorithm_version=versions.key_algorithm,
        perso_key_version=versions.perso_key,
        citizen_certificate=certificate,
    )


def authenticate(driver: Mav4Driver, service: CardKeyService, request: CardKeyRequest, pin: str) -> AuthenticatedMav4:
    """§6 steps 1-7: keys from the service, PIN, MUTUAL AUTHENTICATE, session keys."""
    keys = service.card_keys(request)
    driver.run(SELECT_CM)
    cplc = driver.checked(GET_CPLC)
    sn_icc = cplc[13:21]
    driver.run(SELECT_IAS, SELECT_MF)
    sw = driver.exchange(H("0020000110") + encode_pin(pin, 16)).sw
    if sw != 0x9000:
        if sw in (0x6983, 0x6984):
            raise PinError("The ID PIN is blocked. Unblock it with the PUK.", code="pin.blocked", tries_left=0)
        tries = sw & 0x0F if sw & 0xFFF0 == 0x63C0 else None
        raise PinError("Wrong ID PIN.", code="pin.wrong", tries_left=tries)
    driver.run(MSE_SET_AUTH)
    rnd_icc = driver.checked(GET_CHALLENGE)
    if len(rnd_icc) != 8:
        raise MalformedResponseError("The card's challenge is not 8 bytes.")
    answer = driver.exchange(mutual_auth_command(keys, rnd_icc, sn_icc))
    if not answer.ok:
        raise AuthenticationError(
            f"The card refused card authentication with the registry's keys ({answer.sw:04X}): "
            "it is not the card the registry issued these keys for.",
            code="chip.auth_refused",
        )
    ss = open_sealed(keys.k_enc, keys.k_mac, answer.data)
    if ss is None or ss[:32] != rnd_icc + sn_icc + keys.rnd_ifd + SN_IFD:
        raise AuthenticationError(
            "The card's answer to card authentication does not verify: the chip is not genuine.",
            code="chip.not_genuine",
        )
    session = session_keys(keys.k_ifd, ss[32:64], rnd_icc, keys.rnd_ifd)
    return AuthenticatedMav4(driver, SecureMessaging(DES3, session.ks_enc, session.ks_mac, session.ssc))
