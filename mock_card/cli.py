"""The `mock-card` command: personalise a card file, put it behind a reader."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from mock_card.backend import CardBackend
from mock_card.card import EmulatedCard
from mock_card.frontends.nfc_udp import NfcUdpTarget
from mock_card.frontends.vpcd import VpcdClient
from mock_card.image import (
    DEFAULT_PACE_OID,
    DEFAULT_PACE_PARAMETER_ID,
    PROFILE_NID,
    PROFILE_PASSPORT_BAC,
)
from mock_card.personalize import DEMO_CITIZEN, GENUINE, VARIANTS, personalize
from mock_card.profiles.cardfile import PROFILES, open_card_spec, save_card_file
from mock_card.registry_service import RegistryService
from mock_card.testpki import iran_test_pki, test_pki, write_anchors, write_iran_anchors

log = logging.getLogger("mock_card")


def _host_port(value: str | None, default_port: int) -> tuple[str, int]:
    if not value:
        return "127.0.0.1", default_port
    host, sep, port = value.rpartition(":")
    if not sep:
        return value, default_port
    return host or "127.0.0.1", int(port)


def load_card(spec: str, *, latency: float | None = None) -> CardBackend:
    """A card from `spec`: demo[:variant], mav4|pardis|omid[:variant], or a card file."""
    if spec == "demo":
        return EmulatedCard(personalize(), latency=latency)
    if spec.startswith("demo:") and spec[5:] in VARIANTS:
        return EmulatedCard(personalize(variant=spec[5:]), latency=latency)
    return open_card_spec(spec, latency=latency)


def cmd_create(args: argparse.Namespace) -> int:
    fields = ("family_name", "given_name", "national_code", "document_number", "birth_date", "expiry_date")
    overrides = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    citizen = dataclasses.replace(DEMO_CITIZEN, **overrides)

    if args.profile in PROFILES:
        # Real card families: PINs are the registry's defaults (ID PIN = last 4 digits of
        # the national code, PUK 1234); certificates regenerate from the seed when served.
        save_card_file(
            args.out, args.profile, variant=args.variant, seed=args.seed, citizen=citizen, citizen_ca=args.citizen_ca
        )
        print(f"wrote {args.out} ({args.profile}, {args.variant}; TEST certificates from PKI seed {args.seed})")
        return 0
    if args.variant not in VARIANTS:
        raise ValueError(f"unknown variant {args.variant!r} for {args.profile}")
    image = personalize(
        citizen,
        profile=args.profile,
        variant=args.variant,
        seed=args.seed,
        face_format=args.face_format,
        pace_oid=args.pace_oid,
        pace_parameter_id=args.pace_parameter_id,
        extended_length=not args.short_only,
        pin=args.pin,
        can=args.can,
        puk=args.puk,
        pin2=args.pin2,
    )
    if args.pin_tries is not None:
        image.counters.pin_tries = args.pin_tries
    image.save(args.out)
    print(f"wrote {args.out} ({args.profile}, {args.variant}; a test card: it holds its own PIN reference data)")
    return 0


def cmd_pki(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    for path in write_anchors(test_pki(args.seed), args.out):
        print(path)
    # The TEST look-alike of the Iranian governmental PKI, in its own folder so that
    # `--trust DIR/iran-test` names exactly the G3 and Root CA1 look-alikes.
    for path in write_iran_anchors(iran_test_pki(args.seed), args.out / "iran-test"):
        print(path)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    card = load_card(args.card, latency=args.latency)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.nfc_udp is not None:
        host, port = _host_port(args.nfc_udp, 54321)
        server: NfcUdpTarget | VpcdClient = NfcUdpTarget(card, host=host, port=port)
        print(f"mock-card: ISO-DEP target on nfcpy udp {host}:{port} (reader nfc:udp:{host}:{port})", flush=True)
    else:
        host, port = _host_port(args.vpcd, 35963)
        server = VpcdClient(card, host=host, port=port)
        print(f"mock-card: connecting to pcscd's vpcd driver at {host}:{port}", flush=True)
    server.start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_registry(args: argparse.Namespace) -> int:
    service = RegistryService(port=args.port)
    print(f"mock-card: emulated registry card-authentication service (TEST keys) at {service.url}", flush=True)
    service.serve_forever()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mock-card", description="Emulated national ID card")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("create", help="personalise a card file")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--seed", type=int, default=1, help="seed of the test PKI")
    p.add_argument(
        "--profile",
        choices=[PROFILE_NID, PROFILE_PASSPORT_BAC, "mav4", "pardis", "omid"],
        default=PROFILE_NID,
        help="nid-v1/passport-bac: our ICAO-style profiles; mav4/pardis/omid: emulated real card families",
    )
    p.add_argument(
        "--citizen-ca",
        choices=["root-ca1", "gold"],
        default="root-ca1",
        help="mav4/pardis: TEST citizen CA under Root CA1 (no level) or under the Gold G3 CA (level 3)",
    )
    p.add_argument("--pace-oid", default=DEFAULT_PACE_OID)
    p.add_argument("--pace-parameter-id", type=int, default=DEFAULT_PACE_PARAMETER_ID)
    p.add_argument("--short-only", action="store_true", help="no extended-length APDUs")
    p.add_argument("--pin", default="123456")
    p.add_argument("--can", default="123456")
    p.add_argument("--puk", default="12345678")
    p.add_argument("--pin2", default="12345")
    p.add_argument(
        "--variant",
        default=GENUINE,
        help=f"an evil card for tests (nid-v1: {', '.join(VARIANTS)}; mav4: see mock_card.profiles.cardfile)",
    )
    p.add_argument("--face-format", choices=["jpeg", "jp2"], default="jpeg")
    p.add_argument("--pin-tries", type=int, help="start with this PIN counter (1 = suspended, 0 = blocked)")
    for field in ("family-name", "given-name", "national-code", "document-number", "birth-date", "expiry-date"):
        p.add_argument(f"--{field}")
    p.set_defaults(func=cmd_create)

    p = sub.add_parser(
        "pki",
        help="write the test trust anchors (CSCA, citizen CA; iran-test/: the TEST look-alike "
        "of the Iranian Root CA-G3 and IRAN Root CA1 hierarchies) for verifiers",
    )
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_pki)

    p = sub.add_parser("registry", help="run the emulated registry card-authentication service on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="TCP port (default: a free one, printed)")
    p.set_defaults(func=cmd_registry)

    p = sub.add_parser("serve", help="put a card behind pcscd (vpcd) or nfcpy's udp radio")
    p.add_argument("card", help="card file from `mock-card create`, 'demo', or mav4|pardis|omid[:variant]")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--vpcd", nargs="?", const="", metavar="HOST:PORT", help="vpcd driver (default 127.0.0.1:35963)")
    mode.add_argument("--nfc-udp", nargs="?", const="", metavar="HOST:PORT", help="nfcpy udp target (default 127.0.0.1:54321)")
    p.add_argument("--latency", type=float, default=None, help="seconds of delay per APDU")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except (ValueError, OSError) as exc:
        print(f"mock-card: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
