"""PACE-CAM's chip proof as the verdict's chip check (`chip.pace_cam`).

The ICAO 9303-11 Appendix I run is judged against a DG14 that publishes its
chip key; the emulated PACE-CAM card is read end to end (in process; the
transports are in tests/e2e/test_read_pace_cam.py): the proof replaces Chip
Authentication, clones and tampered DG14s never pass, a chip that drops CA_IC
is a typed error.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.apdu.channel import CardChannel
from idcard.apdu.tlv import encode_tlv, parse_single
from idcard.document import read_document
from idcard.errors import MalformedResponseError, UsageError
from idcard.lds.security_infos import (
    STANDARDIZED_DOMAIN_PARAMETERS,
    AlgorithmIdentifier,
    ChipAuthenticationPublicKeyInfo,
    SecurityInfos,
    SubjectPublicKeyInfo,
)
from idcard.pki.trust import TrustStore
from idcard.protocol.cam_check import CHECK_CODE, ID_PK_ECDH, cam_public_keys, pace_cam_check
from idcard.protocol.pace import PasswordRef, domain_by_id, perform_pace
from idcard.protocol.pace.cam import verify_chip_authentication_mapping
from idcard.protocol.pace.oids import oid_from_bytes
from idcard.session import PIN, IdCard
from idcard.verdict import Result
from mock_card.card import EmulatedCard
from mock_card.chip_keys import generate_chip_keys
from mock_card.filesystem import FID_CARD_ACCESS, dg_fid
from mock_card.hostile import Behaviour, answer, data, drop, flip_dg, nth, resign
from mock_card.image import PACE_CAM_OID, CardImage
from mock_card.personalize import card_access, personalize
from mock_card.testpki import test_pki
from reader.emulated import EmulatedTransport
from tests.unit.test_pace_im_cam_vectors import _i1_mrz
from tests.unit.test_pace_vectors import ScriptedTransport, replay
from tests.vectors import h, load_icao, load_im_cam

I1 = load_im_cam()["pace_ecdh_cam_I1"]
G1 = load_icao()["pace_ecdh_gm_G1"]
TAG_CAM_DATA = 0x8A
INS_MSE, INS_GA = 0x22, 0x86


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore([test_pki().csca_cert.public_bytes(Encoding.DER)])


# --- the ICAO worked example, verification side -------------------------------------------


def _i1_run():  # noqa: ANN202 - PaceResult
    """The terminal's PACE-CAM run of Appendix I, replayed from the published APDU trace."""
    transport = ScriptedTransport([(h(c), h(r)) for c, r in I1["apdus_gmrtd"][1:]])
    rng = replay(h(I1["terminal_map_private"]), h(I1["terminal_eph_private"]))
    oid = oid_from_bytes(h(I1["token_oid"]))
    return perform_pace(CardChannel(transport), oid, 13, PasswordRef.MRZ, _i1_mrz(), rng=rng, skip_mse=True)


def _dg14_with(*points: bytes, parameter_id: int = 13, key_id: int | None = None) -> SecurityInfos:
    """DG14's SecurityInfos publishing `points` as ECDH chip keys on a standardized domain."""
    algorithm = AlgorithmIdentifier(STANDARDIZED_DOMAIN_PARAMETERS, encode_tlv(0x02, bytes([parameter_id])))
    return SecurityInfos(
        [ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, SubjectPublicKeyInfo(algorithm, p), key_id) for p in points]
    )


def test_i1_proof_passes_against_the_published_chip_key() -> None:
    check = pace_cam_check(_i1_run(), _dg14_with(h(I1["chip_ca_public"]), key_id=7))
    assert check is not None and check.code == CHECK_CODE == "chip.pace_cam"
    assert check.result is Result.PASSED
    assert "PACE-CAM" in check.reason and "genuine" in check.reason
    assert check.details == {"algorithm": "id-PACE-ECDH-CAM-AES-CBC-CMAC-128", "domain": domain_by_id(13).name,
                             "keyId": 7}


def test_i1_proof_fails_against_another_key() -> None:
    # G.1's chip mapping key stands in for the key a clone's DG14 would have to match.
    check = pace_cam_check(_i1_run(), _dg14_with(h(G1["chip_map_public"])))
    assert check is not None and check.result is Result.FAILED
    assert "cloned" in check.reason


def test_i1_any_signed_key_on_the_curve_may_be_the_cam_key() -> None:
    dg14 = _dg14_with(h(G1["chip_map_public"]), h(I1["chip_ca_public"]))
    check = pace_cam_check(_i1_run(), dg14)
    assert check is not None and check.result is Result.PASSED


def test_keys_on_other_curves_are_not_the_cam_key() -> None:
    p256 = domain_by_id(12)
    other = p256.encode(p256.exp(p256.generator, 5))
    dg14 = _dg14_with(other, parameter_id=12)
    assert cam_public_keys(dg14, domain_by_id(13)) == []  # type: ignore[arg-type]
    assert pace_cam_check(_i1_run(), dg14) is None  # the caller runs Chip Authentication instead


def test_a_point_that_is_not_on_the_curve_never_passes() -> None:
    bad = bytearray(h(I1["chip_ca_public"]))
    bad[-1] ^= 1
    check = pace_cam_check(_i1_run(), _dg14_with(bytes(bad)))
    assert check is not None and check.result is Result.FAILED


def test_only_a_cam_run_has_a_cam_proof() -> None:
    import dataclasses

    from idcard.protocol.pace.oids import pace_algorithm

    gm = dataclasses.replace(_i1_run(), algorithm=pace_algorithm("0.4.0.127.0.7.2.2.4.2.2"))
    with pytest.raises(UsageError):
        pace_cam_check(gm, _dg14_with(h(I1["chip_ca_public"])))
    dropped = dataclasses.replace(_i1_run(), chip_authentication_data=None)
    with pytest.raises(UsageError):  # CAM data missing where the mapping was CAM
        pace_cam_check(dropped, _dg14_with(h(I1["chip_ca_public"])))


def test_the_proof_alone_convinces_no_third_party() -> None:
    """Why tokens and desk bundles keep Active Authentication: a CAM pair is forged from public data."""
    domain = domain_by_id(13)
    chip_key = h(I1["chip_ca_public"])  # public, in DG14
    ca_ic = 0x1234567890ABCDEF
    forged_map_key = domain.encode(domain.exp(domain.decode(chip_key), ca_ic))
    verify_chip_authentication_mapping(domain, ca_ic.to_bytes(32, "big"), forged_map_key, chip_key)  # type: ignore[arg-type]


# --- the emulated PACE-CAM card, read through the product path -------------------------------


def _cam_image(variant: str = "genuine") -> CardImage:
    return personalize(pace_oid=PACE_CAM_OID, variant=variant)


def _read(card: EmulatedCard, trust: TrustStore, **kw: object):  # noqa: ANN202 - (Document, APDUs after unlock)
    with IdCard(EmulatedTransport(card)) as session:
        session.unlock(PIN, "123456")
        assert session.pace_cam_run() is not None or card.image.settings.pace_oid != PACE_CAM_OID
        before = session.stats.apdus
        doc = read_document(session, trust, **kw)  # type: ignore[arg-type]
        return doc, session.stats.apdus - before


def _ca_commands(card: EmulatedCard) -> list[bytes]:
    """MSE:Set AT / KAT for Chip Authentication (P1 41) in the card's transcript."""
    return [e.command for e in card.transcript if e.command[1] == INS_MSE and e.command[2] == 0x41]


def test_cam_card_is_proven_genuine_by_pace_cam_without_chip_authentication(trust) -> None:
    gm_doc, gm_apdus = _read(EmulatedCard(personalize()), trust, photo=False)
    card = EmulatedCard(_cam_image())
    doc, apdus = _read(card, trust, photo=False)
    assert doc.verdict.verified, doc.verdict.to_json()
    check = doc.verdict.get(CHECK_CODE)
    assert check is not None and check.result is Result.PASSED, doc.verdict.to_json()
    assert "PACE-CAM" in check.reason and CHECK_CODE in doc.verdict.required
    assert doc.verdict.get("chip.chip_auth") is None and _ca_commands(card) == []
    active = doc.verdict.get("chip.active_auth")
    assert active is not None and active.result is Result.PASSED  # AA keeps running
    # CA's MSE:Set AT and GENERAL AUTHENTICATE are gone (AA's answer was CA's confirmation).
    assert gm_doc.verdict.verified and gm_apdus - apdus == 2


def test_cam_card_without_aa_saves_three_apdus(trust) -> None:
    def without_dg15(image: CardImage) -> CardImage:
        drop(dg_fid(15))(image)
        resign(image)
        return image

    _gm_doc, gm_apdus = _read(EmulatedCard(without_dg15(personalize())), trust, photo=False)
    doc, apdus = _read(EmulatedCard(without_dg15(_cam_image())), trust, photo=False)
    assert doc.verdict.verified, doc.verdict.to_json()
    assert [c.code for c in doc.verdict.checks if c.code.startswith("chip.")] == [CHECK_CODE]
    assert gm_apdus - apdus == 3  # MSE:Set AT, GENERAL AUTHENTICATE and the confirming SELECT


def test_cloned_cam_chip_fails_pace_cam(trust) -> None:
    card = EmulatedCard(_cam_image("cloned-cam"))
    doc, _ = _read(card, trust, photo=False)
    assert not doc.verdict.verified
    check = doc.verdict.get(CHECK_CODE)
    assert check is not None and check.result is Result.FAILED, doc.verdict.to_json()
    assert "cloned" in check.reason
    assert doc.verdict.get("chip.chip_auth") is None and _ca_commands(card) == []


def _clone_key_in_dg14(image: CardImage) -> None:
    """A clone writes its own CA key into DG14 (EF.SOD untouched): its CAM proof matches that key."""
    clone = generate_chip_keys((1_000_004).to_bytes(8, "big"))
    image.keys["ca"] = clone.ca
    image.files["lds"][dg_fid(14)] = clone.dg14


@pytest.mark.parametrize("trick", [flip_dg(14), _clone_key_in_dg14], ids=["dg14-flipped", "dg14-clone-key"])
def test_tampered_dg14_never_passes_pace_cam(trick, trust) -> None:  # noqa: ANN001
    image = _cam_image()
    trick(image)
    doc, _ = _read(EmulatedCard(image), trust, photo=False)
    assert not doc.verdict.verified
    check = doc.verdict.get(CHECK_CODE)
    assert check is not None and check.result is Result.FAILED, doc.verdict.to_json()
    assert "EF.SOD hash" in check.reason
    assert doc.verdict.get("sod.hash.dg14").result is Result.FAILED  # type: ignore[union-attr]


def test_dg14_not_read_leaves_pace_cam_not_performed(trust) -> None:
    from idcard.document import read_files, verify_files

    with IdCard(EmulatedTransport(EmulatedCard(_cam_image()))) as session:
        session.unlock(PIN, "123456")
        files, chip = read_files(session, data_groups=(1, 11, 15))
    doc = verify_files(files, trust, chip_checks=chip)
    check = doc.verdict.get(CHECK_CODE)
    assert check is not None and check.result is Result.NOT_PERFORMED
    assert not doc.verdict.verified  # required: the SOD lists DG14


def _drop_cam_data(template: bytes) -> bytes:
    """The last GENERAL AUTHENTICATE answer without DO'8A' (CA_IC)."""
    objects = parse_single(template, 0x7C).children()
    return encode_tlv(0x7C, b"".join(encode_tlv(o.tag, o.value) for o in objects if o.tag != TAG_CAM_DATA))


def _as_cam(image: CardImage) -> None:
    image.settings.pace_oid = PACE_CAM_OID
    image.files["mf"][FID_CARD_ACCESS] = card_access(PACE_CAM_OID, image.settings.pace_parameter_id)


def test_cam_chip_without_its_proof_is_a_typed_error() -> None:
    behaviour = Behaviour(
        "pace-cam-data-missing",
        "a chip agrees to PACE-CAM but leaves out CA_IC",
        "card.malformed",
        image=_as_cam,
        plain=answer(nth(INS_GA, 4), data(_drop_cam_data)),
    )
    with IdCard(EmulatedTransport(behaviour.card())) as session:
        with pytest.raises(MalformedResponseError) as caught:
            session.unlock(PIN, "123456")
    assert caught.value.code == "card.malformed" and "8A" in caught.value.message
    assert not session.secure and session.pace_cam_run() is None


def test_a_new_access_session_forgets_the_old_proof() -> None:
    with IdCard(EmulatedTransport(EmulatedCard(_cam_image()))) as session:
        session.unlock(PIN, "123456")
        assert session.pace_cam_run() is not None
        session.pin_status()  # MSE:Set AT in the clear closes the channel PACE-CAM opened
        assert session.pace_cam_run() is None and session.pace_result is None


def test_a_generic_mapping_card_still_runs_chip_authentication(trust) -> None:
    card = EmulatedCard(personalize())
    doc, _ = _read(card, trust, photo=False)
    assert doc.verdict.get(CHECK_CODE) is None
    assert doc.verdict.get("chip.chip_auth").result is Result.PASSED  # type: ignore[union-attr]
    assert len(_ca_commands(card)) == 1


# --- evidence for others: the CAM proof stays with the reader, AA travels ----------------------


def test_portal_login_with_a_cam_card_rests_on_active_authentication() -> None:
    import json

    from idcard.assertion import build_token
    from idcard.pki.trust import TrustStore as Anchors
    from idcard.portal import Portal, SqliteNonceStore, TokenVerifier

    pki = test_pki()
    verifier = TokenVerifier(
        Anchors([pki.citizen_ca_cert.public_bytes(Encoding.DER)]),
        csca=Anchors([pki.csca_cert.public_bytes(Encoding.DER)]),
    )
    portal = Portal(verifier, SqliteNonceStore(), base_url="https://portal.example")
    request = portal.begin("s", [])
    with IdCard(EmulatedTransport(EmulatedCard(_cam_image()))) as session:
        session.unlock(PIN, "123456")
        token = build_token(session, "https://portal.example", str(request["nonce"]))
    evidence = token["idcardEvidence"]
    assert isinstance(evidence, dict) and set(evidence) >= {"sod", "dataGroups", "activeAuthentication"}
    assert not any("cam" in key.lower() for key in evidence)  # nothing a portal could not re-check
    identity = portal.complete("s", json.dumps(token), "https://portal.example")
    assert identity.evidence is True
    aa = identity.verdict.get("chip.active_auth")
    assert aa is not None and aa.result is Result.PASSED
    assert identity.verdict.get(CHECK_CODE) is None


def test_desk_bundle_of_a_cam_card_is_rechecked_by_active_authentication(trust) -> None:
    import datetime as dt
    import json

    from idcard.desk.challenge import sign_desk_challenge
    from idcard.desk.records import PURPOSES, build_record, verify_bundle
    from idcard.document import read_files, verify_files

    purpose, when = PURPOSES["identity"], dt.datetime.now(dt.UTC).replace(microsecond=0)
    with IdCard(EmulatedTransport(EmulatedCard(_cam_image()))) as session:
        session.unlock(PIN, "123456")
        signed = sign_desk_challenge(session, "desk-1", "clerk", when)
        files, chip = read_files(session, data_groups=purpose.data_groups)
    document = verify_files(files, trust, at=when, chip_checks=chip)
    assert document.verdict.get(CHECK_CODE).result is Result.PASSED  # type: ignore[union-attr]
    record = build_record(document, signed, None, desk="desk-1", operator="clerk", purpose=purpose,
                          challenge_time=when)
    verdict, _body = verify_bundle(json.dumps({**record.body, "hash": f"sha256:{record.hash}"}), trust)
    assert verdict.verified, verdict.to_json()
    # The offline re-check judges the chip by its signature over the desk's challenge only.
    assert verdict.get("chip.active_auth").result is Result.PASSED  # type: ignore[union-attr]
    assert verdict.get(CHECK_CODE) is None and "chip.active_auth" in verdict.required
