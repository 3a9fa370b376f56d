"""The demo citizen's face portrait: drawn, clearly synthetic, deterministic.

The demo card's holder is fictional (card-profile.md), so DG2 carries a drawing, not a
photograph: a stylised head and shoulders (headscarf, dark coat) on a plain light background,
a full-frontal ICAO-style 3:4 portrait. Drawn with Pillow only (no randomness, no fonts), at
3x size and downsampled for smooth edges; the bytes are identical on every run with the same
Pillow / libjpeg / OpenJPEG builds.

``demo_face_jpeg()`` is the DG2 image (JPEG, 10-25 KB as on real cards);
``demo_face_jp2()`` is the same portrait as JPEG 2000 (``image/jp2``) for the JP2 path.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter

__all__ = [
    "FACE_WIDTH",
    "FACE_HEIGHT",
    "JPEG_QUALITY",
    "JP2_RATE",
    "demo_face_image",
    "demo_face_jpeg",
    "demo_face_jp2",
]

FACE_WIDTH = 480
FACE_HEIGHT = 640
#: Tuned so the JPEG lands in the 10-25 KB range of real DG2 images.
JPEG_QUALITY = 92
#: JPEG 2000 compression ratio (one quality layer), ~the JPEG's size.
JP2_RATE = 42

_SS = 3  # supersampling factor
_W, _H = FACE_WIDTH * _SS, FACE_HEIGHT * _SS

Point = tuple[float, float]
RGB = tuple[int, int, int]

_BG_TOP: RGB = (222, 229, 235)
_BG_BOTTOM: RGB = (196, 206, 216)
_COAT: RGB = (43, 49, 62)
_COAT_LIGHT: RGB = (66, 74, 90)
_SCARF: RGB = (86, 58, 74)
_SCARF_DARK: RGB = (58, 38, 52)
_SCARF_LIGHT: RGB = (116, 82, 100)
_HAIR: RGB = (52, 36, 28)
_SKIN: RGB = (226, 186, 156)
_SKIN_SHADE: RGB = (192, 146, 118)
_SKIN_LIGHT: RGB = (240, 208, 182)
_BROW: RGB = (64, 44, 34)
_IRIS: RGB = (78, 52, 36)
_LIP: RGB = (178, 104, 104)
_LIP_DARK: RGB = (150, 86, 88)


# --- small geometry helpers --------------------------------------------------------------

# The drawing is laid out in "design" units (480x640 before zooming); _ZOOM scales it about
# (240, 300) to the ICAO framing (head about 60 % of the image height, eyes a little above
# the middle), and _SS to the supersampled canvas.
_ZOOM = 1.2


def _xy(x: float, y: float) -> tuple[float, float]:
    return ((240 + (x - 240) * _ZOOM) * _SS, (300 + (y - 300) * _ZOOM) * _SS)


def _p(points: Iterable[Point]) -> list[tuple[float, float]]:
    return [_xy(x, y) for x, y in points]


def _box(cx: float, cy: float, rx: float, ry: float) -> tuple[float, float, float, float]:
    x0, y0 = _xy(cx - rx, cy - ry)
    x1, y1 = _xy(cx + rx, cy + ry)
    return (x0, y0, x1, y1)


def _width(w: float) -> int:
    return max(1, round(w * _ZOOM * _SS))


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, steps: int = 40) -> list[Point]:
    out = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


def _path(*segments: Sequence[Point]) -> list[Point]:
    """Concatenate bezier segments (each a list of 4 control points) into one polygon."""
    pts: list[Point] = []
    for seg in segments:
        p0, p1, p2, p3 = seg
        pts.extend(_bezier(p0, p1, p2, p3))
    return pts


def _mask() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    m = Image.new("L", (_W, _H), 0)
    return m, ImageDraw.Draw(m)


def _blur(m: Image.Image, radius: float) -> Image.Image:
    """Gaussian blur, computed only around the mask's content (most masks are small)."""
    r = radius * _ZOOM * _SS
    bbox = m.getbbox()
    if bbox is None:
        return m
    pad = int(3 * r) + 4
    box = (
        max(0, bbox[0] - pad),
        max(0, bbox[1] - pad),
        min(_W, bbox[2] + pad),
        min(_H, bbox[3] + pad),
    )
    out = Image.new("L", m.size, 0)
    out.paste(m.crop(box).filter(ImageFilter.GaussianBlur(r)), box[:2])
    return out


def _paint(canvas: Image.Image, colour: RGB, mask: Image.Image) -> None:
    bbox = mask.getbbox()
    if bbox is not None:
        canvas.paste(colour, bbox, mask.crop(bbox))


def _scaled(mask: Image.Image, alpha: float) -> Image.Image:
    return mask.point(lambda v: int(v * alpha))


# --- the portrait --------------------------------------------------------------------------


def _background() -> Image.Image:
    vertical = Image.linear_gradient("L").resize((_W, _H))
    bg = Image.composite(
        Image.new("RGB", (_W, _H), _BG_BOTTOM), Image.new("RGB", (_W, _H), _BG_TOP), vertical
    )
    # soft light behind the head
    glow = Image.radial_gradient("L").resize((int(_W * 1.4), int(_H * 1.1)))
    glow = ImageChops.invert(glow).point(lambda v: max(0, v - 120) * 2)
    halo = Image.new("L", (_W, _H), 0)
    halo.paste(glow, ((_W - glow.width) // 2, int(_H * 0.38) - glow.height // 2))
    _paint(bg, (236, 241, 245), _scaled(halo, 0.55))
    return bg


def _coat(img: Image.Image) -> None:
    m, d = _mask()
    outline = _path(
        [(20, 600), (24, 530), (60, 490), (150, 468)],
        [(150, 468), (200, 456), (280, 456), (330, 468)],
        [(330, 468), (420, 490), (456, 530), (460, 600)],
    )
    d.polygon(_p(outline), fill=255)
    m = _blur(m, 0.6)
    _paint(img, _COAT, m)
    # light catching the shoulders
    hl, dh = _mask()
    dh.ellipse(_box(92, 505, 56, 20), fill=255)
    dh.ellipse(_box(388, 505, 56, 20), fill=255)
    _paint(img, _COAT_LIGHT, ImageChops.multiply(_scaled(_blur(hl, 18), 0.8), m))


def _scarf(img: Image.Image) -> None:
    m, d = _mask()
    # hood around the head, in under the chin, then draped over the chest
    outline = _path(
        [(240, 92), (330, 92), (392, 170), (390, 280)],
        [(390, 280), (390, 370), (350, 420), (348, 462)],
        [(348, 462), (346, 500), (366, 540), (368, 590)],
        [(368, 590), (320, 600), (280, 596), (240, 604)],
        [(240, 604), (200, 596), (160, 600), (112, 590)],
        [(112, 590), (114, 540), (134, 500), (132, 462)],
        [(132, 462), (130, 420), (90, 370), (90, 280)],
        [(90, 280), (88, 170), (150, 92), (240, 92)],
    )
    d.polygon(_p(outline), fill=255)
    m = _blur(m, 0.6)
    _paint(img, _SCARF, m)
    # folds: darker sides, a lit crown
    side, ds = _mask()
    ds.ellipse(_box(110, 350, 34, 140), fill=255)
    ds.ellipse(_box(370, 350, 34, 140), fill=255)
    ds.ellipse(_box(128, 560, 20, 50), fill=200)
    ds.ellipse(_box(352, 560, 20, 50), fill=200)
    ds.ellipse(_box(240, 462, 80, 26), fill=255)  # under the chin
    _paint(img, _SCARF_DARK, ImageChops.multiply(_scaled(_blur(side, 20), 0.8), m))
    lit, dl = _mask()
    dl.ellipse(_box(215, 135, 95, 40), fill=255)
    dl.ellipse(_box(175, 530, 34, 40), fill=170)
    dl.ellipse(_box(305, 530, 30, 40), fill=140)
    _paint(img, _SCARF_LIGHT, ImageChops.multiply(_scaled(_blur(lit, 24), 0.7), m))
    # fold lines on the drape
    folds, df = _mask()
    for pts in (
        [(160, 490), (152, 520), (146, 550), (142, 590)],
        [(320, 490), (328, 520), (334, 550), (338, 590)],
        [(215, 478), (208, 520), (214, 560), (210, 600)],
        [(265, 478), (272, 520), (266, 560), (270, 600)],
    ):
        p0, p1, p2, p3 = pts
        df.line(_p(_bezier(p0, p1, p2, p3)), fill=255, width=_width(4))
    _paint(img, _SCARF_DARK, ImageChops.multiply(_scaled(_blur(folds, 4), 0.5), m))


def _face_outline() -> list[Point]:
    return _path(
        [(240, 168), (300, 168), (332, 215), (334, 280)],
        [(334, 280), (336, 350), (300, 424), (240, 428)],
        [(240, 428), (180, 424), (144, 350), (146, 280)],
        [(146, 280), (148, 215), (180, 168), (240, 168)],
    )


def _face(img: Image.Image) -> None:
    # shadow the scarf casts around the face opening
    sh, dsh = _mask()
    dsh.polygon(_p(_face_outline()), fill=255)
    _paint(img, _SCARF_DARK, _scaled(_blur(sh, 9), 0.8))

    face, df = _mask()
    df.polygon(_p(_face_outline()), fill=255)
    face = _blur(face, 0.5)
    _paint(img, _SKIN, face)
    # modelling: darker rim, lighter centre (forehead, nose bridge, cheeks)
    inner, di = _mask()
    di.ellipse(_box(244, 300, 58, 92), fill=255)
    shade = ImageChops.subtract(face, _blur(inner, 28))
    _paint(img, _SKIN_SHADE, _scaled(shade, 0.85))
    light, dl = _mask()
    dl.ellipse(_box(240, 232, 48, 26), fill=255)  # forehead
    dl.ellipse(_box(240, 318, 10, 34), fill=255)  # nose bridge
    dl.ellipse(_box(196, 336, 24, 16), fill=200)  # cheeks
    dl.ellipse(_box(284, 336, 24, 16), fill=200)
    dl.ellipse(_box(240, 400, 22, 10), fill=180)  # chin
    _paint(img, _SKIN_LIGHT, ImageChops.multiply(_scaled(_blur(light, 12), 0.65), face))
    # a little warmth on the cheeks
    blush, db = _mask()
    db.ellipse(_box(188, 350, 22, 14), fill=255)
    db.ellipse(_box(292, 350, 22, 14), fill=255)
    _paint(img, (214, 150, 136), _scaled(_blur(blush, 12), 0.35))

    # hair showing under the scarf's front edge
    hair, dh = _mask()
    hair_shape = _path(
        [(152, 250), (160, 200), (196, 176), (240, 178)],
        [(240, 178), (284, 176), (320, 200), (328, 250)],
        [(328, 250), (312, 222), (282, 206), (244, 204)],
        [(244, 204), (204, 204), (170, 222), (152, 250)],
    )
    dh.polygon(_p(hair_shape), fill=255)
    _paint(img, _HAIR, _blur(hair, 1.2))
    # scarf front edge over the hairline
    edge, de = _mask()
    edge_shape = _path(
        [(138, 262), (140, 180), (190, 156), (240, 156)],
        [(240, 156), (290, 156), (340, 180), (342, 262)],
        [(342, 262), (330, 208), (290, 184), (240, 184)],
        [(240, 184), (190, 184), (150, 208), (138, 262)],
    )
    de.polygon(_p(edge_shape), fill=255)
    _paint(img, _SCARF, _blur(edge, 0.8))
    edge_lit, del_ = _mask()
    del_.ellipse(_box(230, 166, 70, 10), fill=255)
    _paint(img, _SCARF_LIGHT, _scaled(_blur(edge_lit, 8), 0.8))


def _eye(img: Image.Image, cx: float, cy: float, mirror: int) -> None:
    # almond: upper and lower lid curves
    w, up, down = 23, 11, 7
    inner = (cx - mirror * w, cy + 1)
    outer = (cx + mirror * w, cy - 1)
    upper = _bezier(inner, (cx - mirror * 10, cy - up), (cx + mirror * 12, cy - up), outer)
    lower = _bezier(outer, (cx + mirror * 10, cy + down), (cx - mirror * 10, cy + down), inner)
    white, dw = _mask()
    dw.polygon(_p(upper + lower), fill=255)
    _paint(img, (236, 232, 228), _blur(white, 0.4))
    iris, di = _mask()
    di.ellipse(_box(cx, cy, 8.5, 8.5), fill=255)
    iris = ImageChops.multiply(iris, white)
    _paint(img, _IRIS, _blur(iris, 0.4))
    pupil, dp = _mask()
    dp.ellipse(_box(cx, cy, 3.8, 3.8), fill=255)
    _paint(img, (22, 16, 14), ImageChops.multiply(_blur(pupil, 0.3), white))
    glint, dg = _mask()
    dg.ellipse(_box(cx + 3, cy - 3, 1.6, 1.6), fill=255)
    _paint(img, (250, 250, 250), _blur(glint, 0.3))
    # lids: a firm upper line with a crease above, a faint lower line
    lids, dl = _mask()
    dl.line(_p(upper), fill=255, width=_width(2.6), joint="curve")
    _paint(img, (48, 32, 28), _blur(lids, 0.5))
    crease, dc = _mask()
    dc.line(
        _p(
            _bezier(
                (cx - mirror * 18, cy - 8),
                (cx - mirror * 8, cy - 17),
                (cx + mirror * 10, cy - 17),
                (cx + mirror * 22, cy - 7),
            )
        ),
        fill=255,
        width=_width(1.6),
    )
    _paint(img, _SKIN_SHADE, _scaled(_blur(crease, 1.0), 0.9))
    low, dlo = _mask()
    dlo.line(_p(lower), fill=255, width=_width(1.2))
    _paint(img, _SKIN_SHADE, _scaled(_blur(low, 0.8), 0.8))


def _brow(img: Image.Image, cx: float, cy: float, mirror: int) -> None:
    inner = (cx - mirror * 24, cy + 4)
    outer = (cx + mirror * 30, cy + 3)
    top = _bezier(inner, (cx - mirror * 10, cy - 6), (cx + mirror * 14, cy - 8), outer)
    bottom = _bezier(
        outer, (cx + mirror * 14, cy - 3), (cx - mirror * 10, cy), (inner[0], inner[1] + 5)
    )
    m, d = _mask()
    d.polygon(_p(top + bottom), fill=255)
    _paint(img, _BROW, _scaled(_blur(m, 0.9), 0.9))


def _nose_and_mouth(img: Image.Image) -> None:
    # side shadow of the nose and the soft shadow under its tip
    sh, d = _mask()
    d.line(_p(_bezier((228, 298), (224, 320), (220, 338), (222, 352))), fill=255, width=_width(4))
    d.ellipse(_box(240, 364, 16, 5), fill=255)
    _paint(img, _SKIN_SHADE, _scaled(_blur(sh, 3.5), 0.75))
    nostrils, dn = _mask()
    dn.ellipse(_box(230, 357, 5, 2.6), fill=255)
    dn.ellipse(_box(250, 357, 5, 2.6), fill=255)
    _paint(img, (120, 78, 66), _scaled(_blur(nostrils, 0.8), 0.85))
    tip, dt = _mask()
    dt.ellipse(_box(240, 349, 9, 6), fill=255)
    _paint(img, _SKIN_LIGHT, _scaled(_blur(tip, 3), 0.7))

    # closed mouth, neutral expression
    upper = _path(
        [(212, 386), (222, 380), (232, 377), (240, 380)],
        [(240, 380), (248, 377), (258, 380), (268, 386)],
        [(268, 386), (254, 388), (226, 388), (212, 386)],
    )
    lower = _path(
        [(212, 386), (226, 389), (254, 389), (268, 386)],
        [(268, 386), (260, 398), (220, 398), (212, 386)],
    )
    lips, dlp = _mask()
    dlp.polygon(_p(upper), fill=255)
    _paint(img, _LIP_DARK, _blur(lips, 0.6))
    low, dlw = _mask()
    dlw.polygon(_p(lower), fill=255)
    _paint(img, _LIP, _blur(low, 0.7))
    line, dli = _mask()
    dli.line(
        _p(_bezier((211, 386), (226, 389), (254, 389), (269, 386))), fill=255, width=_width(1.6)
    )
    _paint(img, (96, 52, 52), _blur(line, 0.5))
    gloss, dgl = _mask()
    dgl.ellipse(_box(240, 392, 10, 2.5), fill=255)
    _paint(img, (214, 150, 146), _scaled(_blur(gloss, 2), 0.8))
    chin, dch = _mask()
    dch.ellipse(_box(240, 410, 16, 5), fill=255)
    _paint(img, _SKIN_SHADE, _scaled(_blur(chin, 4), 0.5))


def demo_face_image() -> Image.Image:
    """The portrait as a fresh RGB image of FACE_WIDTH x FACE_HEIGHT."""
    return _render().copy()


@functools.lru_cache(maxsize=1)
def _render() -> Image.Image:
    img = _background()
    _coat(img)
    _scarf(img)
    _face(img)
    _brow(img, 198, 266, -1)
    _brow(img, 282, 266, 1)
    _eye(img, 198, 292, -1)
    _eye(img, 282, 292, 1)
    _nose_and_mouth(img)
    return img.resize((FACE_WIDTH, FACE_HEIGHT), Image.Resampling.LANCZOS)


@functools.lru_cache(maxsize=1)
def demo_face_jpeg() -> bytes:
    """The portrait as baseline JPEG (JFIF, 4:2:0, no metadata), 10-25 KB."""
    buf = io.BytesIO()
    _render().save(
        buf, "JPEG", quality=JPEG_QUALITY, subsampling=2, optimize=True, progressive=False
    )
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def demo_face_jp2() -> bytes:
    """The portrait as JPEG 2000 in a JP2 container (``image/jp2``)."""
    buf = io.BytesIO()
    _render().save(
        buf,
        "JPEG2000",
        irreversible=True,
        quality_mode="rates",
        quality_layers=[JP2_RATE],
        no_jp2=False,
    )
    return buf.getvalue()
