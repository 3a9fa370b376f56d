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


# Any attribute read on an Enum class goes through EnumType's __getattr__ hook, about
# four plain global reads; the checks made per token read these often.
_PASSED, _FAILED = Result.PASSED, Result.FAILED
_UNTRUSTED, _NOT_PERFORMED = Result.UNTRUSTED, Result.NOT_PERFORMED


@dataclass(frozen=True, init=False)
class Check:
    code: str
    result: Result
    reason: str
    #: Extra machine-readable facts (algorithm, subject, dates …); never secrets.
    details: dict[str, object] = field(default_factory=dict)

    def __init__(
        self, code: str, result: Result, reason: str, details: dict[str, object] | None = None
    ) -> None:
        # A portal builds ~45 checks per token: filling __dict__ directly halves
        # the frozen dataclass's object.__setattr__ per field (issue 10).
        fields = self.__dict__
        fields["code"] = code
        fields["result"] = result
        fields["reason"] = reason
        fields["details"] = {} if details is None else details

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

    # `**details` is already a fresh dict: each method hands it to Check as it is.
    def add(self, code: str, result: Result, reason: str, **details: object) -> Check:
        check = Check(code, result, reason, details)
        self.checks.append(check)
        return check

    def passed(self, code: str, reason: str, **details: object) -> Check:
        check = Check(code, _PASSED, reason, details)
        self.checks.append(check)
        return check

    def failed(self, code: str, reason: str, **details: object) -> Check:
        check = Check(code, _FAILED, reason, details)
        self.checks.append(check)
        return check

    def untrusted(self, code: str, reason: str, **details: object) -> Check:
        check = Check(code, _UNTRUSTED, reason, details)
        self.checks.append(check)
        return check

    def not_performed(self, code: str, reason: str, **details: object) -> Check:
        check = Check(code, _NOT_PERFORMED, reason, details)
        self.checks.append(check)
        return check

    def extend(self, checks: Iterable[Check]) -> None:
        self.checks.extend(checks)

    def get(self, code: str) -> Check | None:
        for check in self.checks:
            if check.code == code:
                return check
        return None

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.result is _FAILED]

    @property
    def is_untrusted(self) -> bool:
        return any(c.result is _UNTRUSTED for c in self.checks)

    @property
    def verified(self) -> bool:
        first: dict[str, Check] = {}
        any_passed = False
        for check in reversed(self.checks):  # one pass; ends holding the first check per code
            result = check.result
            if result is _FAILED or result is _UNTRUSTED:
                return False
            any_passed = any_passed or result is _PASSED
            first[check.code] = check
        for code in self.required:
            required = first.get(code)
            if required is None or required.result is not _PASSED:
                return False
        return any_passed

    def to_json(self) -> dict[str, object]:
        return {
            "verified": self.verified,
            "untrusted": self.is_untrusted,
            "checks": [c.to_json() for c in self.checks],
        }
