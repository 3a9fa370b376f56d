"""A document read off a chip (or from files) and verified: Identity + Verdict.

One verification path serves `idcard read` (live chip), `idcard
verify-document` (files read earlier) and, later, the portal's evidence
check, so a data group is judged the same way wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from idcard.errors import IdCardError, UnsupportedCardError
from idcard.lds import Dg1, Dg11, Dg12, FaceImage, Identity
from idcard.lds.com import Com
from idcard.lds.dg2 import Dg2
from idcard.lds.security_infos import SecurityInfos, parse_dg14
from idcard.lds.sod import Sod
from idcard.lds.tags import dg_for_tag
from idcard.marking import rests_on_test_anchors
from idcard.pki.crl import Crl
from idcard.pki.passive import passive_authentication
from idcard.pki.trust import TrustStore
from idcard.protocol.active_auth import CHECK_CODE as AA
from idcard.protocol.cam_check import CHECK_CODE as CAM
from idcard.protocol.cam_check import pace_cam_check
from idcard.protocol.chip_auth import CHECK_CODE as CA
from idcard.protocol.chip_auth import choose_chip_authentication
from idcard.session import SFI_COM, SFI_SOD, IdCard
from idcard.verdict import Check, Result, Verdict

Rng = Callable[[int], bytes]

UNLOCK_MRZ = "dg1.unlock_mrz"
DG1_MISSING = "dg1.present"
DG11_NATIONAL_CODE = "dg11.national_code"
DG11_BIRTH_DATE = "dg11.birth_date"

#: What a citizen's card read needs: identity, photo, issuer data, chip keys.
DEFAULT_DGS = (1, 2, 11, 12, 14, 15)


@dataclass
class DocumentFiles:
    """The raw files, exactly as read (hashes are over these bytes)."""

    sod: bytes | None
    dgs: dict[int, bytes] = field(default_factory=dict)
    com: bytes | None = None


@dataclass
class Document:
    files: DocumentFiles
    identity: Identity | None
    face: FaceImage | None
    verdict: Verdict

    def to_json(self) -> dict[str, object]:
        return {
            "identity": self.identity.to_json() if self.identity else None,
            "verdict": self.verdict.to_json(),
            "testCertificates": rests_on_test_anchors(self.verdict),
            "dataGroups": sorted(self.files.dgs),
            "photo": {"mime": self.face.mime, "width": self.face.width, "height": self.face.height}
            if self.face
            else None,
        }


def dg14_security_infos(dg14: bytes | None) -> SecurityInfos | None:
    """DG14's SecurityInfos, or None when absent or unreadable (the SOD hash check reports that)."""
    if dg14 is None:
        return None
    try:
        return parse_dg14(dg14)
    except IdCardError:
        return None


def _offers_chip_auth(infos: SecurityInfos | None) -> bool:
    if infos is None:
        return False
    try:
        choose_chip_authentication(infos)
    except UnsupportedCardError:
        return False
    except IdCardError:
        return True  # a CA key it cannot use (oversized, malformed): CA runs and fails, not skipped
    return True


def _listed_data_groups(card: IdCard, sod: bytes) -> tuple[set[int], Sod | None]:
    """Which DGs exist, from EF.SOD (signed) — EF.COM only when the SOD cannot be parsed.

    EF.COM is unsigned: a clone can leave DG14/DG15 out of it to skip the chip
    checks. When the SOD does not parse, passive authentication fails the
    document anyway, so falling back to EF.COM cannot make a clone verify.
    """
    try:
        parsed = Sod.parse(sod)
        return set(parsed.dg_hashes), parsed
    except IdCardError:
        return set(Com.parse(card.read_lds_file(SFI_COM)).data_groups), None


def _matches_sod(sod: Sod | None, number: int, data: bytes) -> bool:
    """True when the DG's bytes hash to the SOD's value: only then may the chip check use it."""
    if sod is None or number not in sod.dg_hashes:
        return False
    try:
        digest = hashlib.new(sod.hash_algorithm, data).digest()
    except ValueError:
        return False
    return hmac.compare_digest(digest, sod.dg_hashes[number])


def read_files(
    card: IdCard, *, data_groups: Iterable[int] = DEFAULT_DGS, rng: Rng = os.urandom
) -> tuple[DocumentFiles, list[Check]]:
    """Read EF.SOD and the DGs it lists that are wanted, then prove the chip genuine.

    Every file is read first: a chip that fails Chip Authentication leaves no
    working secure channel (its MAC cannot be trusted). Then CA agrees new
    keys and Active Authentication's INTERNAL AUTHENTICATE goes out under
    them, so its MAC doubles as CA's proof and no confirming SELECT is sent
    (one APDU less; a SELECT is used only when AA does not run). A chip check the SOD
    makes possible (DG15 → AA, DG14 → CA) is always reported, so it is
    required: "not performed" for it never verifies. DG14/DG15 are used only
    after their SOD hash matched, so a tampered key costs no work.

    After PACE-CAM the chip already proved its DG14 key inside PACE: that
    proof is checked (`chip.pace_cam`) instead of running CA, which saves
    CA's two or three APDUs. AA still runs when DG15 is there.
    """
    sod = card.read_lds_file(SFI_SOD)
    listed, parsed_sod = _listed_data_groups(card, sod)
    dgs = {n: card.read_dg(n) for n in data_groups if n in listed}
    unhashed = "{} does not match its EF.SOD hash, so its key was not used."
    trusted: dict[int, bool] = {n: _matches_sod(parsed_sod, n, dgs[n]) for n in (14, 15) if n in dgs}
    infos = dg14_security_infos(dgs[14]) if trusted.get(14) else None
    aa_check: Check | None = None
    dg14_check: Check | None = None
    run_ca = False
    if 14 in listed:
        dg14_check, run_ca = _dg14_chip_check(card, dgs, trusted, infos, unhashed)
    run_aa = 15 in listed and trusted.get(15, False)
    if run_ca and run_aa:
        assert infos is not None
        dg14_check, aa_check = card.chip_then_active_authentication(infos, dgs[15], dg14_aa_info=infos, rng=rng)
    else:
        if run_aa:
            aa_check = card.active_authentication(dgs[15], dg14_aa_info=infos, rng=rng)
        if run_ca:
            assert infos is not None
            dg14_check = card.chip_authentication(infos, rng=rng)
    if not run_aa and 15 in dgs:
        aa_check = Check(AA, Result.FAILED, unhashed.format("DG15"))
    elif not run_aa and 15 in listed:
        aa_check = Check(AA, Result.NOT_PERFORMED, "EF.SOD lists DG15 but it was not read.")
    chip = [c for c in (aa_check, dg14_check) if c is not None]
    unlock = _unlock_mrz_check(card, dgs.get(1))
    if unlock is not None:
        chip.append(unlock)
    return DocumentFiles(sod, dgs), chip


def _dg14_chip_check(
    card: IdCard,
    dgs: Mapping[int, bytes],
    trusted: Mapping[int, bool],
    infos: SecurityInfos | None,
    unhashed: str,
) -> tuple[Check | None, bool]:
    """The DG14 chip check when EF.SOD lists DG14: (check so far, whether CA must still run).

    After PACE-CAM a DG14 that cannot be used fails `chip.pace_cam` (the check
    the card's own PACE made possible), else `chip.chip_auth`; never passed.
    """
    cam = card.pace_cam_run()
    code = CAM if cam is not None else CA
    if 14 not in dgs:
        return Check(code, Result.NOT_PERFORMED, "EF.SOD lists DG14 but it was not read."), False
    if not trusted[14]:
        return Check(code, Result.FAILED, unhashed.format("DG14")), False
    if infos is None:
        return Check(code, Result.FAILED, "DG14 does not parse."), False
    if cam is not None:
        check = pace_cam_check(cam, infos)
        if check is not None:
            return check, False
    return None, _offers_chip_auth(infos)


def _unlock_mrz_check(card: IdCard, dg1: bytes | None) -> Check | None:
    """DG1's MRZ against the MRZ that opened the card (None when no MRZ opened it).

    A clone opened with person A's MRZ must not show person B's signed DG1.
    """
    if card.unlocked_with_mrz("") is None:
        return None
    try:
        info = Dg1.parse(dg1).mrz.mrz_information if dg1 is not None else None
    except IdCardError:
        info = None  # lds.parse fails the document
    if info is not None and card.unlocked_with_mrz(info):
        return Check(UNLOCK_MRZ, Result.PASSED, "DG1's MRZ is the one that opened the card.")
    return Check(UNLOCK_MRZ, Result.FAILED, "DG1's MRZ is not the MRZ that opened the card.")


# A portal sees a returning citizen's data groups again and again; the parsed
# objects are frozen, so one parse per distinct file serves every later token.
# Parse errors are not cached (functools does not), so bad bytes pay each time.
_parsed_dg11 = functools.lru_cache(maxsize=1024)(Dg11.parse)
_parsed_dg12 = functools.lru_cache(maxsize=1024)(Dg12.parse)
_parsed_dg2 = functools.lru_cache(maxsize=64)(Dg2.parse)
_parsed_dg1 = functools.lru_cache(maxsize=1024)(Dg1.parse)


def parsed_dg1(data: bytes) -> Dg1:
    """`Dg1.parse`, once per distinct DG1 (the portal's identity check reads it too)."""
    return _parsed_dg1(bytes(data))


@functools.lru_cache(maxsize=1024)
def _identity_of(dg1: bytes, dg11: bytes | None, dg12: bytes | None, today: dt.date) -> Identity:
    return Identity.from_lds(
        parsed_dg1(dg1),
        _parsed_dg11(dg11) if dg11 is not None else None,
        _parsed_dg12(dg12) if dg12 is not None else None,
        today=today,
    )


def _identity(dg1: bytes, dg11: bytes | None, dg12: bytes | None, today: dt.date) -> Identity:
    """`Identity.from_lds` of the parsed groups, once per distinct files and day."""
    return _identity_of(bytes(dg1), _opt_bytes(dg11), _opt_bytes(dg12), today)


def _opt_bytes(data: bytes | None) -> bytes | None:
    return None if data is None else bytes(data)


def _parsed(dgs: Mapping[int, bytes], verdict: Verdict, today: dt.date):
    identity = face = None
    try:
        dg1 = parsed_dg1(dgs[1]) if 1 in dgs else None
        dg11 = _parsed_dg11(bytes(dgs[11])) if 11 in dgs else None
        if 12 in dgs:
            _parsed_dg12(bytes(dgs[12]))  # a DG12 that does not parse fails lds.parse here
        if dg1 is not None and dg11 is not None:
            _cross_check(verdict, dg1, dg11)
        if dg1 is not None:
            identity = _identity(dgs[1], dgs.get(11), dgs.get(12), today)
            checks = dg1.mrz.check_digits
            bad = [name for name, ok in checks.items() if not ok]
            if bad:
                verdict.failed("mrz.check_digits", f"MRZ check digit wrong: {', '.join(bad)}.")
            else:
                verdict.passed("mrz.check_digits", "Every MRZ check digit is right.")
    except IdCardError as exc:
        verdict.failed("lds.parse", f"A data group does not parse: {exc.message}")
    dg2_hash = verdict.get("sod.hash.dg2")
    if 2 in dgs and (dg2_hash is None or dg2_hash.result is not Result.PASSED):
        # An unsigned image is never decoded (or shown, or written): a forged
        # DG2 can claim any size and cost seconds and hundreds of MB.
        verdict.not_performed("lds.face", "The face image is not used: DG2 did not pass its hash check.")
    elif 2 in dgs:
        try:
            face = _parsed_dg2(bytes(dgs[2])).face
        except IdCardError as exc:
            verdict.failed("lds.face", f"The face image cannot be read: {exc.message}")
    return identity, face


def _cross_check(verdict: Verdict, dg1: Dg1, dg11: Dg11) -> None:
    """DG11 must describe the person DG1 does: the same national code and birth date."""
    mrz = dg1.mrz
    code = dg11.personal_number
    if mrz.format == "TD1" and mrz.optional_data and code:
        if code == mrz.optional_data:
            verdict.passed(DG11_NATIONAL_CODE, "DG11's national code is the one in the MRZ.")
        else:
            verdict.failed(DG11_NATIONAL_CODE, "DG11's national code differs from the MRZ's.")
    birth = dg11.full_date_of_birth
    if birth and len(birth) == 8:
        # The MRZ has YYMMDD with '<' for unknown parts: compare the known digits only.
        pairs = list(zip(birth[2:], mrz.birth_date, strict=False))
        if len(mrz.birth_date) == 6 and all(a == b for a, b in pairs if b != "<"):
            verdict.passed(DG11_BIRTH_DATE, "DG11's birth date is the one in the MRZ.")
        else:
            verdict.failed(DG11_BIRTH_DATE, "DG11's birth date differs from the MRZ's.")


def verify_files(
    files: DocumentFiles,
    trust: TrustStore | None,
    *,
    at: dt.datetime | None = None,
    crls: Iterable[Crl | bytes] = (),
    chip_checks: Iterable[Check] = (),
) -> Document:
    """Passive authentication + the document's own rules, with chip checks from a live read."""
    at = at or dt.datetime.now(dt.UTC)
    if files.sod is None:
        verdict = Verdict(required=("sod.signature",))
        verdict.failed("sod.signature", "No EF.SOD: the data cannot be traced to an issuer.")
    else:
        verdict = passive_authentication(
            files.sod, files.dgs, trust, at=at, crls=crls, document_code=_document_code(files.dgs.get(1))
        )
    required = list(verdict.required)
    for number in sorted(files.dgs):
        required.append(f"sod.hash.dg{number}")

    chip = list(chip_checks)
    verdict.extend(chip)
    required += [c.code for c in chip]
    if not chip:
        verdict.not_performed("chip.genuine", "Files only: no chip to prove genuine.")

    if 1 not in files.dgs:
        verdict.failed(DG1_MISSING, "No DG1: the document's MRZ data is required.")
    identity, face = _parsed(files.dgs, verdict, at.date())
    if identity is not None:
        _document_rules(verdict, identity, at.date())
        required += ["mrz.check_digits", "document.expired"]
        if identity.issuing_state == "IRN":
            required.append("national_code.check_digit")
    verdict.required = tuple(dict.fromkeys(required))
    return Document(files, identity, face, verdict)


def _document_code(dg1: bytes | None) -> str | None:
    """The MRZ's document code, for the signer's DocumentTypeList (None when DG1 is unusable:
    `_parsed` then reports why)."""
    if dg1 is None:
        return None
    try:
        return parsed_dg1(dg1).mrz.document_code
    except IdCardError:
        return None


def _document_rules(verdict: Verdict, identity: Identity, today: dt.date) -> None:
    if identity.issuing_state == "IRN":
        if identity.national_code_valid:
            verdict.passed("national_code.check_digit", "The national code's check digit is right.")
        else:
            verdict.failed(
                "national_code.check_digit",
                f"The national code {identity.national_code} has a wrong check digit.",
            )
    else:
        verdict.not_performed("national_code.check_digit", "Not an Iranian document.")
    if identity.expiry_date is None:
        verdict.failed("document.expired", "The expiry date cannot be read.")
    elif identity.expiry_date < today:
        verdict.failed("document.expired", f"The document expired on {identity.expiry_date.isoformat()}.")
    else:
        verdict.passed("document.expired", f"Valid until {identity.expiry_date.isoformat()}.")


def read_document(
    card: IdCard,
    trust: TrustStore | None,
    *,
    photo: bool = True,
    at: dt.datetime | None = None,
    rng: Rng = os.urandom,
) -> Document:
    wanted = [n for n in DEFAULT_DGS if photo or n != 2]
    files, chip = read_files(card, data_groups=wanted, rng=rng)
    return verify_files(files, trust, at=at, chip_checks=chip)


def dg_number_of(data: bytes) -> int | None:
    """The DG number a file claims by its outer tag (for files given without a name)."""
    return dg_for_tag(data[0]) if data else None


__all__ = ["Document", "DocumentFiles", "Result", "read_document", "read_files", "verify_files"]
