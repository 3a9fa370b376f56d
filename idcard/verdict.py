"""Verification is data, not a boolean (architecture.md).

Every step of verifying a document or a token is a `Check` with a stable
code (`sod.signature`, `sod.hash.dg2`, `csca.chain`, `chip.active_auth` …),
a result and a human reason. A `Verdict` is the list; it is `verified` only
when every check that was performed passed and every required one was.
"Untrusted" (no anchor for the issuer) is its own result, not a failure.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Result(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    #: The chain is sound as far as it goes, but ends at no trusted anchor.
    UNTRUSTED = "untrusted"
    NOT_PERFORMED = "not_performed"


@dataclass(frozen=True)
class Check:
    code: str
    result: Result
    reason: str
    #: Extra machine-readable facts (algorithm, subject, dates …); never secrets.
    details: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "result": self.result.value, "reason": self.reason}
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class Verdict:
    checks: list[Check] = field(default_factory=list)
    #: Codes that must be present and passed for `verified` (a policy).
    required: tuple[str, ...] = ()

    def add(self, code: str, result: Result, reason: str, **details: object) -> Check:
        check = Check(code, result, reason, dict(details))
        self.checks.append(check)
        return check

    def passed(self, code: str, reason: str, **details: object) -> Check:
        return self.add(code, Result.PASSED, reason, **details)

    def failed(self, code: str, reason: str, **details: object) -> Check:
        return self.add(code, Result.FAILED, reason, **details)

    def untrusted(self, code: str, reason: str, **details: object) -> Check:
        return self.add(code, Result.UNTRUSTED, reason, **details)

    def not_performed(self, code: str, reason: str, **details: object) -> Check:
        return self.add(code, Result.NOT_PERFORMED, reason, **details)

    def extend(self, checks: Iterable[Check]) -> None:
        self.checks.extend(checks)

    def get(self, code: str) -> Check | None:
        for check in self.checks:
            if check.code == code:
                return check
        return None

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.result is Result.FAILED]

    @property
    def is_untrusted(self) -> bool:
        return any(c.result is Result.UNTRUSTED for c in self.checks)

    @property
    def verified(self) -> bool:
        if self.failures or self.is_untrusted:
            return False
        for code in self.required:
            check = self.get(code)
            if check is None or check.result is not Result.PASSED:
                return False
        return any(c.result is Result.PASSED for c in self.checks)

    def to_json(self) -> dict[str, object]:
        return {
            "verified": self.verified,
            "untrusted": self.is_untrusted,
            "checks": [c.to_json() for c in self.checks],
        }
