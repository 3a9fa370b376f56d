"""Block-cipher primitives of ICAO 9303-11: 3DES (BAC, PACE-3DES) and AES.

A thin hazmat layer over `cryptography`. Everything above talks to a
`Cipher` object and never needs to know which block cipher it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher as _Cipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes

try:  # cryptography >= 43 moved 3DES to the decrepit module
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    TripleDES = algorithms.TripleDES  # type: ignore[misc]


def pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2 (80 00 .. 00)."""
    data = data + b"\x80"
    return data + b"\x00" * (-len(data) % block)


def unpad(data: bytes) -> bytes:
    """Remove ISO/IEC 9797-1 method 2 padding; ValueError when it is not there."""
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ValueError("bad padding")
    return stripped[:-1]


def adjust_parity(key: bytes) -> bytes:
    """Set DES odd parity on every byte (the published 3DES keys carry it)."""
    out = bytearray()
    for b in key:
        b &= 0xFE
        out.append(b | (bin(b).count("1") + 1) % 2)
    return bytes(out)


def _ecb(algorithm: algorithms.BlockCipherAlgorithm, data: bytes, decrypt: bool = False) -> bytes:
    c = _Cipher(algorithm, modes.ECB())
    ctx = c.decryptor() if decrypt else c.encryptor()
    return ctx.update(data) + ctx.finalize()


def _cbc(algorithm: algorithms.BlockCipherAlgorithm, iv: bytes, data: bytes, decrypt: bool) -> bytes:
    c = _Cipher(algorithm, modes.CBC(iv))
    ctx = c.decryptor() if decrypt else c.encryptor()
    return ctx.update(data) + ctx.finalize()


def _des(key8: bytes) -> algorithms.BlockCipherAlgorithm:
    # Single DES as 3DES with K1=K2=K3 (cryptography has no plain DES).
    return TripleDES(key8 * 3)


def _tdes(key: bytes) -> algorithms.BlockCipherAlgorithm:
    # Two-key 3DES spelled as three keys (K1 K2 K1), the form cryptography prefers.
    return TripleDES(key[:16] + key[:8]) if len(key) == 16 else TripleDES(key)


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (DES, final 3DES) over already padded data."""
    if len(data) % 8:
        raise ValueError("retail MAC input must be padded to 8 bytes")
    ka, kb = key[:8], key[8:16]
    des_a = _des(ka)
    h = b"\x00" * 8
    for i in range(0, len(data), 8):
        block = bytes(x ^ y for x, y in zip(h, data[i : i + 8], strict=True))
        h = _ecb(des_a, block)
    h = _ecb(_des(kb), h, decrypt=True)
    return _ecb(des_a, h)


@dataclass(frozen=True)
class BlockCipher:
    """One of the ICAO cipher families: "3DES" or "AES"."""

    name: str  # "3DES" | "AES"
    key_length: int  # bytes: 16 for 3DES (2-key), 16/24/32 for AES

    @property
    def block_size(self) -> int:
        return 8 if self.name == "3DES" else 16

    def _algorithm(self, key: bytes) -> algorithms.BlockCipherAlgorithm:
        return _tdes(key) if self.name == "3DES" else algorithms.AES(key)

    def encrypt_cbc(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        return _cbc(self._algorithm(key), iv or bytes(self.block_size), data, decrypt=False)

    def decrypt_cbc(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        return _cbc(self._algorithm(key), iv or bytes(self.block_size), data, decrypt=True)

    def encrypt_block(self, key: bytes, block: bytes) -> bytes:
        return _ecb(self._algorithm(key), block)

    def pad(self, data: bytes) -> bytes:
        return pad(data, self.block_size)

    def mac(self, key: bytes, data: bytes) -> bytes:
        """8-byte MAC: retail MAC (3DES, input already padded) or AES-CMAC truncated."""
        if self.name == "3DES":
            return retail_mac(key, data)
        c = cmac.CMAC(algorithms.AES(key))
        c.update(data)
        return c.finalize()[:8]

    def kdf(self, shared_secret: bytes, counter: int) -> bytes:
        """ICAO 9303-11 §9.7.1 key derivation: H(K || c) cut to the key length."""
        suffix = counter.to_bytes(4, "big")
        if self.name == "3DES":
            return adjust_parity(hashlib.sha1(shared_secret + suffix).digest()[:16])
        if self.key_length == 16:
            return hashlib.sha1(shared_secret + suffix).digest()[:16]
        return hashlib.sha256(shared_secret + suffix).digest()[: self.key_length]


KDF_ENC = 1
KDF_MAC = 2
KDF_PI = 3

DES3 = BlockCipher("3DES", 16)
AES128 = BlockCipher("AES", 16)
AES192 = BlockCipher("AES", 24)
AES256 = BlockCipher("AES", 32)
