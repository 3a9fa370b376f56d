"""Personalisation: turn a citizen's data into a signed card image.

Like an issuer's personalisation line: the LDS files are encoded, the chip
gets its Active Authentication and Chip Authentication keys (published in
DG15 and DG14), and the Document Signer signs the hashes of every data group
into EF.SOD. A `nid-v1` card also gets its PKI application: P-384
authentication and signing keys, and their certificates from the citizen
CA. The demo citizen is fictional (card-profile.md); all values are fixed so
screenshots and tests are stable.

Variants make the "evil" cards the verifier must catch: data altered after
signing, a SOD from an unknown or expired signer, a chip whose keys do not
match what its DG14/DG15 declare (a clone), a national code with a wrong
check digit, citizen certificates from a look-alike citizen CA.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from idcard.lds import Com, Dg1, Dg11, Dg12, Mrz, build_dg2, national_code_check_digit
from idcard.lds.security_infos import PaceInfo, SecurityInfos, encode_security_infos
from idcard.lds.sod import sign_sod
from mock_card.chip_keys import generate_chip_keys
from mock_card.demo_face import demo_face_jp2, demo_face_jpeg
from mock_card.filesystem import FID_CARD_ACCESS, FID_COM, FID_SOD, dg_fid
from mock_card.image import (
    DEFAULT_PACE_OID,
    DEFAULT_PACE_PARAMETER_ID,
    PACE_CAM_OID,
    PROFILE_NID,
    PROFILE_PASSPORT_BAC,
    CardImage,
    Counters,
    Secrets,
    Settings,
)
from mock_card.testpki import (
    TestPki,
    derive_citizen_keys,
    issue_citizen_certificates,
    rogue_citizen_ca,
    test_pki,
)

#: EF.AuthCert and EF.SignCert in the PKI application (card-profile.md).
FID_AUTH_CERT = 0xC001
FID_SIGN_CERT = 0xC002

GENUINE = "genuine"
#: name -> what the verifier must report
VARIANTS: dict[str, str] = {
    GENUINE: "a correctly issued card",
    "tampered-dg": "DG11 altered after the SOD was signed (sod.hash.dg11 fails)",
    "unknown-ds": "SOD signed by a document signer no trusted CSCA issued (csca.chain fails)",
    "expired-ds": "SOD signed by an expired document signer (ds.validity fails)",
    "cloned": "the data copied onto another chip: AA/CA keys do not match DG15/DG14",
    "cloned-hidden-com": "a clone whose unsigned EF.COM leaves out DG14/DG15 to skip AA/CA",
    "cloned-cam": "a PACE-CAM card copied onto another chip: its CA key does not match DG14",
    "dg11-other-person": "signed DG11 whose national code and birth date differ from DG1's",
    "mrz-other-person": "a chip that opens with another person's MRZ than its signed DG1 holds",
    "tampered-dg2": "the face image altered after the SOD was signed (sod.hash.dg2 fails)",
    "no-dg1": "correctly signed card without DG1",
    "bad-national-code": "a correctly signed national code with a wrong check digit",
    "untrusted-citizen-ca": "auth/signing certificates from a look-alike citizen CA (chain fails)",
}


@dataclass(frozen=True)
class Citizen:
    family_name_fa: str = "رضایی"
    given_name_fa: str = "سارا"
    family_name: str = "REZAEI"
    given_name: str = "SARA"
    father_name_fa: str = "علی"
    national_code: str = "0012345679"
    birth_date: str = "19900803"  # YYYYMMDD, Gregorian
    birth_place_fa: str = "تهران"
    address_fa: str = "تهران، خیابان آزادی، پلاک ۱۲، کد پستی ۱۳۴۵۶۷۸۹۰۱"
    sex: str = "F"
    document_number: str = "A12345678"
    issue_date: str = "20260115"
    expiry_date: str = "20360114"
    issuer: str = "IRN"
    issuing_authority_fa: str = "سازمان ثبت احوال کشور"

    @property
    def mrz(self) -> Mrz:
        return Mrz.td1(
            document_number=self.document_number,
            birth_date=self.birth_date,
            expiry_date=self.expiry_date,
            sex=self.sex,
            issuer=self.issuer,
            primary_identifier=self.family_name,
            secondary_identifier=self.given_name,
            optional_data=self.national_code,
        )

    @property
    def mrz_information(self) -> str:
        return self.mrz.mrz_information


DEMO_CITIZEN = Citizen()


def td1_mrz(c: Citizen) -> str:
    """The three 30-character lines of the citizen's TD1 MRZ, joined."""
    return "".join(c.mrz.lines)


def _dg11(c: Citizen) -> bytes:
    return Dg11(
        full_name=f"{c.family_name_fa}<<{c.given_name_fa}",
        personal_number=c.national_code,
        full_date_of_birth=c.birth_date,
        place_of_birth=c.birth_place_fa,
        address=c.address_fa,
        personal_summary=c.father_name_fa,
    ).encode()


def _dg12(c: Citizen) -> bytes:
    return Dg12(issuing_authority=c.issuing_authority_fa, date_of_issue=c.issue_date).encode()


def _wrong_check_digit(code: str) -> str:
    right = national_code_check_digit(code[:9])
    return code[:9] + str((right + 1) % 10)


def _pkcs8_hex(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).hex()


def pki_application(c: Citizen, pki: TestPki, *, variant: str = GENUINE) -> tuple[dict[int, bytes], dict[str, str]]:
    """The PKI application: (files C001/C002, keys "auth"/"sign") for the card image.

    The keys are P-384, derived from the PKI seed; the certificates are issued
    by the citizen CA (or by a look-alike one for `untrusted-citizen-ca`).
    """

    auth_key, sign_key = derive_citizen_keys(pki.seed)
    auth_cert, sign_cert = issue_citizen_certificates(
        pki,
        national_code=c.national_code,
        family_name=c.family_name,
        given_name=c.given_name,
        auth_public_key=auth_key.public_key(),
        sign_public_key=sign_key.public_key(),
        issuer=rogue_citizen_ca(pki) if variant == "untrusted-citizen-ca" else None,
    )
    files = {
        FID_AUTH_CERT: auth_cert.public_bytes(Encoding.DER),
        FID_SIGN_CERT: sign_cert.public_bytes(Encoding.DER),
    }
    return files, {"auth": _pkcs8_hex(auth_key), "sign": _pkcs8_hex(sign_key)}


def card_access(pace_oid: str, parameter_id: int) -> bytes:

    return encode_security_infos(SecurityInfos([PaceInfo(pace_oid, 2, parameter_id)]))


def personalize(
    citizen: Citizen = DEMO_CITIZEN,
    *,
    profile: str = PROFILE_NID,
    variant: str = GENUINE,
    seed: int = 1,
    pace_oid: str = DEFAULT_PACE_OID,
    pace_parameter_id: int = DEFAULT_PACE_PARAMETER_ID,
    extended_length: bool = True,
    face_format: str = "jpeg",
    aa_key: str = "ec",
    pin: str = "123456",
    can: str = "123456",
    puk: str = "12345678",
    pin2: str = "12345",
    face: bytes | None = None,
) -> CardImage:
    if profile not in (PROFILE_NID, PROFILE_PASSPORT_BAC):
        raise ValueError(f"unknown profile {profile!r}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
    if variant == "cloned-cam":
        pace_oid = PACE_CAM_OID  # the clone must speak PACE-CAM to look like the original
    if variant == "bad-national-code":
        citizen = dataclasses.replace(citizen, national_code=_wrong_check_digit(citizen.national_code))

    if face is None:
        face = demo_face_jp2() if face_format == "jp2" else demo_face_jpeg()
    chip = generate_chip_keys(seed.to_bytes(8, "big"), aa=aa_key)
    dgs: dict[int, bytes] = {
        1: Dg1(citizen.mrz).encode(),
        2: build_dg2(face),
        11: _dg11(
            dataclasses.replace(citizen, national_code="0023456787", birth_date="19850101")
            if variant == "dg11-other-person"
            else citizen
        ),
        12: _dg12(citizen),
        14: chip.dg14,
        15: chip.dg15,
    }
    if variant == "no-dg1":
        del dgs[1]
    pki = test_pki(seed)
    signer_cert, signer_key = {
        "unknown-ds": (pki.unknown_ds_cert, pki.unknown_ds_key),
        "expired-ds": (pki.expired_ds_cert, pki.expired_ds_key),
    }.get(variant, (pki.ds_cert, pki.ds_key))

    sod = sign_sod(
        {n: hashlib.sha256(data).digest() for n, data in dgs.items()},
        "sha256",
        signer_cert.public_bytes(Encoding.DER),
        signer_key,
    )
    keys = chip.keys
    if variant == "tampered-dg2":
        dgs[2] = dgs[2][:-1] + bytes([dgs[2][-1] ^ 1])
    if variant == "tampered-dg":
        dgs[11] = _dg11(dataclasses.replace(citizen, family_name_fa="احمدی"))
    if variant in ("cloned", "cloned-hidden-com"):
        # A clone carries the issuer's signed data but cannot carry the chip's
        # private keys: it answers with keys of its own.
        other = generate_chip_keys((seed + 1_000_003).to_bytes(8, "big"), aa=aa_key)
        keys.update({"aa": other.aa, "ca": other.ca})
    if variant == "cloned-cam":
        # Its AA key is the genuine one here, so only the CAM proof can give it away.
        other = generate_chip_keys((seed + 1_000_003).to_bytes(8, "big"), aa=aa_key)
        keys["ca"] = other.ca

    lds = {dg_fid(n): data for n, data in dgs.items()}
    claimed = [n for n in sorted(dgs) if variant != "cloned-hidden-com" or n not in (14, 15)]
    lds[FID_COM] = Com.for_data_groups(claimed).encode()
    lds[FID_SOD] = sod
    mf: dict[int, bytes] = {}
    files: dict[str, dict[int, bytes]] = {"mf": mf, "lds": lds}
    if profile == PROFILE_NID:
        mf[FID_CARD_ACCESS] = card_access(pace_oid, pace_parameter_id)
        files["pki"], pki_keys = pki_application(citizen, pki, variant=variant)
        keys.update(pki_keys)
    unlock_mrz = citizen.mrz_information
    if variant == "mrz-other-person":
        unlock_mrz = dataclasses.replace(citizen, document_number="B98765432").mrz_information
    return CardImage(
        settings=Settings(
            profile=profile,
            pace_oid=pace_oid,
            pace_parameter_id=pace_parameter_id,
            extended_length=extended_length if profile == PROFILE_NID else False,
        ),
        secrets=Secrets(pin=pin, can=can, puk=puk, pin2=pin2, mrz_information=unlock_mrz),
        counters=Counters(),
        files=files,
        keys=keys,
    )


def demo_card() -> CardImage:
    return personalize(DEMO_CITIZEN)
