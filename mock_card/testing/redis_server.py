"""A throw-away `redis-server` on a free loopback port, for tests and benchmarks.

No persistence, its own working folder, stopped (and waited for) on exit.
`RedisUnavailable` says which part is missing: the Debian package
redis-server or the redis Python package.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager


class RedisUnavailable(RuntimeError):
    """redis-server or the redis Python package is missing."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _binary() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if found is None:
        raise RedisUnavailable("redis-server is not installed (Debian package redis-server)")
    return found


@contextmanager
def redis_server(start_timeout: float = 15.0) -> Iterator[str]:
    """Run redis-server on 127.0.0.1 and yield its ``redis://`` URL."""
    binary = _binary()
    try:
        import redis
    except ModuleNotFoundError:
        raise RedisUnavailable(
            "the redis Python package is not installed (pip install 'idcard[redis]')"
        ) from None
    with tempfile.TemporaryDirectory(prefix="redis-") as workdir:
        port = free_port()
        log_path = os.path.join(workdir, "redis.log")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", workdir],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            url = f"redis://127.0.0.1:{port}/0"
            client = redis.Redis.from_url(url)
            try:
                deadline = time.monotonic() + start_timeout
                while True:
                    try:
                        if client.ping():
                            break
                    except redis.exceptions.ConnectionError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        with open(log_path, errors="replace") as text:
                            raise RuntimeError(f"redis-server did not start: {text.read()}")
                    time.sleep(0.05)
                yield url
            finally:
                client.close()
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
