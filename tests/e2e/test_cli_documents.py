"""`idcard verify-document`, `idcard trust`, `idcard read` and `mock-card pki` as a user runs them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PIL import Image

from idcard.lds.sod import Sod
from idcard.pki.trust import CertificateInfo
from tests.e2e.test_cli import idcard, mock_card
from tests.vectors import VECTORS

LDS = VECTORS / "lds"
BSI2008 = LDS / "bsi2008-mustermann"

#: specimen -> (SOD file, {DG number: file}); DG2-4 of the BSI TR-03105-5 set are the bsi2008 files.
SPECIMENS: dict[str, tuple[Path, dict[int, Path]]] = {
    "bsi2008-mustermann": (
        BSI2008 / "EF_SOD.bin",
        {1: BSI2008 / "Datagroup1.bin", 2: BSI2008 / "Datagroup2.bin", 3: BSI2008 / "Datagroup3.bin", 14: BSI2008 / "Datagroup14.bin"},
    ),
    "bsi-tr03105-5": (
        LDS / "bsi-tr03105-5" / "EF_SOD.bin",
        {
            1: LDS / "bsi-tr03105-5" / "Datagroup1.bin",
            2: BSI2008 / "Datagroup2.bin",
            3: BSI2008 / "Datagroup3.bin",
            4: BSI2008 / "Datagroup4.bin",
            14: LDS / "bsi-tr03105-5" / "Datagroup14.bin",
            15: LDS / "bsi-tr03105-5" / "Datagroup15.bin",
        },
    ),
    "etsi-tr103200": (
        LDS / "etsi-tr103200" / "ETSI_TR103200_EACAA_EF_SOD.bin",
        {n: LDS / "etsi-tr103200" / f"ETSI_TR103200_EACAA_EF_DG{n}.bin" for n in (1, 14, 15)},
    ),
    "loes2006": (
        LDS / "loes2006" / "ef011D.bin",
        {1: LDS / "loes2006" / "ef0101.bin", 2: LDS / "loes2006" / "ef0102.bin", 15: LDS / "loes2006" / "ef010F.bin"},
    ),
}
MASTER_LIST = VECTORS / "trust" / "DE_masterlist_2026-05-28.ml"


def _inside_ds_validity(sod_path: Path) -> str:
    """A time when the specimen's (long expired) DS certificate was valid."""
    cert = CertificateInfo.from_der(Sod.parse(sod_path.read_bytes()).ds_certificate)
    return (cert.not_before + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("name", list(SPECIMENS))
@pytest.mark.parametrize("trust", [[], ["--trust", str(MASTER_LIST)]], ids=["no-trust", "de-masterlist"])
def test_specimens_verify_but_are_untrusted(name: str, trust: list[str]) -> None:
    sod, dgs = SPECIMENS[name]
    listed = set(Sod.parse(sod.read_bytes()).dg_hashes)
    dg_args = [arg for n, path in dgs.items() if n in listed for arg in ("--dg", f"{n}={path}")]
    out = idcard("verify-document", "--sod", str(sod), *dg_args, "--at", _inside_ds_validity(sod), *trust, "--json")
    data = json.loads(out.stdout)
    checks = {c["code"]: c for c in data["verdict"]["checks"]}
    assert checks["sod.signature"]["result"] == "passed", checks["sod.signature"]
    hashed = [n for n in dgs if n in listed]
    assert hashed, "the specimen must hash at least one DG"
    for n in hashed:
        assert checks[f"sod.hash.dg{n}"]["result"] == "passed", (n, checks[f"sod.hash.dg{n}"])
    # Their CSCAs are not public: no anchor, which is not the same as failing.
    assert checks["csca.chain"]["result"] == "untrusted"
    assert data["verdict"]["verified"] is False and data["verdict"]["untrusted"] is True
    assert out.returncode in (1, 5)
    if not [c for c in checks.values() if c["result"] == "failed"]:
        assert out.returncode == 5


def test_specimen_with_tampered_dg_fails(tmp_path: Path) -> None:
    sod, dgs = SPECIMENS["loes2006"]
    bad = tmp_path / "dg1.bin"
    data = bytearray(dgs[1].read_bytes())
    data[10] ^= 1
    bad.write_bytes(bytes(data))
    out = idcard("verify-document", "--sod", str(sod), "--dg", f"1={bad}", "--at", _inside_ds_validity(sod), "--json")
    checks = {c["code"]: c["result"] for c in json.loads(out.stdout)["verdict"]["checks"]}
    assert checks["sod.hash.dg1"] == "failed" and out.returncode == 1


@pytest.mark.parametrize("garbage", [b"", b"\x77\x82\xff\xff", b"\x00" * 100, bytes(range(256)) * 40])
def test_hostile_sod_file_is_a_failed_check(tmp_path: Path, garbage: bytes) -> None:
    sod = tmp_path / "sod.bin"
    sod.write_bytes(garbage)
    out = idcard("verify-document", "--sod", str(sod), "--json")
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert json.loads(out.stdout)["verdict"]["verified"] is False


def test_master_list_imports_completely() -> None:
    out = idcard("trust", str(MASTER_LIST), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["anchors"] == data["loaded"] == 588 and data["skipped"] == []
    # Explicit EC curve parameters must not cost a certificate.
    assert data["keyKinds"]["ec-explicit"] == 160
    assert data["masterLists"][0]["signerVerified"] is True


@pytest.fixture(scope="module")
def anchors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("anchors")
    result = mock_card("pki", "--out", str(out_dir))
    assert result.returncode == 0, result.stderr
    assert not any("key" in p.name for p in out_dir.iterdir())
    return out_dir


def test_read_demo_card_verified_with_photo(tmp_path: Path, anchors: Path) -> None:
    photo = tmp_path / "face.png"
    out = idcard("read", "--reader", "emulator:demo", "--pin-stdin", "--json", "--trust", str(anchors),
                 "--photo", str(photo), stdin="123456\n")
    assert out.returncode == 0, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["verdict"]["verified"] is True
    assert data["identity"]["familyName"] == {"fa": "رضایی", "latin": "REZAEI"}
    assert data["identity"]["birthDateSolarHijri"] == "1369-05-12"
    with Image.open(photo) as image:
        assert image.size == (480, 640)


@pytest.mark.parametrize(
    ("variant", "failing"),
    [("tampered-dg", "sod.hash.dg11"), ("unknown-ds", "csca.chain"), ("expired-ds", "ds.validity"),
     ("cloned", "chip.active_auth"), ("cloned-hidden-com", "chip.active_auth"),
     ("cloned-hidden-com", "chip.chip_auth"), ("dg11-other-person", "dg11.national_code"),
     ("no-dg1", "dg1.present"), ("bad-national-code", "national_code.check_digit")],
)
def test_read_evil_card_files(tmp_path: Path, anchors: Path, variant: str, failing: str) -> None:
    card = tmp_path / f"{variant}.json"
    assert mock_card("create", "--out", str(card), "--variant", variant).returncode == 0
    out = idcard("read", "--reader", f"emulator:{card}", "--pin-stdin", "--json", "--trust", str(anchors),
                 "--no-photo", stdin="123456\n")
    assert out.returncode == 1, out.stdout + out.stderr
    data = json.loads(out.stdout)
    assert data["verdict"]["verified"] is False
    failed = {c["code"] for c in data["verdict"]["checks"] if c["result"] == "failed"}
    assert failing in failed, data["verdict"]


def test_read_without_trust_is_untrusted(anchors: Path) -> None:
    out = idcard("read", "--reader", "emulator:demo", "--pin-stdin", "--json", "--no-photo", stdin="123456\n")
    assert out.returncode == 5, out.stdout + out.stderr
    assert json.loads(out.stdout)["verdict"]["untrusted"] is True


def test_read_wrong_pin_exit_4() -> None:
    out = idcard("read", "--reader", "emulator:demo", "--pin-stdin", "--json", stdin="000000\n")
    assert out.returncode == 4
    assert json.loads(out.stdout)["error"]["triesLeft"] == 2


def test_photo_not_written_when_dg2_hash_fails(tmp_path: Path, anchors: Path) -> None:
    card = tmp_path / "tampered-dg2.json"
    assert mock_card("create", "--out", str(card), "--variant", "tampered-dg2").returncode == 0
    photo = tmp_path / "face.png"
    out = idcard("read", "--reader", f"emulator:{card}", "--pin-stdin", "--json", "--trust", str(anchors),
                 "--photo", str(photo), stdin="123456\n")
    assert out.returncode != 0, out.stdout + out.stderr
    assert not photo.exists() and list(tmp_path.iterdir()) == [card]
