"""Where the external ground-truth vectors live: ../shared/vectors beside the checkout.

They are read-only and not produced by this project (see their README.md);
tests read them from there and never copy values into the repository.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

#: tests/vectors.py -> tests -> checkout -> its parent, which holds shared/vectors.
VECTORS = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"

ICAO_WORKED_EXAMPLES = VECTORS / "icao9303-part11-worked-examples.json"


@cache
def _load_icao_text() -> str:
    return ICAO_WORKED_EXAMPLES.read_text(encoding="utf-8")


def load_icao() -> dict:
    """The ICAO 9303-11 worked examples (a fresh dict each call; callers may mutate it)."""
    return json.loads(_load_icao_text())


def h(hex_string: str) -> bytes:
    """Bytes from the hex as the vector files write it."""
    return bytes.fromhex(hex_string)


#: ICAO 9303-11 Appendix H (PACE-IM) and I (PACE-CAM) worked examples, with their sources:
#: the shared vector file lacks them, so they live beside the tests that replay them.
IM_CAM_EXAMPLES = Path(__file__).resolve().parent / "data" / "icao9303_11_appendix_h_i.json"


def load_im_cam() -> dict:
    """Appendix H.1, H.2 and I worked examples (a fresh dict each call)."""
    return json.loads(IM_CAM_EXAMPLES.read_text(encoding="utf-8"))
