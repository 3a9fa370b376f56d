"""The PDF receipt of one desk record: photo, data, verdict, and a QR code holding the record's hash."""

from __future__ import annotations

import datetime as dt
import html
import io
from pathlib import Path

import segno
from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QMarginsF, Qt, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument, QTextOption

from gui import theme
from gui.i18n import I18n
from gui.verdict_view import test_notice
from idcard.desk.records import Record
from idcard.files import write_atomically
from idcard.marking import json_rests_on_test_anchors

translate = QCoreApplication.translate


def qr_png(payload: str, scale: int = 8) -> bytes:
    qr = segno.make(payload, error="m", micro=False)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def _date(i18n: I18n, value: str | None) -> str:
    if not value:
        return "—"
    return i18n.date(dt.date.fromisoformat(value))


def receipt_html(record: Record, i18n: I18n) -> str:
    ident = record.identity
    e = html.escape
    rows: list[tuple[str, str]] = []
    given, family = ident.get("givenName") or {}, ident.get("familyName") or {}
    if given or family:
        rows.append(
            (
                translate("Receipt", "Name"),
                " ".join(x for x in (given.get("fa"), family.get("fa")) if x),
            )
        )
        rows.append(
            (
                translate("Receipt", "Name (Latin)"),
                " ".join(x for x in (given.get("latin"), family.get("latin")) if x),
            )
        )
    if "givenNameLatin" in ident or "familyNameLatin" in ident:
        rows.append(
            (
                translate("Receipt", "Name (Latin)"),
                " ".join(
                    x for x in (ident.get("givenNameLatin"), ident.get("familyNameLatin")) if x
                ),
            )
        )
    if "nationalCode" in ident:
        rows.append(
            (translate("Receipt", "National code"), i18n.digits(ident.get("nationalCode") or "—"))
        )
    if "birthDate" in ident:
        rows.append((translate("Receipt", "Date of birth"), _date(i18n, ident.get("birthDate"))))
    if "documentNumber" in ident:
        rows.append((translate("Receipt", "Card number"), ident.get("documentNumber") or "—"))
    if "expiryDate" in ident:
        rows.append((translate("Receipt", "Valid until"), _date(i18n, ident.get("expiryDate"))))

    align = "right" if i18n.rtl else "left"
    data_rows = "".join(
        f'<tr><td valign="middle" style="color:{theme.MUTED}; padding:4px 12px 4px 12px">{e(k)}</td>'
        f'<td valign="middle" style="padding:4px 12px 4px 12px"><b>{e(v)}</b></td></tr>'
        for k, v in rows
    )
    verified_text = translate("Receipt", "Verified: the card and its data are genuine")
    not_verified_text = translate("Receipt", "Not verified")
    qr_text = translate(
        "Receipt",
        "The QR code holds this record's SHA-256 hash. The record's evidence bundle (JSON) can be checked offline against it.",
    )
    title = translate("Receipt", "Identity verification receipt")
    if record.verified and not record.tampered:
        verdict = f'<p style="color:{theme.OK}; font-size:15pt"><b>✓ {e(verified_text)}</b></p>'
    else:
        failed = [
            c for c in record.body["verdict"]["checks"] if c["result"] in ("failed", "untrusted")
        ]
        reasons = "".join(f"<li>{e(c['code'])}: {e(c['reason'])}</li>" for c in failed)
        verdict = (
            f'<p style="color:{theme.BAD}; font-size:15pt"><b>✕ {e(not_verified_text)}</b></p>'
            f'<ul style="color:{theme.BAD}">{reasons}</ul>'
        )
    banner = ""
    if json_rests_on_test_anchors(record.body.get("verdict") or {}):
        # Printed above everything: a demo receipt must never pass for a real one.
        notice = test_notice()
        banner = f'<p style="color:{theme.BAD}; font-size:18pt" align="{align}"><b>{e(notice)}</b></p>'
    photo = '<td width="140"><img src="photo" width="120"></td>' if record.photo_png() else ""
    meta = [
        (translate("Receipt", "Time"), i18n.datetime(record.created_at)),
        (translate("Receipt", "Desk"), record.body.get("desk", "")),
        (translate("Receipt", "Operator"), record.body.get("operator", "")),
        (translate("Receipt", "Purpose"), purpose_label(record.purpose)),
        (translate("Receipt", "Record"), record.id),
    ]
    meta_rows = "".join(
        f'<tr><td valign="middle" style="color:{theme.MUTED}; padding:2px 10px 2px 10px">{e(k)}</td>'
        f'<td valign="middle" style="padding:2px 10px 2px 10px">{e(v)}</td></tr>'
        for k, v in meta
    )
    return f"""
<html><body style="font-family:'{theme.LATIN_FAMILY}','{theme.PERSIAN_FAMILY}'; font-size:11pt" dir="{"rtl" if i18n.rtl else "ltr"}">
{banner}<p style="color:{theme.ACCENT}; font-size:20pt" align="{align}"><b>{e(title)}</b></p>
<table width="100%" cellspacing="0" cellpadding="0"><tr>{photo}
<td><table cellspacing="0">{data_rows}</table></td></tr></table>
{verdict}
<table cellspacing="0">{meta_rows}</table>
<br>
<table width="100%"><tr><td width="190"><img src="qr" width="170" height="170"></td>
<td style="padding:8px"><p style="color:{theme.MUTED}">{e(qr_text)}</p>
<p style="font-family:'DejaVu Sans Mono'; font-size:8pt" dir="ltr">sha256:{e(record.hash)}</p></td></tr></table>
</body></html>"""


def purpose_label(key: str) -> str:
    return {
        "identity": translate("Receipt", "Identity check"),
        "identity-photo": translate("Receipt", "Identity check with photo"),
        "document": translate("Receipt", "Document check"),
    }.get(key, key)


def write_receipt(record: Record, path: str | Path, i18n: I18n) -> Path:
    """Write the receipt PDF (A4), readable by the desk's account only (photo, national code).

    The PDF is rendered in memory and written in one go: a file QPdfWriter
    opened itself would get the umask's mode and be half-written on a crash.
    """
    path = Path(path)
    pdf = QByteArray()
    buffer = QBuffer(pdf)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(300)
    writer.setTitle(translate("Receipt", "Identity verification receipt"))
    writer.setCreator("idcard")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(18, 18, 18, 18),
        )
    )
    doc = QTextDocument()
    doc.setDefaultFont(theme.font(11))
    option = QTextOption()
    option.setTextDirection(
        Qt.LayoutDirection.RightToLeft if i18n.rtl else Qt.LayoutDirection.LeftToRight
    )
    doc.setDefaultTextOption(option)
    png = record.photo_png()
    if png:
        doc.addResource(
            QTextDocument.ResourceType.ImageResource, QUrl("photo"), QImage.fromData(png)
        )
    doc.addResource(
        QTextDocument.ResourceType.ImageResource,
        QUrl("qr"),
        QImage.fromData(qr_png(record.qr_payload())),
    )
    doc.setHtml(receipt_html(record, i18n))
    doc.print_(writer)
    del writer  # finishes the PDF
    buffer.close()
    return write_atomically(path, bytes(pdf.data()), private=True)
