"""No unbounded work on card data before (or after) a hash check: huge keys and photos refused cheaply."""

from __future__ import annotations

import io
import time

import pytest
from asn1crypto import algos as asn1_algos
from asn1crypto import keys as asn1_keys

from idcard.errors import MalformedResponseError
from idcard.lds.face import MIME_JPEG, FaceImage
from idcard.lds.security_infos import AlgorithmIdentifier
from idcard.protocol.active_auth import load_aa_public_key
from idcard.protocol.chip_auth import ID_DH_PKCS3, domain_from_algorithm

BITS = 32768
HUGE = (1 << (BITS - 1)) | 0xF1  # odd, top bit set: shaped like a modulus


def _rsa_spki(n: int) -> bytes:
    return asn1_keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "rsa", "parameters": None},
            "public_key": asn1_keys.RSAPublicKey({"modulus": n, "public_exponent": 65537}),
        }
    ).dump()


def _timed(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    with pytest.raises(MalformedResponseError):
        fn()
    return time.perf_counter() - start


def test_32768_bit_rsa_dg15_refused_fast() -> None:
    spki = _rsa_spki(HUGE)
    assert _timed(lambda: load_aa_public_key(spki)) < 0.05
    dg15 = b"\x6f\x82" + len(spki).to_bytes(2, "big") + spki
    assert _timed(lambda: load_aa_public_key(dg15)) < 0.05


def test_rsa_4096_accepted_and_4097_refused() -> None:
    assert load_aa_public_key(_rsa_spki((1 << 4095) | 0xF1)).bits == 4096
    # 4097 bits still fits the byte bound: the bit check refuses it.
    with pytest.raises(MalformedResponseError, match="4097 bits"):
        load_aa_public_key(_rsa_spki((1 << 4096) | 0xF1))


def test_32768_bit_dh_group_in_dg14_refused_fast() -> None:
    params = asn1_algos.DHParameters({"p": HUGE, "g": 2}).dump()
    algorithm = AlgorithmIdentifier(ID_DH_PKCS3, params)
    assert _timed(lambda: domain_from_algorithm(algorithm)) < 0.05


def _jpeg_claiming(width: int, height: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def test_photo_claiming_3999_by_4000_refused_before_decoding() -> None:
    face = FaceImage(MIME_JPEG, _jpeg_claiming(3999, 4000), 3999, 4000)
    assert len(face.data) < 1000
    assert _timed(face.to_pillow) < 0.05


def test_face_of_tampered_dg2_never_decoded(mocker) -> None:  # noqa: ANN001
    from cryptography.hazmat.primitives.serialization import Encoding

    from idcard.document import read_document
    from idcard.pki.trust import TrustStore
    from idcard.session import PIN, IdCard
    from idcard.verdict import Result
    from mock_card.card import EmulatedCard
    from mock_card.personalize import personalize
    from mock_card.testpki import test_pki
    from reader.emulated import EmulatedTransport

    parse = mocker.spy(FaceImage, "to_pillow")
    trust = TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])
    with IdCard(EmulatedTransport(EmulatedCard(personalize(variant="tampered-dg2")))) as card:
        card.unlock(PIN, "123456")
        doc = read_document(card, trust)
    assert doc.verdict.get("sod.hash.dg2").result is Result.FAILED
    assert doc.face is None and doc.verdict.get("lds.face").result is Result.NOT_PERFORMED
    assert parse.call_count == 0 and not doc.verdict.verified
