"""Hostile bytes into every LDS parser: they parse (and re-encode exactly) or raise IdCardError."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idcard.apdu.tlv import encode_tlv
from idcard.errors import IdCardError
from idcard.lds.cbeff import BiometricDataGroup
from idcard.lds.com import Com
from idcard.lds.dg1 import Dg1
from idcard.lds.dg2 import Dg2
from idcard.lds.dg11 import Dg11
from idcard.lds.dg12 import Dg12
from idcard.lds.dg15 import Dg15
from idcard.lds.face import FacialRecord, Iso39794FaceBlock
from idcard.lds.identity import Identity
from idcard.lds.mrz import Mrz
from tests.vectors import VECTORS

LDS = VECTORS / "lds"

PARSERS: dict[int, Callable[[bytes], object]] = {
    0x60: Com.parse,
    0x61: Dg1.parse,
    0x75: Dg2.parse,
    0x6B: Dg11.parse,
    0x6C: Dg12.parse,
    0x6F: Dg15.parse,
}
ALL_PARSERS: list[Callable[[bytes], object]] = [
    *PARSERS.values(),
    BiometricDataGroup.parse,
    FacialRecord.parse,
    Iso39794FaceBlock.parse,
    Mrz.parse,
]

SPECIMENS = [
    p.read_bytes()
    for p in sorted(LDS.glob("*/*.bin"))
    if p.read_bytes()[:1] in (b"\x60", b"\x61", b"\x63", b"\x6f", b"\x75", b"\x76")
]
# DG2 images are large; mutate their headers and a little of the image too.
SMALL_SPECIMENS = [s for s in SPECIMENS if len(s) < 2000]
FACE_DG2 = [s for s in SPECIMENS if s[0] == 0x75]


def _exercise(parsed: object, data: bytes) -> None:
    """What a client does with a parsed file: encode it, look at the face, build identity."""
    assert parsed.encode() == data  # type: ignore[attr-defined]
    if isinstance(parsed, Dg2):
        for face in parsed.faces:
            try:
                face.to_png()
            except IdCardError:
                pass
    if isinstance(parsed, Dg1):
        Identity.from_lds(parsed).to_json()
    if isinstance(parsed, Dg15):
        assert parsed.algorithm in ("ec", "rsa")


def _try(parse: Callable[[bytes], object], data: bytes) -> None:
    try:
        parsed = parse(data)
    except IdCardError:
        return
    if not isinstance(parsed, Mrz | FacialRecord | Iso39794FaceBlock):
        _exercise(parsed, data)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    for parse in ALL_PARSERS:
        _try(parse, data)


@st.composite
def wrapped(draw: st.DrawFn) -> bytes:
    """Random content inside a correct outer tag, so parsing gets past the first layer."""
    tag = draw(st.sampled_from(sorted(PARSERS)))
    children = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [0x5C, 0x5F01, 0x5F36, 0x5F1F, 0x5F0E, 0x5F0F, 0x5F10, 0x5F2B, 0x5F26, 0xA0]
                    + [0x02, 0x7F61, 0x7F60, 0xA1, 0x5F2E, 0x7F2E, 0x30]
                ),
                st.binary(max_size=40),
            ),
            max_size=6,
        )
    )
    return encode_tlv(tag, b"".join(encode_tlv(t, v) for t, v in children))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrapped())
def test_random_content_in_valid_templates(data: bytes) -> None:
    _try(PARSERS[data[0]], data)


def _mutate(draw: st.DrawFn, data: bytearray, limit: int) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, max(0, min(len(data), limit) - 1)))
        action = draw(st.sampled_from(["set", "delete", "insert", "cut"]))
        if action == "set" and data:
            data[pos] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 4))]
        elif action == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[pos:]
    return bytes(data)


@st.composite
def mutated_specimens(draw: st.DrawFn) -> bytes:
    return _mutate(draw, bytearray(draw(st.sampled_from(SMALL_SPECIMENS))), 10_000)


@st.composite
def mutated_face_headers(draw: st.DrawFn) -> bytes:
    # The first 200 bytes hold every template, the 19794-5 header and the image header.
    return _mutate(draw, bytearray(draw(st.sampled_from(FACE_DG2))), 200)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_specimens())
def test_mutated_specimens(data: bytes) -> None:
    if data:
        _try(PARSERS.get(data[0], BiometricDataGroup.parse), data)
    _try(Mrz.parse, data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_face_headers())
def test_mutated_face_data_groups(data: bytes) -> None:
    _try(Dg2.parse, data)
