"""Family detection (iran-nid-cards.md §1) and the driver interface's error contract."""

from __future__ import annotations

import pytest

from idcard.cards.base import Capabilities, Operation, UnsupportedOperationError
from idcard.cards.detect import Family, detect_family, is_nocr_atr
from idcard.errors import IdCardError
from tests.unit.cards_script import ScriptedTransport

OK = bytes.fromhex("9000")
# Exact SELECT commands of the spec: §3.2 (Pardis, Mav IAS) and §3.6 (Omid).
SELECT_PARDIS = "00A404000F5041524449532C4D41544952414E20"
SELECT_MAV_IAS = "00A404000CA0000000180C000001634200"
SELECT_OMID = "00A40400104D41544952414E2049442043415244" + "20" + "00"


def test_atr_prefix_match_never_rejects_longer_atrs() -> None:
    listed = bytes.fromhex("3B7D95000080318065B0850101C883019000")
    assert is_nocr_atr(listed)
    assert is_nocr_atr(listed + b"\x42")  # the report's card: one byte more
    assert not is_nocr_atr(listed[:-1])
    assert not is_nocr_atr(bytes.fromhex("3B8880010000000000000000"))


@pytest.mark.parametrize(
    ("answering", "family", "probes"),
    [
        (SELECT_PARDIS, Family.PARDIS, [SELECT_PARDIS]),
        (SELECT_MAV_IAS, Family.MAV, [SELECT_PARDIS, SELECT_MAV_IAS]),
        (SELECT_OMID, Family.OMID, [SELECT_PARDIS, SELECT_MAV_IAS, SELECT_OMID]),
        (None, Family.UNKNOWN, [SELECT_PARDIS, SELECT_MAV_IAS, SELECT_OMID]),
    ],
)
def test_family_by_which_aid_answers_in_probe_order(
    answering: str | None, family: Family, probes: list[str]
) -> None:
    transport = ScriptedTransport({answering: OK} if answering else {})
    assert detect_family(transport) is family
    assert transport.sent_hex == probes


def test_61xx_counts_as_answered() -> None:
    transport = ScriptedTransport({SELECT_MAV_IAS: bytes.fromhex("6112")})
    assert detect_family(transport) is Family.MAV


def test_unsupported_error_is_coded_and_names_what_is_missing() -> None:
    err = UnsupportedOperationError("mav4", Operation.SIGN, "needs the registry's card-authentication service")
    assert isinstance(err, IdCardError)
    assert err.code == "card.unsupported_operation"
    assert "registry" in err.message and "sign" in err.message
    assert err.to_json()["operation"] == "sign"


def test_capabilities_must_explain_every_missing_operation() -> None:
    with pytest.raises(ValueError, match="SIGN"):
        Capabilities(
            frozenset(set(Operation) - {Operation.SIGN}),
        )
    caps = Capabilities(frozenset({Operation.READ_IDENTITY}), {op: "x" for op in Operation if op is not Operation.READ_IDENTITY})
    assert caps.supports(Operation.READ_IDENTITY) and not caps.supports(Operation.SIGN)
    assert caps.to_json()["sign"] == "x"


def test_dispatch_by_family() -> None:
    from idcard.cards.dispatch import nid_driver
    from idcard.cards.omid import OmidDriver
    from idcard.cards.pardis import PardisDriver

    assert isinstance(nid_driver(ScriptedTransport({SELECT_PARDIS: OK})), PardisDriver)
    omid = nid_driver(ScriptedTransport({SELECT_OMID: OK}))
    assert isinstance(omid, OmidDriver)
    with pytest.raises(UnsupportedOperationError, match="not public"):
        omid.require(Operation.READ_IDENTITY)
    assert nid_driver(ScriptedTransport({})) is None
