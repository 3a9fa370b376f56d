"""PACE Integrated Mapping (ICAO 9303-11 Appendix H) and Chip Authentication Mapping
(Appendix I) worked examples, replayed in both roles byte for byte.

The values and their sources are in tests/data/icao9303_11_appendix_h_i.json
(the shared vector file has only Appendices D and G). Like G.1/G.2 in
test_pace_vectors.py, private keys and nonces are injected through a replaying
rng. Where an appendix publishes no chip private key the chip role is replayed
as far as the published values reach, and then checked against a key the test
picks.
"""

from __future__ import annotations

import pytest

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import CommandAPDU
from idcard.apdu.tlv import encode_tlv
from idcard.errors import AuthenticationError
from idcard.lds.checkdigit import mrz_information
from idcard.protocol.ciphers import AES128
from idcard.protocol.pace import (
    PaceChip,
    PasswordRef,
    derive_k_pi,
    domain_by_id,
    mse_set_at_command,
    pace_password_key,
    perform_pace,
)
from idcard.protocol.pace.cam import (
    decrypt_chip_authentication_data,
    verify_chip_authentication_mapping,
)
from idcard.protocol.pace.mapping import GenericMapping
from idcard.protocol.pace.messages import parse as parse_template
from idcard.protocol.pace.oids import oid_from_bytes
from idcard.protocol.pace.tokens import auth_token, session_keys
from tests.unit.test_pace_vectors import ScriptedTransport, replay
from tests.vectors import h, load_icao, load_im_cam

DATA = load_im_cam()
H1 = DATA["pace_ecdh_im_H1"]
H2 = DATA["pace_dh_im_H2"]
I1 = DATA["pace_ecdh_cam_I1"]
G1 = load_icao()["pace_ecdh_gm_G1"]
OK = b"\x90\x00"


def _oid(v: dict) -> str:
    return oid_from_bytes(h(v["token_oid"]))


def _ga(cla: int, objects: bytes) -> bytes:
    data = encode_tlv(0x7C, objects)
    return bytes([cla, 0x86, 0, 0, len(data)]) + data + b"\x00"


def _reply(*objects: tuple[int, bytes]) -> bytes:
    return encode_tlv(0x7C, b"".join(encode_tlv(tag, value) for tag, value in objects))


def _im_trace(v: dict) -> list[tuple[bytes, bytes]]:
    """The GENERAL AUTHENTICATE exchanges of an IM run, built from the published values."""
    return [
        (_ga(0x10, b""), _reply((0x80, h(v["encrypted_nonce_z"]))) + OK),
        (_ga(0x10, encode_tlv(0x81, h(v["nonce_t"]))), _reply((0x82, b"")) + OK),
        (
            _ga(0x10, encode_tlv(0x83, h(v["terminal_eph_public"]))),
            _reply((0x84, h(v["chip_eph_public"]))) + OK,
        ),
        (_ga(0x00, encode_tlv(0x85, h(v["t_ifd"]))), _reply((0x86, h(v["t_ic"]))) + OK),
    ]


def _chip_step(chip: PaceChip, command: bytes) -> bytes:
    return chip.general_authenticate(CommandAPDU.parse(command).data)


def _can_seed() -> bytes:
    return pace_password_key(PasswordRef.CAN, H1["password_can"])


# --- Appendix H: the password ----------------------------------------------------------


@pytest.mark.parametrize("v", [H1, H2], ids=["H1", "H2"])
def test_h_password_is_can(v: dict) -> None:
    assert derive_k_pi(AES128, pace_password_key(PasswordRef.CAN, v["password_can"])) == h(v["k_pi"])


# --- H.1 ECDH integrated mapping, brainpoolP256r1 ---------------------------------------


def test_h1_terminal_replays_the_exchange() -> None:
    mse = mse_set_at_command(_oid(H1), PasswordRef.CAN, 13).encode()
    transport = ScriptedTransport([(mse, OK), *_im_trace(H1)])
    rng = replay(h(H1["nonce_t"]), h(H1["terminal_eph_private"]))
    result = perform_pace(
        CardChannel(transport), _oid(H1), 13, PasswordRef.CAN, H1["password_can"], rng=rng
    )
    assert transport.script == [] and rng.remaining == []  # type: ignore[attr-defined]
    assert (result.ks_enc, result.ks_mac) == (h(H1["ks_enc"]), h(H1["ks_mac"]))
    assert result.chip_public_key == h(H1["chip_eph_public"])
    assert result.terminal_public_key == h(H1["terminal_eph_public"])


def test_h1_chip_answers_the_exchange() -> None:
    # G.1's chip private key reproduces H.1's chip public key (data file note; checked here).
    domain = domain_by_id(13)
    chip_private = h(G1["chip_eph_private"])
    generator = domain.decode(h(H1["mapped_generator"]))
    chip_public = domain.exp(generator, int.from_bytes(chip_private, "big"))
    assert domain.encode(chip_public) == h(H1["chip_eph_public"])

    rng = replay(h(H1["nonce_s"]), chip_private)
    chip = PaceChip(_oid(H1), 13, _can_seed(), rng=rng)
    for command, response in _im_trace(H1):
        assert _chip_step(chip, command).hex().upper() == response[:-2].hex().upper()
    assert chip.established and rng.remaining == []  # type: ignore[attr-defined]
    assert (chip.ks_enc, chip.ks_mac) == (h(H1["ks_enc"]), h(H1["ks_mac"]))
    assert chip.terminal_public_key == h(H1["terminal_eph_public"])


def test_h1_chip_refuses_a_wrong_terminal_token() -> None:
    chip = PaceChip(
        _oid(H1), 13, _can_seed(), rng=replay(h(H1["nonce_s"]), h(G1["chip_eph_private"]))
    )
    trace = _im_trace(H1)
    for command, _ in trace[:3]:
        _chip_step(chip, command)
    forged = bytearray(h(H1["t_ifd"]))
    forged[0] ^= 1
    with pytest.raises(AuthenticationError):
        chip.general_authenticate(encode_tlv(0x7C, encode_tlv(0x85, bytes(forged))))
    assert not chip.established


# --- H.2 DH integrated mapping, RFC 5114 1024/160 ---------------------------------------


def _h2_terminal_exponent() -> bytes:
    """H.2's terminal exponent is 1024 bits; ours are drawn below q. The mapped generator
    has order q, so x mod q gives the same public value: that is what the rng returns."""
    domain = domain_by_id(0)
    x = int(H2["terminal_eph_private"], 16) % domain.q
    return x.to_bytes((domain.q.bit_length() + 7) // 8, "big")


def test_h2_terminal_replays_the_exchange() -> None:
    mse = mse_set_at_command(_oid(H2), PasswordRef.CAN, 0).encode()
    transport = ScriptedTransport([(mse, OK), *_im_trace(H2)])
    rng = replay(h(H2["nonce_t"]), _h2_terminal_exponent())
    result = perform_pace(
        CardChannel(transport), _oid(H2), 0, PasswordRef.CAN, H2["password_can"], rng=rng
    )
    assert transport.script == [] and rng.remaining == []  # type: ignore[attr-defined]
    assert (result.ks_enc, result.ks_mac) == (h(H2["ks_enc"]), h(H2["ks_mac"]))
    assert result.terminal_public_key == h(H2["terminal_eph_public"])


def test_h2_chip_maps_to_the_published_generator() -> None:
    domain = domain_by_id(0)
    own_private = 0x1234567890ABCDEF1234567890ABCDEF12345678  # below q; no chip key is published
    rng = replay(h(H2["nonce_s"]), own_private.to_bytes(20, "big"))
    chip = PaceChip(_oid(H2), 0, _can_seed(), rng=rng)
    trace = _im_trace(H2)
    for command, response in trace[:2]:  # the published part: nonce and (empty) mapping
        assert _chip_step(chip, command).hex().upper() == response[:-2].hex().upper()
    answer = _chip_step(chip, trace[2][0])
    generator = int(H2["mapped_generator"], 16)
    expected = domain.encode(domain.exp(generator, own_private))
    assert answer == _reply((0x84, expected))
    # Its keys are not the example's, so the published terminal token is refused.
    with pytest.raises(AuthenticationError):
        _chip_step(chip, trace[3][0])


# --- Appendix I: chip authentication mapping, brainpoolP256r1 ---------------------------


def _i1_mrz() -> str:
    m = I1["mrz"]
    return mrz_information(m["document_number"], m["date_of_birth"], m["date_of_expiry"])


def _i1_static_private() -> int:
    """SK_IC = CA_IC⁻¹ · SK_Map,IC (the appendix prints CA_IC and SK_Map,IC, not SK_IC)."""
    order = domain_by_id(13).order
    return pow(int(I1["ca_data"], 16), -1, order) * int(I1["chip_map_private"], 16) % order


def test_i1_published_values_agree() -> None:
    domain = domain_by_id(13)
    k_pi = derive_k_pi(AES128, pace_password_key(PasswordRef.MRZ, _i1_mrz()))
    assert AES128.decrypt_cbc(k_pi, h(I1["encrypted_nonce_z"])) == h(I1["nonce_s"])
    for side in ("chip", "terminal"):
        mapping = GenericMapping(domain, int(I1[f"{side}_map_private"], 16))
        assert domain.encode(mapping.public) == h(I1[f"{side}_map_public"])
    assert domain.encode(domain.exp(domain.generator, _i1_static_private())) == h(
        I1["chip_ca_public"]
    )
    assert session_keys(AES128, h(I1["shared_secret_K"])) == (h(I1["ks_enc"]), h(I1["ks_mac"]))


def test_i1_mse_set_at_bytes() -> None:
    # The trace leaves out DO'84' (conditional in 9303-11 §4.4.4.1): parameter_id=None.
    command = mse_set_at_command(_oid(I1), PasswordRef.MRZ, None).encode()
    assert command.hex().upper() == I1["apdus_gmrtd"][0][0]


def test_i1_terminal_replays_the_apdu_trace() -> None:
    script = [(h(c), h(r)) for c, r in I1["apdus_gmrtd"][1:]]
    transport = ScriptedTransport(script)
    rng = replay(h(I1["terminal_map_private"]), h(I1["terminal_eph_private"]))
    result = perform_pace(
        CardChannel(transport), _oid(I1), 13, PasswordRef.MRZ, _i1_mrz(), rng=rng, skip_mse=True
    )
    assert transport.script == [] and rng.remaining == []  # type: ignore[attr-defined]
    assert (result.ks_enc, result.ks_mac) == (h(I1["ks_enc"]), h(I1["ks_mac"]))
    assert result.chip_public_key == h(I1["chip_eph_public"])
    assert result.terminal_public_key == h(I1["terminal_eph_public"])
    assert result.chip_authentication_data == h(I1["ca_data"])
    assert result.chip_mapping_public_key == h(I1["chip_map_public"])
    result.verify_chip_authentication(h(I1["chip_ca_public"]))
    # Another static key (G.1's chip mapping key stands in for a clone's) is refused.
    with pytest.raises(AuthenticationError):
        result.verify_chip_authentication(h(G1["chip_map_public"]))


def test_i1_chip_answers_the_apdu_trace_and_proves_its_static_key() -> None:
    domain = domain_by_id(13)
    own_private = 0x1D2C3B4A5968778695A4B3C2D1E0F1E2D3C4B5A69788796A5B4C3D2E1F0A1B2C
    rng = replay(h(I1["nonce_s"]), h(I1["chip_map_private"]), own_private.to_bytes(32, "big"))
    seed = pace_password_key(PasswordRef.MRZ, _i1_mrz())
    chip = PaceChip(
        _oid(I1), 13, seed, rng=rng, chip_authentication_private_key=_i1_static_private()
    )
    trace = [(h(c), h(r)) for c, r in I1["apdus_gmrtd"][1:]]
    for command, response in trace[:2]:  # nonce and mapping: the published answers
        assert _chip_step(chip, command).hex().upper() == response[:-2].hex().upper()
    # No chip ephemeral key is published: finish the run as the terminal would, with
    # the published terminal key against the chip's own.
    answer = _chip_step(chip, trace[2][0])
    terminal = GenericMapping(domain, int(I1["terminal_map_private"], 16))
    generator = terminal.map(h(I1["nonce_s"]), domain.decode(h(I1["chip_map_public"])))
    chip_public = domain.encode(domain.exp(generator, own_private))
    assert answer == _reply((0x84, chip_public))
    shared = domain.exp(domain.decode(chip_public), int(I1["terminal_eph_private"], 16))
    ks_enc, ks_mac = session_keys(AES128, domain.secret(shared))
    oid = _oid(I1)
    t_ifd = auth_token(AES128, ks_mac, oid, 0x86, chip_public)
    final = chip.general_authenticate(encode_tlv(0x7C, encode_tlv(0x85, t_ifd)))
    t_ic = auth_token(AES128, ks_mac, oid, 0x86, h(I1["terminal_eph_public"]))
    objects = parse_template(final)
    assert set(objects) == {0x86, 0x8A} and objects[0x86] == t_ic
    a_ic = objects[0x8A]
    # CA_IC depends on the static and mapping keys only: the published value comes out.
    assert decrypt_chip_authentication_data(AES128, ks_enc, a_ic) == h(I1["ca_data"])
    verify_chip_authentication_mapping(
        domain, h(I1["ca_data"]), h(I1["chip_map_public"]), h(I1["chip_ca_public"])
    )
    assert chip.established

