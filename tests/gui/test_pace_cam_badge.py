"""The chip badge counts PACE-CAM's proof: green for the genuine CAM card, red for its clone."""

from __future__ import annotations

from gui.i18n import I18n
from gui.reading import read_identity
from gui.trust import build_trust
from gui.verdict_view import BAD, OK, badges, check_title, overall_verified
from idcard.protocol.pace.oids import PasswordRef
from idcard.session import IdCard
from mock_card.image import PACE_CAM_OID
from tests.gui.conftest import DEMO_PIN


def _chip_badge(name: str):  # noqa: ANN202
    with IdCard.open(name) as card:
        card.unlock(PasswordRef.PIN, DEMO_PIN)
        result = read_identity(card, lambda *_: None, build_trust(test_anchors=True), reader=name)
    shown = {b.group: b for b in badges(result.document, result.certificate, I18n("en"),
                                        test_anchors=result.test_anchors)}
    return shown["chip"], result


def test_cam_card_chip_badge_is_green(app, card_factory) -> None:  # noqa: ANN001
    badge, result = _chip_badge(card_factory(pace_oid=PACE_CAM_OID).name)
    assert badge.level == OK and badge.title == "Genuine chip — verified"
    assert result.document.verdict.get("chip.pace_cam").result.value == "passed"
    assert overall_verified(result.document, result.certificate)
    assert check_title("chip.pace_cam") == "Genuine chip (PACE-CAM)"


def test_cloned_cam_card_chip_badge_is_red_though_aa_passed(app, card_factory) -> None:  # noqa: ANN001
    badge, result = _chip_badge(card_factory(variant="cloned-cam").name)
    assert result.document.verdict.get("chip.active_auth").result.value == "passed"
    assert badge.level == BAD and "may be a copy" in badge.reason
    assert not overall_verified(result.document, result.certificate)
