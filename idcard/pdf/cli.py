"""The PDF parts of the `idcard` command: `sign` on a PDF, and `verify-pdf`.

idcard/cli.py registers them (options in idcard/pdf/options.py); the logic lives here.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from asn1crypto import x509

from idcard.cli_args import parse_at
from idcard.errors import IdCardError, UsageError
from idcard.files import write_atomically
from idcard.lds.dg11 import Dg11
from idcard.pdf.sign import PdfSignOptions, VisibleField, sign_pdf
from idcard.pdf.verify import verify_pdf
from idcard.pki.crl import Crl
from idcard.pki.trust import TrustStore
from idcard.secrets_input import SecretReader
from idcard.session import CAN, IdCard
from idcard.signing import pdf_output_path
from idcard.verdict import Result

if TYPE_CHECKING:
    from idcard.cli import Output  # idcard.cli imports this module

__all__ = ["run_sign", "cmd_verify_pdf"]

EXIT_OK, EXIT_VERIFY, EXIT_UNTRUSTED = 0, 1, 5


def _ders(paths: list[str], what: str) -> list[bytes]:
    store = TrustStore()
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"No {what} file or folder at {path}.")
        if not store.load_path(path).loaded:
            raise UsageError(f"No certificate in {path}.")
    return [cert.der for cert in store]


def _crl_ders(paths: list[str]) -> list[bytes]:
    out = []
    for path in paths:
        try:
            out.append(Crl.from_file(path).der)
        except OSError as exc:
            raise UsageError(f"Cannot read the CRL {path}: {exc.strerror}.") from None
    return out


def _persian_name(card: IdCard) -> str | None:
    """The name as DG11 holds it; None when the card does not give it (the field shows no name)."""
    try:
        dg11 = Dg11.parse(card.read_dg(11))
    except (IdCardError, ValueError):
        return None
    parts = [dg11.given_names, dg11.family_name]
    return " ".join(p for p in parts if p) or None


def _is_self_signed(der: bytes) -> bool:
    return x509.Certificate.load(der).self_signed != "no"  # "maybe" or "yes"


def run_sign(
    args: argparse.Namespace, out: Output, open_card: Callable[[argparse.Namespace], IdCard], data: bytes
) -> int:
    """`idcard sign FILE.pdf`: the CAN opens the channel, PIN2 authorises the one signature."""
    target = args.out or pdf_output_path(args.file)
    anchors = _ders(args.trust, "trust anchor")
    chain = _ders(args.chain, "chain certificate")
    # Intermediates given with --trust go into the signature (a verifier needs them);
    # only the roots anchor the path, so the CRLs are checked up to them.
    trust = [der for der in anchors if _is_self_signed(der)]
    chain += [der for der in anchors if der not in chain and der not in trust]
    visible = VisibleField.parse(args.field) if args.field is not None else None
    options = PdfSignOptions(
        chain=chain, trust=trust, tsa_url=args.tsa, ltv=args.ltv, crls=_crl_ders(args.crl),
        allow_fetching=not args.offline, reason=args.reason, location=args.location,
    )
    if args.tsa and not args.tsa.startswith(("http://", "https://")):
        raise UsageError(f"--tsa takes an http:// or https:// URL, not {args.tsa!r}.")
    secrets = SecretReader(args.pin_stdin or args.can_stdin)
    # cli.md's order for `sign`: the signature PIN, then the CAN (as for detached signatures).
    pin2 = secrets.read("Signature PIN (PIN2): ")
    can = secrets.read("CAN (6 digits printed on the card): ")
    with open_card(args) as card:
        card.unlock(CAN, can)
        if visible is not None:
            options = replace(options, visible=replace(visible, name=_persian_name(card)))
        signed = sign_pdf(card, data, pin2, options)
    write_atomically(target, signed.data)
    out.result(
        {"signature": {"file": target, "bytes": len(signed.data), "format": f"pades-{signed.level.lower()}",
                       "level": signed.level, "signer": signed.signer, "field": signed.field_name,
                       "ltv": args.ltv}},
        f"Signed {args.file} as {signed.signer}: wrote {target} (PAdES {signed.level}"
        f"{', with validation data' if args.ltv else ''}).\n"
        f"Verify: idcard verify-pdf {target} --trust <NID root>   (or: pdfsig {target})",
    )
    return EXIT_OK



def cmd_verify_pdf(args: argparse.Namespace, out: Output) -> int:
    trust = _ders(args.trust, "trust anchor")
    if not trust:
        raise UsageError("Give the roots that signatures must chain to with --trust PATH.")
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"Cannot read {args.file}: {exc.strerror}.") from None
    # pyHanko logs every path it fails to build with a traceback; the verdict says it better.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    report = verify_pdf(
        data, trust, crls=_crl_ders(args.crl), intermediates=_ders(args.chain, "chain certificate"),
        at=parse_at(args.at), allow_incremental=args.allow_incremental, online=args.online,
    )
    lines = [f"PDF:           {report.status.upper()}  ({args.file})"]
    for sig in report.signatures:
        level = f", assurance level {sig.level} ({sig.to_json()['assuranceName']})" if sig.level else ""
        lines.append(f"Signature {sig.field_name}: {sig.signer.get('commonName', '?')}, "
                     f"{'time-stamped' if sig.timestamped else 'claimed'} {sig.signing_time}{level}")
    lines += [f"  [{c.result.value:>13}] {c.code}: {c.reason}" for c in report.verdict.checks]
    out.result(report.to_json(), "\n".join(lines))
    return {Result.PASSED: EXIT_OK, Result.UNTRUSTED: EXIT_UNTRUSTED}.get(report.result, EXIT_VERIFY)
