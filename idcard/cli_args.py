"""Option values shared by the `idcard` subcommands (idcard/cli.py and idcard/pdf/cli.py)."""

from __future__ import annotations

import datetime as dt

from idcard.errors import UsageError

__all__ = ["parse_at"]


def parse_at(value: str | None) -> dt.datetime | None:
    """`--at TIME`: an ISO 8601 time; one without a zone is UTC. None when not given."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--at takes an ISO time such as 2024-05-01 or 2024-05-01T12:00:00Z, not {value!r}.") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
