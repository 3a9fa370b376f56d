"""`idcard-gui`: the desktop app.

idcard-gui                      readers of every kind (the demo card when there is none)
idcard-gui --demo               the built-in demo card, trusted with the TEST anchors
idcard-gui --lang en            English (Persian is the default)
idcard-gui --desk-db postgresql://user@host/db   desk records in PostgreSQL (default SQLite)
idcard-gui --demo --screenshot DIR              PNGs of the main screens in Persian and English
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from gui import theme
from gui.collector import GuiThreadCollector
from gui.config import AppConfig
from gui.i18n import LANGUAGES, I18n
from gui.screenshots import take_screenshots
from gui.window import MainWindow
from idcard.desk.records import PURPOSES
from mock_card import scheme
from mock_card.card import EmulatedCard
from mock_card.personalize import demo_card
from reader.emulated import register_card


def _service_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError("takes the service's http:// or https:// URL")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="idcard-gui", description="National smart ID card: the desktop app."
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in demo card (trusted with the TEST certificates)",
    )
    p.add_argument(
        "--demo-latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="delay every APDU of the demo card (to see the app stay responsive)",
    )
    p.add_argument(
        "--reader",
        metavar="NAME",
        help="the reader to select (also listed if discovery does not find it)",
    )
    p.add_argument(
        "--lang", choices=LANGUAGES, default="fa", help="language (default: fa, Persian)"
    )
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="PATH",
        help="CSCA certificate, folder or master list (repeatable)",
    )
    p.add_argument(
        "--citizen-trust",
        action="append",
        default=[],
        metavar="PATH",
        help="root certificate(s) of citizen certificates (repeatable)",
    )
    p.add_argument(
        "--key-service",
        metavar="URL",
        type=_service_url,
        help="the registry's card-authentication service: real cards can then prove their chip "
        "is genuine (default: $IDCARD_KEY_SERVICE; without it that check is not performed)",
    )
    p.add_argument(
        "--desk-db",
        metavar="PATH|URL",
        help="desk records: SQLite file (default in ~/.local/share/idcard) or postgresql:// URL",
    )
    p.add_argument(
        "--desk", dest="desk_name", metavar="NAME", help="this desk's name (default: the host name)"
    )
    p.add_argument("--operator", metavar="NAME", help="the clerk's name (default: the user name)")
    p.add_argument(
        "--purpose",
        choices=sorted(PURPOSES),
        default="identity",
        help="what the desk checks, and so what it stores",
    )
    p.add_argument(
        "--page",
        choices=("home", "pins", "sign", "desk"),
        default="home",
        help="the screen to start on",
    )
    p.add_argument(
        "--port", type=int, default=24727, help="port of the portal login service (default 24727)"
    )
    p.add_argument("--no-handoff", action="store_true", help="do not run the portal login service")
    p.add_argument(
        "--dev",
        action="store_true",
        help="allow plain http:// portal requests on this computer (portal development)",
    )
    p.add_argument(
        "--screenshot",
        metavar="DIR",
        help="write a PNG of each main screen (Persian and English) to DIR, then exit",
    )
    return p


def config_from_args(args: argparse.Namespace) -> AppConfig:
    config = AppConfig(
        demo=args.demo,
        readers=[args.reader] if args.reader else [],
        reader=args.reader,
        language=args.lang,
        trust=list(args.trust),
        citizen_trust=list(args.citizen_trust),
        desk_db=args.desk_db,
        purpose=args.purpose,
        handoff=not args.no_handoff,
        handoff_port=args.port,
        dev=args.dev,
        demo_latency=args.demo_latency,
        start_page=args.page,
        key_service=args.key_service,
    )
    if args.desk_name:
        config.desk_name = args.desk_name
    if args.operator:
        config.operator = args.operator
    if args.demo and not args.reader:
        config.reader = "emulator:demo"
    return config


def install_demo_card(latency: float = 0.0) -> str:
    """One demo card for the app's lifetime: PIN counters and PIN changes persist while it runs."""
    scheme.install()
    return register_card(EmulatedCard(demo_card(), latency=latency), "demo")


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("idcard")
    app.setOrganizationName("idcard")
    app.setApplicationDisplayName("")
    theme.apply_theme(app)
    if not any(isinstance(child, GuiThreadCollector) for child in app.children()):
        GuiThreadCollector(app)  # Qt objects must never be collected on the card thread
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.screenshot and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    config = config_from_args(args)
    app = create_app()

    i18n = I18n(config.language)
    install_demo_card(config.demo_latency)
    if args.screenshot:
        written = take_screenshots(config, args.screenshot, i18n)
        for path in written:
            print(path)
        return 0
    window = MainWindow(config, i18n=i18n)
    window.show()
    code = app.exec()
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
