"""PC/SC readers through pyscard (pcscd on Linux/macOS, WinSCard on Windows).

pyscard is optional: it is imported inside functions, so this module always
imports and a missing pyscard surfaces as `DriverMissingError` when PC/SC is
actually used. Only the low-level `smartcard.scard` API is used, because the
higher-level `CardConnection` may be decorated to answer 61xx/6Cxx itself and
the layer above us must see the card's status words unchanged.

Every failure leaves this module as a typed `TransportError`: pyscard reports
errors as HRESULT codes, and on some misuse (e.g. a dead handle) it even
raises a bare `SystemError`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

from .base import ReaderInfo, Transport
from .errors import (
    CardRemovedError,
    CardTimeoutError,
    DriverMissingError,
    NoCardError,
    ReaderNotFoundError,
    TransportError,
)

log = logging.getLogger(__name__)

NAME_PREFIX = "pcsc:"
_DRIVER_MISSING = "PC/SC support needs pyscard: pip install 'idcard[pcsc]' (and pcscd running)"
_START_PCSCD = "is pcscd running? Start it with: sudo systemctl start pcscd (or pcscd --foreground)"

# vpcd frames each message with a 16-bit length, so a response (data + SW)
# cannot exceed 65535 bytes; a longer command makes vpcd drop the card.
_VPCD_READER_PREFIX = "Virtual PCD"
_VPCD_MAX_COMMAND = 0xFFFF
_VPCD_MAX_RESPONSE_DATA = 0xFFFF - 2

# After an I/O failure pcscd learns of a removal on its next presence poll
# (~400 ms for vpcd and serial readers); wait that long before calling the
# failure something other than "card removed".
_REMOVAL_GRACE = 1.0

_T = TypeVar("_T")


def _scard() -> ModuleType:
    try:
        from smartcard import scard as module
    except ImportError as exc:
        raise DriverMissingError(_DRIVER_MISSING) from exc
    scard: ModuleType = module
    return scard


def _u32(value: int) -> int:
    # HRESULTs come back signed or unsigned depending on platform and call.
    return value & 0xFFFFFFFF


def _describe(scard: ModuleType, hresult: int) -> str:
    try:
        text = str(scard.SCardGetErrorMessage(hresult)).strip().rstrip(".")
    except Exception:
        text = "PC/SC error"
    return f"{text} (0x{_u32(hresult):08X})"


def _error(
    scard: ModuleType, hresult: int, doing: str, reader: str | None = None
) -> TransportError:
    """The typed error for a failed PC/SC call; `doing` says what we were doing."""
    code = _u32(hresult)
    where = f" in {reader!r}" if reader else ""
    detail = f"{doing}{where}: {_describe(scard, hresult)}"

    def is_(*names: str) -> bool:
        return any(code == _u32(getattr(scard, n, -1)) for n in names)

    if is_("SCARD_E_NO_SERVICE", "SCARD_E_SERVICE_STOPPED", "SCARD_E_NO_READERS_AVAILABLE"):
        return ReaderNotFoundError(f"{detail} — {_START_PCSCD}")
    if is_("SCARD_E_UNKNOWN_READER", "SCARD_E_READER_UNAVAILABLE"):
        return ReaderNotFoundError(f"{detail} — is the reader plugged in?")
    if is_("SCARD_E_NO_SMARTCARD", "SCARD_W_REMOVED_CARD"):
        return NoCardError(f"No card{where}")
    if is_("SCARD_W_RESET_CARD"):
        return CardRemovedError(f"{detail} — another application reset the card")
    if is_("SCARD_E_TIMEOUT", "SCARD_W_UNRESPONSIVE_CARD"):
        return CardTimeoutError(f"{detail} — the card does not answer")
    if is_("SCARD_E_SHARING_VIOLATION"):
        return TransportError(f"{detail} — another application is using the card exclusively")
    return TransportError(detail)


def _call(scard: ModuleType, fn: Callable[..., _T], *args: object, doing: str) -> _T:
    """Call pyscard, turning its untyped exceptions into TransportError."""
    try:
        return fn(*args)
    except Exception as exc:  # SystemError on dead handles, TypeError, ...
        raise TransportError(f"{doing}: pyscard failed: {exc!r}") from exc


@contextmanager
def _context(scard: ModuleType) -> Iterator[Any]:
    result = _call(
        scard, scard.SCardEstablishContext, scard.SCARD_SCOPE_USER, doing="Connecting to pcscd"
    )
    hresult, hcontext = result
    if hresult != scard.SCARD_S_SUCCESS:
        raise _error(scard, hresult, "Connecting to pcscd")
    try:
        yield hcontext
    finally:
        try:
            scard.SCardReleaseContext(hcontext)
        except Exception:
            pass


def _list_readers(scard: ModuleType, hcontext: Any) -> list[str]:
    hresult, readers = _call(scard, scard.SCardListReaders, hcontext, [], doing="Listing readers")
    if _u32(hresult) == _u32(scard.SCARD_E_NO_READERS_AVAILABLE):
        return []
    if hresult != scard.SCARD_S_SUCCESS:
        raise _error(scard, hresult, "Listing readers")
    return list(readers)


def _states(scard: ModuleType, hcontext: Any, readers: list[str]) -> dict[str, tuple[int, bytes]]:
    """Reader -> (event state, ATR), right now (zero timeout)."""
    if not readers:
        return {}
    query = [(r, scard.SCARD_STATE_UNAWARE) for r in readers]
    hresult, states = _call(
        scard, scard.SCardGetStatusChange, hcontext, 0, query, doing="Reading reader state"
    )
    if hresult != scard.SCARD_S_SUCCESS:
        raise _error(scard, hresult, "Reading reader state")
    return {name: (int(state), bytes(atr)) for name, state, atr in states}


def _has_card(scard: ModuleType, state: int) -> bool:
    return bool(state & scard.SCARD_STATE_PRESENT)


def _strip_prefix(reader: str) -> str:
    return reader[len(NAME_PREFIX) :] if reader.startswith(NAME_PREFIX) else reader


def _resolve(readers: list[str], wanted: str | int) -> str:
    if not readers:
        raise ReaderNotFoundError(f"No PC/SC readers found — {_START_PCSCD}")
    listing = ", ".join(repr(r) for r in readers)
    if isinstance(wanted, int):
        if 0 <= wanted < len(readers):
            return readers[wanted]
        raise ReaderNotFoundError(f"No PC/SC reader #{wanted}; readers: {listing}")
    name = _strip_prefix(wanted)
    if name in readers:
        return name
    matches = [r for r in readers if name.casefold() in r.casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ReaderNotFoundError(
            f"{wanted!r} matches several readers: {', '.join(map(repr, matches))}"
        )
    raise ReaderNotFoundError(f"No PC/SC reader matches {wanted!r}; readers: {listing}")


def _description(reader: str) -> str:
    if reader.startswith(_VPCD_READER_PREFIX):
        return "PC/SC virtual reader (vsmartcard vpcd)"
    return "PC/SC reader"


def list_pcsc_readers(strict: bool = False) -> list[ReaderInfo]:
    """The PC/SC readers and whether each holds a card.

    Discovery must not fail just because PC/SC is unavailable, so by default
    a missing pyscard or a stopped pcscd yields []. With `strict=True` those
    raise `DriverMissingError` / `ReaderNotFoundError` instead.
    """
    try:
        scard = _scard()
        with _context(scard) as hcontext:
            readers = _list_readers(scard, hcontext)
            states = _states(scard, hcontext, readers)
    except TransportError:
        if strict:
            raise
        log.debug("PC/SC unavailable", exc_info=True)
        return []
    return [
        ReaderInfo(
            name=NAME_PREFIX + reader,
            kind="pcsc",
            description=_description(reader),
            card_present=_has_card(scard, states.get(reader, (0, b""))[0]),
        )
        for reader in readers
    ]


def wait_for_card_event(reader_name: str, timeout: float) -> bool | None:
    """Block until a card is inserted into (True) or removed from (False) a reader.

    Returns None when nothing changed within `timeout` seconds. A card swapped
    faster than we look counts as an insertion. `reader_name` may carry the
    "pcsc:" prefix and may be a unique substring.
    """
    scard = _scard()
    deadline = time.monotonic() + max(timeout, 0.0)
    with _context(scard) as hcontext:
        reader = _resolve(_list_readers(scard, hcontext), reader_name)
        state, _ = _states(scard, hcontext, [reader])[reader]
        was_present = _has_card(scard, state)
        while True:
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return None
            current = state & ~scard.SCARD_STATE_CHANGED
            hresult, states = _call(
                scard,
                scard.SCardGetStatusChange,
                hcontext,
                remaining_ms,
                [(reader, current)],
                doing="Waiting for a card",
            )
            if _u32(hresult) == _u32(scard.SCARD_E_TIMEOUT):
                return None
            if hresult != scard.SCARD_S_SUCCESS:
                raise _error(scard, hresult, "Waiting for a card", reader)
            new_state = int(states[0][1])
            if new_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                raise ReaderNotFoundError(f"Reader {reader!r} went away")
            present = _has_card(scard, new_state)
            # The high 16 bits count insertions and removals, so a swap that
            # leaves "present" set still shows up here. With no card, a count
            # change alone is noise: pcscd may clear "present" on an I/O
            # failure first and count the removal on its next poll.
            swapped = present and (new_state >> 16) != (state >> 16)
            if present != was_present or swapped:
                return present
            state = new_state


class _Worker:
    """One daemon thread that runs blocking PC/SC calls for a watchdog.

    pyscard cannot abandon a call, and a hung card blocks SCardTransmit
    indefinitely. Running it here lets `transmit` give up after the timeout;
    a daemon thread (unlike ThreadPoolExecutor's) cannot hold up interpreter
    exit if the call never returns.
    """

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], _T]) -> Future[_T]:
        future: Future[_T] = Future()
        self._jobs.put((fn, future))
        return future

    def shutdown(self) -> None:
        self._jobs.put(None)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)


class PcscTransport(Transport):
    """One card in one PC/SC reader, shared with other applications."""

    def __init__(self, reader: str | int | None = None, timeout: float = 5.0) -> None:
        """Connect to the card in `reader`.

        `reader` is a reader name (exact, or a unique substring; a "pcsc:"
        prefix is accepted), an index into the reader list, or None for the
        only reader that holds a card. `timeout` bounds each APDU and how
        long to retry while another application holds the card exclusively.
        """
        self._scard = scard = _scard()
        self._timeout = timeout
        self._hcontext: Any = None
        self._hcard: Any = None
        self._worker: _Worker | None = None
        self._stuck = False
        self._closed = False
        self._max_command: int | None = None

        result = _call(
            scard, scard.SCardEstablishContext, scard.SCARD_SCOPE_USER, doing="Connecting to pcscd"
        )
        if result[0] != scard.SCARD_S_SUCCESS:
            raise _error(scard, result[0], "Connecting to pcscd")
        self._hcontext = result[1]
        try:
            self.reader_name = self._pick_reader(reader)
            self.name = NAME_PREFIX + self.reader_name
            self._connect()
            if self.reader_name.startswith(_VPCD_READER_PREFIX):
                self.max_response_length = _VPCD_MAX_RESPONSE_DATA
                self._max_command = _VPCD_MAX_COMMAND
            self._worker = _Worker(f"pcsc-{self.reader_name}")
        except BaseException:
            self.close()
            raise

    # -- setup -------------------------------------------------------------

    def _pick_reader(self, wanted: str | int | None) -> str:
        scard = self._scard
        readers = _list_readers(scard, self._hcontext)
        if wanted is not None:
            return _resolve(readers, wanted)
        if not readers:
            raise ReaderNotFoundError(f"No PC/SC readers found — {_START_PCSCD}")
        states = _states(scard, self._hcontext, readers)
        with_card = [r for r in readers if _has_card(scard, states.get(r, (0, b""))[0])]
        listing = ", ".join(repr(r) for r in readers)
        if len(with_card) == 1:
            return with_card[0]
        if not with_card:
            raise NoCardError(f"No card in any PC/SC reader (readers: {listing})")
        raise ReaderNotFoundError(
            f"Cards in several readers ({', '.join(map(repr, with_card))}); choose one"
        )

    def _connect(self) -> None:
        scard = self._scard
        deadline = time.monotonic() + self._timeout
        while True:
            hresult, hcard, protocol = _call(
                scard,
                scard.SCardConnect,
                self._hcontext,
                self.reader_name,
                scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
                doing="Connecting to the card",
            )
            if hresult == scard.SCARD_S_SUCCESS:
                break
            busy = _u32(hresult) == _u32(scard.SCARD_E_SHARING_VIOLATION)
            if not busy or time.monotonic() >= deadline:
                raise _error(scard, hresult, "Connecting to the card", self.reader_name)
            time.sleep(0.1)
        self._hcard = hcard
        self._protocol = int(protocol)
        self._pci = (
            scard.SCARD_PCI_T1 if protocol == scard.SCARD_PROTOCOL_T1 else scard.SCARD_PCI_T0
        )
        status = _call(scard, scard.SCardStatus, hcard, doing="Reading the ATR")
        if status[0] != scard.SCARD_S_SUCCESS:
            raise self._session_error(status[0], "Reading the ATR")
        self._atr = bytes(status[4])
        with _context(scard) as hcontext:
            state, _ = _states(scard, hcontext, [self.reader_name])[self.reader_name]
        # pcscd counts insertions and removals in the high 16 bits of the
        # reader state; a different count later means this card is gone.
        self._event_count = state >> 16

    # -- Transport ----------------------------------------------------------

    def __enter__(self) -> PcscTransport:
        return self

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> str:
        """The protocol the reader negotiated: "T=0" or "T=1"."""
        return "T=1" if self._protocol == self._scard.SCARD_PROTOCOL_T1 else "T=0"

    def transmit(self, apdu: bytes) -> bytes:
        scard = self._scard
        if self._closed or self._worker is None:
            raise TransportError(f"{self.name} is closed")
        if self._stuck:
            raise CardTimeoutError(f"{self.name}: an earlier command never finished; reconnect")
        if len(apdu) < 4:
            # Also protects vpcd, where a 1-byte APDU would read as a control
            # message ("00" = power off) and hang the reader.
            raise ValueError(f"a command APDU has at least 4 bytes, got {len(apdu)}")
        if self._max_command is not None and len(apdu) > self._max_command:
            raise TransportError(
                f"{self.name} carries commands of at most {self._max_command} bytes, got {len(apdu)}"
            )
        hcard, pci, command = self._hcard, self._pci, list(apdu)
        future = self._worker.submit(lambda: scard.SCardTransmit(hcard, pci, command))
        try:
            hresult, response = future.result(timeout=self._timeout)
        except FutureTimeout:
            # The call is still blocked in pcscd; the card's state is unknown,
            # so this connection is finished.
            self._stuck = True
            raise CardTimeoutError(
                f"{self.name}: no answer from the card within {self._timeout:g} s"
            ) from None
        except Exception as exc:
            raise TransportError(f"{self.name}: pyscard failed: {exc!r}") from exc
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._session_error(hresult, "Sending a command")
        data = bytes(response)
        if not data:
            # What vpcd and some contactless readers give when the card went away
            # between the command and its answer.
            raise CardRemovedError()
        if len(data) < 2:
            raise TransportError(
                f"{self.name}: the reader returned {len(data)} bytes, no status word"
            )
        return data

    def card_present(self) -> bool:
        # A fresh context: ours may be blocked by a transmit still in flight.
        try:
            scard = self._scard
            with _context(scard) as hcontext:
                state, _ = _states(scard, hcontext, [self.reader_name])[self.reader_name]
        except TransportError:
            return False
        return not self._gone(state)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        scard = self._scard
        hcard, hcontext = self._hcard, self._hcontext

        def release() -> None:
            # Reset rather than leave the card: an eID session (PACE, PIN
            # verified) must not stay usable by the next application.
            if hcard is not None:
                try:
                    scard.SCardDisconnect(hcard, scard.SCARD_RESET_CARD)
                except Exception:
                    pass
            if hcontext is not None:
                try:
                    scard.SCardReleaseContext(hcontext)
                except Exception:
                    pass

        if self._worker is None:
            release()
            return
        done = self._worker.submit(release)
        self._worker.shutdown()
        if not self._stuck:
            # After close() returns, the card is reset and free for others.
            try:
                done.result(timeout=self._timeout)
            except Exception:
                pass
        # When stuck, the release waits behind the hung transmit (pcsc-lite
        # locks the context for the whole call); close() must not hang too.

    # -- errors --------------------------------------------------------------

    def _session_error(self, hresult: int, doing: str) -> TransportError:
        """Map a failure on an open connection: "no card" now means "removed"."""
        scard = self._scard
        code = _u32(hresult)

        def is_(*names: str) -> bool:
            return any(code == _u32(getattr(scard, n, -1)) for n in names)

        if is_("SCARD_W_REMOVED_CARD", "SCARD_E_NO_SMARTCARD"):
            return CardRemovedError()
        if is_("SCARD_W_RESET_CARD"):
            return CardRemovedError(
                f"Another application reset the card in {self.reader_name!r}; the session is lost"
            )
        if is_("SCARD_E_UNKNOWN_READER", "SCARD_E_READER_UNAVAILABLE"):
            return CardRemovedError(f"The reader {self.reader_name!r} went away")
        if is_(
            "SCARD_E_NOT_TRANSACTED",
            "SCARD_F_COMM_ERROR",
            "SCARD_E_COMM_DATA_LOST",
            "SCARD_F_UNKNOWN_ERROR",
        ) and self._removed_within(_REMOVAL_GRACE):
            # vpcd and many drivers report a pulled card as a plain I/O
            # failure; pcscd only flags the removal on its next poll.
            return CardRemovedError()
        return _error(scard, hresult, doing, self.reader_name)

    def _removed_within(self, grace: float) -> bool:
        scard = self._scard
        try:
            with _context(scard) as hcontext:
                state, _ = _states(scard, hcontext, [self.reader_name])[self.reader_name]
                if self._gone(state):
                    return True
                hresult, states = _call(
                    scard,
                    scard.SCardGetStatusChange,
                    hcontext,
                    int(grace * 1000),
                    [(self.reader_name, state & ~scard.SCARD_STATE_CHANGED)],
                    doing="Checking for the card",
                )
        except TransportError:
            return True  # pcscd or the reader is gone too
        return hresult == scard.SCARD_S_SUCCESS and self._gone(int(states[0][1]))

    def _gone(self, state: int) -> bool:
        return not _has_card(self._scard, state) or (state >> 16) != self._event_count
