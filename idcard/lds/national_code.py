"""The Iranian national code (کد ملی): ten digits, the last a mod-11 check digit.

With d0..d8 the first nine digits, s = sum(d_i * (10 - i)) mod 11, and the
check digit is s if s < 2, else 11 - s (card-profile.md). Only ASCII digits
count: turning Persian digits typed by a user into ASCII is the UI's job.
"""

from __future__ import annotations


def _ascii_digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def national_code_check_digit(first9: str) -> int:
    if not _ascii_digits(first9, 9):
        raise ValueError("the check digit is computed over exactly nine ASCII digits")
    s = sum(int(d) * (10 - i) for i, d in enumerate(first9)) % 11
    return s if s < 2 else 11 - s


def is_valid_national_code(code: str) -> bool:
    if not isinstance(code, str) or not _ascii_digits(code, 10):
        return False
    return national_code_check_digit(code[:9]) == int(code[9])
