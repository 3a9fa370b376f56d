"""The desk's Active Authentication challenge, bound to the desk, the clerk and the moment."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass

from idcard.errors import CardStatusError
from idcard.session import IdCard

NONCE_LENGTH = 16


@dataclass(frozen=True)
class DeskChallenge:
    """The desk's Active Authentication challenge and the chip's raw answer.

    challenge = SHA-256("idcard-desk-v1" | desk | operator | time | nonce)[:8]:
    the chip's signature is bound to this desk, this clerk and this moment.
    """

    nonce: bytes
    challenge: bytes
    signature: bytes


def desk_challenge(desk: str, operator: str, when: dt.datetime, nonce: bytes) -> bytes:
    material = b"\x00".join(
        [b"idcard-desk-v1", desk.encode(), operator.encode(), when.isoformat().encode(), nonce]
    )
    return hashlib.sha256(material).digest()[:8]


def sign_desk_challenge(card: IdCard, desk: str, operator: str, when: dt.datetime) -> DeskChallenge | None:
    """Have the chip sign a fresh desk challenge; None when it has no Active Authentication.

    Call it before Chip Authentication: a chip that fails CA leaves no
    channel, and the desk wants the answer of every chip, genuine or not.
    """
    nonce = os.urandom(NONCE_LENGTH)
    challenge = desk_challenge(desk, operator, when, nonce)
    try:
        signature = card.internal_authenticate(challenge)
    except CardStatusError:
        return None  # no Active Authentication on this chip: the record says so
    return DeskChallenge(nonce, challenge, signature)
