"""The `idcard` command (cli.md): the GUI's operations, scriptable.

Exit codes: 0 ok · 1 verification failed · 2 usage · 3 card/reader ·
4 PIN problem · 5 untrusted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509

from idcard import __version__
from idcard.assertion.builder import build_token
from idcard.assertion.messages import normalize_attributes, normalize_origin, validate_nonce
from idcard.assertion.token import dumps
from idcard.cards.base import CardDriver, Operation, UnsupportedOperationError, pin_counters_json
from idcard.cards.describe import describe_card
from idcard.cards.keyservice import CardKeyService
from idcard.cli_args import parse_at
from idcard.demo_anchors import demo_anchor
from idcard.desk.records import BundleError, verify_bundle
from idcard.document import Document, DocumentFiles, read_document, verify_files
from idcard.errors import IdCardError, PinError, UsageError
from idcard.files import write_atomically
from idcard.lds.checkdigit import mrz_information
from idcard.marking import TEST_LABEL, TEST_NOTICE, rests_on_test_anchors
from idcard.pdf.options import add_sign_options, add_verify_options
from idcard.pki.builtin import builtin_trust
from idcard.pki.crl import load_crl_files
from idcard.pki.trust import CSCA, TrustStore
from idcard.progress import Progress
from idcard.secrets_input import SecretReader
from idcard.session import CAN, MRZ, PIN, IdCard, SecretRequest
from idcard.signing import is_pdf, pdf_output_path, sign_detached
from idcard.verdict import Verdict
from reader.errors import CodedError, TransportError
from reader.pcsc import list_pcsc_readers
from reader.registry import list_readers, load_scheme_plugins

if TYPE_CHECKING:
    from idcard.handoff import HandoffWorkflow, Prompt

# The subcommands' own stacks are imported by the subcommand (the one exception to top-level
# imports, tests/unit/test_layers.py): the hand-off server (uvicorn, asyncio), the RFC 5280
# validator (pyhanko-certvalidator), httpx and pyHanko would add about 0.2 s to every `idcard`
# start, `--help` and `readers` included.

EXIT_OK, EXIT_VERIFY, EXIT_USAGE, EXIT_CARD, EXIT_PIN, EXIT_UNTRUSTED = 0, 1, 2, 3, 4, 5
#: The line every text verdict that rests on the TEST PKI starts with (idcard.marking).
TEST_LINE = f"{TEST_LABEL}:          {TEST_NOTICE}"


def _exit_code(exc: Exception) -> int:
    if isinstance(exc, UsageError) or getattr(exc, "code", "") == "reader.bad_name":
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
def _pcsc_problem() -> str | None:
    """Why PC/SC readers cannot be listed (pcscd stopped, pyscard missing), or None."""
    try:
        list_pcsc_readers(strict=True)
    except TransportError as exc:
        return exc.message
    return None


def cmd_readers(args: argparse.Namespace, out: Output) -> int:
    readers = list_readers(include_demo=True)
    cards = {r.name: describe_card(r.name) if r.card_present else None for r in readers}
    problem = None if any(r.kind == "pcsc" for r in readers) else _pcsc_problem()
    lines = [
        f"{r.name}\t{'card' if r.card_present else 'empty'}\t{r.description}{_family_text(cards[r.name])}"
        for r in readers
    ]
    data: dict[str, object] = {"readers": [{**r.to_json(), "card": cards[r.name]} for r in readers]}
    if problem:
        # Said, not hidden: "no readers" and "pcscd is not running" need different fixes.
        data["pcsc"] = {"available": False, "reason": problem}
        print(f"idcard: no PC/SC readers: {problem}", file=sys.stderr)
    out.result(data, "\n".join(lines))
    return EXIT_OK


def _family_text(card: dict[str, object] | None) -> str:
    if not card:
        return ""
    return f"\t{card['family']}" + (f" (chip type {card['chipType']})" if card["chipType"] else "")


def _default_reader() -> str:
    readers = list_readers(include_demo=False)
    with_card = [r for r in readers if r.card_present]
    if len(with_card) == 1:
        return with_card[0].name
    names = ", ".join(r.name for r in readers) or "none found"
    if not with_card:
        problem = None if any(r.kind == "pcsc" for r in readers) else _pcsc_problem()
        if problem:
            raise TransportError(
                f"No card reader available: {problem}. Or use --reader emulator:demo for the "
                "built-in demo card.",
                code="reader.pcscd",
            )
        raise TransportError(
            f"No card found in any reader (readers: {names}). Put your card on the reader, "
            "or use --reader emulator:demo for the built-in demo card.",
            code="card.absent",
        )
    raise UsageError(f"Several readers hold a card ({names}); choose one with --reader.")


def _progress(args: argparse.Namespace, label: str, card: IdCard) -> Progress:
    """A progress line for a card operation (after a second; not with --quiet or -v, nor off a terminal)."""
    quiet = getattr(args, "quiet", False) or getattr(args, "verbose", False)  # -v: log lines instead
    return Progress(label, lambda: card.stats.bytes_received, enabled=not quiet)


def open_card(args: argparse.Namespace) -> IdCard:
    name = args.reader or _default_reader()
    # --short-apdus: never extended length; otherwise the card's ATR decides.
    return IdCard.open(name, extended_length=False if getattr(args, "short_apdus", False) else None)


# -- PIN entry (cli.md: stdin lines in the order PIN, CAN, PUK) -----------------------
def _say(text: str) -> None:
    print(f"idcard: {text}", file=sys.stderr, flush=True)


def unlock_with_pin(card: IdCard, secrets: SecretReader, *, can_too: bool, pin: str | None = None) -> None:
    """PACE-PIN through the card's PIN dialogue, resuming a suspended PIN with the CAN first.

    `can_too` (--pin-stdin with --can-stdin): standard input holds the PIN,
    then the CAN, and the card is opened with the CAN and then the PIN, which
    is exactly what resuming a suspended PIN takes. On a terminal the CAN is
    asked for only when the card says the PIN is suspended. A refused secret
    ends the command with the card's word on it (no second try here).
    """
    if pin is None:
        pin = secrets.read("PIN: ") if secrets.from_stdin else None
    request = card.secret_request()
    if can_too or (request.kind == CAN and not secrets.from_stdin):
        if not can_too:
            _say("the PIN is suspended after two wrong entries; enter the CAN printed on the card first, "
                 "then the PIN (its last try).")
        resumed = card.answer(SecretRequest(CAN, request.tries_left, "given"), secrets.read("CAN: "))
        if resumed is not None and resumed.error is not None:
            raise resumed.error
    following = card.answer(
        SecretRequest(PIN, request.tries_left, "start"), pin if pin is not None else secrets.read("PIN: ")
    )
    if following is None:
        return
    error = following.error or PinError("The PIN cannot be used now.", code="pin.suspended", tries_left=1)
    if error.code == "pin.suspended" and not can_too:
        raise PinError(
            "The PIN is suspended after two wrong entries: its last try needs the CAN printed on the "
            "card first. Add --can-stdin and put the CAN on the line after the PIN.",
            code="pin.suspended",
            tries_left=1,
        ) from None
    raise error


# -- pin -------------------------------------------------------------------------
def cmd_pin(args: argparse.Namespace, out: Output) -> int:
    action = args.action
    stdin = args.pin_stdin or args.puk_stdin or args.can_stdin
    secrets = SecretReader(stdin)
    service = _key_service(args)
    with open_card(args) as card:
        driver = card.nid_driver()
        if driver is not None:
            return _nid_pin(driver, args, secrets, service, out)
        if action == "verify":
            unlock_with_pin(card, secrets, can_too=args.can_stdin)
            out.result({"pin": {"verified": True}}, "PIN accepted.")
            return EXIT_OK
        if action == "status":
            return _pin_status(card, args, secrets, out)
        if action == "change":
            if args.signature_pin:
                # Lines in cli.md's order: the (signature) PINs first, then the CAN.
                current = secrets.read("Current signature PIN: ")
                new = secrets.read("New signature PIN: ")
                card.unlock(CAN, secrets.read("CAN: "))
                card.change_signature_pin(current, new)
                out.result({"signaturePin": {"changed": True}}, "Signature PIN changed.")
                return EXIT_OK
            current = secrets.read("Current PIN: ")
            new = secrets.read("New PIN: ")
            # A suspended PIN: the CAN (next line, or asked) opens the last try.
            unlock_with_pin(card, secrets, can_too=args.can_stdin, pin=current)
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


#: Why `--signature-pin` does nothing on a NID card (iran-nid-cards.md §8).
NID_SIGNATURE_PIN = "the signature PIN's commands of this card family are not public"


def _nid_pin(
    driver: CardDriver,
    args: argparse.Namespace,
    secrets: SecretReader,
    service: CardKeyService | None,
    out: Output,
) -> int:
    """`idcard pin` on a real card family: the ID PIN through the driver, or why not."""
    operation = {
        "status": Operation.PIN_STATUS,
        "verify": Operation.VERIFY_PIN,
        "change": Operation.CHANGE_PIN,
        "unblock": Operation.UNBLOCK_PIN,
    }[args.action]
    if args.signature_pin:
        raise UnsupportedOperationError(driver.family, operation, NID_SIGNATURE_PIN)
    if args.action != "status":
        # Before any secret is read, so nothing is typed for a command that cannot run. (Status
        # is asked of the driver: a Pardis card gives it with the service's key only.)
        driver.require(operation)
    card = driver.card_info().to_json()
    if args.action == "status":
        counters = driver.id_pin_status(service)
        data: dict[str, object] = {"card": card, "pin": pin_counters_json(counters), "signaturePin": None,
                "signaturePinHint": f"Not read: {NID_SIGNATURE_PIN}."}
        out.result(data, f"ID PIN: {_tries_text(counters.tries_left)}\nSignature PIN: not read ({NID_SIGNATURE_PIN}).")
        return EXIT_OK
    if args.action == "verify":
        counters = driver.verify_id_pin(secrets.read("ID PIN: "))
        out.result({"card": card, "pin": {**pin_counters_json(counters), "verified": True}}, "ID PIN accepted.")
        return EXIT_OK
    if args.action == "unblock":
        puk = secrets.read("PUK: ")
        driver.unblock_id_pin(puk, secrets.read("New ID PIN (4 digits): "))
        # The counters as the card now reports them, not an assumed 3.
        counters = driver.id_pin_status(service)
        out.result(
            {"card": card, "pin": {**pin_counters_json(counters), "unblocked": True}},
            f"ID PIN unblocked and set: {_tries_text(counters.tries_left)}.",
        )
        return EXIT_OK
    # No family offers a PIN change (its commands are not public), so `require` refused it above.
    raise UsageError(f"unknown pin action {args.action!r}")


def _tries_text(tries: int | None) -> str:
    if tries is None:
        return "tries left unknown"
    return "blocked" if tries == 0 else f"{tries} tr{'y' if tries == 1 else 'ies'} left"


def _pin_status(card: IdCard, args: argparse.Namespace, secrets: SecretReader, out: Output) -> int:
    pin = card.pin_status()
    puk_uses = card.puk_uses_left()
    signature = None
    if args.can_stdin:
        # PIN2's counter is only readable inside a secure channel; the CAN opens
        # one without touching the PIN counter.
        card.unlock(CAN, secrets.read("CAN: "))
        signature = card.signature_pin_status()
    data: dict[str, object] = {
        "pin": pin.to_json(),
        "signaturePin": signature.to_json() if signature else None,
        "pukUsesLeft": puk_uses,
    }
    text = f"PIN: {pin.state}, {pin.tries_left} tries left"
    if signature:
        text += f"\nSignature PIN: {signature.state}, {signature.tries_left} tries left"
    else:
        hint = (
            "The signature PIN's counter can only be read over a secure channel: run "
            "`idcard pin status --can-stdin` with the CAN (the 6 digits printed on the card) on "
            "standard input. Reading it costs no PIN try."
        )
        data["signaturePinHint"] = hint
        text += f"\nSignature PIN: not read. {hint}"
    if puk_uses is not None:
        text += f"\nPUK: {puk_uses} uses left"
    out.result(data, text)
    return EXIT_OK


# -- read / verify ---------------------------------------------------------------
def load_trust(paths: Sequence[str], *, role: str | None = None):  # noqa: ANN201 - TrustStore | None
    """Trust anchors from --trust paths (certificates, folders, master lists), or $IDCARD_TRUST.

    Each anchor gets a role (CSCA or citizen CA) from its extensions, or `role` for all.
    """
    paths = list(paths) or [p for p in os.environ.get("IDCARD_TRUST", "").split(os.pathsep) if p]
    if not paths:
        return None
    store = TrustStore()
    for path in paths:
        path, path_role = _trust_path(path, role)
        report = store.load_path(path, role=path_role)
        if not report.loaded:
            # Silently trusting nothing would turn every document into "untrusted".
            why = "; ".join(f"{item}: {reason}" for item, reason in report.skipped_with_reason[:3])
            raise UsageError(
                f"No usable trust anchor in {path}" + (f" ({why})." if why else " (it is empty).")
            )
    return store


def _trust_path(path: str, role: str | None) -> tuple[str, str | None]:
    """A --trust PATH, or the name of shipped anchors (`iran-gov`) with their role."""
    if not os.path.exists(path):
        builtin = builtin_trust(path)
        if builtin is None:
            raise UsageError(f"No trust anchor file or folder at {path} (built-in sets: iran-gov).")
        return str(builtin[0]), builtin[1]
    return path, role


def _verdict_exit(verdict) -> int:  # noqa: ANN001
    if verdict.failures:
        return EXIT_VERIFY
    if verdict.is_untrusted:
        return EXIT_UNTRUSTED
    return EXIT_OK if verdict.verified else EXIT_VERIFY


def _verdict_text(document: Document) -> str:
    lines = []
    ident = document.identity
    if ident is not None:
        fa = " ".join(n for n in (ident.given_name.fa, ident.family_name.fa) if n)
        latin = " ".join(n for n in (ident.given_name.latin, ident.family_name.latin) if n)
        lines += [
            f"Name:          {fa}  ({latin})" if fa else f"Name:          {latin}",
            f"National code: {ident.national_code}",
            f"Born:          {ident.birth_date} ({ident.birth_date_solar_hijri} SH)",
            f"Document:      {ident.document_number}, expires {ident.expiry_date}",
        ]
    return "\n".join(lines + _verdict_lines(document.verdict))


def _verdict_lines(verdict: Verdict) -> list[str]:
    """The verdict and its checks; a verdict that rests on the TEST PKI says so first."""
    state = "VERIFIED" if verdict.verified else "UNTRUSTED" if verdict.is_untrusted and not verdict.failures else "NOT VERIFIED"
    lines = []
    if rests_on_test_anchors(verdict):
        state += f" ({TEST_LABEL})"
        lines.append(TEST_LINE)
    lines.append(f"Verdict:       {state}")
    lines += [f"  [{c.result.value:>13}] {c.code}: {c.reason}" for c in verdict.checks]
    return lines


#: `--mrz` with no value: ask on the terminal (echo off) instead of taking it as an argument.
MRZ_PROMPT = "?"


def _mrz_information(args: argparse.Namespace, secrets: SecretReader) -> str | None:
    """The MRZ data from --mrz-stdin, the --mrz prompt, or (deprecated) the --mrz value."""
    if args.mrz_stdin:
        value = secrets.read("MRZ data (DOCUMENT,BIRTH,EXPIRY): ")
    elif args.mrz == MRZ_PROMPT:
        value = SecretReader(False).read("MRZ data (DOCUMENT,BIRTH YYMMDD,EXPIRY YYMMDD): ")
    elif args.mrz:
        # Other users of the machine see arguments (ps, /proc) and shells keep them.
        print("idcard: warning: --mrz VALUE puts the document data in the process list and "
              "shell history; use --mrz-stdin or --mrz alone (it asks).", file=sys.stderr)
        value = args.mrz
    else:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 3 or not all(parts):
        raise UsageError("The MRZ data is DOCUMENT,BIRTH(YYMMDD),EXPIRY(YYMMDD), separated by commas.")

    return mrz_information(parts[0].upper(), parts[1], parts[2])


def _unlock_for_read(card: IdCard, args: argparse.Namespace, secrets: SecretReader) -> None:
    info = _mrz_information(args, secrets)
    if info is not None:
        if card.extended_length or card.has_card_access():
            card.unlock(MRZ, info)
        else:
            card.unlock_bac(info)
    elif args.can_stdin and not args.pin_stdin:
        card.unlock(CAN, secrets.read("CAN: "))
    else:
        unlock_with_pin(card, secrets, can_too=args.can_stdin)


def cmd_read(args: argparse.Namespace, out: Output) -> int:
    trust = load_trust(args.trust)
    secrets = SecretReader(args.pin_stdin or args.can_stdin or args.mrz_stdin)
    with open_card(args) as card:
        driver = card.nid_driver()
        if driver is not None:
            return _read_nid_card(driver, args, trust, secrets, out)
        _unlock_for_read(card, args, secrets)
        with _progress(args, "Reading the card", card):
            document = read_document(card, trust, photo=bool(args.photo) or not args.no_photo)
        info = card.card_info()
    if args.photo:
        if document.face is None:
            raise IdCardError("The card has no readable face image.", code="lds.face")
        write_atomically(
            args.photo,
            document.face.to_png() if args.photo.endswith(".png") else document.face.data,
            private=True,  # a face is personal data
        )
    out.result({"card": info.to_json(), **document.to_json()}, _verdict_text(document))
    return _verdict_exit(document.verdict)


def _add_key_service(parser: argparse.ArgumentParser, purpose: str) -> None:
    parser.add_argument(
        "--key-service", metavar="URL", help=f"the registry's card-authentication service ({purpose})"
    )


def _key_service(args: argparse.Namespace) -> CardKeyService | None:
    """The registry's card-authentication service of --key-service, if given."""
    if not args.key_service:
        return None
    if not args.key_service.startswith(("http://", "https://")):
        raise UsageError("--key-service takes the service's http:// or https:// URL.")
    from idcard.cards.keyservice_http import HttpCardKeyService

    return HttpCardKeyService(args.key_service)


def _read_nid_card(
    driver: CardDriver, args: argparse.Namespace, trust: TrustStore | None, secrets: SecretReader, out: Output
) -> int:
    """A real card family (iran-nid-cards.md): see idcard.cards.reading."""
    from idcard.cards.reading import read_nid_card, reading_text

    service = _key_service(args)
    pin = secrets.read("ID PIN: ") if args.pin_stdin else None
    reading = read_nid_card(driver, pin=pin, trust=trust, key_service=service)
    data, text = reading.to_json(), reading_text(reading)
    data["testCertificates"] = rests_on_test_anchors(reading.verdict)
    if data["testCertificates"]:
        text = f"{TEST_LINE}\n{text}"
    out.result(data, text)
    return _verdict_exit(reading.verdict)



def _read_input(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(2 * 1024 * 1024 + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {what} {path}: {exc.strerror}.") from None
    if len(data) > 2 * 1024 * 1024:
        raise UsageError(f"{what} {path} is larger than any LDS file (2 MB).")
    return data


def cmd_verify_document(args: argparse.Namespace, out: Output) -> int:
    dgs: dict[int, bytes] = {}
    for spec in args.dg:
        number, sep, path = spec.partition("=")
        if not sep or not number.isdigit() or not 1 <= int(number) <= 16:
            raise UsageError(f"--dg takes N=FILE with N from 1 to 16, not {spec!r}.")
        dgs[int(number)] = _read_input(path, f"DG{number}")
    files = DocumentFiles(_read_input(args.sod, "EF.SOD"), dgs)
    document = verify_files(files, load_trust(args.trust), at=parse_at(args.at))
    out.result(document.to_json(), _verdict_text(document))
    return _verdict_exit(document.verdict)


def cmd_verify_bundle(args: argparse.Namespace, out: Output) -> int:
    """A desk record's evidence bundle, re-checked offline (see idcard.desk.records)."""
    text = _read_input(args.file, "the bundle")
    body: dict[str, object] = {}
    try:
        verdict, body = verify_bundle(text, load_trust(args.trust), expected_hash=args.hash)
    except BundleError as exc:
        verdict = Verdict(required=("desk.bundle",))
        verdict.failed("desk.bundle", f"{args.file} is not a desk record bundle: {exc}")
    record = {k: body.get(k) for k in ("id", "createdAt", "desk", "operator", "purpose", "identity")}
    lines = [f"Record:        {record['id']} at {record['desk']} ({record['createdAt']})"] if body else []
    data: dict[str, object] = {
        "record": record if body else None,
        "verdict": verdict.to_json(),
        "testCertificates": rests_on_test_anchors(verdict),
    }
    out.result(data, "\n".join(lines + _verdict_lines(verdict)))
    return _verdict_exit(verdict)


def cmd_trust(args: argparse.Namespace, out: Output) -> int:
    """What a set of trust anchors holds: how many loaded, what was skipped and why."""
    store = TrustStore()
    loaded, skipped, lists = 0, [], []
    for path in args.paths:
        path, role = _trust_path(path, None)
        report = store.load_path(path, role=role)
        loaded += report.loaded
        skipped += [{"item": item, "reason": reason} for item, reason in report.skipped_with_reason]
        lists += [
            {"loaded": ml.loaded, "signerVerified": ml.signer_verified, "signerTrusted": ml.signer_trusted,
             "signer": ml.signer_subject, "reason": ml.signer_reason}
            for ml in report.master_lists
        ]
    kinds: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    for cert in store:
        key = cert.public_key()
        kinds[f"{key.kind}{'-explicit' if key.explicit_parameters else ''}"] += 1
        roles[store.role_of(cert) or "none"] += 1
    certificates = _trust_listing(store)
    data = {"anchors": len(store), "loaded": loaded, "skipped": skipped, "masterLists": lists,
            "keyKinds": dict(kinds), "roles": dict(roles), "certificates": certificates}
    text = [f"{len(store)} trust anchors ({loaded} loaded, {len(skipped)} skipped)"]
    text += [f"  role {role}: {n}" for role, n in sorted(roles.items())]
    text += [f"  {kind}: {n}" for kind, n in sorted(kinds.items())]
    for c in certificates:
        if c["selfSigned"]:
            continue
        level = f", assurance level {c['assuranceLevel']}" if c["assuranceLevel"] else ""
        text.append(f"  [{c['result']:>9}] {c['subject']}{level}: {c['reason']}")
    for ml in lists:
        text.append(f"  master list: {ml['loaded']} certificates; signature {'valid' if ml['signerVerified'] else 'INVALID'}, signer {'trusted' if ml['signerTrusted'] else 'not trusted'}")
    text += [f"  skipped {s['item']}: {s['reason']}" for s in skipped]
    out.result(data, "\n".join(text))
    # Nothing loaded is a failure a script must see, not an empty success.
    return EXIT_OK if len(store) else EXIT_USAGE


def _trust_listing(store: TrustStore) -> list[dict[str, object]]:
    """Each national-PKI certificate of `store` (not CSCAs: passive authentication judges
    those), and whether it verifies under the self-signed roots among them (the one
    validator, at now: an expired intermediate says so)."""
    from idcard.pki.validate import assurance_level_of, validate_certificate

    out: list[dict[str, object]] = []
    by_role: dict[str, TrustStore] = {}
    for cert in store:
        role = store.role_of(cert) or "none"
        if role not in by_role:
            by_role[role] = TrustStore(
                [c.der for c in store if c.is_self_issued and store.role_of(c) == role], role=role
            )
    others = [c.der for c in store if not c.is_self_issued]
    for cert in store:
        role = store.role_of(cert) or "none"
        if role == CSCA:
            continue
        entry: dict[str, object] = {
            "subject": cert.subject_dn, "issuer": cert.issuer_dn, "role": role,
            "serialNumber": format(cert.serial_number, "X"), "source": cert.source,
            "notBefore": cert.not_before.isoformat(), "notAfter": cert.not_after.isoformat(),
            "selfSigned": cert.is_self_issued,
        }
        if cert.is_self_issued:
            policies = _certificate_policies(cert.der)
            entry.update(result="anchor", reason="self-signed root", assuranceLevel=assurance_level_of(policies))
        else:
            result = validate_certificate(cert.der, trust=by_role[role], usage="ca", intermediates=others, role=role)
            problem = result.first_problem
            entry.update(
                result=result.result.value,
                reason=problem.reason if problem else f"verifies under {result.path[-1].subject_dn}",
                assuranceLevel=result.assurance_level,
            )
        out.append(entry)
    return out


def _certificate_policies(der: bytes) -> list[str]:
    policies = asn1_x509.Certificate.load(der).certificate_policies_value
    return [] if policies is None else [p["policy_identifier"].dotted for p in policies]


# -- sign ------------------------------------------------------------------------
def cmd_sign(args: argparse.Namespace, out: Output) -> int:
    """Detached CMS signature of FILE with the card's signing key (cli.md).

    The channel is opened with PACE-CAN; the signature PIN (PIN2) authorises
    this one signature. With --pin-stdin / --can-stdin, standard input holds
    two lines in cli.md's order: first PIN2, then the CAN. The .p7s appears
    only when complete.
    """
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"Cannot read {args.file}: {exc.strerror}.") from None
    pdf = is_pdf(data)
    target = args.out or (pdf_output_path(args.file) if pdf else f"{args.file}.p7s")
    if os.path.abspath(target) == os.path.abspath(args.file):
        raise UsageError("--out must not be the file being signed.")
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory) or not os.access(directory, os.W_OK):
        raise UsageError(f"Cannot write the signature to {target}: no writable folder {directory}.")
    if pdf:
        from idcard.pdf import cli as pdf_cli  # pyHanko: start-up time of a command-line tool

        return pdf_cli.run_sign(args, out, open_card, data)
    secrets = SecretReader(args.pin_stdin or args.can_stdin)
    pin2 = secrets.read("Signature PIN (PIN2): ")
    can = secrets.read("CAN (6 digits printed on the card): ")
    with open_card(args) as card:
        card.unlock(CAN, can)
        signature = sign_detached(card, data, pin2)
    write_atomically(target, signature)  # a signature is public: the usual mode
    signer = _signer_of(signature)
    out.result(
        {"signature": {"file": target, "bytes": len(signature), "format": "cms-detached", **signer}},
        f"Signed {args.file} as {signer.get('signer', '?')}: wrote {target} ({len(signature)} bytes).\n"
        f"Verify: openssl cms -verify -binary -inform DER -in {target} -content {args.file} "
        "-CAfile <NID root + citizen CA PEM> -out /dev/null",
    )
    return EXIT_OK


def _signer_of(signature: bytes) -> dict[str, object]:
    signed = cms.ContentInfo.load(signature)["content"]
    subject = signed["certificates"][0].chosen.subject.native
    attrs = {a["type"].native: a["values"][0].native for a in signed["signer_infos"][0]["signed_attrs"]}
    when = attrs.get("signing_time")
    return {
        "signer": subject.get("common_name"),
        "serialNumber": subject.get("serial_number"),
        "signingTime": when.isoformat() if when else None,
    }


# -- browser hand-off (idcard/handoff) --------------------------------------------
def _handoff_workflow(args: argparse.Namespace, prompt: Prompt) -> HandoffWorkflow:
    from idcard.handoff import HandoffWorkflow, UrlPolicy

    # httpx logs every URL at INFO, and a request URL carries the portal's session handle.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Without --reader, the CLI's own choice: it also says when pcscd is not running.
    return HandoffWorkflow(
        prompt,
        reader=args.reader or _default_reader,
        policy=UrlPolicy(dev=args.dev),
        key_service=_key_service(args),
    )


def cmd_serve(args: argparse.Namespace, out: Output) -> int:
    """The browser hand-off service on 127.0.0.1 and [::1] (assertion.md), until Ctrl-C."""
    from idcard.handoff import AutoPrompt, HandoffServer, TerminalPrompt

    logging.getLogger("idcard.handoff").setLevel(logging.INFO)
    if not 0 < args.port < 65536:
        raise UsageError(f"--port takes 1 to 65535, not {args.port}.")
    prompt: Prompt
    if args.test_auto_consent:
        print("idcard: TEST MODE (--test-auto-consent): every request is accepted without asking, "
              "with the PIN from $IDCARD_TEST_PIN. Never use it with a real card.", file=sys.stderr)
        prompt = AutoPrompt()
    else:
        prompt = TerminalPrompt(show_progress=True)
    server = HandoffServer(_handoff_workflow(args, prompt), port=args.port).bind()
    mode = " (development: http:// allowed for this computer)" if args.dev else ""
    print(f"idcard: hand-off service on {', '.join(server.addresses)}{mode}; Ctrl-C stops it.", file=sys.stderr, flush=True)
    server.serve_forever()
    return EXIT_OK


def _auth_exit(code: str) -> int:
    """Exit code of a hand-off that did not log in (docs/cli.md, `auth`)."""
    family = code.split(".")[0]
    if family in ("pin", "can", "puk"):
        return EXIT_PIN
    if family in ("card", "reader"):
        return EXIT_CARD
    if family == "usage":
        return EXIT_USAGE  # e.g. no terminal to ask for consent
    # Refused by the citizen, or the portal's request/answer unusable: the run
    # was well formed, its outcome is "not logged in".
    return EXIT_VERIFY


def cmd_auth(args: argparse.Namespace, out: Output) -> int:
    """The hand-off without a browser: fetch the request, consent, PIN, submit; print the redirect."""
    from idcard.handoff import TerminalPrompt, UrlPolicy
    from idcard.handoff.request import HandoffError

    # The URL the user typed is checked here: a bad one is a usage error (2);
    # what the portal then answers is the hand-off's outcome (1 when refused).
    try:
        UrlPolicy(dev=args.dev).check(args.request, "request URL")
    except HandoffError as exc:
        raise UsageError(exc.message) from None
    prompt = TerminalPrompt(assume_yes=args.yes, pin_stdin=args.pin_stdin)
    outcome = _handoff_workflow(args, prompt).run(args.request)
    if outcome.ok:
        out.result(outcome.to_json(), str(outcome.location))
        return EXIT_OK
    code = outcome.code or "error"
    if out.as_json:
        out.result(outcome.to_json(), "")
    if outcome.location:
        print(f"idcard: {code}; the portal's return address: {outcome.location}", file=sys.stderr)
    return _auth_exit(code)


# -- tokens (assertion.md) -------------------------------------------------------
def _token_attributes(value: str | None) -> list[str]:
    return normalize_attributes(a.strip() for a in (value or "").split(",") if a.strip())


def cmd_token(args: argparse.Namespace, out: Output) -> int:
    """A web-eid:1.0 token with chip evidence for ORIGIN and NONCE (PACE-PIN)."""
    from idcard.cards.login import login_token, refuse_without_service

    # Refuse bad arguments before the card spends a PIN try on them.
    origin = normalize_origin(args.origin, allow_http_loopback=True)
    nonce = validate_nonce(args.nonce)
    attributes = _token_attributes(args.attributes)
    secrets = SecretReader(args.pin_stdin or args.can_stdin)
    service = _key_service(args)
    with open_card(args) as card:
        driver = card.nid_driver()
        if driver is not None:
            # A real card family: card authentication through the registry's service (§6).
            refuse_without_service(driver, service)  # before the PIN is asked for
            pin = secrets.read("ID PIN: ")
            token = login_token(driver, service, pin, origin, nonce, attributes=attributes)
        else:
            unlock_with_pin(card, secrets, can_too=args.can_stdin)
            with _progress(args, "Reading the card and signing", card):
                token = build_token(card, origin, nonce, attributes=attributes)
    out.result(token, dumps(token))
    return EXIT_OK


def _read_token(path: str) -> bytes:
    if path != "-":
        return _read_input(path, "token")
    data = sys.stdin.buffer.read(2 * 1024 * 1024 + 1)
    if len(data) > 2 * 1024 * 1024:
        raise UsageError("The token on standard input is larger than 2 MB.")
    return data


def cmd_verify_token(args: argparse.Namespace, out: Output) -> int:
    """Verify a web-eid:1 token for ORIGIN and NONCE (equality only: no nonce store)."""
    from idcard.portal import TokenError, TokenVerifier

    trust = load_trust(args.trust)
    if trust is None:
        raise UsageError("Give the CAs that issue authentication certificates with --trust PATH.")
    # Never all of --trust: only its anchors with the CSCA role (a citizen CA in the same
    # folder must not vouch for a "document signer"); --csca names them explicitly.
    csca = load_trust(args.csca, role=CSCA) if args.csca else trust.with_role(CSCA)
    if not len(csca):
        csca = None
    crls, revocation, offline = _revocation_options(args)
    verifier = TokenVerifier(
        trust, csca=csca, require_evidence=args.require_evidence, allow_http_loopback=True,
        min_assurance=args.min_assurance, crls=crls, revocation=revocation, offline=offline,
    )
    token = _read_token(args.token)
    try:
        identity = verifier.verify(
            token,
            origin=args.origin,
            nonce=args.nonce,
            requested_attributes=_token_attributes(args.attributes),
            at=parse_at(args.at),
        )
    except TokenError as exc:
        checks = exc.verdict.checks if exc.verdict is not None else []
        lines = [f"Token:         REFUSED ({exc.code}): {exc.message}"]
        lines += [f"  [{c.result.value:>13}] {c.code}: {c.reason}" for c in checks]
        out.result({"verified": False, "error": exc.to_json()}, "\n".join(lines))
        if out.as_json:
            print(f"idcard: token refused ({exc.code}): {exc.message}", file=sys.stderr)
        return EXIT_UNTRUSTED if exc.untrusted else EXIT_VERIFY
    name = " ".join(n for n in (identity.given_name.fa, identity.family_name.fa) if n)
    latin = " ".join(n for n in (identity.given_name.latin, identity.family_name.latin) if n)
    lines = [
        "Token:         VERIFIED" + (" with chip evidence" if identity.evidence else " (no chip evidence)"),
        f"Name:          {name}  ({latin})" if name else f"Name:          {latin}",
        f"National code: {identity.national_code or identity.personal_code}",
    ]
    if identity.birth_date:
        lines.append(f"Born:          {identity.birth_date} ({identity.birth_date_solar_hijri} SH)")
    lines.append(f"Certificate:   {identity.certificate_subject}")
    test = rests_on_test_anchors(identity.verdict)
    if test:
        lines[0] += f" ({TEST_LABEL})"
        lines.insert(1, TEST_LINE)
    lines += [f"  [{c.result.value:>13}] {c.code}: {c.reason}" for c in identity.verdict.checks]
    out.result({"verified": True, "testCertificates": test, **identity.to_json()}, "\n".join(lines))
    return EXIT_OK


def _add_revocation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--crl", action="append", default=[], metavar="FILE",
                   help="a CRL (DER or PEM) of a CA on the certificate's path; repeatable")
    p.add_argument("--ocsp", action="store_true",
                   help="ask the certificate's OCSP responder (AIA); no sound, fresh answer refuses it")
    p.add_argument("--offline", action="store_true",
                   help="no network: with --ocsp the responder is not asked and the result says so")


def _revocation_options(args: argparse.Namespace):  # noqa: ANN202 - (list[Crl], Revocation, bool)
    """The validator's revocation settings from --crl / --ocsp / --offline."""
    return load_crl_files(args.crl), ("ocsp" if args.ocsp else "crl"), bool(args.offline)


# -- demo ------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace, out: Output) -> int:
    """A tour of the built-in demo card, for `make run` where there is no display.

    The demo card is issued by the *test* PKI, so this trusts the test CSCA
    (and says so); a real card is verified against the anchors given with --trust.
    """
    trust = TrustStore([demo_anchor("csca")])
    with IdCard.open("emulator:demo") as card:
        status = card.pin_status()
        card.unlock(PIN, "123456")
        document = read_document(card, trust)
        stats = card.stats
    data = {"reader": "emulator:demo", "pin": status.to_json(), "apdus": stats.apdus, **document.to_json()}
    text = (
        "Demo card (emulator:demo) — trusting the TEST CSCA 'IR CSCA TEST'\n"
        f"PIN: {status.state}, {status.tries_left} tries left; unlocked with PACE-PIN (demo PIN 123456)\n"
        f"{_verdict_text(document)}\n"
        f"Read in {stats.apdus} APDUs. Try: idcard read --reader emulator:demo --photo face.png"
    )
    out.result(data, text)
    return _verdict_exit(document.verdict)


# -- parser ----------------------------------------------------------------------
EXIT_CODES_HELP = """exit codes:
  0  success
  1  verification failed (the result is still printed)
  2  usage error (bad option, bad reader name, missing input)
  3  card or reader error (no card, card removed, pcscd not running, unsupported card)
  4  PIN problem (wrong, suspended, blocked; also CAN, PUK, MRZ)
  5  untrusted (no trust anchor for the document or certificate)
130  interrupted (Ctrl-C)

Secrets (PIN, CAN, PUK, MRZ) are never options: --pin-stdin, --can-stdin,
--puk-stdin read one line each from standard input, in that order; without
them the command asks on the terminal with echo off."""


def _add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--version, -v and -q on the main parser and on every subcommand.

    On subcommands they default to SUPPRESS so that `idcard -v read` is not
    undone by the subcommand's own default.
    """
    default: bool | str = False if top else argparse.SUPPRESS
    parser.add_argument("--version", action="version", version=f"idcard {__version__}",
                        help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="log what happens, APDUs included (secrets redacted)")
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="no progress line on stderr (it only appears on a terminal anyway)")


def cmd_verify_pdf(args: argparse.Namespace, out: Output) -> int:
    from idcard.pdf import cli as pdf_cli  # pyHanko: start-up time of a command-line tool

    return pdf_cli.cmd_verify_pdf(args, out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="idcard", description="National smart ID card client",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_parser(name: str, help: str) -> argparse.ArgumentParser:  # noqa: A002 - argparse's name
        p = sub.add_parser(name, help=help, description=help, epilog=EXIT_CODES_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_common_options(p, top=False)
        return p

    def card_command(name: str, help_text: str, func: Callable[..., int]) -> argparse.ArgumentParser:
        p = add_parser(name, help_text)
        p.add_argument("--reader", help="reader name (see `idcard readers`)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--short-apdus", action="store_true", help="never use extended-length APDUs")
        p.set_defaults(func=func)
        return p

    p = add_parser("readers", "list readers and whether a card is present")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_readers)

    p = card_command("pin", "PIN status, verify, change, unblock", cmd_pin)
    p.add_argument(
        "action", choices=["status", "verify", "change", "unblock"],
        help="status: counters (costs no try); verify: check the PIN (a wrong one costs a try); "
        "change: current PIN then new PIN; unblock: PUK then new PIN",
    )
    p.add_argument("--pin-stdin", action="store_true", help="read PIN(s) from standard input")
    p.add_argument("--can-stdin", action="store_true", help="read the CAN from standard input")
    p.add_argument("--puk-stdin", action="store_true", help="read the PUK from standard input")
    p.add_argument("--signature-pin", action="store_true", help="act on the signature PIN (PIN2)")
    _add_key_service(p, "Pardis PIN counters")

    p = card_command("read", "unlock, read and verify the card", cmd_read)
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    p.add_argument(
        "--can-stdin", action="store_true",
        help="unlock with the CAN from standard input; with --pin-stdin: the PIN line, then the CAN "
        "line, and the card is opened with the CAN then the PIN (resumes a suspended PIN)",
    )
    mrz = p.add_mutually_exclusive_group()
    mrz.add_argument(
        "--mrz", nargs="?", const=MRZ_PROMPT, metavar="DOC,BIRTH,EXPIRY",
        help="unlock with the MRZ data (passports); alone it asks with echo off "
        "(a value on the command line still works but is deprecated: others can see it)",
    )
    mrz.add_argument(
        "--mrz-stdin", action="store_true",
        help="unlock with the MRZ data read from standard input: one line DOCUMENT,YYMMDD,YYMMDD",
    )
    p.add_argument("--photo", metavar="FILE", help="write the face image (.png converts; else as stored)")
    p.add_argument("--no-photo", action="store_true", help="skip DG2 (faster)")
    p.add_argument("--trust", action="extend", nargs="+", default=[], metavar="PATH", help="CSCA certificate, folder or master list")
    _add_key_service(p, "proves a real card genuine")

    p = add_parser("verify-document", "passive authentication of files read earlier")
    p.add_argument("--sod", required=True, metavar="FILE", help="the EF.SOD file (document security object)")
    p.add_argument(
        "--dg", action="append", default=[], metavar="N=FILE",
        help="data group N's file, hash-checked against the SOD (repeat for more)",
    )
    p.add_argument(
        "--trust", action="extend", nargs="+", default=[], metavar="PATH",
        help="CSCA certificate (DER/PEM), folder of them, or master list (.ml); repeat for more",
    )
    p.add_argument("--at", metavar="TIME", help="verification time (ISO 8601), default now")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_verify_document)

    p = add_parser("verify-bundle", "re-check a desk record's evidence bundle offline")
    p.add_argument("file", metavar="FILE", help="the bundle (JSON) the desk exported")
    p.add_argument("--trust", action="extend", nargs="+", default=[], metavar="PATH", help="CSCA trust anchors")
    p.add_argument("--hash", metavar="HEX", help="the record hash from the receipt's QR code (sha256 hex)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_verify_bundle)

    p = add_parser("trust", "load trust anchors and report what they hold")
    p.add_argument("paths", nargs="+", metavar="PATH", help="certificate, folder or CSCA master list, or a shipped set (iran-gov)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_trust)

    p = card_command(
        "sign",
        "sign a file with the signing key (PACE-CAN, then PIN2): PAdES in a PDF, else detached CMS",
        cmd_sign,
    )
    p.add_argument("file", metavar="FILE", help="the file to sign (left unchanged)")
    p.add_argument("--out", metavar="FILE", help="where to write the signature (default FILE.p7s, or FILE-signed.pdf for a PDF)")
    p.add_argument(
        "--can-stdin",
        action="store_true",
        help="read secrets from standard input, one line each: first the signature PIN, then the CAN",
    )
    p.add_argument(
        "--pin-stdin",
        action="store_true",
        help="same as --can-stdin (either reads both lines: the signature PIN, then the CAN)",
    )
    add_sign_options(p)
    p = add_parser("verify-pdf", "verify the signatures in a PDF (integrity, chain, revocation, level)")
    add_verify_options(p)
    p.set_defaults(func=cmd_verify_pdf)

    p = add_parser("serve", "run the browser hand-off service on 127.0.0.1 and [::1]")
    p.add_argument("--port", type=int, default=24727, help="TCP port (default 24727)")
    p.add_argument("--dev", action="store_true", help="also accept http:// request URLs on this computer")
    p.add_argument("--reader", help="reader name (default: the only reader with a card)")
    p.add_argument(
        "--test-auto-consent",
        action="store_true",
        help="TEST MODE: accept every request, PIN from $IDCARD_TEST_PIN (never with a real card)",
    )
    _add_key_service(p, "login with a real card family")
    p.set_defaults(func=cmd_serve)

    p = add_parser("auth", "the browser hand-off without a browser: prints where it would go")
    p.add_argument("--request", required=True, metavar="URL", help="the portal's request URL")
    p.add_argument("--yes", action="store_true", help="accept the request without asking")
    p.add_argument("--reader", help="reader name (default: the only reader with a card)")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    p.add_argument("--dev", action="store_true", help="also accept http:// request URLs on this computer")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _add_key_service(p, "login with a real card family")
    p.set_defaults(func=cmd_auth)

    p = card_command("token", "a signed web-eid:1.0 token with chip evidence, for testing a portal", cmd_token)
    p.add_argument("--origin", required=True, help="the portal's origin, https://host[:port]")
    p.add_argument("--nonce", required=True, help="the nonce the portal issued")
    p.add_argument("--attributes", metavar="a,b", help="consented attributes: name,nationalCode,birthDate,photo")
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    p.add_argument(
        "--can-stdin", action="store_true",
        help="also read the CAN (after the PIN line) and open the card with it first: resumes a suspended PIN",
    )
    _add_key_service(p, "login with a real card family")

    p = add_parser("verify-token", "verify a web-eid:1 token (nonce by equality only)")
    p.add_argument("--token", required=True, metavar="FILE|-", help="the token JSON, - for standard input")
    p.add_argument("--origin", required=True, help="the portal's origin the token must be for")
    p.add_argument("--nonce", required=True, help="the nonce the token must be for")
    p.add_argument("--trust", action="extend", nargs="+", default=[], metavar="PATH", help="CAs that issue authentication certificates")
    p.add_argument("--csca", action="extend", nargs="+", default=[], metavar="PATH", help="CSCA anchors for the chip evidence (default: the anchors of --trust with the CSCA role, never its citizen CAs)")
    p.add_argument("--at", metavar="TIME", help="verification time (ISO 8601), default now")
    p.add_argument("--require-evidence", action="store_true", help="refuse tokens without chip evidence")
    p.add_argument("--min-assurance", type=int, choices=(1, 2, 3, 4), metavar="N",
                   help="refuse certificates whose chain has no assurance level or one below N "
                        "(1 Bronze … 4 Platinum, policy 2.16.364.101.1.1.N)")
    p.add_argument("--attributes", metavar="a,b", help="what the portal asked for (DG2 only with photo)")
    _add_revocation_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_verify_token)

    p = add_parser("demo", "a tour of the built-in demo card")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    load_scheme_plugins()  # e.g. `emulator:` from the mock_card package
    out = Output(getattr(args, "json", False))
    try:
        return int(args.func(args, out))
    except CodedError as exc:
        out.error(exc)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("idcard: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"idcard: unexpected error ({type(exc).__name__}); this is a bug. "
              "Run with -v to see the details.", file=sys.stderr)
        if out.as_json:
            json.dump({"error": {"code": "internal", "message": type(exc).__name__}}, sys.stdout)
            sys.stdout.write("\n")
        return EXIT_CARD


if __name__ == "__main__":
    sys.exit(main())
