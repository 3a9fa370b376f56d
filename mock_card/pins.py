"""PIN, CAN, PUK and PIN2 rules of the `nid-v1` profile (BSI TR-03110 style).

Kept apart from the APDU engine so the state machine can be read, and
tested, on its own: counters live in `Counters` (persistent), the per-power-
cycle facts in `PinSession`.
"""

from __future__ import annotations

import enum
import hmac
from dataclasses import dataclass

from idcard.protocol.pace.oids import PasswordRef
from mock_card.image import Counters, Secrets

PIN_TRIES = 3
PIN2_TRIES = 3


class PinState(enum.Enum):
    OK = "ok"
    SUSPENDED = "suspended"
    BLOCKED = "blocked"


@dataclass
class PinSession:
    """What the card remembers until it loses power."""

    #: A PACE-CAN succeeded: a suspended PIN may be tried once more.
    can_resumed: bool = False
    #: The secret the current secure channel was opened with.
    authenticated: PasswordRef | None = None
    #: PIN2 verified: one signature may be computed.
    pin2_verified: bool = False


class PinRules:
    def __init__(self, secrets: Secrets, counters: Counters) -> None:
        self.secrets = secrets
        self.counters = counters

    # -- state -------------------------------------------------------------
    @property
    def pin_state(self) -> PinState:
        if self.counters.pin_tries <= 0:
            return PinState.BLOCKED
        if self.counters.pin_tries == 1:
            return PinState.SUSPENDED
        return PinState.OK

    def mse_status(self, ref: PasswordRef) -> int:
        """The status word MSE:SET AT answers: the counter, without spending a try."""
        if ref == PasswordRef.PIN:
            tries = max(self.counters.pin_tries, 0)
            return 0x9000 if tries >= PIN_TRIES else 0x63C0 | tries
        if ref == PasswordRef.PUK:
            # Profile extension: the PUK's remaining uses, so a client can warn
            # before the last one. 9000 would hide how close the card is to dead.
            uses = self.counters.puk_uses
            return 0x6983 if uses <= 0 else 0x63C0 | min(uses, 15)
        return 0x9000

    def may_start(self, ref: PasswordRef, session: PinSession) -> int:
        """9000 if PACE with `ref` may run now, else the refusing status word."""
        if ref == PasswordRef.PIN:
            state = self.pin_state
            if state is PinState.BLOCKED:
                return 0x6983
            if state is PinState.SUSPENDED and not session.can_resumed:
                return 0x6985
        if ref == PasswordRef.PUK and self.counters.puk_uses <= 0:
            return 0x6983
        return 0x9000

    def secret_for(self, ref: PasswordRef) -> str:
        return {
            PasswordRef.MRZ: self.secrets.mrz_information,
            PasswordRef.CAN: self.secrets.can,
            PasswordRef.PIN: self.secrets.pin,
            PasswordRef.PUK: self.secrets.puk,
        }[ref]

    # -- outcomes of a PACE run -------------------------------------------
    def pace_succeeded(self, ref: PasswordRef, session: PinSession) -> None:
        session.authenticated = ref
        if ref == PasswordRef.PIN:
            self.counters.pin_tries = PIN_TRIES
            session.can_resumed = False
        elif ref == PasswordRef.CAN:
            session.can_resumed = True
        elif ref == PasswordRef.PUK:
            self.counters.puk_uses -= 1

    def pace_failed(self, ref: PasswordRef, session: PinSession) -> int:
        """Count the failure; return the status word the card answers."""
        session.authenticated = None
        if ref == PasswordRef.PIN:
            self.counters.pin_tries = max(self.counters.pin_tries - 1, 0)
            session.can_resumed = False
            return 0x63C0 | self.counters.pin_tries
        if ref == PasswordRef.PUK:
            # Every PUK attempt costs a use, or the PUK could be guessed forever.
            self.counters.puk_uses = max(self.counters.puk_uses - 1, 0)
            return 0x63C0 | min(self.counters.puk_uses, 15)
        return 0x6300

    # -- commands after PACE ----------------------------------------------
    def reset_retry_counter(self, session: PinSession) -> int:
        if session.authenticated != PasswordRef.PUK:
            return 0x6982
        self.counters.pin_tries = PIN_TRIES
        return 0x9000

    def set_pin(self, new_pin: bytes, session: PinSession) -> int:
        if session.authenticated not in (PasswordRef.PIN, PasswordRef.PUK):
            return 0x6982
        if not (len(new_pin) == 6 and new_pin.isdigit()):
            return 0x6A80
        self.secrets.pin = new_pin.decode()
        self.counters.pin_tries = PIN_TRIES
        return 0x9000

    def pin2_status(self) -> int:
        tries = self.counters.pin2_tries
        if tries <= 0:
            return 0x6983
        return 0x9000 if tries >= PIN2_TRIES else 0x63C0 | tries

    def verify_pin2(self, candidate: bytes, session: PinSession) -> int:
        if self.counters.pin2_tries <= 0:
            return 0x6983
        if hmac.compare_digest(candidate, self.secrets.pin2.encode()):
            self.counters.pin2_tries = PIN2_TRIES
            session.pin2_verified = True
            return 0x9000
        self.counters.pin2_tries -= 1
        session.pin2_verified = False
        return 0x63C0 | self.counters.pin2_tries

    def set_pin2(self, new_pin2: bytes, session: PinSession) -> int:
        # Unblock after PACE-PUK, or change right after a successful VERIFY.
        if session.authenticated != PasswordRef.PUK and not session.pin2_verified:
            return 0x6982
        if not (5 <= len(new_pin2) <= 12 and new_pin2.isdigit()):
            return 0x6A80
        self.secrets.pin2 = new_pin2.decode()
        self.counters.pin2_tries = PIN2_TRIES
        session.pin2_verified = False
        return 0x9000
