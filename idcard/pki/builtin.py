"""Trust anchors shipped with the package, named on the command line instead of a path.

`iran-gov`: IRAN Root CA1 and Islamic Republic of Iran Root CA-G3 (idcard/pki/roots/),
both with the citizen-CA role: they vouch for login and signing certificates, never
for document signers.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from idcard.pki.trust import CITIZEN_CA

#: Name -> (folder under idcard/pki/roots, the role of its anchors).
BUILTIN_TRUST: dict[str, tuple[str, str]] = {"iran-gov": ("iran-gov", CITIZEN_CA)}


def builtin_trust(name: str) -> tuple[Path, str] | None:
    """The folder and role of the shipped anchors called `name`, or None."""
    entry = BUILTIN_TRUST.get(name)
    if entry is None:
        return None
    folder, role = entry
    return Path(str(resources.files("idcard.pki") / "roots" / folder)), role
