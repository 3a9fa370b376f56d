"""`cert.ocsp` against a real OpenSSL OCSP responder.

`openssl ocsp -port` listens on every interface, and test servers bind
127.0.0.1 only; so a small HTTP front end on 127.0.0.1 hands each POSTed
request to `openssl ocsp -index … -reqin - -respout -` — OpenSSL's own
responder logic (index.txt lookup, nonce echo, signing, -nmin/-ndays) makes
every answer.
"""

from __future__ import annotations

import shutil
import subprocess
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

from idcard.pki.ocsp import build_request, evaluate_response, ocsp_check, responder_urls
from idcard.verdict import Result

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")

NOW = datetime.now(UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


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
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
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
    for serial, label in ((0x1001, "good"), (0x1002, "revoked"), (0x1003, "unknown")):
        leaves[label] = _cert(
            f"Citizen {label}", _key(), ca, ca_key, serial, ocsp_url=responder.url
        )
    # Delegated responders: one authorised, one without the EKU, one from another CA,
    # and an impostor with the CA's name but its own key.
    delegate_key = _key()
    _write(
        directory / "delegate",
        _cert("OCSP", delegate_key, ca, ca_key, 0x2001, eku=[ExtendedKeyUsageOID.OCSP_SIGNING]),
        delegate_key,
    )
    no_eku_key = _key()
    _write(directory / "no_eku", _cert("OCSP no EKU", no_eku_key, ca, ca_key, 0x2002), no_eku_key)
    other_key = _key()
    other_ca = _cert("Other CA", other_key, None, other_key, 7, ca=True)
    stranger_key = _key()
    _write(
        directory / "stranger",
        _cert("OCSP", stranger_key, other_ca, other_key, 0x2003, eku=[ExtendedKeyUsageOID.OCSP_SIGNING]),
        stranger_key,
    )
    impostor_key = _key()
    _write(
        directory / "impostor",
        _cert("Test Citizen CA", impostor_key, None, impostor_key, 1, ca=True),
        impostor_key,
    )
    revoked_on = (NOW - timedelta(hours=2)).strftime("%y%m%d%H%M%SZ")
    (directory / "index.txt").write_text(
        _index_line(leaves["good"]) + _index_line(leaves["revoked"], f"{revoked_on},keyCompromise")
    )
    yield Pki(ca, leaves["good"], leaves["revoked"], leaves["unknown"], responder)
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
