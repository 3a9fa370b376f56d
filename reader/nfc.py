"""NFC transport: ISO-DEP (ISO 14443-4) through nfcpy's own reader stack.

Works with the USB readers nfcpy drives directly (PN533, ACR122U, RC-S380;
they must not be claimed by pcscd) and with nfcpy's ``udp`` simulated radio,
where `mock_card.frontends.nfc_udp` plays the card.

nfcpy is optional and imported only when an NFC reader is used, so a missing
nfcpy is a `DriverMissingError`, never an ImportError at startup.

nfcpy quirks this module works around or relies on:

* ``Type4Tag.send_apdu`` refuses extended length on type A cards, so APDUs go
  through ``transceive``, which chains any length unchanged.
* nfcpy reads the ATS during activation and drops it; `_AtsRecorder` keeps it
  so `atr` can be built from its historical bytes.
* nfcpy waits the frame waiting time the card announces in its ATS, and only
  retries when that is under a second, so a silent card is noticed after
  roughly max(FWT, 1 s).
* nfcpy logs every failure (and every APDU, secrets included, at debug) on
  the ``nfc`` logger and sets it to INFO when imported. Unless the
  application set a level on that logger before, it is raised to CRITICAL
  here: every failure becomes a typed error anyway.
"""

from __future__ import annotations

import errno
import functools
import importlib
import logging
import re
import sys
import threading
import time
from types import ModuleType
from typing import Any

from reader.base import ReaderInfo, Transport
from reader.errors import (
    CardRemovedError,
    CardTimeoutError,
    DriverMissingError,
    NoCardError,
    ReaderNotFoundError,
    TransportError,
)

log = logging.getLogger(__name__)

NFCPY_MISSING = "NFC support needs nfcpy: pip install 'idcard[nfc]'"

_SENSE_INTERVAL = 0.1
_DESELECT_TIMEOUT = 0.1
_PCB_DESELECT = b"\xc2"
_RATS = 0xE0

_MSG_TIMEOUT = "The card stopped answering. Hold it still on the reader and try again."
_MSG_GARBLED = "The card's answers were garbled; it is probably moving out of the reader's range."
_MSG_OUT_OF_SEQUENCE = (
    "The card answered out of sequence, as if it was taken away and put back. "
    "Leave it on the reader and try again."
)
_MSG_LEFT = "The card left the reader's range. Put it back and try again."

# Transports holding a USB reader: nfcpy cannot open it a second time, so
# listing must report these from here instead of probing USB.
_open_usb_readers: dict[str, str] = {}
_open_lock = threading.Lock()


class NfcTransport(Transport):
    """One ISO-DEP type A card on one nfcpy reader."""

    max_response_length = None  # ISO-DEP chaining carries any length

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        """Open the reader at nfcpy *path* and wait up to *timeout* s for a card.

        *path* is what nfcpy's ContactlessFrontend takes: ``usb``,
        ``usb:<bus>:<dev>`` or ``udp:<host>:<port>``.
        """
        nfc = _import_nfc()
        self.path = path
        self.name = "nfc:" + path
        self._lock = threading.RLock()
        self._failure: TransportError | None = None
        self._device_path: str | None = None
        clf = _open_frontend(nfc, path)
        try:
            tag, ats = self._connect(nfc, clf, timeout)
            self._device_path = str(clf.device.path)
        except BaseException:
            _close_quietly(clf)
            raise
        self._nfc = nfc
        self._clf: Any = clf
        self._tag: Any = tag
        self._atr = atr_from_ats(ats)
        if self._device_path.startswith("usb"):
            with _open_lock:
                _open_usb_readers[self._device_path] = str(clf)
        log.debug("connected to %s on %s", tag, self.name)

    def _connect(self, nfc: ModuleType, clf: Any, timeout: float) -> tuple[Any, bytes]:
        deadline = time.monotonic() + timeout
        unanswered_activation = False
        while True:
            try:
                target = clf.sense(nfc.clf.RemoteTarget("106A"), iterations=1)
            except nfc.clf.UnsupportedTargetError as exc:
                raise TransportError(
                    f"The NFC reader {self.path} cannot poll for type A cards."
                ) from exc
            except OSError as exc:
                raise ReaderNotFoundError(
                    f"The NFC reader {self.path} stopped working: {exc}"
                ) from exc
            if target is not None:
                tag, ats = self._activate(nfc, clf, target)
                if tag is not None:
                    return tag, ats
                # RATS went unanswered (nfcpy allows 30 ms): a card on its way
                # in or out of the field. Poll again.
                unanswered_activation = True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if unanswered_activation:
                    raise CardTimeoutError(
                        "A card is on the reader but does not respond. "
                        "Hold it still on the reader and try again."
                    )
                raise NoCardError(f"No card on the NFC reader (waited {timeout:g} s).")
            time.sleep(min(_SENSE_INTERVAL, remaining))

    def _activate(self, nfc: ModuleType, clf: Any, target: Any) -> tuple[Any, bytes]:
        clf.ats = None
        clf.record_ats = True
        try:
            tag = nfc.tag.activate(clf, target)
        except Exception as exc:  # e.g. an ATS too short for nfcpy to index
            raise TransportError(
                "The card on the NFC reader answered the activation with nonsense.",
                code="card.unsupported",
            ) from exc
        finally:
            clf.record_ats = False
        if tag is None:
            return None, b""
        if not isinstance(tag, nfc.tag.tt4.Type4Tag):
            raise TransportError(
                f"The card on the NFC reader is not an ID card (it is a {tag.type}).",
                code="card.unsupported",
            )
        return tag, clf.ats or b""

    # -- Transport ---------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return self._atr

    def transmit(self, apdu: bytes) -> bytes:
        with self._lock:
            tag = self._live_tag()
            try:
                response = tag.transceive(bytes(apdu))
            except Exception as exc:
                # Block numbers are out of step after any of these; only a
                # new activation can talk to the card again.
                self._failure = _map_error(self._nfc, exc, self.path)
                raise self._failure from exc
            if response is None or len(response) < 2:
                raise TransportError("The card sent an answer without a status word.")
            return bytes(response)

    def card_present(self) -> bool:
        with self._lock:
            if self._clf is None or self._failure is not None:
                return False
            try:
                # An R(NAK) that leaves the block numbers alone (ISO 14443-4 rule 12).
                return bool(self._tag.is_present)
            except Exception as exc:
                log.debug("presence check failed: %s", exc)
                return False

    def close(self) -> None:
        with self._lock:
            clf, self._clf = getattr(self, "_clf", None), None
            if clf is None:
                return
            if self._failure is None:
                try:
                    clf.exchange(_PCB_DESELECT, _DESELECT_TIMEOUT)
                except Exception as exc:
                    log.debug("DESELECT unanswered: %s", exc)
            if self._failure is None:
                self._failure = TransportError("The NFC connection is closed.")
            _close_quietly(clf)
            if self._device_path is not None:
                with _open_lock:
                    _open_usb_readers.pop(self._device_path, None)

    def _live_tag(self) -> Any:
        if self._failure is not None:
            failure = self._failure
            raise type(failure)(failure.message, code=failure.code)
        return self._tag


def list_nfc_readers() -> list[ReaderInfo]:
    """The nfcpy USB reader, if one is plugged in; [] without nfcpy. Never raises."""
    try:
        nfc = _import_nfc()
    except DriverMissingError:
        return []
    with _open_lock:
        readers = [
            ReaderInfo(name="nfc:" + path, kind="nfc", description=desc, card_present=True)
            for path, desc in _open_usb_readers.items()
        ]
    try:
        clf = nfc.ContactlessFrontend()
        # open() returns False rather than raising when nothing usable is found.
        if not clf.open("usb"):
            return readers
    except Exception as exc:  # libusb missing, permissions, a driver bug...
        log.debug("no nfcpy USB reader: %s", exc)
        return readers
    try:
        path = str(clf.device.path)
        description = str(clf)
    except Exception as exc:
        log.debug("nfcpy USB reader without a path: %s", exc)
        return readers
    finally:
        _close_quietly(clf)
    with _open_lock:
        already_listed = path in _open_usb_readers
    if not already_listed:
        # Polling for a card would energise the field and take a while; the
        # GUI learns about the card when it opens the reader.
        readers.append(
            ReaderInfo(name="nfc:" + path, kind="nfc", description=description, card_present=False)
        )
    return readers


_USB_BUS_DEV = re.compile(r"usb:(\d{1,3}):(\d{1,3})")
_UDP = re.compile(r"udp:([^:\s]+):(\d{1,5})")


def parse_nfc_reader_name(name: str) -> str:
    """nfcpy path for ``nfc:usb``, ``nfc:usb:<bus>:<dev>`` or ``nfc:udp:<host>:<port>``."""
    rest = name[len("nfc:") :] if name.startswith("nfc:") else None
    if rest == "usb":
        return "usb"
    if rest is not None:
        match = _USB_BUS_DEV.fullmatch(rest)
        if match:
            # nfcpy reads 4 hex digits as vendor:product, so pin 3 decimals.
            return "usb:{:03d}:{:03d}".format(*(int(g) for g in match.groups()))
        match = _UDP.fullmatch(rest)
        if match and 0 < int(match.group(2)) < 65536:
            return f"udp:{match.group(1)}:{int(match.group(2))}"
    raise ValueError(
        f"not an NFC reader name: {name!r} "
        "(expected nfc:usb, nfc:usb:<bus>:<dev> or nfc:udp:<host>:<port>)"
    )


def atr_from_ats(ats: bytes) -> bytes:
    """PC/SC-style ATR for a contactless card (PC/SC part 3, 3.1.3.2.3.1).

    3B 8n 80 01, the n historical bytes of the ATS, then TCK.
    """
    historical = b""
    body = ats[: ats[0]] if ats else b""  # TL counts itself; drop anything after (a CRC)
    if len(body) >= 2:
        start = 2 + bin(body[1] & 0x70).count("1")  # after T0, TA, TB, TC
        historical = body[start:][:15]
    atr = bytes([0x3B, 0x80 | len(historical), 0x80, 0x01]) + historical
    return atr + bytes([functools.reduce(lambda a, b: a ^ b, atr[1:], 0)])


# -- nfcpy plumbing ------------------------------------------------------------


def _import_nfc() -> ModuleType:
    nfc_log = logging.getLogger("nfc")
    first_import = "nfc" not in sys.modules
    level_before = nfc_log.level
    try:
        nfc = importlib.import_module("nfc")
        for name in ("nfc.clf", "nfc.tag", "nfc.tag.tt4"):
            importlib.import_module(name)
    except ImportError as exc:
        raise DriverMissingError(NFCPY_MISSING) from exc
    if first_import:
        # Importing nfcpy sets its logger to INFO. Keep a level the
        # application chose beforehand; otherwise silence nfcpy.
        nfc_log.setLevel(level_before or logging.CRITICAL)
    return nfc


@functools.cache
def _recorder_class(nfc: ModuleType) -> type:
    class _AtsRecorder(nfc.clf.ContactlessFrontend):  # type: ignore[name-defined]
        """A frontend that keeps the ATS, which nfcpy reads and then forgets."""

        def __init__(self, path: str) -> None:
            self.ats: bytes | None = None
            self.record_ats = False
            super().__init__(path)

        def exchange(self, send_data: Any, timeout: float) -> Any:
            response = super().exchange(send_data, timeout)
            if self.record_ats and send_data and send_data[0] == _RATS and response:
                self.ats = bytes(response)
            return response

    return _AtsRecorder


def _open_frontend(nfc: ModuleType, path: str) -> Any:
    try:
        return _recorder_class(nfc)(path)
    except OSError as exc:
        if exc.errno == errno.ENODEV:
            message = f"No NFC reader found at {path}."
        elif exc.errno == errno.EACCES:
            message = (
                f"No permission to use the NFC reader at {path}. "
                "Run 'python -m nfc' for the udev rule to install."
            )
        elif exc.errno == errno.EBUSY:
            message = (
                f"The NFC reader at {path} is in use by another program "
                "(often pcscd: use it as a pcsc: reader instead)."
            )
        else:
            message = f"Cannot open the NFC reader at {path}: {exc}"
        raise ReaderNotFoundError(message) from exc
    except Exception as exc:  # bad path syntax, driver errors
        raise ReaderNotFoundError(f"Cannot open the NFC reader at {path}: {exc}") from exc


def _map_error(nfc: ModuleType, exc: Exception, path: str) -> TransportError:
    if isinstance(exc, nfc.tag.TagCommandError):
        if exc.errno == nfc.tag.TIMEOUT_ERROR:
            return CardTimeoutError(_MSG_TIMEOUT)
        if exc.errno == nfc.tag.RECEIVE_ERROR:
            return CardRemovedError(_MSG_GARBLED)
        if exc.errno == nfc.tag.PROTOCOL_ERROR:
            return CardRemovedError(_MSG_OUT_OF_SEQUENCE)
        return TransportError(f"The NFC exchange failed: {exc}")
    if isinstance(exc, nfc.clf.BrokenLinkError):
        return CardRemovedError(_MSG_LEFT)
    if isinstance(exc, nfc.clf.TimeoutError | TimeoutError):
        # nfcpy's WTX handling lets a bare frame timeout through.
        return CardTimeoutError(_MSG_TIMEOUT)
    if isinstance(exc, nfc.clf.CommunicationError):
        return CardRemovedError(_MSG_GARBLED)
    if isinstance(exc, OSError):
        return ReaderNotFoundError(f"The NFC reader {path} stopped working: {exc}")
    return TransportError(f"The NFC exchange failed: {exc!r}")


def _close_quietly(clf: Any) -> None:
    try:
        clf.close()
    except Exception as exc:
        log.debug("closing the nfcpy frontend failed: %s", exc)
