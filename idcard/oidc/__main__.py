"""`python -m idcard.oidc`: run the OpenID Connect provider.

    python -m idcard.oidc --dev --port 9000            # loopback, demo client, generated key
    python -m idcard.oidc --config /etc/idcard/oidc.json

The configuration file (JSON):

    {"issuer": "https://id.example",
     "signing_key": "/etc/idcard/oidc-key.pem",        # RSA private key (PEM), signs the ID tokens (RS256)
     "pairwise_secret_file": "/etc/idcard/pairwise.key", # random bytes: pairwise `sub`
     "trust": "/etc/idcard/anchors",                   # as `mock-card pki --out DIR` lays it out
     "store": "/var/lib/idcard/oidc.sqlite",           # or redis://host:6379/0 for several workers
     "nonce_store": "/var/lib/idcard/nonces.sqlite",   # or redis://…
     "handoff_url": "http://127.0.0.1:24727",
     "clients": [{"client_id": "…", "client_secret": "…", "redirect_uris": ["https://…"]}]}
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from asn1crypto import x509
from joserfc.jwk import RSAKey
from starlette.applications import Starlette

from idcard.errors import IdCardError, UsageError
from idcard.oidc.app import Provider, create_app
from idcard.oidc.clients import load_clients
from idcard.oidc.store import open_store
from idcard.pdf.assurance import certificate_level
from idcard.portal.anchors import dev_verifier, load_trust_dir
from idcard.portal.nonces import NonceStore, RedisNonceStore, SqliteNonceStore
from idcard.portal.server import Portal
from idcard.portal.verifier import TokenVerifier

DEV_CLIENT = "demo-rp"


def _key(path: str | None, *, generate: bool) -> RSAKey:

    if path and os.path.exists(path):
        key = RSAKey.import_key(Path(path).read_bytes())
    elif generate:
        key = RSAKey.generate_key(2048, private=True)
        if path:  # several dev workers share one generated key through this file
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key.as_pem(private=True))
    else:
        raise UsageError(f"No signing key at {path}; give \"signing_key\" (an RSA private key, PEM, 2048 bits or more).")
    key.ensure_kid()
    return key


def _nonce_store(url: str) -> NonceStore:

    return RedisNonceStore(url) if url.startswith(("redis://", "rediss://", "unix://")) else SqliteNonceStore(url)


def build(args: argparse.Namespace) -> tuple[Starlette, str]:  # noqa: C901

    config: dict[str, Any] = {}
    if args.config:
        try:
            config = json.loads(Path(args.config).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot read {args.config}: {exc}") from None
    host = f"[{args.host}]" if ":" in args.host else args.host
    issuer = args.issuer or config.get("issuer") or (f"http://{host}:{args.port}" if args.dev else None)
    if not issuer:
        raise UsageError("Give the provider's public URL (\"issuer\" in --config, or --issuer).")
    state_dir = tempfile.mkdtemp(prefix="idcard-oidc-") if args.dev else None
    if args.dev:
        print("idcard.oidc: DEVELOPMENT mode: test trust anchors, generated key; never for real cards.", file=sys.stderr)
    entries = config.get("clients")
    if args.clients:
        clients = load_clients(args.clients)
    elif entries is not None:
        clients = load_clients(entries)
    elif args.dev:
        clients = load_clients([{"client_id": DEV_CLIENT, "redirect_uris": args.dev_redirect or ["http://127.0.0.1:8765/callback"]}])
    else:
        raise UsageError("No clients: give \"clients\" in --config or --clients FILE.")
    key = _key(args.key or config.get("signing_key"), generate=args.dev)
    secret_file = args.pairwise_secret_file or config.get("pairwise_secret_file")
    if secret_file:
        pairwise = Path(secret_file).read_bytes()
    elif args.dev:
        pairwise = secrets.token_bytes(32)
    else:
        raise UsageError("Give \"pairwise_secret_file\": the secret behind the pairwise subject identifiers.")
    if len(pairwise) < 16:
        raise UsageError("The pairwise secret is shorter than 16 bytes.")
    store_url = args.store or config.get("store") or (os.path.join(state_dir, "oidc.sqlite") if state_dir else None)
    nonce_url = args.nonce_store or config.get("nonce_store") or (os.path.join(state_dir, "nonces.sqlite") if state_dir else None)
    if not store_url or not nonce_url:
        raise UsageError("Give \"store\" and \"nonce_store\" (SQLite file paths or redis:// URLs).")
    verifier, levels = _verifier(config.get("trust") or args.trust, dev=args.dev)
    handoff = args.handoff_url or config.get("handoff_url") or "http://127.0.0.1:24727"
    provider = Provider(
        issuer=issuer, clients=clients, store=open_store(store_url),
        portal=Portal(verifier, _nonce_store(nonce_url), base_url=issuer),
        key=key, pairwise_secret=pairwise, handoff_url=handoff, levels=levels,
        code_ttl=args.code_ttl, token_ttl=args.token_ttl,
    )
    return create_app(provider), issuer


def _verifier(trust: str | None, *, dev: bool) -> tuple[TokenVerifier, dict[str, int]]:

    if trust:
        cas, cscas, crls = load_trust_dir(trust)
        verifier = TokenVerifier(cas, csca=cscas, crls=crls, require_evidence=True, allow_http_loopback=dev)
    elif dev:
        verifier = dev_verifier()
    else:
        raise UsageError("Give \"trust\" (a folder of trust anchors), or --dev for the TEST anchors.")
    levels = {}
    for cert in verifier.trusted_cas:
        level = certificate_level(x509.Certificate.load(cert.der))
        if level is not None:
            levels[cert.subject_dn] = level
    return verifier, levels


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m idcard.oidc", description="OpenID Connect provider for the national ID card")
    p.add_argument("--config", metavar="FILE", help="the provider's JSON configuration")
    p.add_argument("--dev", action="store_true", help="loopback, TEST anchors, a demo client, a generated key")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    p.add_argument("--issuer", help="public URL (default from --config; http://HOST:PORT with --dev)")
    p.add_argument("--clients", metavar="FILE", help="clients file ({\"clients\": [...]}), overrides --config's")
    p.add_argument("--key", metavar="PEM", help="ID token signing key (with --dev: created there if missing)")
    p.add_argument("--pairwise-secret-file", metavar="FILE")
    p.add_argument("--trust", metavar="DIR")
    p.add_argument("--store", metavar="PATH|URL", help="codes, logins, tokens: SQLite file or redis:// URL")
    p.add_argument("--nonce-store", metavar="PATH|URL", help="hand-off nonces: SQLite file or redis:// URL")
    p.add_argument("--handoff-url", help="the ID card app (default http://127.0.0.1:24727)")
    p.add_argument("--dev-redirect", action="append", metavar="URI", help="the demo client's redirect URI (--dev)")
    p.add_argument("--code-ttl", type=int, default=60, help="authorization code lifetime, seconds")
    p.add_argument("--token-ttl", type=int, default=600, help="access / ID token lifetime, seconds")
    args = p.parse_args(argv)
    if args.dev and args.host not in ("127.0.0.1", "::1", "localhost"):
        print("idcard.oidc: --dev listens on loopback only.", file=sys.stderr)
        return 2
    try:
        app, issuer = build(args)
    except IdCardError as exc:
        print(f"idcard.oidc: {exc}", file=sys.stderr)
        return 2
    print(f"idcard.oidc: provider {issuer} on {args.host}:{args.port}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
