"""The app's settings, from the command line (see `gui.app.parse_args`)."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass, field

from gui.i18n import DEFAULT_LANGUAGE
from idcard.desk.records import DEFAULT_PURPOSE

#: The registry's card-authentication service for real cards, when not given as --key-service.
KEY_SERVICE_ENV = "IDCARD_KEY_SERVICE"


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


@dataclass
class AppConfig:
    #: The built-in demo card (and the TEST trust anchors it is signed with).
    demo: bool = False
    #: Extra reader names to list (e.g. `emulator:card.json`, `nfc:udp:127.0.0.1:54321`).
    readers: list[str] = field(default_factory=list)
    #: The reader to select first.
    reader: str | None = None
    language: str = DEFAULT_LANGUAGE
    #: CSCA certificates / folders / master lists for documents.
    trust: list[str] = field(default_factory=list)
    #: Root (and intermediate) certificates of the citizen certificates.
    citizen_trust: list[str] = field(default_factory=list)
    #: Desk records: a SQLite file path (default in the user's data folder) or a postgresql:// URL.
    desk_db: str | None = None
    desk_name: str = field(default_factory=socket.gethostname)
    operator: str = field(default_factory=_operator)
    purpose: str = DEFAULT_PURPOSE
    handoff: bool = True
    handoff_port: int = 24727
    #: Allow plain http:// portal requests on this computer (portal development).
    dev: bool = False
    poll_interval: float = 0.5
    #: Seconds of artificial delay per APDU on the demo card (to see the app stay responsive).
    demo_latency: float = 0.0
    start_page: str = "home"
    #: URL of the registry's card-authentication service: with it a real card's chip can
    #: prove it is genuine (idcard.cards.keyservice); without it that check is not performed.
    key_service: str | None = None

    @property
    def key_service_url(self) -> str | None:
        return self.key_service or os.environ.get(KEY_SERVICE_ENV) or None

    @property
    def env_db(self) -> str | None:
        return os.environ.get("IDCARD_DESK_DB") or None
