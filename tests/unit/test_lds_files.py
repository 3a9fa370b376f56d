"""LDS files: byte-exact round trips of the specimen documents, typed content, faces, DG15 keys."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from asn1crypto import cms, core, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.errors import MalformedResponseError, UnsupportedCardError
from idcard.lds.cbeff import FORMAT_TYPE_FACE_19794, FORMAT_TYPE_FACE_39794, BiometricDataGroup
from idcard.lds.com import Com
from idcard.lds.dg1 import Dg1
from idcard.lds.dg2 import Dg2, build_dg2
from idcard.lds.dg15 import Dg15
from idcard.lds.face import (
    IMAGE_JPEG,
    IMAGE_JPEG2000,
    FaceImage,
    FacialRecord,
    FeaturePoint,
    Iso39794FaceBlock,
)
from idcard.lds.tags import DG_TAGS, dg_for_tag, parse_tag_list, tag_for_dg
from tests.vectors import VECTORS

LDS = VECTORS / "lds"
BSI2008 = LDS / "bsi2008-mustermann"
TR03105 = LDS / "bsi-tr03105-5"
ETSI = LDS / "etsi-tr103200"
LOES = LDS / "loes2006"

COM_FILES = {
    "bsi2008": BSI2008 / "EF_COM.bin",
    "tr03105-5": TR03105 / "EF_COM.bin",
    "loes2006": LOES / "ef011E.bin",
}
DG1_FILES = {
    "bsi2008": BSI2008 / "Datagroup1.bin",
    "tr03105-5": TR03105 / "Datagroup1.bin",
    "etsi": ETSI / "ETSI_TR103200_EACAA_EF_DG1.bin",
    "loes2006": LOES / "ef0101.bin",
}
DG2_FILES = {"bsi2008": BSI2008 / "Datagroup2.bin", "loes2006": LOES / "ef0102.bin"}
DG15_FILES = {
    "bsi2008": BSI2008 / "Datagroup15.bin",
    "tr03105-5": TR03105 / "Datagroup15.bin",
    "etsi": ETSI / "ETSI_TR103200_EACAA_EF_DG15.bin",
    "loes2006": LOES / "ef010F.bin",
}
MASTER_LIST = VECTORS / "trust" / "DE_masterlist_2026-05-28.ml"


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _canonical(obj):  # noqa: ANN001, ANN202
    """A copy without the remembered bytes, so encode() builds from the fields."""
    return dataclasses.replace(obj)


def _jpeg(width: int = 120, height: int = 160) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 160, 120)).save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- tags --------------------------------------------------------------------------------


def test_dg_tag_table() -> None:
    assert tag_for_dg(1) == 0x61 and tag_for_dg(2) == 0x75 and tag_for_dg(4) == 0x76
    assert dg_for_tag(0x6F) == 15 and dg_for_tag(0x60) is None
    assert sorted(DG_TAGS) == list(range(1, 17))
    assert parse_tag_list(bytes.fromhex("5F0E5F10A05C")) == (0x5F0E, 0x5F10, 0xA0, 0x5C)
    with pytest.raises(ValueError):
        tag_for_dg(17)


# --- EF.COM ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COM_FILES)
def test_com_round_trip(name: str) -> None:
    data = _read(COM_FILES[name])
    com = Com.parse(data)
    assert com.encode() == data
    assert _canonical(com).encode() == data  # the specimens are canonical
    assert com.lds_version == "0107" and com.unicode_version == "040000"


def test_com_data_groups() -> None:
    assert Com.parse(_read(COM_FILES["bsi2008"])).data_groups == [1, 2, 3, 14]
    assert Com.parse(_read(COM_FILES["tr03105-5"])).data_groups == [1, 2, 3, 4, 14]
    assert Com.parse(_read(COM_FILES["loes2006"])).data_groups == [1, 2, 15]


def test_com_built_for_data_groups() -> None:
    com = Com.for_data_groups([1, 2, 11, 12, 14, 15])
    assert Com.parse(com.encode()) == com
    assert com.tags == (0x61, 0x75, 0x6B, 0x6C, 0x6E, 0x6F)


# --- DG1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DG1_FILES)
def test_dg1_round_trip(name: str) -> None:
    data = _read(DG1_FILES[name])
    dg1 = Dg1.parse(data)
    assert dg1.encode() == data
    assert _canonical(dg1).encode() == data
    assert dg1.mrz.format == "TD3"
    assert dg1.mrz.all_check_digits_valid, dg1.mrz.check_digits


def test_dg1_content() -> None:
    mrz = Dg1.parse(_read(DG1_FILES["bsi2008"])).mrz
    assert (mrz.document_code, mrz.issuer, mrz.nationality) == ("P", "D", "D")
    assert (mrz.primary_identifier, mrz.secondary_identifier) == ("MUSTERMANN", "ERIKA")
    assert (mrz.document_number, mrz.birth_date, mrz.expiry_date) == (
        "C11T002JM",
        "960812",
        "131031",
    )
    assert mrz.sex == "F" and mrz.optional_data == ""
    loes = Dg1.parse(_read(DG1_FILES["loes2006"])).mrz
    assert (loes.primary_identifier, loes.secondary_identifier) == ("MEULENDIJK", "LOES ALBERTINE")
    assert loes.document_number == "XX0001328" and loes.optional_data == "123456789"


# --- DG2 and the face --------------------------------------------------------------------


@pytest.mark.parametrize("name", DG2_FILES)
def test_dg2_round_trip(name: str) -> None:
    data = _read(DG2_FILES[name])
    dg2 = Dg2.parse(data)
    assert dg2.encode() == data
    rebuilt = Dg2(
        tuple(
            dataclasses.replace(b, record=_canonical(b.record)) for b in _canonical(dg2).biometrics
        )
    )
    assert rebuilt.encode() == data  # every field of the 19794-5 record is modelled


@pytest.mark.parametrize("name", DG2_FILES)
def test_dg2_face_decodes(name: str) -> None:
    dg2 = Dg2.parse(_read(DG2_FILES[name]))
    assert len(dg2.biometrics) == 1 and len(dg2.faces) == 1
    assert dg2.biometrics[0].header.format_type == FORMAT_TYPE_FACE_19794
    face = dg2.face
    assert face is not None
    # Both specimens hold JPEG 2000 (a JP2 file), declared as image data type 1.
    assert face.mime == "image/jp2"
    assert dg2.biometrics[0].record.faces[0].image_data_type == IMAGE_JPEG2000
    image = face.to_pillow()
    width, height = image.size
    assert 200 <= width <= 1000 and 250 <= height <= 1200 and height > width
    png = face.to_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(png)).size == (width, height)


def test_dg2_stated_sizes() -> None:
    # The 19794-5 header of the BSI specimen states 337 x 449, its JPEG 2000 is 413 x 531:
    # width/height report the record, the decoded image is what it is.
    bsi = Dg2.parse(_read(DG2_FILES["bsi2008"])).face
    loes = Dg2.parse(_read(DG2_FILES["loes2006"])).face
    assert bsi is not None and loes is not None
    assert (bsi.width, bsi.height) == (337, 449)
    assert bsi.to_pillow().size == (413, 531)
    assert (loes.width, loes.height) == loes.to_pillow().size == (449, 598)


def test_dg2_record_fields() -> None:
    record = Dg2.parse(_read(DG2_FILES["bsi2008"])).biometrics[0].record
    assert isinstance(record, FacialRecord)
    face = record.faces[0]
    assert (face.face_image_type, face.colour_space, face.feature_points) == (1, 0, ())


@pytest.mark.parametrize("name", ["Datagroup3.bin", "Datagroup4.bin"])
def test_fingerprint_and_iris_groups_parse(name: str) -> None:
    data = _read(BSI2008 / name)
    group = BiometricDataGroup.parse(data)
    assert group.tag == (0x63 if name == "Datagroup3.bin" else 0x76)
    assert len(group.infos) == 2
    assert group.encode() == data
    assert _canonical(group).encode() == data
    formats = {b"FIR\x00" if name == "Datagroup3.bin" else b"IIR\x00"}
    assert {info.bdb[:4] for info in group.infos} == formats


def test_build_dg2_jpeg_19794() -> None:
    jpeg = _jpeg()
    data = build_dg2(jpeg, IMAGE_JPEG, 120, 160, gender=2)
    dg2 = Dg2.parse(data)
    face = dg2.face
    assert face is not None
    assert (face.mime, face.data, face.width, face.height) == ("image/jpeg", jpeg, 120, 160)
    assert face.to_pillow().size == (120, 160)
    assert dg2.biometrics[0].record.faces[0].gender == 2
    assert _canonical(dg2).encode() == data
    # Type and size default to the image's own.
    assert build_dg2(jpeg) == build_dg2(jpeg, IMAGE_JPEG, 120, 160)
    with pytest.raises(ValueError):
        build_dg2(b"GIF89a")
    with pytest.raises(ValueError):
        build_dg2(jpeg[:20] + b"\x00" * 10, IMAGE_JPEG)


def test_cmyk_jpeg_converts_to_png() -> None:
    out = io.BytesIO()
    Image.new("CMYK", (16, 24), (0, 50, 100, 0)).save(out, format="JPEG")
    face = FaceImage("image/jpeg", out.getvalue(), 16, 24)
    assert Image.open(io.BytesIO(face.to_png())).mode == "RGB"


def test_build_dg2_with_feature_points() -> None:
    points = (FeaturePoint(1, 12, 1, 50, 60), FeaturePoint(1, 12, 2, 70, 60))
    dg2 = Dg2.parse(build_dg2(_jpeg(), feature_points=points))
    assert dg2.biometrics[0].record.faces[0].feature_points == points


def test_build_dg2_jpeg2000_from_a_specimen_image() -> None:
    specimen = Dg2.parse(_read(DG2_FILES["loes2006"])).face
    assert specimen is not None
    dg2 = Dg2.parse(build_dg2(specimen.data))
    assert dg2.face == FaceImage("image/jp2", specimen.data, 449, 598)


def test_iso_39794_face_block() -> None:
    jpeg = _jpeg(90, 120)
    data = build_dg2(jpeg, encoding="39794")
    group = BiometricDataGroup.parse(data, 0x75)
    assert group.infos[0].bdb_tag == 0x7F2E
    dg2 = Dg2.parse(data)
    assert dg2.biometrics[0].header.format_type == FORMAT_TYPE_FACE_39794
    assert isinstance(dg2.biometrics[0].record, Iso39794FaceBlock)
    assert dg2.face == FaceImage("image/jpeg", jpeg, 90, 120)
    assert dg2.face.to_pillow().size == (90, 120)
    assert _canonical(dg2).encode() == data


def test_iso_39794_without_inner_sequence_and_with_direct_format_code() -> None:
    # Some encoders omit the SEQUENCE around the representation block and write the
    # format code without its CHOICE wrapper; the reader accepts both.
    jpeg = _jpeg(40, 50)
    info = encode_tlv(0x80, b"\x02") + encode_tlv(
        0xA7, encode_tlv(0x80, b"\x28") + encode_tlv(0x81, b"\x32")
    )
    two_d = encode_tlv(0x80, jpeg) + encode_tlv(0xA1, info)
    block = encode_tlv(0x80, b"\x01") + encode_tlv(0xA1, encode_tlv(0xA0, encode_tlv(0xA0, two_d)))
    version = encode_tlv(0xA0, encode_tlv(0x80, b"\x03") + encode_tlv(0x81, b"\x07\xe3"))
    bdb = encode_tlv(0xA1, encode_tlv(0x65, version + encode_tlv(0xA1, block)))
    parsed = Iso39794FaceBlock.parse(bdb)
    assert parsed.images == (FaceImage("image/jpeg", jpeg, 40, 50),)
    assert parsed.encode() == bdb
    bare = parse_single(bdb, 0xA1).value  # without the eMRTD profile's A1 wrapper
    assert Iso39794FaceBlock.parse(bare).images == parsed.images


def _face_bdb(dg2: bytes) -> bytes:
    return BiometricDataGroup.parse(dg2).infos[0].bdb


def _replace_bdb(bdb: bytes) -> bytes:
    """A DG2 around the given 5F2E value (so the container itself is valid)."""
    header = encode_tlv(0xA1, bytes.fromhex("8101028201008702010188020008"))
    info = encode_tlv(0x7F60, header + encode_tlv(0x5F2E, bdb))
    return encode_tlv(0x75, encode_tlv(0x7F61, encode_tlv(0x02, b"\x01") + info))


def _hostile_records() -> dict[str, tuple[bytes, str]]:
    bdb = _face_bdb(_read(DG2_FILES["loes2006"]))
    length = len(bdb)
    return {
        "truncated header": (bdb[:10], "shorter than its 14-byte header"),
        "wrong format id": (b"FAX\x00" + bdb[4:], "format identifier"),
        "record length too long": (
            bdb[:8] + (length + 1).to_bytes(4, "big") + bdb[12:],
            "record length field says",
        ),
        "record cut short": (bdb[: length - 100], "record length field says"),
        "face block runs past the record": (
            bdb[:14] + (length).to_bytes(4, "big") + bdb[18:],
            "runs past the record",
        ),
        "face block too short for its points": (
            bdb[:14] + (20).to_bytes(4, "big") + bdb[18:],
            "less than its",
        ),
        "two faces claimed": (bdb[:12] + b"\x00\x02" + bdb[14:], "says 2 faces, holds 1"),
        "no face": (bdb[:12] + b"\x00\x00" + bdb[14:], "holds no face"),
    }


@pytest.mark.parametrize("case", list(_hostile_records()))
def test_hostile_face_records(case: str) -> None:
    bdb, message = _hostile_records()[case]
    with pytest.raises(MalformedResponseError, match=message):
        Dg2.parse(_replace_bdb(bdb))


def test_unsupported_19794_version() -> None:
    bdb = _face_bdb(_read(DG2_FILES["loes2006"]))
    with pytest.raises(UnsupportedCardError, match="version"):
        Dg2.parse(_replace_bdb(bdb[:4] + b"030\x00" + bdb[8:]))


def test_hostile_biometric_container() -> None:
    data = _read(DG2_FILES["bsi2008"])
    group = parse_single(data, 0x75).value
    inner = parse_single(group, 0x7F61).value
    with pytest.raises(MalformedResponseError, match="says 2 biometric instances, holds 1"):
        Dg2.parse(encode_tlv(0x75, encode_tlv(0x7F61, b"\x02\x01\x02" + inner[3:])))
    with pytest.raises(MalformedResponseError, match="claims"):
        Dg2.parse(data[:-1])
    with pytest.raises(MalformedResponseError, match="expected tag 75"):
        Dg2.parse(_read(DG1_FILES["bsi2008"]))


def test_undecodable_image_is_malformed() -> None:
    face = FaceImage("image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, 10, 10)
    with pytest.raises(MalformedResponseError, match="cannot be decoded"):
        face.to_pillow()
    with pytest.raises(MalformedResponseError, match="JPEG 2000"):
        FaceImage("image/jp2", b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x01" * 40, 1, 1).to_png()
    specimen = Dg2.parse(_read(DG2_FILES["bsi2008"])).face
    assert specimen is not None
    truncated = dataclasses.replace(specimen, data=specimen.data[: len(specimen.data) // 2])
    with pytest.raises(MalformedResponseError):
        truncated.to_png()
    # A format Pillow knows but a passport photo never is: not even tried.
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    with pytest.raises(MalformedResponseError):
        FaceImage("image/jpeg", png.getvalue(), 4, 4).to_pillow()


@pytest.mark.parametrize("side", [5000, 30000])
def test_oversized_image_is_refused_before_decoding(side: int) -> None:
    # A tiny JPEG whose header claims side x side pixels: above our limit, and (30000)
    # above Pillow's own decompression-bomb limit.
    header = bytearray(_jpeg(8, 8))
    sof = header.index(b"\xff\xc0")
    header[sof + 5 : sof + 9] = side.to_bytes(2, "big") * 2
    with pytest.raises(MalformedResponseError, match="implausibly large"):
        FaceImage("image/jpeg", bytes(header), 8, 8).to_pillow()


# --- DG15 --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DG15_FILES)
def test_dg15_round_trip(name: str) -> None:
    data = _read(DG15_FILES[name])
    dg15 = Dg15.parse(data)
    assert dg15.encode() == data
    assert _canonical(dg15).encode() == data
    assert dg15.algorithm == "rsa"  # all four specimens carry RSA AA keys
    assert dg15.named_curve is None
    assert data.endswith(dg15.spki) and dg15.spki[0] == 0x30


def test_dg15_ec_named_curve() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    dg15 = Dg15.parse(encode_tlv(0x6F, spki))
    assert (dg15.algorithm, dg15.named_curve, dg15.spki) == ("ec", "secp256r1", spki)


class _CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", core.SetOf, {"spec": x509.Certificate})]


def _explicit_curve_spki() -> bytes:
    signed = cms.ContentInfo.load(MASTER_LIST.read_bytes())["content"]
    master_list = _CscaMasterList.load(signed["encap_content_info"]["content"].native)
    for cert in master_list["cert_list"]:
        spki = cert["tbs_certificate"]["subject_public_key_info"]
        if spki["algorithm"]["algorithm"].native == "ec":
            if spki["algorithm"]["parameters"].name == "specified":
                return spki.dump()
    raise AssertionError("the master list has no key with explicit curve parameters")


def test_dg15_ec_explicit_parameters_kept_as_der() -> None:
    spki = _explicit_curve_spki()
    dg15 = Dg15.parse(encode_tlv(0x6F, spki))
    assert dg15.algorithm == "ec" and dg15.named_curve is None and dg15.spki == spki


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x6f\x00",
        b"\x6f\x03\x30\x01\x00",
        encode_tlv(0x6F, b"\x30\x00"),
        encode_tlv(0x6F, _read(DG15_FILES["loes2006"])[3:] + b"\x00"),  # trailing byte in SPKI
    ],
)
def test_hostile_dg15(data: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        Dg15.parse(data)


def _dsa_spki() -> bytes:
    from asn1crypto import keys

    params = keys.DSAParams({"p": 23, "q": 11, "g": 4})
    algorithm = keys.PublicKeyAlgorithm({"algorithm": "dsa", "parameters": params})
    return keys.PublicKeyInfo({"algorithm": algorithm, "public_key": 8}).dump()


def test_dg15_unsupported_algorithm() -> None:
    with pytest.raises(UnsupportedCardError, match="dsa"):
        Dg15.parse(encode_tlv(0x6F, _dsa_spki()))
