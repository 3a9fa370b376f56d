"""ICAO 9303-11 §9.8 secure messaging, terminal and chip role on one core.

Both roles share the send sequence counter (SSC) logic, the MAC and the
encryption; they differ only in which side builds and which side checks.
Per message the SSC is incremented first, then used for the MAC (and, for
AES, for the IV). Each side increments its own copy twice per exchange (the
command, then the response), so a replayed or dropped message never verifies.

Everything a card sends is hostile input: every failure in `unwrap` or
`unwrap_command` raises `SecureMessagingError` (never IndexError/ValueError),
and after the first failure the session object refuses all further use, since
ICAO requires both sides to drop the keys.
"""

from __future__ import annotations

import hmac

from idcard.apdu.command import LE_MAX_EXTENDED, LE_MAX_SHORT, CommandAPDU
from idcard.apdu.response import SW_OK, ResponseAPDU
from idcard.apdu.tlv import encode_tlv, parse_one
from idcard.errors import MalformedResponseError, SecureMessagingError
from idcard.protocol.ciphers import BlockCipher, unpad

__all__ = ["ChipSecureMessaging", "SecureMessaging", "SM_CLA_BITS"]

#: CLA bits b4 b3: "SM, header authenticated" — the only SM form ICAO uses.
SM_CLA_BITS = 0x0C

TAG_CRYPTOGRAM_ODD = 0x85  # encrypted data, no padding indicator (odd INS)
TAG_CRYPTOGRAM = 0x87  # padding indicator 01 || encrypted data (even INS)
TAG_LE = 0x97
TAG_SW = 0x99
TAG_MAC = 0x8E

PADDING_INDICATOR = 0x01
MAC_LENGTH = 8

#: SWs a chip sends plain when it aborts SM (ICAO 9303-11 §9.8.6): 6987 "SM data
#: objects missing", 6988 "SM data objects incorrect".
_SM_ABORT_SWS = frozenset({0x6987, 0x6988})

#: Order of the data objects before DO'8E' (lower rank first), per role.
_COMMAND_RANKS = {TAG_CRYPTOGRAM_ODD: 0, TAG_CRYPTOGRAM: 0, TAG_LE: 1}
_RESPONSE_RANKS = {TAG_CRYPTOGRAM_ODD: 0, TAG_CRYPTOGRAM: 0, TAG_SW: 1}


def _encode_le(le: int) -> bytes:
    """DO'97' value: one byte up to 256 (256 → 00), two bytes above (65536 → 0000)."""
    if not 0 < le <= LE_MAX_EXTENDED:
        raise ValueError("Le out of range")
    if le <= LE_MAX_SHORT:
        return bytes([le % 256])
    return (le % 65536).to_bytes(2, "big")


def _decode_le(value: bytes) -> int | None:
    if len(value) == 1:
        return value[0] or LE_MAX_SHORT
    if len(value) == 2:
        return int.from_bytes(value, "big") or LE_MAX_EXTENDED
    return None


class _SmCore:
    """Keys, SSC and the cryptographic operations both roles share."""

    def __init__(self, cipher: BlockCipher, ks_enc: bytes, ks_mac: bytes, ssc: int = 0) -> None:
        if len(ks_enc) != cipher.key_length or len(ks_mac) != cipher.key_length:
            raise ValueError(f"{cipher.name} session keys must be {cipher.key_length} bytes")
        self.cipher = cipher
        self._ks_enc = bytes(ks_enc)
        self._ks_mac = bytes(ks_mac)
        self._ssc_modulus = 1 << (8 * cipher.block_size)
        if not 0 <= ssc < self._ssc_modulus:
            raise ValueError("SSC out of range")
        #: Send sequence counter: the value used by the last message either way.
        self.ssc = ssc
        self._closed = False

    def __repr__(self) -> str:  # never show key material
        return f"{type(self).__name__}({self.cipher.name}-{self.cipher.key_length * 8}, ssc={self.ssc:#x})"

    @property
    def closed(self) -> bool:
        """True after a failed check: the session keys must not be used again."""
        return self._closed

    # -- SSC -----------------------------------------------------------------
    def _ensure_open(self) -> None:
        if self._closed:
            raise SecureMessagingError(
                "The secure channel to the card was closed after an error. Start again."
            )

    def _peek_ssc(self) -> int:
        return (self.ssc + 1) % self._ssc_modulus

    def _advance(self) -> bytes:
        """Increment the SSC for an incoming message; return it as MAC/IV input."""
        self._ensure_open()
        self.ssc = self._peek_ssc()
        return self._ssc_bytes(self.ssc)

    def _ssc_bytes(self, ssc: int) -> bytes:
        # 8 bytes for 3DES, 16 for AES: the SSC is always one cipher block.
        return ssc.to_bytes(self.cipher.block_size, "big")

    def _fail(self, reason: str) -> SecureMessagingError:
        self._closed = True
        return SecureMessagingError(
            f"The secure channel to the card broke ({reason}). Start again."
        )

    # -- crypto --------------------------------------------------------------
    def _iv(self, ssc: bytes) -> bytes:
        # AES: IV = E(KSenc, SSC) (9303-11 §9.8.6.1); 3DES: zero IV.
        if self.cipher.name == "AES":
            return self.cipher.encrypt_block(self._ks_enc, ssc)
        return bytes(self.cipher.block_size)

    def _encrypt(self, ssc: bytes, plain: bytes) -> bytes:
        return self.cipher.encrypt_cbc(self._ks_enc, self.cipher.pad(plain), self._iv(ssc))

    def _decrypt(self, ssc: bytes, cryptogram: bytes) -> bytes:
        block = self.cipher.block_size
        if not cryptogram or len(cryptogram) % block:
            raise self._fail("encrypted data is not whole cipher blocks")
        padded = self.cipher.decrypt_cbc(self._ks_enc, cryptogram, self._iv(ssc))
        try:
            plain = unpad(padded)
        except ValueError:
            raise self._fail("bad padding") from None
        # Padding is at most one block; more means the plaintext is not what was sent.
        if len(padded) - len(plain) > block:
            raise self._fail("bad padding")
        return plain

    def _mac(self, ssc: bytes, data: bytes) -> bytes:
        # Input is padded for AES too: 9303-11 pads before CMAC as well.
        return self.cipher.mac(self._ks_mac, self.cipher.pad(ssc + data))

    def _verify_mac(self, ssc: bytes, data: bytes, mac: bytes) -> None:
        if not hmac.compare_digest(self._mac(ssc, data), mac):
            raise self._fail("wrong checksum")

    def _cryptogram_do(self, ssc: bytes, data: bytes, odd_ins: bool) -> bytes:
        cryptogram = self._encrypt(ssc, data)
        if odd_ins:
            return encode_tlv(TAG_CRYPTOGRAM_ODD, cryptogram)
        return encode_tlv(TAG_CRYPTOGRAM, bytes([PADDING_INDICATOR]) + cryptogram)

    def _open_cryptogram(self, ssc: bytes, dos: dict[int, bytes]) -> bytes:
        if TAG_CRYPTOGRAM_ODD in dos:
            return self._decrypt(ssc, dos[TAG_CRYPTOGRAM_ODD])
        value = dos.get(TAG_CRYPTOGRAM)
        if value is None:
            return b""
        if not value or value[0] != PADDING_INDICATOR:
            raise self._fail("unknown padding indicator")
        return self._decrypt(ssc, value[1:])

    # -- structure -----------------------------------------------------------
    def _split(self, body: bytes, ranks: dict[int, int]) -> tuple[dict[int, bytes], bytes, bytes]:
        """Parse `DO.. DO'8E'` strictly: return (objects, MAC'd bytes, MAC).

        The MAC'd bytes are taken verbatim from the wire, and nothing may follow
        DO'8E', so no byte reaches the caller without having been authenticated.
        """
        dos: dict[int, bytes] = {}
        pos, rank = 0, -1
        try:
            while pos < len(body):
                start = pos
                item, pos = parse_one(body, pos)
                if item.tag == TAG_MAC:
                    if pos != len(body):
                        raise self._fail("data after the checksum")
                    if len(item.value) != MAC_LENGTH:
                        raise self._fail("checksum of the wrong length")
                    if pos - start != 2 + MAC_LENGTH:
                        # DO'8E' is the one object outside the MAC: only its DER form (8E 08)
                        # is accepted, so its bytes cannot be re-encoded unnoticed.
                        raise self._fail("checksum object not in its minimal encoding")
                    return dos, body[:start], item.value
                item_rank = ranks.get(item.tag)
                if item_rank is None:
                    raise self._fail(f"unexpected data object {item.tag:02X}")
                if item_rank <= rank:
                    raise self._fail(f"data object {item.tag:02X} out of order or repeated")
                rank = item_rank
                dos[item.tag] = item.value
        except MalformedResponseError as exc:
            raise self._fail(f"malformed data objects: {exc.message}") from None
        raise self._fail("checksum missing")


class SecureMessaging(_SmCore):
    """Terminal role: protect commands, check and open responses (a `SecureChannel`)."""

    def wrap(self, command: CommandAPDU) -> CommandAPDU:
        self._ensure_open()
        if command.cla & SM_CLA_BITS:
            raise ValueError("command is already secure-messaging protected")
        if command.cla == 0xFF:
            raise ValueError("CLA FF (reader pseudo-APDU) cannot be protected")
        ssc_value = self._peek_ssc()
        ssc = self._ssc_bytes(ssc_value)
        cla = command.cla | SM_CLA_BITS
        header = bytes([cla, command.ins, command.p1, command.p2])
        dos = b""
        if command.data:
            dos += self._cryptogram_do(ssc, command.data, odd_ins=bool(command.ins & 1))
        if command.le is not None:
            dos += encode_tlv(TAG_LE, _encode_le(command.le))
        body = dos + encode_tlv(TAG_MAC, self._mac(ssc, self.cipher.pad(header) + dos))
        if len(body) > 65535:
            raise ValueError("command data too long for secure messaging")
        # The card answers with DOs whose size the terminal cannot know: always
        # ask for everything (00 / 0000). Extended whenever either side needs it.
        extended = command.is_extended or len(body) > 255
        self.ssc = ssc_value  # commit only once the APDU is built
        return CommandAPDU(
            cla,
            command.ins,
            command.p1,
            command.p2,
            body,
            le=LE_MAX_EXTENDED if extended else LE_MAX_SHORT,
            extended=extended,
        )

    def unwrap(self, response: ResponseAPDU) -> ResponseAPDU:
        """Check and decrypt a protected response.

        A response of a status word only is not protected. 6987/6988 mean the
        card aborted SM and 9000 would be an unauthenticated success: both raise.
        Other error SWs are passed through as `ResponseAPDU(b"", sw)` so the
        caller raises the typed status error: 9303-11 lets a chip answer errors
        without SM objects. The SSC stays incremented in that case, as for a
        protected answer, since the card counted the command it refused.
        """
        ssc = self._advance()
        if not response.data:
            if response.sw in _SM_ABORT_SWS:
                raise self._fail(f"the card ended secure messaging, status {response.sw:04X}")
            if response.sw1 == SW_OK >> 8:
                raise self._fail("the card answered without a checksum")
            return ResponseAPDU(b"", response.sw)
        dos, signed, mac = self._split(response.data, _RESPONSE_RANKS)
        sw_do = dos.get(TAG_SW)
        if sw_do is None:
            raise self._fail("status object missing")
        if len(sw_do) != 2:
            raise self._fail("status object of the wrong length")
        self._verify_mac(ssc, signed, mac)
        sw = int.from_bytes(sw_do, "big")
        if sw != response.sw:
            raise self._fail("protected and plain status differ")
        return ResponseAPDU(self._open_cryptogram(ssc, dos), sw)


class ChipSecureMessaging(_SmCore):
    """Chip role: check and open commands, protect responses."""

    def unwrap_command(self, protected: CommandAPDU) -> CommandAPDU:
        self._ensure_open()
        if (protected.cla & SM_CLA_BITS) != SM_CLA_BITS:
            raise self._fail("command without secure messaging")
        ssc = self._advance()
        dos, signed, mac = self._split(protected.data, _COMMAND_RANKS)
        # ISO 7816-4: odd INS carry BER-TLV data, so their cryptogram is DO'85'.
        odd = bool(protected.ins & 1)
        if (TAG_CRYPTOGRAM if odd else TAG_CRYPTOGRAM_ODD) in dos:
            raise self._fail("cryptogram object does not match the instruction")
        header = bytes([protected.cla, protected.ins, protected.p1, protected.p2])
        self._verify_mac(ssc, self.cipher.pad(header) + signed, mac)
        le: int | None = None
        if TAG_LE in dos:
            le = _decode_le(dos[TAG_LE])
            if le is None:
                raise self._fail("expected length object of the wrong size")
        data = self._open_cryptogram(ssc, dos)
        if len(data) > 65535:
            raise self._fail("command data too long")
        return CommandAPDU(
            protected.cla & ~SM_CLA_BITS & 0xFF, protected.ins, protected.p1, protected.p2, data, le
        )

    def wrap_response(self, plain: ResponseAPDU) -> ResponseAPDU:
        self._ensure_open()
        ssc = self._advance()
        dos = b""
        if plain.data:
            # Responses always use DO'87', which every terminal accepts.
            dos += self._cryptogram_do(ssc, plain.data, odd_ins=False)
        dos += encode_tlv(TAG_SW, plain.sw.to_bytes(2, "big"))
        return ResponseAPDU(dos + encode_tlv(TAG_MAC, self._mac(ssc, dos)), plain.sw)
