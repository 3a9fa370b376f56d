"""A time budget for HTTP fetches (a login's portal fetch, OCSP), enforced on every socket read and write.

httpx's timeouts are per operation: a server that trickles one byte every few
seconds never trips them, and the hand-off (one at a time) stays locked for
as long as it likes. `Budget` is a total deadline plus a cancel switch; the
`BudgetTransport` checks both before and during every read, write and
connect, in short slices, so a stale or hostile fetch ends within a fraction
of a second of its deadline or of `cancel()`.
"""

from __future__ import annotations

import threading
import time
import typing

import httpcore
import httpx

__all__ = ["Budget", "BudgetTransport"]

#: How often a blocked read wakes up to look at the deadline and the cancel switch.
_SLICE = 0.2


class Budget:
    """A deadline (seconds from now) and a cancel switch, shared by one login's steps."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.cancelled or self.remaining() <= 0.0

    def bound(self, timeout: float | None) -> float:
        """`timeout` cut to what is left (raises the httpcore timeout when nothing is)."""
        if self.expired:
            raise httpcore.ReadTimeout("the login's time budget is spent or it was cancelled")
        left = self.remaining()
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, budget: Budget) -> None:
        self._inner = inner
        self._budget = budget

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        own = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = self._budget.bound(None if own is None else max(0.0, own - time.monotonic()))
            try:
                return self._inner.read(max_bytes, min(wait, _SLICE))
            except httpcore.ReadTimeout:
                if own is not None and time.monotonic() >= own:
                    raise
                # else: only a slice ended; look at the budget again

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._budget.bound(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._budget.bound(timeout))
        return _Stream(inner, self._budget)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, budget: Budget) -> None:
        self._inner = httpcore.SyncBackend()
        self._budget = budget

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, self._budget.bound(timeout), local_address, socket_options)
        return _Stream(stream, self._budget)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, self._budget.bound(timeout), socket_options), self._budget)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class BudgetTransport(httpx.HTTPTransport):
    """httpx's own HTTP transport, its sockets held to `budget`."""

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=1,
            network_backend=_Backend(budget),
        )
