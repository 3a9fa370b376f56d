"""An emulated registry card-authentication service (iran-nid-cards.md §6-§7), TEST keys only.

The real registry's protocol, envelope crypto and key derivation are not public
(§7, §8). This service speaks our own JSON protocol (`idcard.cards.keyservice`)
and derives each card's K_enc/K_mac from its CSN under a TEST master secret —
an EMULATOR ASSUMPTION; the emulated cards are personalised with the same
derivation, so a card not made from this master (a clone) fails authentication.
Binds 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from idcard.cards.keyservice import (
    CARD_KEYS_PATH,
    SMD_KEY_PATH,
    CardKeyRequest,
    CardKeys,
    KeyServiceError,
)

#: TEST master secret of the emulated registry. Not a real key of anything.
TEST_MASTER = hashlib.sha256(b"TEST NOCR emulated registry card-key master").digest()
#: Chip type -> CSN length in bytes, per endpoint: card authentication is Mav4's (§6),
#: the SMD key Pardis's (§5, CSN from its 12-byte 9038 answer).
SERVED = {CARD_KEYS_PATH: ("0004", 8), SMD_KEY_PATH: ("0101", 12)}


def card_keys_for(csn: bytes, master: bytes = TEST_MASTER) -> tuple[bytes, bytes]:
    """(K_enc, K_mac) of the card with this CSN: HMAC-SHA-256 diversification (EMULATOR ASSUMPTION)."""
    def derive(label: bytes) -> bytes:
        return hmac.new(master, label + csn, hashlib.sha256).digest()[:16]

    return derive(b"K_enc"), derive(b"K_mac")


def smd_key_for(csn: bytes, master: bytes = TEST_MASTER) -> bytes:
    """The Pardis card's SMD key, diversified like `card_keys_for` (EMULATOR ASSUMPTION)."""
    return hmac.new(master, b"SMD" + csn, hashlib.sha256).digest()[:16]


def create_app(master: bytes = TEST_MASTER) -> Starlette:
    async def card(request: Request) -> tuple[bytes, JSONResponse | None]:
        """The request's CSN, or the error answer."""
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
            asked = CardKeyRequest.from_json(body)
            csn = bytes.fromhex(asked.csn)
        except (ValueError, KeyServiceError):
            return b"", JSONResponse({"error": "malformed request"}, status_code=400)
        chip_type, csn_length = SERVED[request.url.path]
        if asked.chip_type != chip_type or len(csn) != csn_length:
            return b"", JSONResponse({"error": f"chip type {asked.chip_type} is not served here"}, status_code=422)
        return csn, None

    async def card_keys(request: Request) -> JSONResponse:
        csn, refused = await card(request)
        if refused is not None:
            return refused
        k_enc, k_mac = card_keys_for(csn, master)
        return JSONResponse(CardKeys(k_enc, k_mac, os.urandom(32), os.urandom(8)).to_json())

    async def smd_key(request: Request) -> JSONResponse:
        csn, refused = await card(request)
        if refused is not None:
            return refused
        return JSONResponse({"smdKey": smd_key_for(csn, master).hex()})

    return Starlette(
        routes=[
            Route(CARD_KEYS_PATH, card_keys, methods=["POST"]),
            Route(SMD_KEY_PATH, smd_key, methods=["POST"]),
        ]
    )


class RegistryService:
    """The service on 127.0.0.1 in a background thread; `url` once started."""

    def __init__(self, *, port: int = 0, master: bytes = TEST_MASTER) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(master), log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self, timeout: float = 10.0) -> RegistryService:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="registry-service")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.02)
        if not self._server.started:
            raise RuntimeError("the emulated registry service did not start")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> RegistryService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
