"""Logical Data Structure of ICAO 9303 documents: MRZ, data groups, security objects."""

from idcard.lds.cbeff import BiometricDataGroup, BiometricHeader, BiometricInfo
from idcard.lds.com import Com
from idcard.lds.dg1 import Dg1
from idcard.lds.dg2 import Dg2, FaceBiometric, build_dg2
from idcard.lds.dg11 import Dg11
from idcard.lds.dg12 import Dg12
from idcard.lds.dg15 import Dg15
from idcard.lds.face import (
    IMAGE_JPEG,
    IMAGE_JPEG2000,
    FaceImage,
    FaceImageInfo,
    FacialRecord,
    FeaturePoint,
    Iso39794FaceBlock,
)
from idcard.lds.identity import Identity, Name
from idcard.lds.mrz import Mrz, resolve_birth_date, resolve_expiry_date
from idcard.lds.national_code import is_valid_national_code, national_code_check_digit
from idcard.lds.tags import DG_TAGS, TAG_DGS, dg_for_tag, tag_for_dg

__all__ = [
    "DG_TAGS",
    "IMAGE_JPEG",
    "IMAGE_JPEG2000",
    "TAG_DGS",
    "BiometricDataGroup",
    "BiometricHeader",
    "BiometricInfo",
    "Com",
    "Dg1",
    "Dg11",
    "Dg12",
    "Dg15",
    "Dg2",
    "FaceBiometric",
    "FaceImage",
    "FaceImageInfo",
    "FacialRecord",
    "FeaturePoint",
    "Identity",
    "Iso39794FaceBlock",
    "Mrz",
    "Name",
    "build_dg2",
    "dg_for_tag",
    "is_valid_national_code",
    "national_code_check_digit",
    "resolve_birth_date",
    "resolve_expiry_date",
    "tag_for_dg",
]
