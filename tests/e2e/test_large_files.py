"""A correctly signed card with a 47 KB DG2 reads and verifies: offsets past 32 KB use READ BINARY odd INS."""

from __future__ import annotations

import io
import random

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.document import read_document
from idcard.pki.trust import TrustStore
from idcard.session import PIN, IdCard
from mock_card.testpki import test_pki

ALL = pytest.mark.parametrize("mock_card_reader", ["inprocess", "vpcd"], indirect=True)


def _noisy_jpeg(target: int = 47_000) -> bytes:
    """A JPEG of about `target` bytes: noise does not compress, so size follows the pixel count."""
    from PIL import Image

    rng = random.Random(47)
    side = 120
    while True:
        image = Image.frombytes("L", (side, side), rng.randbytes(side * side))
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=90)
        if len(buf.getvalue()) >= target:
            return buf.getvalue()
        side += 10


BIG_FACE = _noisy_jpeg()


@ALL
@pytest.mark.parametrize(
    "mock_card_options",
    [{"face": BIG_FACE}, {"face": BIG_FACE, "extended_length": False}],
    ids=["47KB-DG2", "47KB-DG2-short-apdus"],
)
def test_card_with_47_kb_dg2_reads_and_verifies(mock_card_reader, mock_card_options) -> None:
    trust = TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])
    with IdCard.open(mock_card_reader.name) as card:
        card.unlock(PIN, "123456")
        doc = read_document(card, trust)
    assert len(doc.files.dgs[2]) > 47_000 > 0x7FFF
    assert doc.verdict.verified, doc.verdict.to_json()
    assert doc.face is not None and doc.face.data == BIG_FACE
    assert doc.face.to_pillow().size[0] >= 120


def test_odd_ins_answer_without_do53_is_typed(mocker) -> None:  # noqa: ANN001
    from idcard.errors import MalformedResponseError
    from mock_card.card import EmulatedCard
    from mock_card.personalize import personalize
    from reader.emulated import EmulatedTransport

    emulated = EmulatedCard(personalize(face=BIG_FACE))
    with IdCard(EmulatedTransport(emulated)) as card:
        card.unlock(PIN, "123456")
        from idcard.apdu.response import ResponseAPDU
        from mock_card import card as card_module

        mocker.patch.dict(card_module._HANDLERS, {0xB1: lambda self, cmd, secure: ResponseAPDU(b"\x99\x01\x00", 0x9000)})
        with pytest.raises(MalformedResponseError):
            card.read_dg(2)
