"""PACE against the ICAO 9303-11 worked examples, both roles, byte for byte.

G.1 (ECDH-GM, brainpoolP256r1, AES-128) has the complete gmrtd APDU trace;
G.2 (DH-GM, RFC 5114 1024/160) has every value but no trace, so the trace is
built from the values. Private keys and nonces are injected through a
replaying rng (both roles draw them by rejection sampling, so the published
bytes come out unchanged).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from idcard.apdu.channel import CardChannel
from idcard.apdu.command import CommandAPDU
from idcard.apdu.tlv import encode_tlv
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
    chip_authentication_data,
    decrypt_chip_authentication_data,
    encrypt_chip_authentication_data,
    verify_chip_authentication_mapping,
)
from idcard.protocol.pace.mapping import (
    GenericMapping,
    integrated_map,
    pseudo_random,
    pseudo_random_bytes,
)
from idcard.protocol.pace.oids import oid_from_bytes
from idcard.protocol.pace.tokens import auth_token, session_keys
from reader.base import Transport
from tests.vectors import h, load_icao, load_im_cam

ICAO = load_icao()
G1 = ICAO["pace_ecdh_gm_G1"]
G2 = ICAO["pace_dh_gm_G2"]


def replay(*chunks: bytes) -> Callable[[int], bytes]:
    """An rng handing out exactly these values, in order, each at the size asked."""
    queue = list(chunks)

    def rng(n: int) -> bytes:
        assert queue, "rng called more often than the vector has values"
        chunk = queue.pop(0)
        assert len(chunk) == n, f"rng asked for {n} bytes, the vector value has {len(chunk)}"
        return chunk

    rng.remaining = queue  # type: ignore[attr-defined]
    return rng


class ScriptedTransport(Transport):
    """A card that checks every APDU against a script and answers from it."""

    name = "scripted"

    def __init__(self, script: list[tuple[bytes, bytes]]) -> None:
        self.script = list(script)

    @property
    def atr(self) -> bytes:
        return b""

    def transmit(self, apdu: bytes) -> bytes:
        assert self.script, f"unexpected extra APDU {apdu.hex().upper()}"
        expected, answer = self.script.pop(0)
        assert apdu.hex().upper() == expected.hex().upper()
        return answer

    def close(self) -> None:
        pass


def _oid(vector: dict) -> str:
    return oid_from_bytes(h(vector["token_oid"]))


#: Appendix G: both examples use the same MRZ (G.2 publishes only the resulting Kπ).
MRZ = G1["mrz"]["mrz_information"]


def _seed() -> bytes:
    return pace_password_key(PasswordRef.MRZ, MRZ)


# --- G.1 ECDH generic mapping ---------------------------------------------------------


def test_g1_password_key() -> None:
    seed = pace_password_key(PasswordRef.MRZ, MRZ)
    assert seed == h(G1["pi_sha1_mrz"])
    assert derive_k_pi(AES128, seed) == h(G1["k_pi"])


def test_g1_nonce() -> None:
    k_pi = h(G1["k_pi"])
    assert AES128.decrypt_cbc(k_pi, h(G1["encrypted_nonce_z"])) == h(G1["nonce_s"])
    assert AES128.encrypt_cbc(k_pi, h(G1["nonce_s"])) == h(G1["encrypted_nonce_z"])


def test_g1_generic_mapping_both_roles() -> None:
    domain = domain_by_id(13)
    terminal = GenericMapping(domain, int(G1["terminal_map_private"], 16))
    chip = GenericMapping(domain, int(G1["chip_map_private"], 16))
    assert domain.encode(terminal.public) == h(G1["terminal_map_public"])
    assert domain.encode(chip.public) == h(G1["chip_map_public"])
    for own, peer in ((terminal, G1["chip_map_public"]), (chip, G1["terminal_map_public"])):
        peer_key = domain.decode(h(peer))
        assert domain.encode(own.shared_element(peer_key)) == h(G1["shared_point_H"])
        assert domain.encode(own.map(h(G1["nonce_s"]), peer_key)) == h(G1["mapped_generator"])


def test_g1_key_agreement_session_keys_and_tokens() -> None:
    domain = domain_by_id(13)
    generator = domain.decode(h(G1["mapped_generator"]))
    terminal_private = int(G1["terminal_eph_private"], 16)
    chip_private = int(G1["chip_eph_private"], 16)
    assert domain.encode(domain.exp(generator, terminal_private)) == h(G1["terminal_eph_public"])
    assert domain.encode(domain.exp(generator, chip_private)) == h(G1["chip_eph_public"])
    chip_public = domain.decode(h(G1["chip_eph_public"]))
    terminal_public = domain.decode(h(G1["terminal_eph_public"]))
    k_terminal = domain.secret(domain.exp(chip_public, terminal_private))
    k_chip = domain.secret(domain.exp(terminal_public, chip_private))
    assert k_terminal == k_chip == h(G1["shared_secret_K"])
    assert session_keys(AES128, k_terminal) == (h(G1["ks_enc"]), h(G1["ks_mac"]))
    oid = _oid(G1)
    ks_mac = h(G1["ks_mac"])
    assert auth_token(AES128, ks_mac, oid, 0x86, h(G1["chip_eph_public"])) == h(G1["t_ifd"])
    assert auth_token(AES128, ks_mac, oid, 0x86, h(G1["terminal_eph_public"])) == h(G1["t_ic"])


def test_g1_mse_set_at_bytes() -> None:
    command = mse_set_at_command(_oid(G1), PasswordRef.MRZ, 13)
    assert command.encode() == h(G1["mse_set_at"])


def test_g1_terminal_replays_the_apdu_trace() -> None:
    script = [(h(c), h(r)) for c, r in G1["apdus_gmrtd"]]
    transport = ScriptedTransport(script)
    rng = replay(h(G1["terminal_map_private"]), h(G1["terminal_eph_private"]))
    result = perform_pace(
        CardChannel(transport),
        _oid(G1),
        13,
        PasswordRef.MRZ,
        MRZ,
        rng=rng,
    )
    assert transport.script == [] and rng.remaining == []  # type: ignore[attr-defined]
    assert (result.ks_enc, result.ks_mac) == (h(G1["ks_enc"]), h(G1["ks_mac"]))
    assert result.cipher is AES128 and result.mse_status == 0x9000
    assert result.chip_public_key == h(G1["chip_eph_public"])
    assert result.terminal_public_key == h(G1["terminal_eph_public"])
    assert result.id_picc == h(G1["chip_eph_public"])[1:33]


def test_g1_chip_answers_the_apdu_trace() -> None:
    rng = replay(h(G1["nonce_s"]), h(G1["chip_map_private"]), h(G1["chip_eph_private"]))
    chip = PaceChip(_oid(G1), 13, _seed(), rng=rng)
    for command_hex, response_hex in G1["apdus_gmrtd"][1:]:
        command = CommandAPDU.parse(h(command_hex))
        assert command.ins == 0x86
        response = h(response_hex)
        assert response[-2:] == b"\x90\x00"
        assert chip.general_authenticate(command.data).hex().upper() == response[:-2].hex().upper()
    assert chip.established and rng.remaining == []  # type: ignore[attr-defined]
    assert (chip.ks_enc, chip.ks_mac) == (h(G1["ks_enc"]), h(G1["ks_mac"]))
    assert chip.terminal_public_key == h(G1["terminal_eph_public"])


@pytest.mark.parametrize("key", ["ef_cardaccess_as_in_gmrtd", "ef_cardaccess_as_in_zienit"])
def test_g1_card_access_names_parameter_13(key: str) -> None:
    from idcard.lds.security_infos import parse_security_infos

    (info,) = parse_security_infos(h(G1[key])).pace_infos
    assert info.parameter_id == 13 and info.version == 2


# --- G.2 DH generic mapping -----------------------------------------------------------


def test_g2_group_is_standardized_id_0() -> None:
    domain = domain_by_id(0)
    assert (domain.p, domain.g, domain.q) == (int(G2["p"], 16), int(G2["g"], 16), int(G2["q"], 16))


def test_g2_nonce_and_password_key() -> None:
    assert derive_k_pi(AES128, _seed()) == h(G2["k_pi"])
    assert AES128.decrypt_cbc(h(G2["k_pi"]), h(G2["encrypted_nonce_z"])) == h(G2["nonce_s"])


def test_g2_mapping_key_agreement_and_tokens() -> None:
    domain = domain_by_id(0)
    terminal = GenericMapping(domain, int(G2["terminal_map_private"], 16))
    assert domain.encode(terminal.public) == h(G2["terminal_map_public"])
    chip_map = domain.decode(h(G2["chip_map_public"]))
    assert domain.encode(terminal.shared_element(chip_map)) == h(G2["h"])
    generator = terminal.map(h(G2["nonce_s"]), chip_map)
    assert domain.encode(generator) == h(G2["mapped_generator"])
    eph_private = int(G2["terminal_eph_private"], 16)
    assert domain.encode(domain.exp(generator, eph_private)) == h(G2["terminal_eph_public"])
    shared = domain.exp(domain.decode(h(G2["chip_eph_public"])), eph_private)
    assert domain.secret(shared) == h(G2["shared_secret_K"])
    ks_enc, ks_mac = session_keys(AES128, domain.secret(shared))
    assert (ks_enc, ks_mac) == (h(G2["ks_enc"]), h(G2["ks_mac"]))
    oid = _oid(G2)
    assert auth_token(AES128, ks_mac, oid, 0x84, h(G2["chip_eph_public"])) == h(G2["t_ifd"])
    assert auth_token(AES128, ks_mac, oid, 0x84, h(G2["terminal_eph_public"])) == h(G2["t_ic"])


def _ga(cla: int, objects: bytes) -> bytes:
    data = encode_tlv(0x7C, objects)
    return bytes([cla, 0x86, 0, 0, len(data)]) + data + b"\x00"


def test_g2_terminal_trace_built_from_the_values() -> None:
    ok = b"\x90\x00"
    oid_bytes = h(G2["token_oid"])
    mse = encode_tlv(0x80, oid_bytes) + encode_tlv(0x83, b"\x01") + encode_tlv(0x84, b"\x00")
    script = [
        (b"\x00\x22\xc1\xa4" + bytes([len(mse)]) + mse, ok),
        (_ga(0x10, b""), encode_tlv(0x7C, encode_tlv(0x80, h(G2["encrypted_nonce_z"]))) + ok),
        (
            _ga(0x10, encode_tlv(0x81, h(G2["terminal_map_public"]))),
            encode_tlv(0x7C, encode_tlv(0x82, h(G2["chip_map_public"]))) + ok,
        ),
        (
            _ga(0x10, encode_tlv(0x83, h(G2["terminal_eph_public"]))),
            encode_tlv(0x7C, encode_tlv(0x84, h(G2["chip_eph_public"]))) + ok,
        ),
        (
            _ga(0x00, encode_tlv(0x85, h(G2["t_ifd"]))),
            encode_tlv(0x7C, encode_tlv(0x86, h(G2["t_ic"]))) + ok,
        ),
    ]
    transport = ScriptedTransport(script)
    rng = replay(h(G2["terminal_map_private"]), h(G2["terminal_eph_private"]))
    result = perform_pace(
        CardChannel(transport), _oid(G2), 0, PasswordRef.MRZ, MRZ, rng=rng
    )
    assert transport.script == []
    assert (result.ks_enc, result.ks_mac) == (h(G2["ks_enc"]), h(G2["ks_mac"]))


def test_g2_chip_encrypts_the_nonce() -> None:
    # The vector publishes no chip private keys, so only the nonce step can be replayed.
    chip = PaceChip(_oid(G2), 0, _seed(), rng=replay(h(G2["nonce_s"])))
    answer = chip.general_authenticate(b"\x7c\x00")
    assert answer == encode_tlv(0x7C, encode_tlv(0x80, h(G2["encrypted_nonce_z"])))


# --- Appendix H (IM) and I (CAM), from tests/data (see test_pace_im_cam_vectors.py) ------

IM_CAM = load_im_cam()


def test_h1_ecdh_integrated_mapping() -> None:
    v = IM_CAM["pace_ecdh_im_H1"]
    domain = domain_by_id(13)
    s, t = h(v["nonce_s"]), h(v["nonce_t"])
    assert AES128.encrypt_cbc(h(v["k_pi"]), s) == h(v["encrypted_nonce_z"])
    assert pseudo_random_bytes(AES128, s, t, domain.p) == h(v["pseudo_random"])
    assert pseudo_random(AES128, s, t, domain.p) == int(v["pseudo_random_mod_p"], 16)
    generator = integrated_map(domain, AES128, s, t)
    assert domain.encode(generator) == h(v["mapped_generator"])
    # H.1 reuses G.1's chip private key (see the data file's note).
    _check_key_agreement(domain, generator, v, tag=0x86, chip_private=G1["chip_eph_private"])


def test_h2_dh_integrated_mapping() -> None:
    v = IM_CAM["pace_dh_im_H2"]
    domain = domain_by_id(0)
    s, t = h(v["nonce_s"]), h(v["nonce_t"])
    assert AES128.encrypt_cbc(h(v["k_pi"]), s) == h(v["encrypted_nonce_z"])
    assert pseudo_random_bytes(AES128, s, t, domain.p) == h(v["pseudo_random"])
    assert pseudo_random(AES128, s, t, domain.p) == int(v["pseudo_random_mod_p"], 16)
    generator = integrated_map(domain, AES128, s, t)
    assert domain.encode(generator) == h(v["mapped_generator"])
    _check_key_agreement(domain, generator, v, tag=0x84)


def _check_key_agreement(  # noqa: ANN001
    domain, generator, v: dict, *, tag: int, chip_private: str | None = None
) -> None:
    terminal_private = int(v["terminal_eph_private"], 16)
    if chip_private is not None:
        assert domain.encode(domain.exp(generator, int(chip_private, 16))) == h(v["chip_eph_public"])
    assert domain.encode(domain.exp(generator, terminal_private)) == h(v["terminal_eph_public"])
    shared = domain.exp(domain.decode(h(v["chip_eph_public"])), terminal_private)
    assert domain.secret(shared) == h(v["shared_secret_K"])
    ks_enc, ks_mac = session_keys(AES128, domain.secret(shared))
    assert (ks_enc, ks_mac) == (h(v["ks_enc"]), h(v["ks_mac"]))
    oid = _oid(v)
    assert auth_token(AES128, ks_mac, oid, tag, h(v["chip_eph_public"])) == h(v["t_ifd"])
    assert auth_token(AES128, ks_mac, oid, tag, h(v["terminal_eph_public"])) == h(v["t_ic"])


def test_i1_chip_authentication_mapping() -> None:
    v = IM_CAM["pace_ecdh_cam_I1"]
    domain = domain_by_id(13)
    ks_enc = h(v["ks_enc"])
    ca_ic = decrypt_chip_authentication_data(AES128, ks_enc, h(v["encrypted_ca_data"]))
    assert ca_ic == h(v["ca_data"])
    verify_chip_authentication_mapping(
        domain, ca_ic, h(v["chip_map_public"]), h(v["chip_ca_public"])
    )
    ca = int.from_bytes(ca_ic, "big")
    chip_map_private = int(v["chip_map_private"], 16)
    static_private = pow(ca, -1, domain.order) * chip_map_private % domain.order
    assert chip_authentication_data(domain, static_private, chip_map_private) == ca
    assert encrypt_chip_authentication_data(domain, AES128, ks_enc, ca) == h(v["encrypted_ca_data"])
