"""DG2, the encoded face (ICAO 9303-10 §4.7.2): biometric templates around face records."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from idcard.errors import MalformedResponseError
from idcard.lds._codec import remember
from idcard.lds.cbeff import (
    FORMAT_TYPE_FACE_19794,
    FORMAT_TYPE_FACE_39794,
    TAG_BDB,
    TAG_BDB_CONSTRUCTED,
    BiometricDataGroup,
    BiometricHeader,
    BiometricInfo,
    encode_group,
)
from idcard.lds.face import (
    FORMAT_IDENTIFIER,
    IMAGE_JPEG,
    IMAGE_JPEG2000,
    MIME_JP2,
    MIME_JPEG,
    FaceImage,
    FaceImageInfo,
    FacialRecord,
    FeaturePoint,
    Iso39794FaceBlock,
    sniff_mime,
)
from idcard.lds.tags import DG_TAGS

TAG_DG2 = DG_TAGS[2]


@dataclass(frozen=True)
class FaceBiometric:
    """One biometric information template of DG2: its header and the decoded face record."""

    header: BiometricHeader
    record: FacialRecord | Iso39794FaceBlock

    @property
    def images(self) -> tuple[FaceImage, ...]:
        return self.record.images

    def to_info(self) -> BiometricInfo:
        tag = TAG_BDB if isinstance(self.record, FacialRecord) else TAG_BDB_CONSTRUCTED
        return BiometricInfo(self.header, self.record.encode(), tag)


def _record(info: BiometricInfo, what: str) -> FacialRecord | Iso39794FaceBlock:
    # '5F2E' holds a 19794-5 record; '7F2E' a 39794-5 block, or (JMRTD writes it) 19794-5.
    try:
        if info.bdb_tag == TAG_BDB_CONSTRUCTED and not info.bdb.startswith(FORMAT_IDENTIFIER):
            return Iso39794FaceBlock.parse(info.bdb)
        return FacialRecord.parse(info.bdb)
    except MalformedResponseError as exc:
        raise MalformedResponseError(f"{what}: {exc.message}") from exc


@dataclass(frozen=True)
class Dg2:
    biometrics: tuple[FaceBiometric, ...]
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def faces(self) -> list[FaceImage]:
        return [image for b in self.biometrics for image in b.images]

    @property
    def face(self) -> FaceImage | None:
        """The first face image (documents carry one), or None."""
        faces = self.faces
        return faces[0] if faces else None

    @classmethod
    def parse(cls, data: bytes) -> Dg2:
        group = BiometricDataGroup.parse(data, TAG_DG2)
        biometrics = tuple(
            FaceBiometric(info.header, _record(info, f"DG2, instance {n}"))
            for n, info in enumerate(group.infos, 1)
        )
        return remember(cls(biometrics), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        return encode_group(TAG_DG2, [b.to_info() for b in self.biometrics])


def build_dg2(
    image: bytes,
    image_type: int | None = None,
    width: int | None = None,
    height: int | None = None,
    *,
    encoding: Literal["19794", "39794"] = "19794",
    gender: int = 0,
    eye_colour: int = 0,
    hair_colour: int = 0,
    face_image_type: int = 1,
    colour_space: int = 1,
    source_type: int = 0,
    feature_points: Iterable[FeaturePoint] = (),
) -> bytes:
    """DG2 bytes holding one face image, for personalisation.

    `image_type` is IMAGE_JPEG or IMAGE_JPEG2000; width and height come from the
    image itself when not given. `encoding="39794"` writes the ISO 39794-5 block.
    """
    if image_type is None:
        image_type = {MIME_JPEG: IMAGE_JPEG, MIME_JP2: IMAGE_JPEG2000}.get(sniff_mime(image), -1)
        if image_type < 0:
            raise ValueError("the image is neither JPEG nor JPEG 2000")
    if width is None or height is None:

        try:
            with Image.open(io.BytesIO(image), formats=["JPEG", "JPEG2000"]) as opened:
                width, height = opened.size
        except Exception as exc:  # Pillow's many error types; this is builder input
            raise ValueError(f"cannot read the image size: {exc}") from exc
    if encoding == "39794":
        mime = MIME_JPEG if image_type == IMAGE_JPEG else MIME_JP2
        record: FacialRecord | Iso39794FaceBlock = Iso39794FaceBlock(
            (FaceImage(mime, image, width, height),)
        )
        header = BiometricHeader.face(FORMAT_TYPE_FACE_39794)
    else:
        face = FaceImageInfo(
            image_data=image,
            image_data_type=image_type,
            width=width,
            height=height,
            face_image_type=face_image_type,
            colour_space=colour_space,
            source_type=source_type,
            gender=gender,
            eye_colour=eye_colour,
            hair_colour=hair_colour,
            feature_points=tuple(feature_points),
        )
        record = FacialRecord((face,))
        header = BiometricHeader.face(FORMAT_TYPE_FACE_19794)
    return Dg2((FaceBiometric(header, record),)).encode()
