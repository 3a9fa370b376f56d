"""`cert.ocsp` against a real OpenSSL OCSP responder.

`openssl ocsp -port` listens on every interface, and test servers bind
127.0.0.1 only; so a small HTTP front end on 127.0.0.1 hands each POSTed
request to `openssl ocsp -index … -reqin - -respout -` — OpenSSL's own
responder logic (index.txt lookup, nonce echo, signing, -nmin/-ndays) makes
every answer.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from idcard.assertion import SoftwareSigner, build_token_with_signer
from idcard.pki.ocsp import build_request, evaluate_response, ocsp_check, responder_urls
from idcard.pki.trust import CITIZEN_CA, TrustStore
from idcard.pki.validate import validate_certificate
from idcard.portal import CODES, TokenError, TokenVerifier
from idcard.verdict import Result
from tests.unit.test_sod import _key_usage

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

NOW = datetime.now(UTC)
ORIGIN = "https://portal.example"
NONCE = base64.b64encode(bytes(range(32))).decode()
IDCARD = str(Path(sys.executable).with_name("idcard"))


def _name(cn: str, serial: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "EE"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if serial:  # a Web eID holder's subject, as the token verifier reads it
        attributes += [
            x509.NameAttribute(NameOID.SURNAME, "TAMM"),
            x509.NameAttribute(NameOID.GIVEN_NAME, "MARI"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, serial),
        ]
    return x509.Name(attributes)


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    serial: int,
    *,
    ca: bool = False,
    ocsp_url: str | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    holder = f"PNOEE-{serial}" if ocsp_url else None
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject, holder))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca or ocsp_url:
        usage = {"cert_sign": True, "crl_sign": True} if ca else {"digital_signature": True}
        builder = builder.add_extension(_key_usage(**usage), critical=True)
    if ocsp_url:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    if ocsp_url:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            critical=False,
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class Responder:
    """What the OpenSSL responder signs with and how; tests change it per case."""

    directory: Path
    url: str = ""
    signer: str = "ca"  # file stem of <stem>.pem / <stem>.key
    extra: list[str] = field(default_factory=list)
    requests: int = 0

    def answer(self, request: bytes) -> bytes:
        self.requests += 1
        d = self.directory
        command = [
            "openssl", "ocsp", "-index", str(d / "index.txt"), "-CA", str(d / "ca.pem"),
            "-rsigner", str(d / f"{self.signer}.pem"), "-rkey", str(d / f"{self.signer}.key"),
            "-reqin", "-", "-respout", "-", *self.extra,
        ]  # fmt: skip
        done = subprocess.run(command, input=request, capture_output=True, timeout=20, check=True)
        return done.stdout


@dataclass
class Pki:
    ca: x509.Certificate
    good: x509.Certificate
    revoked: x509.Certificate
    unknown: x509.Certificate
    responder: Responder
    ca_key: ec.EllipticCurvePrivateKey
    keys: dict[int, ec.EllipticCurvePrivateKey]


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    path.with_suffix(".pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _index_line(cert: x509.Certificate, revoked: str | None = None) -> str:
    expiry = cert.not_valid_after_utc.strftime("%y%m%d%H%M%SZ")
    subject = "/" + "/".join(a.rfc4514_string() for a in cert.subject)
    status = "R" if revoked else "V"
    return f"{status}\t{expiry}\t{revoked or ''}\t{cert.serial_number:X}\tunknown\t{subject}\n"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    directory = tmp_path_factory.mktemp("ocsp")
    responder = Responder(directory)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = responder.answer(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    responder.url = f"http://127.0.0.1:{server.server_address[1]}/ocsp"

    ca_key = _key()
    ca = _cert("Test Citizen CA", ca_key, None, ca_key, 1, ca=True)
    _write(directory / "ca", ca, ca_key)
    leaves = {}
    keys = {}
    for serial, label in ((0x1001, "good"), (0x1002, "revoked"), (0x1003, "unknown")):
        keys[serial] = _key()
        leaves[label] = _cert(
            f"Citizen {label}", keys[serial], ca, ca_key, serial, ocsp_url=responder.url
        )
    # Delegated responders: one authorised, one without the EKU, one from another CA,
    # and an impostor with the CA's name but its own key.
    other_key = _key()
    other_ca = _cert("Other CA", other_key, None, other_key, 7, ca=True)
    signing = [ExtendedKeyUsageOID.OCSP_SIGNING]
    for stem, name, issuer, issuer_key, serial, eku in (
        ("delegate", "OCSP", ca, ca_key, 0x2001, signing),
        ("no_eku", "OCSP no EKU", ca, ca_key, 0x2002, None),
        ("stranger", "OCSP", other_ca, other_key, 0x2003, signing),
        ("impostor", "Test Citizen CA", None, None, 1, None),
    ):
        key = _key()
        cert = _cert(name, key, issuer, issuer_key or key, serial, ca=issuer is None, eku=eku)
        _write(directory / stem, cert, key)
    revoked_on = (NOW - timedelta(hours=2)).strftime("%y%m%d%H%M%SZ")
    (directory / "index.txt").write_text(
        _index_line(leaves["good"]) + _index_line(leaves["revoked"], f"{revoked_on},keyCompromise")
    )
    yield Pki(ca, leaves["good"], leaves["revoked"], leaves["unknown"], responder, ca_key, keys)
    server.shutdown()
    server.server_close()


@pytest.fixture
def responder(pki: Pki) -> Iterator[Responder]:
    yield pki.responder
    pki.responder.signer = "ca"
    pki.responder.extra = []


def test_good_certificate_passes_with_the_aia_responder(pki: Pki, responder: Responder) -> None:
    assert responder_urls(pki.good) == [responder.url]
    check = ocsp_check(pki.good, pki.ca)
    assert check.code == "cert.ocsp"
    assert check.result is Result.PASSED, check.reason
    assert check.details["status"] == "good"
    assert check.details["url"] == responder.url


def test_revoked_certificate_fails_with_time_and_reason(pki: Pki, responder: Responder) -> None:
    check = ocsp_check(pki.revoked, pki.ca)
    assert check.result is Result.FAILED
    assert check.details["status"] == "revoked"
    assert check.details["revocation_reason"] == "key_compromise"
    assert "revoked on" in check.reason and "key_compromise" in check.reason


def test_unknown_certificate_is_not_passed(pki: Pki, responder: Responder) -> None:
    check = ocsp_check(pki.unknown, pki.ca)
    assert check.result is Result.NOT_PERFORMED
    assert check.details["status"] == "unknown"


def test_authorised_delegated_responder_passes(pki: Pki, responder: Responder) -> None:
    responder.signer = "delegate"
    check = ocsp_check(pki.good, pki.ca)
    assert check.result is Result.PASSED, check.reason
    assert "CN=OCSP" in str(check.details["responder"])


@pytest.mark.parametrize(
    ("signer", "expected"),
    [
        ("no_eku", "id-kp-OCSPSigning"),
        ("stranger", "not issued by the certificate's issuer"),
        ("impostor", "signature is not valid"),
    ],
)
def test_wrong_responder_key_fails(
    pki: Pki, responder: Responder, signer: str, expected: str
) -> None:
    responder.signer = signer
    check = ocsp_check(pki.good, pki.ca)
    assert check.result is Result.FAILED
    assert expected in check.reason


def test_response_past_next_update_is_stale(pki: Pki, responder: Responder) -> None:
    responder.extra = ["-nmin", "1"]
    assert ocsp_check(pki.good, pki.ca).result is Result.PASSED
    later = ocsp_check(pki.good, pki.ca, at=datetime.now(UTC) + timedelta(minutes=3))
    assert later.result is Result.FAILED
    assert "nextUpdate" in later.reason


def test_response_older_than_max_age_is_stale(pki: Pki, responder: Responder) -> None:
    check = ocsp_check(pki.good, pki.ca, at=datetime.now(UTC) + timedelta(days=8))
    assert check.result is Result.FAILED
    assert "stale" in check.reason
    short = ocsp_check(
        pki.good, pki.ca, at=datetime.now(UTC) + timedelta(hours=2), max_age=timedelta(hours=1)
    )
    assert short.result is Result.FAILED


def test_response_from_the_future_fails(pki: Pki, responder: Responder) -> None:
    check = ocsp_check(pki.good, pki.ca, at=datetime.now(UTC) - timedelta(hours=1))
    assert check.result is Result.FAILED
    assert "future" in check.reason


def _fetch(pki: Pki, cert: x509.Certificate, *, use_nonce: bool) -> tuple[bytes, bytes | None]:
    import httpx

    request = build_request(cert, pki.ca, use_nonce=use_nonce)
    reply = httpx.post(
        pki.responder.url,
        content=request.der,
        headers={"Content-Type": "application/ocsp-request"},
    )
    return reply.content, request.nonce


def test_replayed_answer_to_another_nonce_fails(pki: Pki, responder: Responder) -> None:
    der, nonce = _fetch(pki, pki.good, use_nonce=True)
    assert nonce is not None
    assert evaluate_response(der, pki.good, pki.ca, nonce=nonce).result is Result.PASSED
    replay = evaluate_response(der, pki.good, pki.ca, nonce=bytes(32))
    assert replay.result is Result.FAILED
    assert "nonce" in replay.reason


def test_answer_without_our_nonce_fails(pki: Pki, responder: Responder) -> None:
    der, _ = _fetch(pki, pki.good, use_nonce=False)
    assert evaluate_response(der, pki.good, pki.ca).result is Result.PASSED
    check = evaluate_response(der, pki.good, pki.ca, nonce=b"n" * 32)
    assert check.result is Result.FAILED
    assert "does not echo" in check.reason


def test_answer_about_another_certificate_fails(pki: Pki, responder: Responder) -> None:
    der, nonce = _fetch(pki, pki.good, use_nonce=True)
    check = evaluate_response(der, pki.revoked, pki.ca, nonce=nonce)
    assert check.result is Result.FAILED
    assert "not about this certificate" in check.reason


def test_garbage_answer_fails(pki: Pki) -> None:
    check = evaluate_response(b"\x30\x03\x0a\x01\x00", pki.good, pki.ca)
    assert check.result is Result.FAILED


def test_responder_down_is_unreachable(pki: Pki) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    check = ocsp_check(pki.good, pki.ca, url=f"http://127.0.0.1:{port}/", timeout=2.0)
    assert check.result is Result.NOT_PERFORMED
    assert check.details["status"] == "unreachable"


def test_offline_asks_nobody(pki: Pki, responder: Responder) -> None:
    before = responder.requests
    check = ocsp_check(pki.good, pki.ca, offline=True)
    assert check.result is Result.NOT_PERFORMED
    assert check.details["status"] == "offline"
    assert "offline" in check.reason
    assert responder.requests == before


def test_no_responder_named(pki: Pki) -> None:
    check = ocsp_check(pki.ca, pki.ca)
    assert check.result is Result.NOT_PERFORMED
    assert check.details["status"] == "no_responder"


# --- wired in: the validator, TokenVerifier and `idcard verify-token` ---------------------


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _store(pki: Pki) -> TrustStore:
    return TrustStore([_der(pki.ca)], role=CITIZEN_CA)


def _crl_revoking(pki: Pki, cert: x509.Certificate) -> bytes:
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(cert.serial_number)
        .revocation_date(NOW - timedelta(hours=1))
        .build()
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca.subject)
        .last_update(NOW - timedelta(hours=1))
        .next_update(NOW + timedelta(days=1))
        .add_revoked_certificate(revoked)
        .sign(pki.ca_key, hashes.SHA256())
    )
    return crl.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize(
    ("which", "result", "error"),
    [
        ("good", Result.PASSED, None),
        ("revoked", Result.FAILED, "cert.revoked"),
        ("unknown", Result.FAILED, "cert.ocsp"),
    ],
)
def test_validator_asks_the_responder(
    pki: Pki, responder: Responder, which: str, result: Result, error: str | None
) -> None:
    cert = getattr(pki, which)
    validation = validate_certificate(_der(cert), trust=_store(pki), revocation="ocsp")
    check = validation.get("cert.revocation")
    assert check is not None and check.result is result, check.reason
    assert check.details["method"] == "ocsp"
    assert check.details.get("error") == error
    assert (validation.result is Result.PASSED) == (result is Result.PASSED)


def test_validator_offline_and_unreachable(pki: Pki, responder: Responder) -> None:
    before = responder.requests
    offline = validate_certificate(_der(pki.good), trust=_store(pki), revocation="ocsp", offline=True)
    check = offline.get("cert.revocation")
    assert check is not None and check.result is Result.NOT_PERFORMED and "offline" in check.reason
    assert responder.requests == before
    # Asked for OCSP and no answer: refused, not a silent pass.
    down = _cert("Citizen down", _key(), pki.ca, pki.ca_key, 0x1004, ocsp_url="http://127.0.0.1:9/")
    check = validate_certificate(_der(down), trust=_store(pki), revocation="ocsp").get("cert.revocation")
    assert check is not None and check.result is Result.FAILED
    assert check.details["error"] == "cert.ocsp" and check.details["status"] == "unreachable"


def test_a_crl_revocation_is_not_overruled_by_the_responder(pki: Pki, responder: Responder) -> None:
    crl = _crl_revoking(pki, pki.good)
    validation = validate_certificate(_der(pki.good), trust=_store(pki), revocation="ocsp", crls=[crl])
    check = validation.get("cert.revocation")
    assert check is not None and check.result is Result.FAILED
    assert check.details["error"] == "cert.revoked"


def _token(pki: Pki, cert: x509.Certificate) -> str:
    signer = SoftwareSigner(pki.keys[cert.serial_number], _der(cert))
    return json.dumps(build_token_with_signer(signer, ORIGIN, NONCE))


def test_token_verifier_with_ocsp(pki: Pki, responder: Responder) -> None:
    verifier = TokenVerifier(_store(pki), require_evidence=False, revocation="ocsp")
    identity = verifier.verify(_token(pki, pki.good), origin=ORIGIN, nonce=NONCE)
    check = identity.verdict.get("cert.revocation")
    assert check is not None and check.result is Result.PASSED
    with pytest.raises(TokenError) as refused:
        verifier.verify(_token(pki, pki.revoked), origin=ORIGIN, nonce=NONCE)
    assert refused.value.code == "cert.revoked" and refused.value.code in CODES
    with pytest.raises(TokenError) as unknown:
        verifier.verify(_token(pki, pki.unknown), origin=ORIGIN, nonce=NONCE)
    assert unknown.value.code == "cert.ocsp" and unknown.value.code in CODES


def _verify_token(pki: Pki, tmp_path: Path, cert: x509.Certificate, *options: str) -> subprocess.CompletedProcess[str]:
    token = tmp_path / f"token-{cert.serial_number:x}.json"
    token.write_text(_token(pki, cert))
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.ca.public_bytes(serialization.Encoding.PEM))
    command = [
        IDCARD, "verify-token", "--token", str(token), "--origin", ORIGIN, "--nonce", NONCE,
        "--trust", str(ca), "--json", *options,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _checks(run: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    data = json.loads(run.stdout)
    verdict = data["verdict"] if data.get("verified") else data["error"].get("verdict", {})
    return {c["code"]: c for c in verdict.get("checks", [])}


def test_cli_verify_token_ocsp_crl_offline(pki: Pki, responder: Responder, tmp_path: Path) -> None:
    good = _verify_token(pki, tmp_path, pki.good, "--ocsp")
    assert good.returncode == 0, good.stderr
    assert _checks(good)["cert.revocation"]["result"] == "passed"

    revoked = _verify_token(pki, tmp_path, pki.revoked, "--ocsp")
    assert revoked.returncode != 0
    assert json.loads(revoked.stdout)["error"]["code"] == "cert.revoked"

    before = responder.requests
    offline = _verify_token(pki, tmp_path, pki.revoked, "--ocsp", "--offline")
    assert offline.returncode == 0, offline.stderr
    check = _checks(offline)["cert.revocation"]
    assert check["result"] == "not_performed" and "offline" in check["reason"]
    assert responder.requests == before

    crl = tmp_path / "ca.crl"
    crl.write_bytes(_crl_revoking(pki, pki.good))
    by_crl = _verify_token(pki, tmp_path, pki.good, "--crl", str(crl))
    assert by_crl.returncode != 0
    assert json.loads(by_crl.stdout)["error"]["code"] == "cert.revoked"

    missing = _verify_token(pki, tmp_path, pki.good, "--crl", str(tmp_path / "nope.crl"))
    assert missing.returncode != 0 and "nope.crl" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr


def test_flipped_bytes_never_raise_and_never_pass_inside_the_signed_part(
    pki: Pki, responder: Responder
) -> None:
    from cryptography.x509 import ocsp as x509_ocsp

    der, nonce = _fetch(pki, pki.good, use_nonce=True)
    parsed = x509_ocsp.load_der_ocsp_response(der)
    signed = [(der.index(part), len(part)) for part in (parsed.tbs_response_bytes, parsed.signature)]
    for position in range(len(der)):
        flipped = bytearray(der)
        flipped[position] ^= 0x01
        check = evaluate_response(bytes(flipped), pki.good, pki.ca, nonce=nonce)
        if any(start <= position < start + size for start, size in signed):
            assert check.result is not Result.PASSED, position
