"""Trust anchors for a portal: a folder laid out by role, or the TEST PKI of the demo.

The library ships no test PKI: `dev_verifier` asks the installed emulator
package for it through the `idcard.demo_anchors` entry point (`demo_anchor`).
"""

from __future__ import annotations

from pathlib import Path

from idcard.demo_anchors import demo_anchor
from idcard.errors import UsageError
from idcard.pki.trust import TrustStore
from idcard.portal.verifier import TokenVerifier


def load_trust_dir(path: str | Path) -> tuple[TrustStore, TrustStore, list[bytes]]:
    """(issuing CAs, CSCAs, CRLs) from a folder laid out as `mock-card pki --out` writes it.

    Files named ``csca*`` and CSCA master lists (``*.ml``) are document
    anchors; ``*.crl`` are CRLs; every other certificate file (.pem .der .crt
    .cer) is a CA that issues authentication certificates.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise UsageError(f"--trust takes a folder of trust anchors; {folder} is not one.")
    cas, cscas, crls = TrustStore(), TrustStore(), []
    for file in sorted(folder.iterdir()):
        name = file.name.lower()
        if not file.is_file() or name.startswith("."):
            continue
        if name.endswith(".crl"):
            crls.append(file.read_bytes())
        elif name.startswith("csca") or name.endswith(".ml"):
            cscas.load_path(file)
        elif name.endswith((".pem", ".der", ".crt", ".cer")):
            cas.load_path(file)
    if not len(cas) or not len(cscas):
        raise UsageError(
            f"{folder} needs both a CSCA (csca.pem) and the citizen CA (e.g. nid-citizen-ca.pem); "
            "`mock-card pki --out DIR` writes the test ones."
        )
    return cas, cscas, crls


def dev_verifier(*, allow_http_loopback: bool = True) -> TokenVerifier:
    """A verifier trusting the TEST PKI (IR CSCA TEST, IR NID CITIZEN CA TEST): demo cards only."""
    cas = TrustStore([demo_anchor("citizen_ca")])
    cscas = TrustStore([demo_anchor("csca")])
    return TokenVerifier(cas, csca=cscas, require_evidence=True, allow_http_loopback=allow_http_loopback)
