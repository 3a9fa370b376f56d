"""SecurityInfos: round trips on real files, typed content, choosing PACE, hostile bytes."""

from __future__ import annotations

import dataclasses

import pytest
from asn1crypto import cms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idcard.errors import IdCardError, MalformedResponseError, UnsupportedCardError
from idcard.lds.security_infos import (
    ActiveAuthenticationInfo,
    AlgorithmIdentifier,
    ChipAuthenticationDomainParameterInfo,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKeyInfo,
    PaceDomainParameterInfo,
    PaceInfo,
    SecurityInfos,
    SubjectPublicKeyInfo,
    TerminalAuthenticationInfo,
    UnknownSecurityInfo,
    encode_dg14,
    encode_security_infos,
    parse_dg14,
    parse_security_infos,
)
from idcard.protocol.pace.choice import choose_pace_info
from tests.vectors import VECTORS, h, load_icao

G1 = load_icao()["pace_ecdh_gm_G1"]
NPA = VECTORS / "npa-example"
LDS = VECTORS / "lds"

CARD_ACCESS = {
    "npa-ecdh": (NPA / "ecdh" / "ef_cardaccess").read_bytes(),
    "npa-dh": (NPA / "dh" / "ef_cardaccess").read_bytes(),
    "icao-gmrtd": h(G1["ef_cardaccess_as_in_gmrtd"]),
    "icao-zienit": h(G1["ef_cardaccess_as_in_zienit"]),
}


def _card_security_content(path) -> bytes:  # noqa: ANN001
    signed = cms.ContentInfo.load(path.read_bytes())["content"]
    return signed["encap_content_info"]["content"].native


CARD_SECURITY = {
    "npa-ecdh": _card_security_content(NPA / "ecdh" / "ef_cardsecurity"),
    "npa-dh": _card_security_content(NPA / "dh" / "ef_cardsecurity"),
}

DG14 = {
    "spec-sample": (LDS / "spec_sample_encoded_dg14.bin").read_bytes(),
    "bsi2008": (LDS / "bsi2008-mustermann" / "Datagroup14.bin").read_bytes(),
    "tr03105-5": (LDS / "bsi-tr03105-5" / "Datagroup14.bin").read_bytes(),
    "etsi": (LDS / "etsi-tr103200" / "ETSI_TR103200_EACAA_EF_DG14.bin").read_bytes(),
}

SECURITY_INFOS = {**CARD_ACCESS, **{f"cs-{k}": v for k, v in CARD_SECURITY.items()}}


def _rebuilt(infos: SecurityInfos) -> SecurityInfos:
    """The same values as fresh objects, so the encoder has to DER encode every field."""
    return SecurityInfos(tuple(dataclasses.replace(info) for info in infos.infos))


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SECURITY_INFOS)
def test_security_infos_round_trip(name: str) -> None:
    data = SECURITY_INFOS[name]
    parsed = parse_security_infos(data)
    assert encode_security_infos(parsed) == data
    assert encode_security_infos(_rebuilt(parsed)) == data
    assert parse_security_infos(encode_security_infos(_rebuilt(parsed))) == parsed


@pytest.mark.parametrize("name", DG14)
def test_dg14_round_trip(name: str) -> None:
    data = DG14[name]
    parsed = parse_dg14(data)
    assert encode_dg14(parsed) == data
    assert encode_dg14(_rebuilt(parsed)) == data


def test_infos_built_in_code_encode_to_the_icao_card_access() -> None:
    infos = SecurityInfos((PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13),))
    assert encode_security_infos(infos) == CARD_ACCESS["icao-gmrtd"]


def test_active_authentication_info_round_trip() -> None:
    info = ActiveAuthenticationInfo("2.23.136.1.1.5", 1, "0.4.0.127.0.7.1.1.4.1.3")
    data = encode_security_infos(SecurityInfos((info,)))
    assert parse_security_infos(data).infos == (info,)


def test_edited_info_is_re_encoded() -> None:
    parsed = parse_security_infos(CARD_ACCESS["icao-gmrtd"])
    (info,) = parsed.pace_infos
    edited = SecurityInfos((dataclasses.replace(info, parameter_id=12),))
    assert encode_security_infos(edited) == CARD_ACCESS["icao-gmrtd"][:-1] + b"\x0c"


def test_ber_quirks_survive_a_round_trip() -> None:
    # A non-minimal length (81 14 instead of 14) on the SET and on the PACEInfo.
    der = CARD_ACCESS["icao-gmrtd"]
    ber = b"\x31\x81\x15\x30\x81\x12" + der[4:]
    parsed = parse_security_infos(ber)
    assert parsed == parse_security_infos(der)
    assert encode_security_infos(parsed) == ber
    assert encode_security_infos(_rebuilt(parsed)) == der


# --- typed content -----------------------------------------------------------------------------


def test_npa_card_access_content() -> None:
    infos = parse_security_infos(CARD_ACCESS["npa-ecdh"])
    assert infos.pace_infos == [PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)]
    assert infos.chip_authentication_infos == [
        ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 2, 1)
    ]
    assert infos.of_type(TerminalAuthenticationInfo) == [
        TerminalAuthenticationInfo("0.4.0.127.0.7.2.2.2", 2)
    ]
    (domain,) = infos.of_type(ChipAuthenticationDomainParameterInfo)
    assert domain.key_id == 1 and domain.domain_parameter.standardized_parameter_id == 13
    unknown = infos.of_type(UnknownSecurityInfo)
    assert [u.protocol for u in unknown] == ["0.4.0.127.0.7.2.2.6", "0.4.0.127.0.7.2.2.8"]
    assert b"hjp-consulting" in unknown[0].raw


def test_npa_card_security_chip_authentication_key() -> None:
    infos = parse_security_infos(CARD_SECURITY["npa-ecdh"])
    (key,) = infos.chip_authentication_public_keys
    assert key.protocol == "0.4.0.127.0.7.2.2.1.2" and key.key_id == 1
    assert key.public_key.algorithm.standardized_parameter_id == 13
    assert len(key.public_key.public_key) == 65 and key.public_key.public_key[0] == 4
    dh = parse_security_infos(CARD_SECURITY["npa-dh"])
    (dh_key,) = dh.chip_authentication_public_keys
    assert dh_key.protocol == "0.4.0.127.0.7.2.2.1.1"
    assert dh_key.public_key.algorithm.standardized_parameter_id == 0


def test_dg14_content() -> None:
    infos = parse_dg14(DG14["bsi2008"])
    (key,) = infos.chip_authentication_public_keys
    assert key.protocol == "0.4.0.127.0.7.2.2.1.2" and key.key_id is None
    assert key.public_key.algorithm.algorithm == "1.2.840.10045.2.1"  # explicit EC parameters
    assert key.public_key.algorithm.standardized_parameter_id is None
    assert infos.chip_authentication_infos == [ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.1", 1)]
    sample = parse_dg14(DG14["spec-sample"])
    (dh_key,) = sample.chip_authentication_public_keys
    assert dh_key.public_key.algorithm.algorithm == "1.2.840.113549.1.3.1"  # PKCS#3 dhKeyAgreement
    # DER wants a sorted SET OF; this sample is not sorted, and the order must survive.
    assert [type(i) for i in sample.infos] == [
        ChipAuthenticationPublicKeyInfo,
        ChipAuthenticationInfo,
        TerminalAuthenticationInfo,
    ]


def test_pace_domain_parameter_info() -> None:
    info = PaceDomainParameterInfo(
        "0.4.0.127.0.7.2.2.4.2", AlgorithmIdentifier("0.4.0.127.0.7.1.2", b"\x02\x01\x0d"), 7
    )
    parsed = parse_security_infos(encode_security_infos(SecurityInfos((info,))))
    assert parsed.infos == (info,)


def test_public_key_info_built_in_code() -> None:
    algorithm = AlgorithmIdentifier("0.4.0.127.0.7.1.2", b"\x02\x01\x0d")
    spki = SubjectPublicKeyInfo(algorithm, b"\x04" + bytes(64))
    info = ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", spki, 13)
    assert parse_security_infos(encode_security_infos(SecurityInfos((info,)))).infos == (info,)


# --- choosing PACE -------------------------------------------------------------------------------


def _pace(oid_tail: str, parameter_id: int | None = 13, version: int = 2) -> PaceInfo:
    return PaceInfo(f"0.4.0.127.0.7.2.2.4.{oid_tail}", version, parameter_id)


def test_choose_prefers_ecdh_generic_mapping_with_aes() -> None:
    best = _pace("2.2")
    offered = [_pace("1.2", 0), _pace("2.1"), _pace("4.2"), _pace("6.2"), best, _pace("3.2", 0)]
    assert choose_pace_info(SecurityInfos(tuple(offered))) == best


def test_choose_order_without_ecdh_gm() -> None:
    offered = (_pace("1.1", 0), _pace("1.2", 0), _pace("4.2"))
    assert choose_pace_info(SecurityInfos(offered)) == _pace("4.2")


@pytest.mark.parametrize(
    "offered",
    [
        (),
        (_pace("2.2", None),),  # explicit domain parameters are never trusted
        (_pace("2.2", version=1),),
        (_pace("9.2"),),  # unknown mapping
        (_pace("4.2", 10),),  # P-224 cannot do IM
        (_pace("2.2", 0),),  # ECDH with a MODP group
        (_pace("2.2", 19),),  # RFU parameter id
    ],
)
def test_choose_raises_when_nothing_is_supported(offered: tuple[PaceInfo, ...]) -> None:
    with pytest.raises(UnsupportedCardError):
        choose_pace_info(SecurityInfos(offered))


@pytest.mark.parametrize("name", CARD_ACCESS)
def test_choose_on_real_files(name: str) -> None:
    info = choose_pace_info(parse_security_infos(CARD_ACCESS[name]))
    assert info.parameter_id in (0, 13)


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x31",
        b"\x30\x00",  # SEQUENCE, not SET
        b"\x31\x02\x30",  # truncated
        b"\x31\x03\x30\x01\x00",  # element is not a SecurityInfo
        b"\x31\x02\x30\x00",  # empty SecurityInfo
        b"\x31\x04\x30\x02\x02\x00",  # protocol is not an OID
        CARD_ACCESS["icao-gmrtd"] + b"\x00",  # trailing byte
        CARD_ACCESS["icao-gmrtd"][:-1],
        # PACEInfo with a version that is an OCTET STRING
        bytes.fromhex("31143012060A04007F0007020204020204010202010D"),
        # PACEInfo with a fourth element
        bytes.fromhex("31173015060A04007F0007020204020202010202010D020100"),
        # ChipAuthenticationPublicKeyInfo whose key is not a SubjectPublicKeyInfo
        bytes.fromhex("3110300E060904007F0007020201020201010201"),
    ],
)
def test_hostile_security_infos(data: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        parse_security_infos(data)


@pytest.mark.parametrize(
    "data", [b"", b"\x6e", b"\x6f\x00", DG14["bsi2008"][:-1], DG14["bsi2008"] + b"\x00"]
)
def test_hostile_dg14(data: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        parse_dg14(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_typed_errors(data: bytes) -> None:
    for parse in (parse_security_infos, parse_dg14, lambda d: parse_security_infos(b"\x31" + d)):
        try:
            parsed = parse(data)
        except IdCardError:
            continue
        assert isinstance(parsed, SecurityInfos)


_SAMPLES = [*SECURITY_INFOS.values(), *(d[4:] for d in DG14.values())]


@st.composite
def mutated_samples(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["set", "delete", "insert", "cut"]))
        if action == "set" and data:
            data[pos] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 4))]
        elif action == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[pos:]
    return bytes(data)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_samples())
def test_mutated_files_parse_exactly_or_raise_typed_errors(data: bytes) -> None:
    try:
        parsed = parse_security_infos(data)
    except IdCardError:
        return
    assert encode_security_infos(parsed) == data
    try:
        choose_pace_info(parsed)
    except UnsupportedCardError:
        pass
