"""PACE Chip Authentication Mapping data (ICAO 9303-11 §4.4.3.5).

The chip proves possession of its static key by sending
CA_IC = SK_IC⁻¹ · SK_Map,IC mod n, encrypted under KS_Enc. The terminal can
only check it against a signed PK_IC (DG14 after its EF.SOD hash matched, or
EF.CardSecurity), i.e. after reading that file through the new secure
channel; hence `verify_chip_authentication_mapping` is separate from the PACE
run. `idcard.protocol.cam_check` turns it into the verdict's `chip.pace_cam`.
"""

from __future__ import annotations

from idcard.errors import AuthenticationError, MalformedResponseError
from idcard.protocol.ciphers import BlockCipher, unpad
from idcard.protocol.pace.params import EcDomain

_ALL_ONES_BLOCK = b"\xff" * 16


def chip_authentication_data(domain: EcDomain, static_private: int, map_private: int) -> int:
    """CA_IC = SK_IC⁻¹ · SK_Map,IC mod n."""
    return pow(static_private, -1, domain.order) * map_private % domain.order


def _iv(cipher: BlockCipher, ks_enc: bytes) -> bytes:
    # §4.4.3.5.4: IV = E(KS_Enc, -1), the all-ones block.
    return cipher.encrypt_block(ks_enc, _ALL_ONES_BLOCK)


def encrypt_chip_authentication_data(
    domain: EcDomain, cipher: BlockCipher, ks_enc: bytes, ca_ic: int
) -> bytes:
    """A_IC = E(KS_Enc, FE2OS(CA_IC)) with padding method 2 (§4.4.3.5.3, §4.4.5.6)."""
    plain = cipher.pad(ca_ic.to_bytes(domain.order_bytes, "big"))
    return cipher.encrypt_cbc(ks_enc, plain, _iv(cipher, ks_enc))


def decrypt_chip_authentication_data(cipher: BlockCipher, ks_enc: bytes, a_ic: bytes) -> bytes:
    """CA_IC octets from A_IC; MalformedResponseError when it is not a padded cryptogram."""
    if not a_ic or len(a_ic) % cipher.block_size:
        raise MalformedResponseError("Encrypted chip authentication data has a wrong length.")
    try:
        return unpad(cipher.decrypt_cbc(ks_enc, a_ic, _iv(cipher, ks_enc)))
    except ValueError:
        raise MalformedResponseError("Encrypted chip authentication data is not padded.") from None


def verify_chip_authentication_mapping(
    domain: EcDomain, ca_ic: bytes, chip_map_public_key: bytes, chip_static_public_key: bytes
) -> None:
    """Check PK_Map,IC = CA_IC · PK_IC; AuthenticationError(code="auth.chip") if not.

    `chip_static_public_key` is the uncompressed point of a signed
    ChipAuthenticationPublicKeyInfo on the PACE curve (see `cam_check.cam_public_keys`).
    """
    pk_ic = domain.decode(chip_static_public_key)
    pk_map = domain.decode(chip_map_public_key)
    ca = int.from_bytes(ca_ic, "big")
    if not 0 < ca < domain.order or domain.exp(pk_ic, ca) != pk_map:
        raise AuthenticationError(
            "The chip failed chip authentication (PACE-CAM): it may not be genuine.",
            code="auth.chip",
        )
