"""PACE (ICAO 9303-11 §4.4, BSI TR-03110): both roles, all standardized groups.

Terminal: `perform_pace` (or `mse_set_at` first, then `perform_pace(...,
skip_mse=True)`). Card emulator: `PaceChip`. Supported: Generic,
Integrated and Chip Authentication Mapping; ECDH on the 11 standardized
curves and DH on the 3 RFC 5114 groups; 3DES and AES-128/192/256.
"""

from idcard.protocol.pace.cam import verify_chip_authentication_mapping
from idcard.protocol.pace.chip import PaceChip
from idcard.protocol.pace.oids import (
    PACE_ALGORITHMS,
    PaceAlgorithm,
    PasswordRef,
    pace_algorithm,
)
from idcard.protocol.pace.params import (
    STANDARDIZED_DOMAINS,
    DhDomain,
    EcDomain,
    domain_by_id,
)
from idcard.protocol.pace.password import derive_k_pi, pace_password_key
from idcard.protocol.pace.suite import PaceSuite, is_supported, resolve_suite
from idcard.protocol.pace.terminal import (
    PaceResult,
    check_mse_status,
    mse_set_at,
    mse_set_at_command,
    perform_pace,
)

__all__ = [
    "PACE_ALGORITHMS",
    "STANDARDIZED_DOMAINS",
    "DhDomain",
    "EcDomain",
    "PaceAlgorithm",
    "PaceChip",
    "PaceResult",
    "PaceSuite",
    "PasswordRef",
    "check_mse_status",
    "derive_k_pi",
    "domain_by_id",
    "is_supported",
    "mse_set_at",
    "mse_set_at_command",
    "pace_algorithm",
    "pace_password_key",
    "perform_pace",
    "resolve_suite",
    "verify_chip_authentication_mapping",
]
