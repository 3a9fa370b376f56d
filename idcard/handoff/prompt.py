"""Who asks the citizen: consent, PIN, progress and the final word.

The hand-off workflow talks to the citizen only through `Prompt`, so the
same flow runs behind the desktop app's dialogs, a terminal (`idcard serve`,
`idcard auth`) or — in tests, and only when explicitly asked for — an
automatic prompt that consents and types a PIN taken from the environment.

A prompt never logs or stores a PIN: `pin()` hands it to the workflow, which
uses it for one PACE run and drops it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Protocol, TextIO, runtime_checkable

from idcard.errors import UsageError
from idcard.origin import display_origin
from idcard.secrets_input import SecretReader

__all__ = [
    "ATTRIBUTE_LABELS",
    "TEST_PIN_ENV",
    "AutoPrompt",
    "Prompt",
    "TerminalPrompt",
    "describe_attributes",
]

log = logging.getLogger("idcard.handoff")

#: Environment variable AutoPrompt takes the PIN from (test mode only).
TEST_PIN_ENV = "IDCARD_TEST_PIN"

#: What the citizen is told a portal asks for.
ATTRIBUTE_LABELS = {
    "name": "your name (Persian and Latin)",
    "nationalCode": "your national code",
    "birthDate": "your date of birth",
    "photo": "your photo",
}


def describe_attributes(attributes: Sequence[str]) -> str:
    if not attributes:
        return "only that you are the holder of your card"
    return ", ".join(ATTRIBUTE_LABELS.get(a, a) for a in attributes)


@runtime_checkable
class Prompt(Protocol):
    """The citizen's side of one hand-off workflow.

    `consent` answers True (everything asked for), False (refused) or the set
    of attributes the citizen releases (a subset of those asked for; an empty
    set still logs in, releasing no optional data). `pin` answers the PIN, or
    None when the citizen cancels. `tries_left` is the card's PIN counter
    (None when the card does not tell).
    """

    def consent(self, origin: str, attributes: Sequence[str]) -> bool | set[str]: ...

    def pin(self, origin: str, tries_left: int | None) -> str | None: ...

    def progress(self, step: str, percent: int) -> None: ...

    def done(self, origin: str | None, ok: bool, message: str) -> None: ...


class TerminalPrompt:
    """Asks on the terminal; the PIN with echo off (or one line of stdin with `pin_stdin`).

    Questions and progress go to `output` (stderr by default), so a command's
    standard output stays its result.
    """

    def __init__(
        self,
        *,
        assume_yes: bool = False,
        pin_stdin: bool = False,
        input: TextIO | None = None,
        output: TextIO | None = None,
        show_progress: bool = False,
    ) -> None:
        self.assume_yes = assume_yes
        self.input = input or sys.stdin
        self.output = output or sys.stderr
        self.show_progress = show_progress
        self._secrets = SecretReader(pin_stdin, self.input)
        self._pin_asked = False

    def _say(self, text: str) -> None:
        print(text, file=self.output, flush=True)

    def _ask(self, question: str) -> bool:
        self.output.write(question)
        self.output.flush()
        line = self.input.readline()
        return line.strip().lower() in ("y", "yes")

    def consent(self, origin: str, attributes: Sequence[str]) -> bool | set[str]:
        self._pin_asked = False
        self._say(f"\n{display_origin(origin)} asks you to log in with your national ID card.")
        self._say(f"It will receive {describe_attributes(attributes)}.")
        if self.assume_yes:
            self._say("Accepted (--yes).")
            return True
        if not self._interactive():
            raise UsageError("No terminal to ask for consent; pass --yes to accept the request.")
        if not self._ask("Allow? [y/N] "):
            return False
        if "photo" in attributes and not self._ask("Also release your photo? [y/N] "):
            return {a for a in attributes if a != "photo"}
        return True

    def _interactive(self) -> bool:
        return self.input is not sys.stdin or sys.stdin.isatty()

    def pin(self, origin: str, tries_left: int | None) -> str | None:
        tries = "" if tries_left is None else f" ({tries_left} tries left)"
        self._say(f"Enter your card PIN to log in to {display_origin(origin)}{tries}.")
        again, self._pin_asked = self._pin_asked, True
        if again and self._secrets.from_stdin:
            # Asked again after a wrong PIN: no further line means "give up", not a usage error.
            line = self.input.readline()
            return line.rstrip("\r\n") or None
        try:
            pin = self._secrets.read("PIN: ")
        except (EOFError, KeyboardInterrupt):
            return None
        return pin or None

    def progress(self, step: str, percent: int) -> None:
        if self.show_progress:
            self._say(f"[{percent:3d}%] {step}")

    def done(self, origin: str | None, ok: bool, message: str) -> None:
        self._say(message)


class AutoPrompt:
    """TEST MODE: consents to everything and answers the PIN from $IDCARD_TEST_PIN.

    Only `idcard serve --test-auto-consent` (and tests) create one; it says
    so loudly in the log, at start and at every request, because anyone who
    can make the browser navigate could then log in with the card in the
    reader. The PIN is read from the environment when asked for, never kept.
    After a wrong PIN it does not try again (answers None), so a test's wrong
    PIN costs exactly one try.
    """

    def __init__(self, environ: Mapping[str, str] | None = None, *, env_var: str = TEST_PIN_ENV) -> None:
        self.environ = os.environ if environ is None else environ
        self.env_var = env_var
        if not self.environ.get(env_var):
            raise UsageError(f"Test auto-consent needs the PIN in the environment variable {env_var}.")
        self._asked = False
        log.warning(
            "TEST MODE: every hand-off request is accepted without asking, with the PIN from $%s. "
            "Never run this with a real card.",
            env_var,
        )

    def consent(self, origin: str, attributes: Sequence[str]) -> bool | set[str]:
        log.warning("TEST MODE: auto-consent for %s (attributes: %s)", origin, ", ".join(attributes) or "none")
        self._asked = False
        return True

    def pin(self, origin: str, tries_left: int | None) -> str | None:
        if self._asked:
            return None
        self._asked = True
        log.warning("TEST MODE: entering the PIN from $%s for %s", self.env_var, origin)
        return self.environ.get(self.env_var) or None

    def progress(self, step: str, percent: int) -> None:
        log.debug("hand-off: %s (%d%%)", step, percent)

    def done(self, origin: str | None, ok: bool, message: str) -> None:
        log.warning("TEST MODE: hand-off for %s %s: %s", origin, "succeeded" if ok else "failed", message)

