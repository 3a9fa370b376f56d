"""PACE-CAM as a chip check (`chip.pace_cam`): the proof PACE carried, judged with DG14's key.

With Chip Authentication Mapping the chip sends CA_IC = SK_IC⁻¹ · SK_Map,IC
inside PACE (ICAO 9303-11 §4.4.3.5, tag 8A under KS_Enc). That proves the
chip holds its static key only once PK_IC comes from a signed source: DG14,
after its hash matched EF.SOD. PK_Map,IC = CA_IC · PK_IC then proves the chip
genuine, and the separate Chip Authentication (MSE:Set AT, GENERAL
AUTHENTICATE and a command to confirm the new keys) is not needed.

The proof does not travel. Anyone who knows PK_IC (DG14 is public) can pick
any CA_IC and compute a matching PK_Map,IC; only the terminal that ran the
mapping with its own fresh key knows that PK_Map,IC came from the chip. So
this is a check of a live read only: evidence for someone else (portal
tokens, desk bundles) keeps Active Authentication over that verifier's own
challenge.
"""

from __future__ import annotations

from idcard.errors import AuthenticationError, IdCardError, MalformedResponseError, UsageError
from idcard.lds.security_infos import ID_PK, SecurityInfos
from idcard.protocol.chip_auth import domain_from_algorithm
from idcard.protocol.pace.params import EcDomain, domain_by_id
from idcard.protocol.pace.terminal import PaceResult
from idcard.verdict import Check, Result

__all__ = ["CHECK_CODE", "NOT_TRANSFERABLE", "cam_public_keys", "pace_cam_check"]

CHECK_CODE = "chip.pace_cam"
ID_PK_ECDH = f"{ID_PK}.2"

PASSED_REASON = (
    "The chip proved during PACE (Chip Authentication Mapping, PACE-CAM) that it holds "
    "the chip authentication key of DG14: it is the genuine chip."
)
FAILED_REASON = (
    "The chip's PACE-CAM proof does not match the chip authentication key of DG14 "
    "(possibly a cloned chip)."
)
#: Why portal tokens and desk bundles do not carry the CAM proof (docs and errors quote it).
NOT_TRANSFERABLE = (
    "A PACE-CAM proof convinces only the terminal that ran PACE: anyone can compute a "
    "matching pair for DG14's public key, so evidence for others needs Active Authentication."
)


def cam_public_keys(infos: SecurityInfos, domain: EcDomain) -> list[tuple[int | None, bytes]]:
    """DG14's ECDH chip authentication keys on the PACE curve: (keyId, encoded point).

    CA_IC · PK_IC = PK_Map,IC holds only in the group PACE mapped in, so keys
    on other curves cannot be the CAM key. A key whose parameters do not
    parse is skipped here (Chip Authentication reports it when it runs).
    """
    keys: list[tuple[int | None, bytes]] = []
    for info in infos.chip_authentication_public_keys:
        if info.protocol != ID_PK_ECDH:
            continue
        try:
            key_domain = domain_from_algorithm(info.public_key.algorithm)
        except IdCardError:
            continue
        if key_domain.parameter_id == domain.parameter_id:
            keys.append((info.key_id, info.public_key.public_key))
    return keys


def pace_cam_check(pace: PaceResult, infos: SecurityInfos) -> Check | None:
    """`chip.pace_cam` for a PACE-CAM run against the SOD-checked DG14's keys.

    None when DG14 has no key on the PACE curve: nothing to check the proof
    against, so the caller runs Chip Authentication instead. UsageError when
    `pace` was not a CAM run. Passed when one of the keys matches (each is
    signed by the issuer, so any match proves the chip holds it).
    """
    if pace.algorithm.mapping != "CAM":
        raise UsageError("This PACE run did not use the Chip Authentication Mapping.")
    domain = domain_by_id(pace.parameter_id)
    if not isinstance(domain, EcDomain):  # resolve_suite allows CAM on EC groups only
        raise UsageError("PACE-CAM runs on elliptic curves only.")
    keys = cam_public_keys(infos, domain)
    if not keys:
        return None
    details: dict[str, object] = {"algorithm": pace.algorithm.name, "domain": domain.name}
    for key_id, point in keys:
        try:
            pace.verify_chip_authentication(point)
        except (AuthenticationError, MalformedResponseError):
            continue  # not this key (or not a point at all): try the next one DG14 signs
        if key_id is not None:
            details["keyId"] = key_id
        return Check(CHECK_CODE, Result.PASSED, PASSED_REASON, details)
    return Check(CHECK_CODE, Result.FAILED, FAILED_REASON, details)
