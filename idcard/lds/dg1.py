"""DG1 (ICAO 9303-10 §4.7.1): '61' { '5F1F' MRZ }."""

from __future__ import annotations

from dataclasses import dataclass, field

from idcard.apdu.tlv import Tlv, encode_tlv
from idcard.errors import MalformedResponseError
from idcard.lds._codec import children, outer, remember
from idcard.lds.mrz import Mrz
from idcard.lds.tags import DG_TAGS

TAG_DG1 = DG_TAGS[1]
TAG_MRZ = 0x5F1F


@dataclass(frozen=True)
class Dg1:
    mrz: Mrz
    #: Elements besides the MRZ (none in 9303), kept for re-encoding.
    extra: tuple[Tlv, ...] = ()
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, data: bytes) -> Dg1:
        template = outer(data, TAG_DG1, "DG1")
        mrz: Mrz | None = None
        extra: list[Tlv] = []
        for item in children(template, "DG1"):
            if item.tag == TAG_MRZ and mrz is None:
                try:
                    mrz = Mrz.parse(item.value)
                except MalformedResponseError as exc:
                    raise MalformedResponseError(f"DG1: {exc.message}") from exc
            else:
                extra.append(item)
        if mrz is None:
            raise MalformedResponseError("DG1: no MRZ (5F1F)")
        return remember(cls(mrz, tuple(extra)), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        body = encode_tlv(TAG_MRZ, self.mrz.encode()) + b"".join(t.encode() for t in self.extra)
        return encode_tlv(TAG_DG1, body)
