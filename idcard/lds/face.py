"""Face records inside DG2: ISO/IEC 19794-5:2005 and the ISO/IEC 39794-5 encoding.

19794-5 (what ICAO documents carry, version "010"):

    record header   "FAC\\0" "010\\0" record length (4) number of faces (2)
    per face        facial information (20) feature points (8 each)
                    image information (12) image data (JPEG / JPEG 2000)

Every length is checked against the bytes present; a record that lies ends
in `MalformedResponseError`. Images are decoded with Pillow only on request
(`FaceImage.to_pillow`), restricted to JPEG / JPEG 2000 and to a sane pixel
count, so hostile image bytes also end in `MalformedResponseError`.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image as PilImage

from idcard.apdu.tlv import Tlv, encode_tlv, parse_single
from idcard.errors import MalformedResponseError, UnsupportedCardError
from idcard.lds._codec import remember

if TYPE_CHECKING:  # Pillow is imported when an image is decoded, not with the LDS
    from PIL.Image import Image

FORMAT_IDENTIFIER = b"FAC\x00"
VERSION_2005 = b"010\x00"

#: 19794-5 image data type codes.
IMAGE_JPEG = 0
IMAGE_JPEG2000 = 1

MIME_JPEG = "image/jpeg"
MIME_JP2 = "image/jp2"
MIME_UNKNOWN = "application/octet-stream"

#: A passport photo is well under a megapixel; more is a decompression bomb.
MAX_PIXELS = 4_000_000

_RECORD_HEADER = struct.Struct(">4s4sIH")
_FACE_INFO = struct.Struct(">IHBBB3sH3s3s")
_FEATURE_POINT = struct.Struct(">BBHHH")
_IMAGE_INFO = struct.Struct(">BBHHBBHH")

_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_J2K_CODESTREAM = b"\xff\x4f\xff\x51"


def sniff_mime(data: bytes, declared: int | None = None) -> str:
    """The image type from its magic bytes; the declared 19794-5 type only as a fallback.

    Some documents label a JPEG 2000 image as JPEG (or the reverse); the bytes decide.
    """
    if data.startswith(b"\xff\xd8\xff"):
        return MIME_JPEG
    if data.startswith(_JP2_SIGNATURE) or data.startswith(_J2K_CODESTREAM):
        return MIME_JP2
    if declared is None:
        return MIME_UNKNOWN
    return {IMAGE_JPEG: MIME_JPEG, IMAGE_JPEG2000: MIME_JP2}.get(declared, MIME_UNKNOWN)


@dataclass(frozen=True)
class FaceImage:
    """A face image independent of the record format it came in."""

    mime: str
    data: bytes = field(repr=False)
    #: As the record states it (0 when it does not); the decoded image may differ.
    width: int
    height: int

    def to_pillow(self) -> Image:
        """The decoded image. Undecodable or oversized image data: MalformedResponseError."""

        kind = {MIME_JPEG: "JPEG", MIME_JP2: "JPEG 2000"}.get(self.mime, self.mime)
        try:
            # Only the two formats 19794-5 allows: no other Pillow decoder sees card bytes.
            image = PilImage.open(io.BytesIO(self.data), formats=["JPEG", "JPEG2000"])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise MalformedResponseError(
                    f"face image: {kind} of {width} x {height} pixels is implausibly large"
                )
            image.load()
        except MalformedResponseError:
            raise
        # Pillow's own bomb check fires before ours for claims above ~179 Mpixel.
        except (PilImage.DecompressionBombError, PilImage.DecompressionBombWarning) as exc:
            raise MalformedResponseError(
                f"face image: {kind} implausibly large, not decoded ({exc})"
            ) from exc
        except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, ...)
            raise MalformedResponseError(
                f"face image: the {kind} image data cannot be decoded ({type(exc).__name__}: {exc})"
            ) from exc
        return image

    def to_png(self) -> bytes:
        image = self.to_pillow()
        out = io.BytesIO()
        try:
            if image.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
                image = image.convert("RGB")  # e.g. CMYK JPEGs: PNG has no CMYK
            image.save(out, format="PNG")
        except Exception as exc:
            raise MalformedResponseError(f"face image: cannot convert to PNG ({exc})") from exc
        return out.getvalue()


# --- ISO/IEC 19794-5:2005 --------------------------------------------------------------


@dataclass(frozen=True)
class FeaturePoint:
    type: int
    major: int
    minor: int
    x: int
    y: int
    reserved: int = 0

    def encode(self) -> bytes:
        code = (self.major << 4) | self.minor
        return _FEATURE_POINT.pack(self.type, code, self.x, self.y, self.reserved)


@dataclass(frozen=True)
class FaceImageInfo:
    """One facial record data block of a 19794-5 record: face attributes plus image."""

    image_data: bytes = field(repr=False)
    #: IMAGE_JPEG or IMAGE_JPEG2000.
    image_data_type: int
    width: int
    height: int
    #: 0 basic, 1 full frontal, 2 token frontal.
    face_image_type: int = 1
    #: 0 unspecified, 1 24-bit RGB, 2 YUV422, 3 8-bit greyscale, 4 other.
    colour_space: int = 1
    source_type: int = 0
    device_type: int = 0
    quality: int = 0
    #: 0 unspecified, 1 male, 2 female, 0xFF unknown.
    gender: int = 0
    eye_colour: int = 0
    hair_colour: int = 0
    feature_mask: int = 0
    expression: int = 0
    #: Yaw, pitch, roll as encoded (0 = unspecified).
    pose_angle: tuple[int, int, int] = (0, 0, 0)
    pose_angle_uncertainty: tuple[int, int, int] = (0, 0, 0)
    feature_points: tuple[FeaturePoint, ...] = ()

    @property
    def image(self) -> FaceImage:
        mime = sniff_mime(self.image_data, self.image_data_type)
        return FaceImage(mime, self.image_data, self.width, self.height)

    def encode(self) -> bytes:
        points = b"".join(p.encode() for p in self.feature_points)
        length = _FACE_INFO.size + len(points) + _IMAGE_INFO.size + len(self.image_data)
        head = _FACE_INFO.pack(
            length,
            len(self.feature_points),
            self.gender,
            self.eye_colour,
            self.hair_colour,
            self.feature_mask.to_bytes(3, "big"),
            self.expression,
            bytes(self.pose_angle),
            bytes(self.pose_angle_uncertainty),
        )
        info = _IMAGE_INFO.pack(
            self.face_image_type,
            self.image_data_type,
            self.width,
            self.height,
            self.colour_space,
            self.source_type,
            self.device_type,
            self.quality,
        )
        return head + points + info + self.image_data

    @classmethod
    def _parse(cls, data: bytes, pos: int, what: str) -> tuple[FaceImageInfo, int]:
        if pos + _FACE_INFO.size > len(data):
            raise MalformedResponseError(f"{what}: truncated facial information block")
        (length, n_points, gender, eye, hair, mask, expression, pose, uncertainty) = (
            _FACE_INFO.unpack_from(data, pos)
        )
        fixed = _FACE_INFO.size + n_points * _FEATURE_POINT.size + _IMAGE_INFO.size
        end = pos + length
        if length < fixed:
            raise MalformedResponseError(
                f"{what}: block length {length} is less than its {n_points} feature points need"
            )
        if end > len(data):
            raise MalformedResponseError(
                f"{what}: block length {length} runs past the record ({len(data) - pos} bytes left)"
            )
        cursor = pos + _FACE_INFO.size
        points = []
        for _ in range(n_points):
            ftype, code, x, y, reserved = _FEATURE_POINT.unpack_from(data, cursor)
            points.append(FeaturePoint(ftype, code >> 4, code & 0x0F, x, y, reserved))
            cursor += _FEATURE_POINT.size
        (face_type, data_type, width, height, colour, source, device, quality) = (
            _IMAGE_INFO.unpack_from(data, cursor)
        )
        image = bytes(data[cursor + _IMAGE_INFO.size : end])
        if not image:
            raise MalformedResponseError(f"{what}: no image data")
        face = cls(
            image_data=image,
            image_data_type=data_type,
            width=width,
            height=height,
            face_image_type=face_type,
            colour_space=colour,
            source_type=source,
            device_type=device,
            quality=quality,
            gender=gender,
            eye_colour=eye,
            hair_colour=hair,
            feature_mask=int.from_bytes(mask, "big"),
            expression=expression,
            pose_angle=(pose[0], pose[1], pose[2]),
            pose_angle_uncertainty=(uncertainty[0], uncertainty[1], uncertainty[2]),
            feature_points=tuple(points),
        )
        return face, end


@dataclass(frozen=True)
class FacialRecord:
    """An ISO/IEC 19794-5:2005 facial record (the '5F2E' biometric data block of DG2)."""

    faces: tuple[FaceImageInfo, ...]
    version: bytes = VERSION_2005
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def images(self) -> tuple[FaceImage, ...]:
        return tuple(f.image for f in self.faces)

    @classmethod
    def parse(cls, data: bytes) -> FacialRecord:
        what = "ISO 19794-5 face record"
        if len(data) < _RECORD_HEADER.size:
            raise MalformedResponseError(
                f"{what}: {len(data)} bytes, shorter than its {_RECORD_HEADER.size}-byte header"
            )
        magic, version, length, count = _RECORD_HEADER.unpack_from(data, 0)
        if magic != FORMAT_IDENTIFIER:
            raise MalformedResponseError(
                f"{what}: format identifier {magic!r}, expected b'FAC\\x00'"
            )
        if version != VERSION_2005:
            raise UnsupportedCardError(
                f"{what}: version {version!r} is not supported (ICAO documents use 2005, b'010\\x00')"
            )
        if length != len(data):
            raise MalformedResponseError(
                f"{what}: record length field says {length} bytes, the data block has {len(data)}"
            )
        if count == 0:
            raise MalformedResponseError(f"{what}: holds no face")
        faces = []
        pos = _RECORD_HEADER.size
        for index in range(count):
            if pos >= len(data):
                raise MalformedResponseError(f"{what}: says {count} faces, holds {index}")
            face, pos = FaceImageInfo._parse(data, pos, f"{what}, face {index + 1}")
            faces.append(face)
        if pos != len(data):
            raise MalformedResponseError(f"{what}: {len(data) - pos} bytes after the last face")
        return remember(cls(tuple(faces), version), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        body = b"".join(f.encode() for f in self.faces)
        header = _RECORD_HEADER.pack(
            FORMAT_IDENTIFIER, self.version, _RECORD_HEADER.size + len(body), len(self.faces)
        )
        return header + body


# --- ISO/IEC 39794-5 (tagged binary, in a '7F2E' block) -----------------------------------
#
#   7F2E { A1 { 65 FaceImageDataBlock { A0 version, A1 representations {
#       30 { 80 id, A1 { A0 { A0 2D block { 80 image, A1 info { A0 { 80 format }, A7 { 80 w, 81 h } } } } } }
#   } } } }
#
# Only what a reader shows is decoded (the images, their format and size); the
# block is kept byte for byte, and built for the emulator with a minimal profile.

#: 39794-5 ImageDataFormatCode values.
FORMAT_39794_JPEG = 2
FORMAT_39794_JPEG2000_LOSSY = 3
FORMAT_39794_JPEG2000_LOSSLESS = 4
_MIME_39794 = {
    FORMAT_39794_JPEG: MIME_JPEG,
    FORMAT_39794_JPEG2000_LOSSY: MIME_JP2,
    FORMAT_39794_JPEG2000_LOSSLESS: MIME_JP2,
}
_39794 = "ISO 39794-5 face block"


def _tagged(tlv: Tlv) -> dict[int, Tlv]:
    """Children of a SEQUENCE of context-tagged elements, by tag number."""
    try:
        items = tlv.children()
    except MalformedResponseError as exc:
        raise MalformedResponseError(f"{_39794}: {exc.message}") from exc
    return {item.tag & 0x1F: item for item in items if item.tag <= 0xFF and item.tag & 0xC0 == 0x80}


def _need(elements: dict[int, Tlv], number: int, what: str) -> Tlv:
    item = elements.get(number)
    if item is None:
        raise MalformedResponseError(f"{_39794}: no {what} [{number}]")
    return item


def _der_int(value: bytes, what: str) -> int:
    number = int.from_bytes(value, "big", signed=True)
    if not value or len(value) > 8 or number < 0:
        raise MalformedResponseError(f"{_39794}: {what} is not a small non-negative INTEGER")
    return number


def _format_code(item: Tlv) -> int:
    # ImageDataFormat is a CHOICE, so [0] is explicit (A0 { 80 code }); some encoders
    # write the code directly as 80: accept both.
    if item.constructed:
        code = _tagged(item).get(0)
        if code is None:
            return 0
        return _der_int(code.value, "image format")
    return _der_int(item.value, "image format")


def _parse_representation(block: Tlv) -> FaceImage | None:
    image_repr = _need(_tagged(block), 1, "image representation")
    base = _tagged(image_repr).get(0)
    if base is None:  # an extension block: nothing this reader understands
        return None
    two_d = _tagged(base).get(0)
    if two_d is None:  # a 3D shape representation
        return None
    elements = _tagged(two_d)
    data = _need(elements, 0, "image data").value
    info = _tagged(_need(elements, 1, "image information"))
    declared = _format_code(info[0]) if 0 in info else 0
    width = height = 0
    if 7 in info:
        size = _tagged(info[7])
        width = _der_int(_need(size, 0, "width").value, "width")
        height = _der_int(_need(size, 1, "height").value, "height")
    mime = _MIME_39794.get(declared, MIME_UNKNOWN)
    if mime == MIME_UNKNOWN:
        mime = sniff_mime(data)
    return FaceImage(mime, data, width, height)


@dataclass(frozen=True)
class Iso39794FaceBlock:
    """The value of a '7F2E' block holding an ISO/IEC 39794-5 face image data block."""

    images: tuple[FaceImage, ...]
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, data: bytes) -> Iso39794FaceBlock:
        try:
            # The eMRTD profile wraps the block in 'A1'; JMRTD also reads it bare.
            inner = parse_single(bytes(data), 0xA1).value if data[:1] == b"\xa1" else bytes(data)
            block = parse_single(inner, 0x65)  # [APPLICATION 5] FaceImageDataBlock
        except MalformedResponseError as exc:
            raise MalformedResponseError(f"{_39794}: {exc.message}") from exc
        representations = _need(_tagged(block), 1, "representation blocks")
        try:
            items = representations.children()
        except MalformedResponseError as exc:
            raise MalformedResponseError(f"{_39794}: {exc.message}") from exc
        # SEQUENCE OF RepresentationBlock; some encoders leave out the inner SEQUENCE.
        if items and all(item.tag == 0x30 for item in items):
            blocks = items
        else:
            blocks = [representations]
        images = tuple(img for img in map(_parse_representation, blocks) if img is not None)
        return remember(cls(images), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        version = encode_tlv(0xA0, encode_tlv(0x80, b"\x03") + encode_tlv(0x81, _int(2019)))
        blocks = b"".join(_encode_representation(i, img) for i, img in enumerate(self.images, 1))
        body = version + encode_tlv(0xA1, blocks)
        return encode_tlv(0xA1, encode_tlv(0x65, body))


def _int(value: int) -> bytes:
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def _encode_representation(number: int, image: FaceImage) -> bytes:
    code = {MIME_JPEG: FORMAT_39794_JPEG, MIME_JP2: FORMAT_39794_JPEG2000_LOSSY}.get(image.mime, 0)
    info = encode_tlv(0xA0, encode_tlv(0x80, _int(code)))
    info += encode_tlv(
        0xA7, encode_tlv(0x80, _int(image.width)) + encode_tlv(0x81, _int(image.height))
    )
    two_d = encode_tlv(0x80, image.data) + encode_tlv(0xA1, info)
    representation = encode_tlv(0xA1, encode_tlv(0xA0, encode_tlv(0xA0, two_d)))
    return encode_tlv(0x30, encode_tlv(0x80, _int(number)) + representation)
