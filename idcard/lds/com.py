"""EF.COM (ICAO 9303-10 §4.6.1): LDS version, Unicode version and the list of data groups.

EF.COM is not covered by EF.SOD, so it is only a hint of what to read: the
signed list of data groups is the one in EF.SOD.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from idcard.apdu.tlv import Tlv, encode_tlv
from idcard.errors import MalformedResponseError
from idcard.lds._codec import ascii_text, children, outer, remember
from idcard.lds.tags import TAG_COM, dg_for_tag, encode_tag_list, parse_tag_list, tag_for_dg

TAG_LDS_VERSION = 0x5F01
TAG_UNICODE_VERSION = 0x5F36
TAG_TAG_LIST = 0x5C


def _digits(value: bytes, what: str) -> str:
    text = ascii_text(value, f"EF.COM: {what}")
    if not text.isdigit():
        raise MalformedResponseError(f"EF.COM: {what} {text!r} is not digits")
    return text


@dataclass(frozen=True)
class Com:
    #: "aabb" for LDS version aa.bb, as stored ("0107" = LDS 1.7).
    lds_version: str | None
    #: "aabbcc" for Unicode aa.bb.cc, as stored ("040000" = Unicode 4.0.0).
    unicode_version: str | None
    #: File tags in the order the card lists them (61 = DG1, 75 = DG2, ...).
    tags: tuple[int, ...]
    #: Elements of the template this module does not know, kept for re-encoding.
    extra: tuple[Tlv, ...] = ()
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def data_groups(self) -> list[int]:
        """DG numbers in the card's order; tags that are no data group are left out."""
        return [dg for dg in (dg_for_tag(t) for t in self.tags) if dg is not None]

    @classmethod
    def for_data_groups(
        cls, data_groups: Iterable[int], lds_version: str = "0107", unicode_version: str = "040000"
    ) -> Com:
        return cls(lds_version, unicode_version, tuple(tag_for_dg(dg) for dg in data_groups))

    @classmethod
    def parse(cls, data: bytes) -> Com:
        template = outer(data, TAG_COM, "EF.COM")
        lds_version = unicode_version = None
        tags: tuple[int, ...] | None = None
        extra: list[Tlv] = []
        for item in children(template, "EF.COM"):
            if item.tag == TAG_LDS_VERSION and lds_version is None:
                lds_version = _digits(item.value, "LDS version")
            elif item.tag == TAG_UNICODE_VERSION and unicode_version is None:
                unicode_version = _digits(item.value, "Unicode version")
            elif item.tag == TAG_TAG_LIST and tags is None:
                tags = parse_tag_list(item.value)
            else:
                extra.append(item)
        if tags is None:
            raise MalformedResponseError("EF.COM: no tag list (5C)")
        return remember(cls(lds_version, unicode_version, tags, tuple(extra)), data)

    def encode(self) -> bytes:
        if self._raw is not None:
            return self._raw
        body = b""
        if self.lds_version is not None:
            body += encode_tlv(TAG_LDS_VERSION, self.lds_version.encode("ascii"))
        if self.unicode_version is not None:
            body += encode_tlv(TAG_UNICODE_VERSION, self.unicode_version.encode("ascii"))
        body += encode_tlv(TAG_TAG_LIST, encode_tag_list(self.tags))
        body += b"".join(t.encode() for t in self.extra)
        return encode_tlv(TAG_COM, body)
