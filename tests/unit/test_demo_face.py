"""The demo citizen's synthetic face portrait (mock_card.demo_face)."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

from mock_card.demo_face import (
    FACE_HEIGHT,
    FACE_WIDTH,
    demo_face_image,
    demo_face_jp2,
    demo_face_jpeg,
)

REPO = Path(__file__).resolve().parents[2]

_DIGESTS = """
import hashlib
from mock_card.demo_face import demo_face_jp2, demo_face_jpeg
print(hashlib.sha256(demo_face_jpeg()).hexdigest(), hashlib.sha256(demo_face_jp2()).hexdigest())
"""


def test_portrait_is_3_by_4() -> None:
    assert (FACE_WIDTH, FACE_HEIGHT) == (480, 640)
    assert FACE_WIDTH * 4 == FACE_HEIGHT * 3


def test_jpeg_bytes_are_deterministic_across_processes() -> None:
    here = f"{hashlib.sha256(demo_face_jpeg()).hexdigest()} {hashlib.sha256(demo_face_jp2()).hexdigest()}"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _DIGESTS],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    }
    assert outputs == {here}


def test_jpeg_is_a_realistic_dg2_size() -> None:
    data = demo_face_jpeg()
    assert 10_000 <= len(data) <= 25_000
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"


def test_jpeg_opens_at_the_right_size() -> None:
    with Image.open(io.BytesIO(demo_face_jpeg())) as im:
        assert im.format == "JPEG"
        assert im.size == (FACE_WIDTH, FACE_HEIGHT)
        assert im.mode == "RGB"
        im.load()
        assert not im.info.get("exif")  # no metadata


def test_jp2_opens_at_the_right_size() -> None:
    data = demo_face_jp2()
    assert data[:12] == bytes.fromhex("0000000c6a5020200d0a870a")  # JP2 signature box
    assert 5_000 <= len(data) <= 40_000
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG2000"
        assert im.get_format_mimetype() == "image/jp2"
        assert im.size == (FACE_WIDTH, FACE_HEIGHT)
        im.load()


def test_image_is_a_portrait_not_a_blank() -> None:
    im = demo_face_image()
    assert im.size == (FACE_WIDTH, FACE_HEIGHT)
    # light, plain background in the top corners; skin tone at the centre of the face
    for corner in [(5, 5), (FACE_WIDTH - 6, 5)]:
        r, g, b = im.getpixel(corner)  # type: ignore[misc]
        assert min(r, g, b) > 190 and max(r, g, b) - min(r, g, b) < 25
    r, g, b = im.getpixel((FACE_WIDTH // 2, 330))  # type: ignore[misc]
    assert r > g > b and r > 180
    # dark coat at the bottom corners
    assert max(im.getpixel((5, FACE_HEIGHT - 6))) < 90  # type: ignore[arg-type]
    # a fresh copy each time: callers may draw on it
    im.putpixel((0, 0), (0, 0, 0))
    assert demo_face_image().getpixel((0, 0)) != (0, 0, 0)
