"""Which of the card's PACEInfos this client runs (ICAO 9303-11 §4.4, §9.2.2)."""

from __future__ import annotations

from idcard.errors import UnsupportedCardError
from idcard.lds.security_infos import PaceInfo, SecurityInfos
from idcard.protocol.pace.oids import PACE_ALGORITHMS
from idcard.protocol.pace.suite import is_supported

#: Lower is better. ECDH-GM first (the mapping every terminal supports and
#: every eID uses), then the other mappings; DH last.
_MAPPING_PREFERENCE = {("ECDH", "GM"): 0, ("ECDH", "CAM"): 1, ("ECDH", "IM"): 2,
                       ("DH", "GM"): 3, ("DH", "IM"): 4}  # fmt: skip


def choose_pace_info(infos: SecurityInfos) -> PaceInfo:
    """The best PACEInfo this client can run; UnsupportedCardError if there is none.

    Only version 2 with standardized domain parameters qualifies (explicit
    parameters from the unsigned EF.CardAccess are never trusted, §9.2.2).
    Preference: AES over 3DES, then ECDH-GM, ECDH-CAM, ECDH-IM, DH-GM, DH-IM,
    then the longer key, then the card's own order.
    """
    candidates = []
    for index, info in enumerate(infos.pace_infos):
        algorithm = PACE_ALGORITHMS.get(info.protocol)
        if algorithm is None or info.version != 2:
            continue
        if not is_supported(info.protocol, info.parameter_id):
            continue
        rank = (
            algorithm.cipher.name != "AES",
            _MAPPING_PREFERENCE[(algorithm.agreement, algorithm.mapping)],
            -algorithm.cipher.key_length,
            index,
        )
        candidates.append((rank, info))
    if not candidates:
        raise UnsupportedCardError("The card offers no PACE variant this client supports.")
    return min(candidates, key=lambda item: item[0])[1]
