"""A real national card family in the desktop app (issue 12): no PACE, the ID PIN asked with its
tries read first (and skippable), `read_nid_card` on the card thread, the reading on the
identity page; the desk refuses such a card before any PIN, saying why."""

from __future__ import annotations

import pytest

from gui.pages.pins import ChangeRequest
from gui.screenshots import clipped
from idcard.verdict import Result
from tests.gui.conftest import type_secret, wait_page

ID_PIN = "5679"  # the emulated citizen's: last 4 digits of the national code


def _read(qtbot, window) -> None:  # noqa: ANN001
    window.start_read()
    wait_page(qtbot, window, window.pinpad)


def _reading(window):  # noqa: ANN001, ANN202
    view = window.identity.nid_view
    assert not view.isHidden() and window.identity.view.isHidden()
    assert view.reading is not None
    return view.reading


def test_mav4_pad_shows_tries_before_any_is_spent_and_skip_reads_without_pin(
    qtbot, make_window, real_card
) -> None:  # noqa: ANN001
    slot = real_card("mav4", citizen_ca="gold")
    window = make_window(slot)
    _read(qtbot, window)
    pad = window.pinpad
    assert pad.title.text() == "Enter your ID PIN (first PIN)"
    assert pad.tries_label.text() == "3 tries left" and pad.request.tries_left == 3
    assert pad.field_label.text() == "ID PIN (4 to 8 digits)"
    assert pad.skip.isVisible() and pad.warning.isHidden()
    pad.skip.click()
    wait_page(qtbot, window, window.identity)
    reading = _reading(window)
    view = window.identity.nid_view
    assert view.family.text() == "Card: mav4, chip type 0004"
    assert view.name.text() == "SARA REZAEI"
    assert view.number.text() == "Certificate number 9876543210"
    assert view.card_ids.text().endswith(f"card registration number {reading.info.crn}")
    assert view.assurance.text() == "Assurance level 3"
    assert view.chain.text() == "Certificate chain: passed"
    assert view.pin.text() == "ID PIN: not entered (3 tries left)"
    assert view.headline.text().startswith("✗")  # genuineness not proven: never "verified"
    assert "needs the registry's card-authentication service" in view.note.text()
    assert view.personal.isHidden()  # nothing signed was read without the service
    assert not view.test_mark.isHidden()  # the TEST look-alike PKI of the emulated card
    assert reading.pin_verified is None
    # Skipping spent nothing: the next read still counts all the tries.
    window.identity.nid_done.click()
    _read(qtbot, window)
    assert window.pinpad.request.tries_left == 3


def test_mav4_with_the_id_pin(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4"))
    _read(qtbot, window)
    type_secret(qtbot, window, ID_PIN)
    wait_page(qtbot, window, window.identity)
    reading = _reading(window)
    assert reading.pin_verified is True and reading.pin.tries_left == 3
    chip = reading.verdict.get("chip.genuine")
    assert chip is not None and chip.result is Result.NOT_PERFORMED
    view = window.identity.nid_view
    assert view.pin.text() == "ID PIN: accepted by the card (3 tries left)"
    assert view.assurance.text() == "The certificate chain names no assurance level"  # Root CA1
    assert "could not be checked here" in view.note.text()
    # Leaving the screen forgets the citizen's data.
    window.identity.nid_done.click()
    wait_page(qtbot, window, window.home)
    assert view.reading is None and view.name.text() == ""


def test_mav4_wrong_pin_asks_again_with_the_warning(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4"))
    _read(qtbot, window)
    type_secret(qtbot, window, "1111")
    qtbot.waitUntil(lambda: window.pinpad.request is not None and window.pinpad.request.reason == "pin.wrong", timeout=20000)
    pad = window.pinpad
    assert pad.request.tries_left == 2
    assert pad.warning.text() == "Wrong ID PIN. 2 tries left." and not pad.warning.isHidden()
    type_secret(qtbot, window, ID_PIN)
    wait_page(qtbot, window, window.identity)
    assert _reading(window).pin_verified is True


def test_mav4_blocked_pin_says_so_and_still_reads_without_it(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4", variant="pin-blocked"))
    _read(qtbot, window)
    pad = window.pinpad
    assert pad.request.tries_left == 0
    assert pad.warning.text().startswith("Your ID PIN is blocked")
    type_secret(qtbot, window, ID_PIN)
    qtbot.waitUntil(lambda: window.status.kind == "failed", timeout=20000)
    assert window.stack.currentWidget() is window.status
    assert window.status.message.text() == "Your PIN is blocked. Unblock it with your PUK."
    window.reading.leave_flow()
    _read(qtbot, window)
    window.pinpad.skip.click()
    wait_page(qtbot, window, window.identity)
    assert window.identity.nid_view.name.text() == "SARA REZAEI"


def test_pardis_is_read_without_a_pin_pad(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("pardis"))
    asked: list[object] = []
    window.pinpad.submitted.connect(asked.append)
    window.start_read()
    wait_page(qtbot, window, window.identity)
    view = window.identity.nid_view
    assert view.family.text().startswith("Card: pardis")
    assert view.name.text() == "SARA REZAEI"
    assert view.pin.isHidden()  # Pardis PIN status needs the registry's SMD key
    assert "could not be checked here" in view.note.text()
    assert window.pinpad.request is None and not asked


def test_with_the_registry_service_the_chip_proves_itself(
    qtbot, make_window, real_card, mock_registry
) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4", citizen_ca="gold"), key_service=mock_registry.url)
    _read(qtbot, window)
    type_secret(qtbot, window, ID_PIN)
    wait_page(qtbot, window, window.identity, timeout=60000)
    reading = _reading(window)
    chip = reading.verdict.get("chip.genuine")
    assert chip is not None and chip.result is Result.PASSED
    view = window.identity.nid_view
    assert view.note.isHidden() and view.note.text() == ""
    # The registry-signed personal data, verified: the national code the certificate lacks.
    assert not view.personal.isHidden()
    assert "national code 0012345679" in view.personal.text()
    assert reading.verdict.verified
    assert view.headline.text() == "✓ The card's certificate and chip were verified"


def test_the_key_service_comes_from_the_environment(monkeypatch) -> None:  # noqa: ANN001
    from gui.app import build_parser, config_from_args

    monkeypatch.setenv("IDCARD_KEY_SERVICE", "http://127.0.0.1:9/")
    assert config_from_args(build_parser().parse_args([])).key_service_url == "http://127.0.0.1:9/"
    flag = config_from_args(build_parser().parse_args(["--key-service", "https://registry.example/"]))
    assert flag.key_service_url == "https://registry.example/"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--key-service", "registry.example"])


def test_the_desk_refuses_a_real_card_before_any_pin(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4"))
    window.nav_to("desk")
    window.desk_controller.start_read()
    wait_page(qtbot, window, window.status)
    qtbot.waitUntil(lambda: window.status.kind == "failed", timeout=20000)
    assert window.status.message.text().startswith("The service desk cannot record this national card")
    assert window.pinpad.request is None


def test_persian_pad_and_reading(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4", citizen_ca="gold"), language="fa")
    _read(qtbot, window)
    pad = window.pinpad
    assert pad.title.text() == "رمز اول کارت را وارد کنید"
    assert pad.tries_label.text() == "۳ بار فرصت باقی است"
    assert pad.skip.text() == "رد شدن: خواندن بدون رمز"
    qtbot.wait(150)  # layouts settle
    assert clipped(window) == []
    pad.skip.click()
    wait_page(qtbot, window, window.identity)
    qtbot.wait(150)
    assert clipped(window) == []
    view = window.identity.nid_view
    assert view.card_ids.text().startswith("شمارهٔ سریال کارت \u200e")  # hex CSN: Latin, left to right
    assert view.assurance.text() == "سطح اطمینان ۳"
    assert view.family.text() == "کارت: mav4، نوع تراشه ۰۰۰۴"
    assert view.pin.text() == "رمز اول: وارد نشد (۳ بار فرصت باقی است)"
    assert "ثبت احوال" in view.note.text()
    window.toggle_language()  # the reading is redrawn in English without reading the card again
    assert view.assurance.text() == "Assurance level 3"
    assert view.pin.text() == "ID PIN: not entered (3 tries left)"


@pytest.mark.mock_card(profile="mav4")
@pytest.mark.parametrize("mock_card_reader", ["vpcd"], indirect=True)
def test_mav4_behind_pcscd(qtbot, make_window, mock_card_reader) -> None:  # noqa: ANN001
    """The same through pcscd and vsmartcard's vpcd, as with a real reader."""
    name = mock_card_reader.name
    window = make_window(None, readers=[], reader=name)
    qtbot.waitUntil(lambda: window.home.current_reader == name, timeout=10000)
    qtbot.waitUntil(lambda: window.home.current_state().present is True, timeout=10000)
    _read(qtbot, window)
    assert window.pinpad.request.tries_left == 3
    type_secret(qtbot, window, ID_PIN)
    wait_page(qtbot, window, window.identity, timeout=120000)
    reading = _reading(window)
    assert reading.pin_verified is True
    assert window.identity.nid_view.name.text() == "SARA REZAEI"


def test_citizen_trust_always_holds_the_shipped_iran_roots() -> None:
    from gui.trust import build_trust

    names = {c.subject_dn for c in build_trust().citizens.certificates}
    assert any("IRAN Root CA1" in n for n in names), names
    assert any("Root CA-G3" in n for n in names), names
    assert build_trust(shipped=()).citizens.certificates == []


def test_pins_page_counts_a_real_cards_id_pin_and_says_why_it_cannot_change_it(
    qtbot, make_window, real_card
) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4"))
    window.nav_to("pins")
    page = window.pins
    qtbot.waitUntil(lambda: page.counters is not None, timeout=20000)
    assert page.counters.family == "mav4" and page.counters.pin_tries == 3
    assert page.status.text() == "PIN: 3 tries left"
    window.pins_controller.change(ChangeRequest("pin", "5679", "123456"))
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=20000)
    assert "not been made public" in page.message.text()


def test_pins_page_on_a_blocked_real_card(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4", variant="pin-blocked"))
    window.nav_to("pins")
    qtbot.waitUntil(lambda: window.pins.counters is not None, timeout=20000)
    assert window.pins.status.text() == "Your ID PIN is blocked: only your PUK can unblock it."


def test_pins_page_on_pardis_says_its_counters_need_the_registry(qtbot, make_window, real_card) -> None:  # noqa: ANN001
    window = make_window(real_card("pardis"))
    window.nav_to("pins")
    qtbot.waitUntil(lambda: window.pins.message.text() != "", timeout=20000)
    assert window.pins.counters is None
    assert window.pins.message.text().startswith("This card can do that only through the registry's")


def test_pins_page_on_pardis_with_the_registry_reads_its_counters(
    qtbot, make_window, real_card, mock_registry
) -> None:  # noqa: ANN001
    window = make_window(real_card("pardis"), key_service=mock_registry.url)
    window.nav_to("pins")
    qtbot.waitUntil(lambda: window.pins.counters is not None, timeout=30000)
    assert window.pins.counters.family == "pardis"
    assert window.pins.counters.pin_tries is not None


@pytest.mark.parametrize("name", ["emulator:mav4:lookalike-root", "emulator:pardis", "emulator:omid"])
def test_emulated_real_card_reader_names_are_ready_to_read(qtbot, make_window, name: str) -> None:  # noqa: ANN001
    """`idcard-gui --reader emulator:mav4[:variant]` etc.: a fresh emulated card, listed as present."""
    window = make_window(None, readers=[name], reader=name)
    qtbot.waitUntil(lambda: window.home.current_reader == name, timeout=10000)
    assert window.home.current_state().present is True and window.home.read.isEnabled()
    window.start_read()
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() in (window.pinpad, window.identity), timeout=20000
    )
    if window.stack.currentWidget() is window.pinpad:
        window.pinpad.skip.click()
        wait_page(qtbot, window, window.identity)
    view = window.identity.nid_view
    if name == "emulator:omid":  # recognised; nothing of it is public enough to read
        assert view.family.text().startswith("Card: omid")
        assert view.name.text() == "No certificate could be read"
        assert view.chain.text() == "Certificate chain: not performed"
        assert not view.note.isHidden()
        return
    assert view.name.text() == "SARA REZAEI"
    if name.endswith("lookalike-root"):
        # Same names as the TEST hierarchy, other keys: never trusted.
        assert view.chain.text() == "Certificate chain: untrusted"
        assert view.headline.text().startswith("✗")


def test_with_the_service_but_no_pin_the_note_asks_for_the_pin(
    qtbot, make_window, real_card, mock_registry
) -> None:  # noqa: ANN001
    window = make_window(real_card("mav4"), key_service=mock_registry.url)
    _read(qtbot, window)
    window.pinpad.skip.click()
    wait_page(qtbot, window, window.identity)
    chip = _reading(window).verdict.get("chip.genuine")
    assert chip is not None and chip.result is Result.NOT_PERFORMED
    assert "needs your ID PIN" in window.identity.nid_view.note.text()
