"""Which data groups exist comes from the signed EF.SOD, never from the unsigned EF.COM."""

from __future__ import annotations

from idcard.document import read_files, verify_files
from idcard.session import PIN, IdCard
from idcard.verdict import Result
from mock_card.card import EmulatedCard
from mock_card.personalize import personalize
from reader.emulated import EmulatedTransport


def _read(image):
    with IdCard(EmulatedTransport(EmulatedCard(image))) as card:
        card.unlock(PIN, "123456")
        return read_files(card, data_groups=(1, 11, 12, 14, 15))


def test_hidden_com_clone_runs_both_chip_checks_and_fails() -> None:
    files, chip = _read(personalize(variant="cloned-hidden-com"))
    assert {14, 15} <= set(files.dgs)
    results = {c.code: c.result for c in chip}
    assert results == {"chip.active_auth": Result.FAILED, "chip.chip_auth": Result.FAILED}
    assert not verify_files(files, None, chip_checks=chip).verdict.verified


def test_genuine_card_passes_both_chip_checks() -> None:
    _, chip = _read(personalize())
    assert {c.code: c.result for c in chip} == {
        "chip.active_auth": Result.PASSED, "chip.chip_auth": Result.PASSED,
    }


def test_tampered_dg15_is_not_used_and_fails() -> None:
    image = personalize()
    lds = image.files["lds"]
    fid = next(f for f, data in lds.items() if data[:1] == b"\x6f")
    lds[fid] = lds[fid][:-1] + bytes([lds[fid][-1] ^ 1])
    _, chip = _read(image)
    aa = next(c for c in chip if c.code == "chip.active_auth")
    assert aa.result is Result.FAILED and "SOD hash" in aa.reason


def test_sod_listed_dg_not_read_is_not_performed_and_required() -> None:
    with IdCard(EmulatedTransport(EmulatedCard(personalize()))) as card:
        card.unlock(PIN, "123456")
        files, chip = read_files(card, data_groups=(1, 11, 12, 14))
    aa = next(c for c in chip if c.code == "chip.active_auth")
    assert aa.result is Result.NOT_PERFORMED
    document = verify_files(files, None, chip_checks=chip)
    assert "chip.active_auth" in document.verdict.required and not document.verdict.verified
