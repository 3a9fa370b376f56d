"""Verdict's look-ups and the per-bytes caches stay exact (issue 10's verifier work)."""

from __future__ import annotations

import pytest

from idcard.assertion.token import TokenFormatError, b64, unb64
from idcard.pki import certcache
from idcard.verdict import Check, Result, Verdict


def test_get_sees_checks_appended_directly_and_keeps_the_first_of_a_code() -> None:
    v = Verdict()
    v.passed("a", "first a")
    assert v.get("b") is None
    v.checks.append(Check("b", Result.FAILED, "appended by hand"))
    v.failed("a", "second a")
    assert v.get("b") is not None and v.get("b").result is Result.FAILED
    assert v.get("a").reason == "first a"


def test_get_follows_a_replaced_or_shortened_list() -> None:
    v = Verdict()
    v.passed("a", "x")
    assert v.get("a") is not None
    v.checks = [Check("c", Result.PASSED, "new list")]
    assert v.get("a") is None and v.get("c") is not None
    v.checks.clear()
    v.checks.append(Check("d", Result.PASSED, "after clear"))
    assert v.get("c") is None and v.get("d") is not None


@pytest.mark.parametrize(
    ("results", "required", "verified"),
    [
        ((Result.PASSED,), (), True),
        ((Result.PASSED, Result.FAILED), (), False),
        ((Result.PASSED, Result.UNTRUSTED), (), False),
        ((Result.NOT_PERFORMED,), (), False),
        ((Result.PASSED, Result.NOT_PERFORMED), ("c1",), False),
        ((Result.PASSED, Result.NOT_PERFORMED), ("c0",), True),
        ((Result.PASSED,), ("missing",), False),
    ],
)
def test_verified(results: tuple[Result, ...], required: tuple[str, ...], verified: bool) -> None:
    v = Verdict(required=required)
    for n, result in enumerate(results):
        v.add(f"c{n}", result, "r")
    assert v.verified is verified


def test_verified_judges_the_first_check_of_a_required_code() -> None:
    v = Verdict(required=("a",))
    v.not_performed("a", "first")
    v.passed("a", "later")
    assert v.verified is False
    v = Verdict(required=("a",))
    v.passed("a", "first")
    v.not_performed("a", "later")
    assert v.verified is True


@pytest.mark.parametrize(
    ("results", "required", "verified"),
    [
        ((Result.NOT_PERFORMED, Result.PASSED), (), True),
    ],
)
def test_verified_with_repeated_codes(
    results: tuple[Result, ...], required: tuple[str, ...], verified: bool
) -> None:
    v = Verdict(required=required)
    for result in results:
        v.add("same", result, "r")
    assert v.verified is verified


def test_check_details_are_its_own_and_default_empty() -> None:
    v = Verdict()
    check = v.passed("a", "r", x=1)
    assert check.details == {"x": 1} and Check("b", Result.PASSED, "r").details == {}
    with pytest.raises(AttributeError):
        check.code = "other"  # type: ignore[misc]
    assert check == Check("a", Result.PASSED, "r", {"x": 1})


def test_per_bytes_caches_values_not_failures() -> None:
    calls: list[bytes] = []

    @certcache.per_bytes
    def parse(data: bytes) -> int:
        calls.append(data)
        if not data:
            raise ValueError("empty")
        return len(data)

    assert parse(b"abc") == 3 and parse(bytearray(b"abc")) == 3 and len(calls) == 1
    for _ in range(2):
        with pytest.raises(ValueError):
            parse(b"")
    assert len(calls) == 3
    certcache.clear()
    assert parse(b"abc") == 3 and len(calls) == 4


def test_large_base64_values_decode_exactly_and_refuse_bad_text() -> None:
    blob = bytes(range(256)) * 40  # over the cached-decode threshold
    text = b64(blob)
    assert unb64(text, "x") == blob
    other = bytes(reversed(blob))  # same length; a different text must not share the entry
    assert unb64(b64(other), "x") == other
    same_tail = "A" * 4 + text[4:]
    assert unb64(same_tail, "x") != blob
    with pytest.raises(TokenFormatError):
        unb64(text[:-4] + "*AAA", "x")
    with pytest.raises(TokenFormatError):
        unb64(text + "=", "x")
