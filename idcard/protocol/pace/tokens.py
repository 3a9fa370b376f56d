"""Session keys and authentication tokens (ICAO 9303-11 §4.4.3.4, §9.7.4).

T = MAC(KS_MAC, 7F49 { 06 <PACE OID>, 86|84 <peer's ephemeral public key> }):
the terminal MACs the chip's key and vice versa, so each token proves that
its sender derived the same K from the same password.
"""

from __future__ import annotations

import hmac

from idcard.apdu.tlv import encode_tlv
from idcard.protocol.ciphers import KDF_ENC, KDF_MAC, BlockCipher
from idcard.protocol.pace.oids import oid_to_bytes

TAG_PUBLIC_KEY = 0x7F49
TAG_OID = 0x06


def session_keys(cipher: BlockCipher, shared_secret: bytes) -> tuple[bytes, bytes]:
    """(KS_Enc, KS_MAC) = (KDF(K, 1), KDF(K, 2))."""
    return cipher.kdf(shared_secret, KDF_ENC), cipher.kdf(shared_secret, KDF_MAC)


def token_input(algorithm_oid: str, public_key_tag: int, public_key: bytes) -> bytes:
    """The public key data object the token is computed over (§9.4, without domain parameters)."""
    body = encode_tlv(TAG_OID, oid_to_bytes(algorithm_oid)) + encode_tlv(public_key_tag, public_key)
    return encode_tlv(TAG_PUBLIC_KEY, body)


def auth_token(
    cipher: BlockCipher, ks_mac: bytes, algorithm_oid: str, public_key_tag: int, public_key: bytes
) -> bytes:
    """8-byte token: retail MAC with padding method 2 (3DES) or CMAC/8 (AES)."""
    data = token_input(algorithm_oid, public_key_tag, public_key)
    if cipher.name == "3DES":
        data = cipher.pad(data)  # ciphers.mac expects padded input for 3DES only
    return cipher.mac(ks_mac, data)


def tokens_equal(received: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(received, expected)
