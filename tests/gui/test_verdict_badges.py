"""Nothing looks verified that isn't: evil cards and missing trust anchors give red badges with reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui.i18n import I18n
from gui.reading import read_identity
from gui.trust import build_trust
from gui.verdict_view import BAD, OK, badges, overall_verified
from idcard.protocol.pace.oids import PasswordRef
from idcard.session import IdCard
from tests.gui.conftest import DEMO_PIN


def _read(name: str, trust):  # noqa: ANN001, ANN202
    with IdCard.open(name) as card:
        card.unlock(PasswordRef.PIN, DEMO_PIN)
        return read_identity(card, lambda *_: None, trust, reader=name)


def _by_group(result, i18n):  # noqa: ANN001, ANN202
    return {
        b.group: b
        for b in badges(result.document, result.certificate, i18n, test_anchors=result.test_anchors)
    }


def test_genuine_card_all_green(app, demo_card) -> None:  # noqa: ANN001
    i18n = I18n("en")
    result = _read(demo_card.name, build_trust(test_anchors=True))
    shown = _by_group(result, i18n)
    assert {g: b.level for g, b in shown.items()} == {
        "issuer": OK,
        "chip": OK,
        "document": OK,
        "certificate": OK,
    }
    assert shown["issuer"].title == "Issued by the TEST registry (demo) — verified"
    assert shown["chip"].title == "Genuine chip — verified"
    assert shown["certificate"].title == "Certificate valid until 14 January 2036"
    assert overall_verified(result.document, result.certificate)


def test_no_trust_anchors_is_red_not_green(app, demo_card) -> None:  # noqa: ANN001
    i18n = I18n("en")
    result = _read(demo_card.name, build_trust())
    shown = _by_group(result, i18n)
    assert shown["issuer"].level == BAD
    assert "not in this app's list of trusted issuers" in shown["issuer"].reason
    assert shown["certificate"].level == BAD
    assert "not issued by a trusted authority" in shown["certificate"].reason
    assert not overall_verified(result.document, result.certificate)


@pytest.mark.parametrize(
    ("variant", "group", "reason"),
    [
        ("tampered-dg", "issuer", "changed after the registry signed it (personal details)"),
        ("unknown-ds", "issuer", "unknown or false issuer"),
        ("expired-ds", "issuer", "signing certificate is not valid at this date"),
        ("cloned", "chip", "may be a copy"),
        ("bad-national-code", "document", "not a valid national code"),
    ],
)
def test_evil_cards_are_red_with_their_reason(
    app, card_factory, variant: str, group: str, reason: str
) -> None:  # noqa: ANN001
    slot = card_factory(variant=variant)
    i18n = I18n("en")
    result = _read(slot.name, build_trust(test_anchors=True))
    shown = _by_group(result, i18n)
    assert shown[group].level == BAD, shown[group]
    assert reason in shown[group].reason
    assert not overall_verified(result.document, result.certificate)
    assert any(b.level == BAD for b in shown.values())


def test_persian_reasons(app, card_factory) -> None:  # noqa: ANN001
    slot = card_factory(variant="cloned")
    i18n = I18n("fa")
    result = _read(slot.name, build_trust(test_anchors=True))
    chip = _by_group(result, i18n)["chip"]
    assert chip.title == "تراشه اصل نیست"
    assert "کپی" in chip.reason
    i18n.set_language("en")


def test_idcard_gui_screenshot_command(tmp_path: Path) -> None:
    """The real command line: `python -m gui --demo --screenshot DIR` (what `idcard-gui` runs)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "gui", "--demo", "--screenshot", str(tmp_path / "shots")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    pngs = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert len(pngs) == 12 and "identity-fa.png" in pngs and "desk-en.png" in pngs
    assert "real-card-fa.png" in pngs  # an emulated Mav4 card's reading
    assert "WARNING" not in done.stderr, done.stderr  # clipped text is logged as a warning


def test_command_line_options() -> None:
    from gui.app import build_parser, config_from_args

    config = config_from_args(
        build_parser().parse_args(
            [
                "--demo",
                "--lang",
                "en",
                "--desk-db",
                "postgresql://desk@db/records",
                "--desk",
                "Counter 3",
                "--operator",
                "maryam",
                "--purpose",
                "document",
            ]
        )
    )
    assert config.demo and config.reader == "emulator:demo" and config.language == "en"
    assert config.desk_db == "postgresql://desk@db/records" and config.desk_name == "Counter 3"
    assert config.operator == "maryam" and config.purpose == "document"
    assert config_from_args(build_parser().parse_args([])).language == "fa"  # Persian by default
