"""Material the PDF tests need and the test PKI has not: a TSA, CRLs, a levelled chain.

Everything is generated here with `cryptography` (test-only keys); the RFC 3161
endpoint is pyHanko's DummyTimeStamper behind a small Starlette app that
uvicorn serves on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

UTC = dt.UTC
NOW = dt.datetime.now(UTC).replace(microsecond=0)
PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER


def blank_pdf(path: Path, pages: int = 1) -> Path:
    """A plain A4 PDF (Pillow writes it): what a citizen would bring to sign."""
    from PIL import Image

    images = [Image.new("RGB", (595, 842), "white") for _ in range(pages)]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:])
    return path


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(DER)

    def write_pem(self, path: Path) -> Path:
        path.write_bytes(self.cert.public_bytes(PEM))
        return path


def issue(
    cn: str,
    issuer: Issued | None = None,
    *,
    ca: bool = False,
    policy: str | None = None,
    eku: Sequence[ObjectIdentifier] = (),
    non_repudiation: bool = False,
    rsa_key: bool = False,
) -> Issued:
    key = rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=3650))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=non_repudiation, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if policy:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(ObjectIdentifier(policy), None)]), critical=False
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=True)
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def crl(issuer_cert: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey, revoked: Sequence[int] = ()) -> bytes:
    """A current CRL (DER) from `issuer`, listing `revoked` serial numbers."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(NOW - dt.timedelta(hours=1))
        .next_update(NOW + dt.timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW - dt.timedelta(minutes=30)).build()
        )
    return builder.sign(issuer_key, hashes.SHA384()).public_bytes(DER)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def tsa_server() -> Iterator[tuple[str, Issued]]:
    """An RFC 3161 HTTP endpoint on 127.0.0.1: (URL, its root)."""
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    root = issue("TEST TSA ROOT", ca=True)
    # pyHanko's dummy time-stamper signs with RSA only.
    unit = issue("TEST TSA UNIT", root, eku=[ExtendedKeyUsageOID.TIME_STAMPING], rsa_key=True)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(unit.der),
        tsa_key=keys.PrivateKeyInfo.load(
            unit.key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        certs_to_embed=[asn1_x509.Certificate.load(root.der)],
    )
    requests: list[int] = []

    async def stamp(request: Request) -> Response:
        if request.headers.get("content-type") != "application/timestamp-query":
            return Response(status_code=415)
        req = tsp.TimeStampReq.load(await request.body())
        requests.append(1)
        return Response(stamper.request_tsa_response(req).dump(), media_type="application/timestamp-reply")

    app = Starlette(routes=[Route("/tsa", stamp, methods=["POST"])])
    with serve(app, free_port()) as base:
        yield f"{base}/tsa", root


@contextmanager
def serve(app: object, port: int) -> Iterator[str]:
    """An ASGI app served by uvicorn on 127.0.0.1:`port` in a thread, for the test's duration."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
