"""The options of `idcard sign` for PDF files and of `idcard verify-pdf`.

Kept apart from idcard/pdf/cli.py, which runs them and loads pyHanko, so that
building the CLI's parser stays fast.
"""

from __future__ import annotations

import argparse

__all__ = ["add_sign_options", "add_verify_options"]


def add_sign_options(p: argparse.ArgumentParser) -> None:
    """Options of `idcard sign` that only apply to PDF files."""
    g = p.add_argument_group("PDF files (PAdES, written to FILE-signed.pdf)")
    g.add_argument("--tsa", metavar="URL", help="RFC 3161 time-stamp authority: PAdES B-T")
    g.add_argument("--ltv", action="store_true", help="embed the chain and CRLs (B-LT with --tsa); needs --trust")
    g.add_argument(
        "--field", nargs="?", const="", metavar="PAGE:X1,Y1,X2,Y2",
        help="a visible signature with the name from the card (default page 1, bottom left)",
    )
    g.add_argument("--chain", action="append", default=[], metavar="PATH", help="CA certificates to embed (the citizen CA)")
    g.add_argument("--trust", action="extend", nargs="+", default=[], metavar="PATH", help="anchors the chain ends at (for --ltv)")
    g.add_argument("--crl", action="append", default=[], metavar="FILE", help="CRLs to embed with --ltv")
    g.add_argument("--offline", action="store_true", help="never fetch CRLs or certificates for --ltv")
    g.add_argument("--reason", help="reason for signing, recorded in the signature")
    g.add_argument("--location", help="where it was signed, recorded in the signature")


def add_verify_options(p: argparse.ArgumentParser) -> None:
    """The arguments of `idcard verify-pdf`."""
    p.add_argument("file", metavar="FILE", help="the signed PDF")
    p.add_argument("--trust", action="extend", nargs="+", default=[], metavar="PATH", help="trusted roots (certificates or folders)")
    p.add_argument("--chain", action="append", default=[], metavar="PATH", help="extra intermediate CA certificates")
    p.add_argument("--crl", action="append", default=[], metavar="FILE", help="CRLs to check revocation with")
    p.add_argument("--online", action="store_true", help="fetch CRLs/OCSP over the network (then required)")
    p.add_argument("--allow-incremental", action="store_true", help="accept form filling and annotations after signing")
    p.add_argument("--at", metavar="TIME", help="validation time (ISO 8601), default now")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
