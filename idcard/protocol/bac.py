"""Basic Access Control (ICAO 9303-11 §4.3 and Appendix D), terminal and chip.

The key seed is SHA-1 of the MRZ information; mutual authentication is a
3DES-encrypted exchange of nonces and key halves, after which both sides
hold the same 3DES session keys and send sequence counter.

Randomness comes from an injectable `rng(n) -> n bytes` so the worked
example can be replayed. Draw order: terminal RND.IFD (8) then K.IFD (16);
chip RND.IC (8) in `get_challenge`, then K.IC (16) in `external_authenticate`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import CommandAPDU
from idcard.errors import AuthenticationError, MalformedResponseError
from idcard.protocol.ciphers import DES3, KDF_ENC, KDF_MAC
from idcard.protocol.sm import ChipSecureMessaging, SecureMessaging

__all__ = [
    "BacChip",
    "BacSessionKeys",
    "derive_bac_keys",
    "perform_bac",
    "session_keys",
    "ssc_from_bac",
]

log = logging.getLogger(__name__)

Rng = Callable[[int], bytes]

NONCE_LENGTH = 8
KEY_HALF_LENGTH = 16
#: E(S) (32 bytes) || MAC (8 bytes), both directions.
AUTH_DATA_LENGTH = 40

_WRONG_MRZ = (
    "The card did not accept the document number / dates of birth and expiry. "
    "Check them against the machine-readable zone and try again."
)
_FAKE_CHIP = (
    "The card's answer to authentication is not genuine. "
    "The chip may be damaged or not an original document."
)


def _random(rng: Rng, n: int) -> bytes:
    out = rng(n)
    if len(out) != n:  # a broken injected rng must not weaken the keys silently
        raise ValueError(f"rng returned {len(out)} bytes, {n} requested")
    return bytes(out)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def derive_bac_keys(mrz_information: str) -> tuple[bytes, bytes]:
    """(K_enc, K_mac) of the document: 3DES keys from SHA-1(MRZ information)[:16]."""
    seed = hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]
    return DES3.kdf(seed, KDF_ENC), DES3.kdf(seed, KDF_MAC)


def ssc_from_bac(rnd_ic: bytes, rnd_ifd: bytes) -> int:
    """Initial SSC: the 4 least significant bytes of RND.IC, then of RND.IFD."""
    return int.from_bytes(rnd_ic[-4:] + rnd_ifd[-4:], "big")


@dataclass(frozen=True)
class BacSessionKeys:
    ks_enc: bytes
    ks_mac: bytes
    ssc: int

    def __repr__(self) -> str:  # never show key material
        return f"BacSessionKeys(ssc={self.ssc:#x})"


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> BacSessionKeys:
    seed = _xor(k_ifd, k_ic)
    return BacSessionKeys(
        DES3.kdf(seed, KDF_ENC), DES3.kdf(seed, KDF_MAC), ssc_from_bac(rnd_ic, rnd_ifd)
    )


def _seal(k_enc: bytes, k_mac: bytes, plain: bytes) -> bytes:
    cryptogram = DES3.encrypt_cbc(k_enc, plain)
    return cryptogram + DES3.mac(k_mac, DES3.pad(cryptogram))


def _open(k_enc: bytes, k_mac: bytes, data: bytes) -> bytes | None:
    """Decrypted 32 bytes of a 40-byte E||M, or None if length or MAC is wrong."""
    if len(data) != AUTH_DATA_LENGTH:
        return None
    cryptogram, mac = data[:32], data[32:]
    if not hmac.compare_digest(DES3.mac(k_mac, DES3.pad(cryptogram)), mac):
        return None
    return DES3.decrypt_cbc(k_enc, cryptogram)


def perform_bac(
    channel: CardChannel, mrz_information: str, rng: Rng = os.urandom
) -> SecureMessaging:
    """Run BAC as the terminal; return the SM session (the caller sets channel.secure).

    BAC always runs in plain, even if a session is open on the channel.
    """
    k_enc, k_mac = derive_bac_keys(mrz_information)
    challenge = channel.transmit_raw(CommandAPDU(0x00, 0x84, 0x00, 0x00, le=NONCE_LENGTH))
    rnd_ic = challenge.check().data
    if len(rnd_ic) != NONCE_LENGTH:
        raise MalformedResponseError(
            f"The card's challenge has {len(rnd_ic)} bytes instead of {NONCE_LENGTH}."
        )
    rnd_ifd = _random(rng, NONCE_LENGTH)
    k_ifd = _random(rng, KEY_HALF_LENGTH)
    answer = channel.transmit_raw(
        CommandAPDU(
            0x00,
            0x82,
            0x00,
            0x00,
            _seal(k_enc, k_mac, rnd_ifd + rnd_ic + k_ifd),
            le=AUTH_DATA_LENGTH,
        )
    )
    if not answer.ok:
        log.debug("EXTERNAL AUTHENTICATE refused with %04X", answer.sw)
        raise AuthenticationError(_WRONG_MRZ)
    r = _open(k_enc, k_mac, answer.data)
    # A chip that knows K_mac but echoes the wrong nonces is not the one we talk to.
    if r is None or r[:8] != rnd_ic or r[8:16] != rnd_ifd:
        raise AuthenticationError(_FAKE_CHIP, code="auth.chip")
    keys = session_keys(k_ifd, r[16:32], rnd_ic, rnd_ifd)
    return SecureMessaging(DES3, keys.ks_enc, keys.ks_mac, keys.ssc)


class BacChip:
    """The chip's side of BAC for one GET CHALLENGE / EXTERNAL AUTHENTICATE pair."""

    def __init__(self, mrz_information: str, rng: Rng = os.urandom) -> None:
        self._k_enc, self._k_mac = derive_bac_keys(mrz_information)
        self._rng = rng
        self._rnd_ic: bytes | None = None

    def get_challenge(self) -> bytes:
        self._rnd_ic = _random(self._rng, NONCE_LENGTH)
        return self._rnd_ic

    def external_authenticate(self, data: bytes) -> tuple[bytes, ChipSecureMessaging]:
        """Check the terminal's E_IFD||M_IFD; return E_IC||M_IC and the chip's SM session."""
        # One attempt per challenge: a failed (or replayed) try needs a fresh one.
        rnd_ic, self._rnd_ic = self._rnd_ic, None
        if rnd_ic is None:
            raise AuthenticationError("EXTERNAL AUTHENTICATE without a challenge.")
        s = _open(self._k_enc, self._k_mac, bytes(data))
        if s is None or s[8:16] != rnd_ic:
            raise AuthenticationError(_WRONG_MRZ)
        rnd_ifd, k_ifd = s[:8], s[16:32]
        k_ic = _random(self._rng, KEY_HALF_LENGTH)
        answer = _seal(self._k_enc, self._k_mac, rnd_ic + rnd_ifd + k_ic)
        keys = session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)
        return answer, ChipSecureMessaging(DES3, keys.ks_enc, keys.ks_mac, keys.ssc)
