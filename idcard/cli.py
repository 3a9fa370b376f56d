"""The `idcard` command (cli.md): the GUI's operations, scriptable.

Exit codes: 0 ok · 1 verification failed · 2 usage · 3 card/reader ·
4 PIN problem · 5 untrusted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from idcard import __version__
from idcard.errors import PinError, UsageError
from idcard.secrets_input import SecretReader
from idcard.session import CAN, PIN, IdCard
from reader.errors import CodedError, TransportError

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_CARD, EXIT_PIN, EXIT_UNTRUSTED = 0, 1, 2, 3, 4, 5


def _exit_code(exc: Exception) -> int:
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    code = getattr(exc, "code", "")
    if isinstance(exc, PinError) or code.split(".")[0] in ("pin", "pin2", "puk", "can", "mrz"):
        return EXIT_PIN
    return EXIT_CARD


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: dict[str, object], text: str) -> None:
        if self.as_json:
            json.dump(data, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            print(text)

    def error(self, exc: CodedError) -> None:
        body = exc.to_json()
        if self.as_json:
            json.dump({"error": body}, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        print(f"idcard: {exc}", file=sys.stderr)


# -- readers ---------------------------------------------------------------------
def cmd_readers(args: argparse.Namespace, out: Output) -> int:
    from reader.registry import list_readers

    readers = list_readers(include_demo=True)
    lines = [
        f"{r.name}\t{'card' if r.card_present else 'empty'}\t{r.description}" for r in readers
    ]
    out.result({"readers": [r.to_json() for r in readers]}, "\n".join(lines))
    return EXIT_OK


def _default_reader() -> str:
    from reader.registry import list_readers

    readers = list_readers(include_demo=False)
    with_card = [r for r in readers if r.card_present]
    if len(with_card) == 1:
        return with_card[0].name
    names = ", ".join(r.name for r in readers) or "none found"
    if not with_card:
        raise TransportError(
            f"No card found in any reader (readers: {names}). Put your card on the reader, "
            "or use --reader emulator:demo for the built-in demo card.",
            code="card.absent",
        )
    raise UsageError(f"Several readers hold a card ({names}); choose one with --reader.")


def open_card(args: argparse.Namespace) -> IdCard:
    name = args.reader or _default_reader()
    kwargs: dict[str, object] = {}
    if getattr(args, "short_apdus", False):
        kwargs["extended_length"] = False
    return IdCard.open(name, **kwargs)


# -- pin -------------------------------------------------------------------------
def cmd_pin(args: argparse.Namespace, out: Output) -> int:
    action = args.action
    stdin = args.pin_stdin or args.puk_stdin or args.can_stdin
    secrets = SecretReader(stdin)
    with open_card(args) as card:
        if action == "status":
            return _pin_status(card, args, secrets, out)
        if action == "change":
            if args.signature_pin:
                if args.can_stdin or not stdin:
                    card.unlock(CAN, secrets.read("CAN: "))
                current = secrets.read("Current signature PIN: ")
                new = secrets.read("New signature PIN: ")
                card.change_signature_pin(current, new)
                out.result({"signaturePin": {"changed": True}}, "Signature PIN changed.")
                return EXIT_OK
            current = secrets.read("Current PIN: ")
            new = secrets.read("New PIN: ")
            card.change_pin(current, new)
            out.result({"pin": {"changed": True}}, "PIN changed.")
            return EXIT_OK
        if action == "unblock":
            puk = secrets.read("PUK: ")
            if args.signature_pin:
                new = secrets.read("New signature PIN: ")
                card.unblock_signature_pin(puk, new)
                out.result({"signaturePin": {"unblocked": True}}, "Signature PIN unblocked and set.")
                return EXIT_OK
            new_pin = secrets.read("New PIN (empty to keep the old one): ") or None
            card.unblock_pin(puk, new_pin)
            out.result({"pin": {"unblocked": True, "triesLeft": 3}}, "PIN unblocked: 3 tries.")
            return EXIT_OK
    raise UsageError(f"unknown pin action {action!r}")


def _pin_status(card: IdCard, args: argparse.Namespace, secrets: SecretReader, out: Output) -> int:
    pin = card.pin_status()
    puk_uses = card.puk_uses_left()
    signature = None
    if args.can_stdin:
        # PIN2's counter is only readable inside a secure channel; the CAN opens
        # one without touching the PIN counter.
        card.unlock(CAN, secrets.read("CAN: "))
        signature = card.signature_pin_status()
    data = {
        "pin": pin.to_json(),
        "signaturePin": signature.to_json() if signature else None,
        "pukUsesLeft": puk_uses,
    }
    text = f"PIN: {pin.state}, {pin.tries_left} tries left"
    if signature:
        text += f"\nSignature PIN: {signature.state}, {signature.tries_left} tries left"
    if puk_uses is not None:
        text += f"\nPUK: {puk_uses} uses left"
    out.result(data, text)
    return EXIT_OK


# -- demo ------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    """A tour of the built-in demo card, for `make run` where there is no display."""
    with IdCard.open("emulator:demo") as card:
        status = card.pin_status()
        card.unlock(PIN, "123456")
        com = card.read_ef_com()
        face = card.read_dg(2)
        stats = card.stats
        data = {
            "reader": "emulator:demo",
            "pin": status.to_json(),
            "efCom": com.hex(),
            "dg2Bytes": len(face),
            "apdus": stats.apdus,
        }
        out.result(
            data,
            "Demo card (emulator:demo)\n"
            f"  PIN: {status.state}, {status.tries_left} tries left\n"
            f"  Unlocked with PACE-PIN (demo PIN), secure messaging on\n"
            f"  EF.COM: {com.hex()}\n"
            f"  DG2 (face): {len(face)} bytes read in {stats.apdus} APDUs\n"
            "Try: idcard pin status --reader emulator:demo",
        )
    return EXIT_OK


# -- parser ----------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idcard", description="National smart ID card client")
    parser.add_argument("--version", action="version", version=f"idcard {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log APDUs (secrets redacted)")
    sub = parser.add_subparsers(dest="command", required=True)

    def card_command(name: str, help_text: str, func: Callable[..., int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--reader", help="reader name (see `idcard readers`)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--short-apdus", action="store_true", help="never use extended-length APDUs")
        p.set_defaults(func=func)
        return p

    p = sub.add_parser("readers", help="list readers and whether a card is present")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_readers)

    p = card_command("pin", "PIN status, change, unblock", cmd_pin)
    p.add_argument("action", choices=["status", "change", "unblock"])
    p.add_argument("--pin-stdin", action="store_true", help="read PIN(s) from standard input")
    p.add_argument("--can-stdin", action="store_true", help="read the CAN from standard input")
    p.add_argument("--puk-stdin", action="store_true", help="read the PUK from standard input")
    p.add_argument("--signature-pin", action="store_true", help="act on the signature PIN (PIN2)")

    p = sub.add_parser("demo", help="a tour of the built-in demo card")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    out = Output(getattr(args, "json", False))
    try:
        return int(args.func(args, out))
    except CodedError as exc:
        out.error(exc)
        return _exit_code(exc)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
