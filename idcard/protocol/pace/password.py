"""The PACE password key: K = f(π) (ICAO 9303-11 §9.7.3 Table 14) and Kπ = KDF(K, 3).

The seed is kept separate from Kπ because the chip side stores the seed (it
does not know the cipher until MSE:Set AT), while the terminal needs Kπ.
"""

from __future__ import annotations

import hashlib

from idcard.errors import UsageError
from idcard.protocol.ciphers import KDF_PI, BlockCipher
from idcard.protocol.pace.oids import PasswordRef


def pace_password_key(ref: PasswordRef, secret: str | bytes) -> bytes:
    """The key seed f(π) for a password.

    MRZ: `secret` is the MRZ information (document number, date of birth,
    date of expiry, each with its check digit) and the seed is its SHA-1.
    CAN, PIN, PUK: the characters themselves (ISO 8859-1, i.e. ASCII digits).
    """
    ref = PasswordRef(ref)
    raw = _as_bytes(ref, secret)
    if ref is PasswordRef.MRZ:
        return hashlib.sha1(raw).digest()
    if ref in (PasswordRef.PIN, PasswordRef.PUK) and not raw.isdigit():
        raise UsageError(f"The {ref.name} must consist of digits only.")
    return raw


#: The name the card emulator imports; same function.
password_seed = pace_password_key


def derive_k_pi(cipher: BlockCipher, seed: bytes) -> bytes:
    """Kπ = KDFπ(π) = KDF(f(π), 3) for the cipher of the chosen PACE algorithm."""
    return cipher.kdf(seed, KDF_PI)


def _as_bytes(ref: PasswordRef, secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        try:
            raw = secret.encode("latin-1")
        except UnicodeEncodeError:
            # Never echo the secret itself into the message.
            raise UsageError(f"The {ref.name} contains characters a card cannot use.") from None
    else:
        raw = bytes(secret)
    if not raw:
        raise UsageError(f"The {ref.name} is empty.")
    return raw
