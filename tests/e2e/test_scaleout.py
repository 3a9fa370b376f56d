"""Two portal processes on one nonce store: every login succeeds, none twice (the scale-out bench's harness).

Real redis-server on a loopback port and a real SQLite file, both durability
settings; tokens made with the emulator card's keys for the nonces the
stores will draw.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import scaleout
from idcard.portal.errors import TokenError
from mock_card.testing.redis_server import redis_server


@pytest.fixture(scope="module")
def tokens() -> list[list[str]]:
    return [scaleout.make_tokens(worker, 8) for worker in range(2)]


@pytest.mark.parametrize("kind", ["sqlite", "sqlite-fast"])
def test_two_processes_on_one_sqlite_file(kind: str, tokens: list[list[str]], tmp_path: Path) -> None:
    spec = f"{kind}:{tmp_path / 'nonces.sqlite'}"
    row = scaleout.run(spec, kind, tokens)
    assert (row.logins, row.errors, row.first_error) == (16, 0, "")
    # Every nonce was consumed: a replay of any token is refused.
    store = scaleout._open_store(spec, 0)
    with pytest.raises(TokenError) as refused:
        store.consume(store.find(_nonce(0, 0)).nonce, "session-0-0")  # type: ignore[attr-defined, union-attr]
    assert refused.value.code == "nonce.reused"


def test_two_processes_on_one_redis(tokens: list[list[str]]) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with redis_server() as url:
        row = scaleout.run(f"redis:{url}", "redis", tokens)
    assert (row.logins, row.errors, row.first_error) == (16, 0, "")
    # The split the table prints: worker CPU, the server's own CPU, waits that are never negative.
    assert row.cpu_ms > 0.1 and row.server_cpu_ms > 0
    assert row.core_wait_ms >= 0 and row.blocked_ms >= 0 and row.others_cores >= 0
    assert 0 < row.ceiling(2) <= 2 * 1000 / row.cpu_ms


def test_the_best_of_several_runs_keeps_every_runs_errors() -> None:
    runs = [
        scaleout.ScaleRow("sqlite", 2, 10, 0, 1.0, ""),
        scaleout.ScaleRow("sqlite", 2, 9, 1, 0.5, "TokenError: nonce.reused"),
    ]
    best = scaleout._best(runs)
    assert best.per_second == 18 and best.errors == 1 and best.first_error.startswith("TokenError")


def test_a_wrong_token_is_counted_as_an_error(tokens: list[list[str]], tmp_path: Path) -> None:
    swapped = [tokens[1][:2], tokens[0][:2]]  # made for the other worker's nonces
    row = scaleout.run(f"sqlite-fast:{tmp_path / 'n.sqlite'}", "sqlite-fast", swapped)
    assert (row.logins, row.errors) == (0, 4)
    assert "TokenError" in row.first_error


def _nonce(worker: int, index: int) -> str:
    import base64

    return base64.b64encode(scaleout._nonce_bytes(worker, index)).decode()
