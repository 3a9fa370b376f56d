"""Mav4 cards (Gemalto-based NID): what the card gives without the registry's keys.

Every command is the exact byte string of iran-nid-cards.md; section numbers are
cited where they are sent. Protected reads, signing and chip authentication
need the registry's keys (§6-§7) and raise `UnsupportedOperationError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from idcard.cards.base import (
    NOT_PUBLIC,
    REGISTRY_ONLY,
    Capabilities,
    CardDriver,
    CardInfo,
    Operation,
    checked_cplc,
)
from idcard.cards.keyservice import CardKeyService
from idcard.errors import CardStatusError, MalformedResponseError, PinError

H = bytes.fromhex

AID_CM = H("A000000018434D00")
AID_IAS = H("A0000000180C000001634200")
AID_DATA = H("A0000000183003010000000000000000")
AID_DATA_PREFIX = H("A000000018300301")

SELECT_CM = H("00A4040008") + AID_CM
SELECT_IAS = H("00A404000C") + AID_IAS
SELECT_DATA = H("00A4040010") + AID_DATA
SELECT_MF = H("00A40000023F00")
GET_CPLC = H("80CA9F7F2D")
GET_TAG_0101 = H("80CA010115")

#: Block size the vendor scripts read the data application with (§3.3-§3.5).
DATA_BLOCK = 0xF8
#: Largest short READ BINARY Le for the IAS application (§3.2).
IAS_BLOCK = 0xFF

_SW_OK = 0x9000


@dataclass(frozen=True)
class CardDates:
    """EF 0303 of DF 0300 (§3.3): raw values; text decoding is best effort (byte order unknown)."""

    issue_raw: bytes
    expiry_raw: bytes

    @property
    def issue(self) -> str | None:
        return _utf16_text(self.issue_raw)

    @property
    def expiry(self) -> str | None:
        return _utf16_text(self.expiry_raw)


@dataclass(frozen=True)
class KeyVersions:
    """EF 0601 of DF 0600 (§3.4), hex strings as the registry request carries them."""

    perso_key: str
    sod1_key: str
    sod2_key: str
    pin_algorithm: str
    #: The vendor library defaults the key-algorithm version to 0a (§3.4).
    key_algorithm: str = "0a"


@dataclass(frozen=True)
class PinObjectStatus:
    """Tries left of one of the three PIN objects holding the ID PIN (§5); None = unreadable."""

    mpcos: int | None
    ev: int | None
    ias: int | None

    def objects(self) -> dict[str, int | None]:
        return {"mpcos": self.mpcos, "ev": self.ev, "ias": self.ias}

    @property
    def tries_left(self) -> int | None:
        """The most favourable of the three, as the vendor library reports (§5)."""
        known = [t for t in (self.mpcos, self.ev, self.ias) if t is not None]
        return max(known) if known else None


def _utf16_text(raw: bytes) -> str | None:
    """Decode a date value when exactly one UTF-16 byte order gives printable ASCII."""
    if len(raw) % 2:
        return None
    readings = set()
    for encoding in ("utf-16-be", "utf-16-le"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and all(" " <= ch <= "~" for ch in text):
            readings.add(text)
    return readings.pop() if len(readings) == 1 else None


def simple_tlvs(data: bytes) -> dict[int, bytes]:
    """One-byte tag, one-byte length records (§3.3, §3.5); stops at 00/FF padding."""
    out: dict[int, bytes] = {}
    pos = 0
    while pos + 2 <= len(data) and data[pos] not in (0x00, 0xFF):
        tag, length = data[pos], data[pos + 1]
        value = data[pos + 2 : pos + 2 + length]
        if len(value) != length:
            raise MalformedResponseError(f"Record {tag:02X} runs past the end of the file.")
        out.setdefault(tag, value)
        pos += 2 + length
    return out


#: Fixed value sizes after each version tag, with no length byte (§3.4, re-implementation's reading).
_VERSION_TAGS = {0xCC: 2, 0xD5: 2, 0xD6: 2, 0xD7: 1}


def parse_versions(data: bytes) -> KeyVersions:
    values: dict[int, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] in _VERSION_TAGS:
        size = _VERSION_TAGS[data[pos]]
        values[data[pos]] = data[pos + 1 : pos + 1 + size]
        pos += 1 + size
    if set(values) != set(_VERSION_TAGS) or any(
        len(values[t]) != n for t, n in _VERSION_TAGS.items()
    ):
        raise MalformedResponseError("The versions file lacks one of the tags CC, D5, D6, D7.")
    return KeyVersions(
        values[0xCC].hex(), values[0xD5].hex(), values[0xD6].hex(), values[0xD7].hex()
    )


def encode_pin(pin: str, size: int) -> bytes:
    """ASCII digits padded with 00 (§5): 8 or 4 bytes in the data application, 16 in IAS."""
    if not pin.isdigit() or not 4 <= len(pin) <= min(8, size) or not pin.isascii():
        raise PinError("The ID PIN is 4 to 8 digits.", code="pin.format")
    return pin.encode("ascii").ljust(size, b"\x00")


def _raise_puk(sw: int, *, ias: bool) -> None:
    """Raise the PUK error for a non-9000 answer (§5 unblock: 6983/6984 blocked, 63xx wrong)."""
    if sw == _SW_OK:
        return
    if sw == 0x6983 or (ias and sw == 0x6984):
        raise PinError("The PUK is used up; this card can no longer unblock its PIN.", code="puk.blocked", tries_left=0)
    if sw >> 8 == 0x63:
        tries = sw & 0x0F if sw & 0xF0 == 0xC0 else None
        raise PinError("Wrong PUK.", code="puk.wrong", tries_left=tries)
    raise PinError(f"The card refused the PUK ({sw:04X}).", code="puk.blocked")


def _pin_result(sw: int, *, ias: bool) -> int | None:
    """Tries left from one PIN object's answer (§5): 9000 → 3, 63Cx → x, 6983/6984 → 0."""
    if sw == _SW_OK:
        return 3
    if sw == 0x6983 or (ias and sw == 0x6984):
        return 0
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    return None


#: Byte 1 of the `80C0` PIN-info answer: one bit per failed try (§5, reading inferred).
_FAILED_TRY_BITS = {0x00: 3, 0x01: 2, 0x03: 1, 0x07: 0}


class Mav4Driver(CardDriver):
    family = "mav4"
    capabilities = Capabilities(
        frozenset(
            {
                Operation.READ_IDENTITY,
                Operation.READ_CERTIFICATES,
                Operation.PIN_STATUS,
                Operation.VERIFY_PIN,
                Operation.UNBLOCK_PIN,
            }
        ),
        {
            Operation.CHANGE_PIN: NOT_PUBLIC,
            **REGISTRY_ONLY,
        },
    )

    # -- §3.1 ----------------------------------------------------------------
    def read_cplc(self) -> bytes:
        self.run(SELECT_CM)
        return checked_cplc(self.checked(GET_CPLC))

    def card_info(self) -> CardInfo:
        cplc = self.read_cplc()
        # CSN = CPLC[13..20] (§3.1, the vendor script's offsets read as decimal).
        csn = cplc[13:21].hex().upper()
        tag_0101 = self.checked(GET_TAG_0101)
        crn_bytes = tag_0101[3:13]
        if len(crn_bytes) != 10 or not crn_bytes.isdigit():
            raise MalformedResponseError("The card's CRN record does not hold 10 ASCII digits.")
        # The chip-type query is not public (§8): "0004" is assumed from the Mav4 driver choice.
        return CardInfo(self.family, "0004", csn, crn_bytes.decode("ascii"), "assumed")

    # -- §3.2 ----------------------------------------------------------------
    def read_signing_certificate(self) -> bytes:
        """DER of the holder's signing certificate, 3F00/5100/5040 of the IAS application."""
        self.run(
            SELECT_CM,
            GET_CPLC,
            SELECT_IAS,
            SELECT_MF,
            H("00A40000025100"),
            H("00A4020C025040"),
            H("00A4000C023F00"),
            H("00A4000C025100"),
            H("00A4020C025040"),
        )
        return self._read_certificate(IAS_BLOCK)

    def read_ca_certificate(self) -> bytes:
        """DER of 3F00/5000/0303: the issuing citizen CA's certificate (§3.2, inferred strong)."""
        self.run(
            SELECT_IAS,
            SELECT_CM,
            GET_CPLC,
            SELECT_IAS,
            SELECT_MF,
            H("00A40000025000"),
            H("00A4020C025040"),
            H("00A4000C023F00"),
            H("00A4000C025000"),
            H("00A4020C025040"),
            H("00A4020C020303"),
        )
        return self._read_certificate(IAS_BLOCK)

    def read_auth_certificate(self) -> bytes:
        """DER of 3F00/5000/5040 of the IAS application.

        CLIENT ASSUMPTION: the vendor selects this EF (§3.2) but what it holds is not
        public; the spec guesses the holder's authentication certificate, and that is
        how it is used here (the key of §6's private key 03).
        """
        self.run(SELECT_IAS, SELECT_MF, H("00A40000025000"), H("00A4020C025040"))
        return self._read_certificate(IAS_BLOCK)

    # -- §3.3-§3.5 (data application, 4-byte offset units) --------------------
    def _read_data_file(self, select_app: bytes, df: bytes, ef: bytes) -> bytes:
        self.run(select_app, SELECT_MF, H("00A4010002") + df, H("00A4020002") + ef)
        return self._read_file(le=DATA_BLOCK, unit=4)

    def read_dates_file(self) -> bytes:
        return self._read_data_file(SELECT_DATA, H("0300"), H("0303"))

    def read_dates(self) -> CardDates:
        records = simple_tlvs(self.read_dates_file())
        if 0xB2 not in records or 0xB3 not in records:
            raise MalformedResponseError("The dates file lacks the issue (B2) or expiry (B3) date.")
        return CardDates(records[0xB2], records[0xB3])

    def read_versions(self) -> KeyVersions:
        return parse_versions(self._read_data_file(SELECT_DATA, H("0600"), H("0601")))

    def read_afis_required(self) -> bool:
        """AFIS-check flag (tag AD of 3F00/0300/0302); 00 = fingerprint check not required."""
        select_prefix = H("00A4040008") + AID_DATA_PREFIX
        records = simple_tlvs(self._read_data_file(select_prefix, H("0300"), H("0302")))
        flag = records.get(0xAD)
        if flag is None or len(flag) != 1:
            raise MalformedResponseError("The AFIS file lacks its one-byte flag (tag AD).")
        return flag != b"\x00"

    # -- §5 ------------------------------------------------------------------
    def _pin_info_tries(self) -> int | None:
        info = self.checked(H("80C002050C"))
        if len(info) < 2:
            raise MalformedResponseError("The PIN-information record is too short.")
        return _FAILED_TRY_BITS.get(info[1])

    def id_pin_status(self, service: CardKeyService | None = None) -> PinObjectStatus:
        """Tries left of the three ID-PIN objects, without spending a try."""
        self.run(
            H("00A4040C10") + AID_DATA,
            H("00A4000C023F00"),
            H("00A4010C020200"),
            H("00A4020C022F01"),
        )
        mpcos = self._pin_info_tries()
        self.run(H("00A4010C020500"), H("00A4020C025F04"))
        ev = self._pin_info_tries()
        self.run(H("00A4040C0C") + AID_IAS)
        ias = _pin_result(self.exchange(H("0020008100")).sw, ias=True)
        return PinObjectStatus(mpcos=mpcos, ev=ev, ias=ias)

    def verify_id_pin(self, pin: str) -> PinObjectStatus:
        """Verify the ID PIN on all three objects; raise `PinError` unless one accepts it."""
        pin8, pin16 = encode_pin(pin, 8), encode_pin(pin, 16)
        self.run(SELECT_DATA, SELECT_MF, H("00A40100020500"))
        ev_sw = self.exchange(H("0020000008") + pin8).sw
        self.run(SELECT_MF, H("00A40100020200"))
        mpcos_sw = self.exchange(H("0020000008") + pin8).sw
        self.run(SELECT_IAS)
        ias_sw = self.exchange(H("0020008110") + pin16).sw
        status = PinObjectStatus(
            mpcos=_pin_result(mpcos_sw, ias=False),
            ev=_pin_result(ev_sw, ias=False),
            ias=_pin_result(ias_sw, ias=True),
        )
        if _SW_OK in (mpcos_sw, ev_sw, ias_sw):
            return status
        tries = status.tries_left
        if tries is None:
            raise CardStatusError(
                f"The card gave no usable PIN answer ({ias_sw:04X}).", ias_sw, code="pin.error"
            )
        if tries == 0:
            raise PinError("The ID PIN is blocked. Unblock it with the PUK.", code="pin.blocked", tries_left=0)
        raise PinError(
            f"Wrong ID PIN. {tries} tr{'y' if tries == 1 else 'ies'} left.",
            code="pin.wrong",
            tries_left=tries,
        )

    # -- §5 unblock ----------------------------------------------------------
    def _journal(self) -> None:
        """Select EF 0010, the initial-PIN flags and unblock journal (01 running, 0F done)."""
        self.run(SELECT_DATA, SELECT_MF, H("00A40200020010"))

    def _journal_read(self, unit: int, size: int) -> bytes:
        data = self.checked(bytes([0x00, 0xB0, 0x00, unit, size]))
        if len(data) != size:
            raise MalformedResponseError("The PIN journal (EF 0010) is shorter than expected.")
        return data

    def _journal_write(self, unit: int, value: bytes) -> None:
        self.checked(bytes([0x00, 0xD6, 0x00, unit, len(value)]) + value)

    def unblock_id_pin(self, puk: str, new_pin: str) -> None:
        """Reset all three ID-PIN objects with the PUK, journalled in EF 0010 like the vendor.

        An object already marked done (0F) by an interrupted earlier run is skipped.
        The data-application command holds 4 PIN bytes, so the new PIN is 4 digits.
        """
        if not (puk.isascii() and puk.isdigit() and len(puk) == 4):
            raise PinError("The PUK is 4 digits.", code="pin.format")
        if len(new_pin) != 4:
            raise PinError("The new ID PIN is 4 digits.", code="pin.format")
        pin16 = encode_pin(new_pin, 16)
        short = H("8024010008") + puk.encode("ascii") + encode_pin(new_pin, 4)
        # A refused PUK stops the run with the journal left at 01, as the vendor's does.
        self._journal()
        if self._journal_read(0x02, 1) != b"\x0f":  # MPCOS object, DF 0200
            self._journal_write(0x02, b"\x01")
            self.run(H("00A40100020200"))
            _raise_puk(self.exchange(short).sw, ias=False)
            self.run(SELECT_MF, H("00A40200020010"))
            self._journal_write(0x02, b"\x0f")
        nmoc, ev_flag = self._journal_read(0x07, 2)  # NMOC flag, EV object flag
        if ev_flag != 0x0F:  # EV object, DF 0500
            self._journal_write(0x07, bytes([nmoc, 0x01]))
            self.run(SELECT_MF, H("00A40100020500"))
            _raise_puk(self.exchange(short).sw, ias=False)
            self.run(SELECT_MF, H("00A40200020010"))
            self._journal_write(0x07, bytes([nmoc, 0x0F]))
        if self._journal_read(0x03, 1) != b"\x0f":  # IAS object, reference 81
            self._journal_write(0x03, b"\x01")
            self.run(SELECT_IAS)
            reset = H("002C008120") + puk.encode("ascii").ljust(16, b"\x00") + pin16
            _raise_puk(self.exchange(reset).sw, ias=True)
            self._journal()
            self._journal_write(0x03, b"\x0f")
        for unit in (0x00, 0x01, 0x02, 0x03, 0x06):
            self._journal_write(unit, b"\x00")
        self._journal_write(0x07, bytes([nmoc, 0x00]))
