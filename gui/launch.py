"""The `idcard-gui` entry point: says what to install when the desktop extra is missing.

Kept free of Qt imports so that it can run, and explain, without PySide6.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: Exit code when the app cannot start on this computer (cli.md: card/reader/environment).
EXIT_CANNOT_START = 3


def main(argv: Sequence[str] | None = None) -> int:
    try:
        import PySide6.QtWidgets  # noqa: F401 - only to learn whether Qt loads

        from gui.app import main as app_main
    except ImportError as exc:
        missing = exc.name or "a library"
        if missing.split(".")[0] in ("PySide6", "shiboken6", "segno", "pytestqt") or exc.name is None:
            print(
                f"idcard-gui: the desktop app needs the 'gui' extra ({missing} is missing or does not load: {exc}).\n"
                "Install it with:  pip install 'idcard[gui]'\n"
                "The command-line client works without it: see `idcard --help`.",
                file=sys.stderr,
            )
        else:
            print(f"idcard-gui: cannot start: {exc}", file=sys.stderr)
        return EXIT_CANNOT_START
    return int(app_main(argv))


if __name__ == "__main__":
    sys.exit(main())
