"""My identity: photo, names, national code, dates in both calendars, document, verdict badges.

The full list of checks and the certificate chains are one click away
(`VerdictDialog`). Nothing is green unless the library verified it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.i18n import I18n
from gui.messages import tries_text
from gui.reading import ReadResult
from gui.verdict_view import (
    BAD,
    OK,
    badges,
    check_reason,
    check_title,
    genuineness_note,
    overall_verified,
    result_label,
    shows_test_verdict,
    test_notice,
)
from gui.widgets import (
    BadgeWidget,
    align_to_language,
    button,
    clear_layout,
    label,
    page_panel,
    photo_pixmap,
)
from idcard.cards.genuine import PERSONAL
from idcard.cards.reading import NidReading
from idcard.marking import rests_on_test_anchors
from idcard.verdict import Check, Result

PHOTO_HEIGHT = 184


class IdentityView(QWidget):
    """The identity and its badges; used by the citizen screen and by the desk."""

    details_requested = Signal()

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.result: ReadResult | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        self.headline = QLabel()
        self.headline.setFont(theme.font(15, bold=True))
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)

        top = QHBoxLayout()
        top.setSpacing(24)
        self.photo = QLabel()
        self.photo.setFixedSize(int(PHOTO_HEIGHT * 0.78), PHOTO_HEIGHT)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet(
            f"background: {theme.PAPER}; border: 1px solid {theme.LINE}; border-radius: 8px;"
        )
        top.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        facts = QVBoxLayout()
        facts.setSpacing(4)
        self.name_fa = label(size=22, bold=True)
        facts.addWidget(self.name_fa)
        self.name_latin = label(size=14, name="Muted")
        facts.addWidget(self.name_latin)
        facts.addSpacing(8)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(8)
        self.field_names: dict[str, QLabel] = {}
        self.field_values: dict[str, QLabel] = {}
        for row, key in enumerate(("national_code", "birth", "document", "expiry")):
            name = label(name="Muted")
            value = label(size=12, bold=True)
            self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(value, row, 1)
            self.field_names[key], self.field_values[key] = name, value
        self.grid.setColumnStretch(1, 1)
        facts.addLayout(self.grid)
        facts.addStretch(1)
        top.addLayout(facts, 1)
        layout.addLayout(top)

        self.badge_box = QGridLayout()
        self.badge_box.setHorizontalSpacing(10)
        self.badge_box.setVerticalSpacing(8)
        self.badge_box.setColumnStretch(0, 1)
        self.badge_box.setColumnStretch(1, 1)
        layout.addLayout(self.badge_box)
        self.action_row = QHBoxLayout()
        self.details = button()
        self.details.clicked.connect(self.details_requested.emit)
        self.action_row.addWidget(self.details)
        self.action_row.addStretch(1)
        layout.addLayout(self.action_row)
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.field_names["national_code"].setText(self.tr("National code"))
        self.field_names["birth"].setText(self.tr("Date of birth"))
        self.field_names["document"].setText(self.tr("Card number"))
        self.field_names["expiry"].setText(self.tr("Valid until"))
        self.details.setText(self.tr("All checks and certificates…"))
        for widget in (self.name_fa, self.name_latin, *self.field_values.values()):
            align_to_language(widget, self.i18n.rtl)
        self.show_result(self.result)

    def show_result(self, result: ReadResult | None) -> None:
        self.result = result
        if result is None:
            return
        doc = result.document
        identity = doc.identity
        i18n = self.i18n
        # No photo box at all when the photo was not read (a desk purpose without it).
        self.photo.setVisible(doc.face is not None or 2 in doc.files.dgs)
        if doc.face is not None:
            self.photo.setPixmap(photo_pixmap(doc.face.to_png(), PHOTO_HEIGHT - 4))
        else:
            self.photo.setPixmap(QPixmap())
            self.photo.setText(self.tr("The photo cannot be read"))
        if identity is not None:
            fa = " ".join(x for x in (identity.given_name.fa, identity.family_name.fa) if x)
            latin = " ".join(
                x for x in (identity.given_name.latin, identity.family_name.latin) if x
            )
            self.name_fa.setText(fa or latin)
            self.name_latin.setText(latin if fa else "")
            self.field_values["national_code"].setText(i18n.digits(identity.national_code or "—"))
            self.field_values["birth"].setText(i18n.date(identity.birth_date))
            self.field_values["document"].setText(identity.document_number)
            self.field_values["expiry"].setText(i18n.date(identity.expiry_date))
        else:
            self.name_fa.setText(self.tr("The identity data cannot be read"))
            self.name_latin.setText("")
            for value in self.field_values.values():
                value.setText("—")
        verified = overall_verified(doc, result.certificate)
        if verified:
            self.headline.setText("✓ " + self.tr("Verified: this card and its data are genuine"))
            self.headline.setStyleSheet(f"color: {theme.OK};")
        else:
            self.headline.setText("✕ " + self.tr("Not verified: see the reasons below"))
            self.headline.setStyleSheet(f"color: {theme.BAD};")
        if shows_test_verdict(doc, result.certificate):
            self.headline.setText(f"{self.headline.text()}\n{test_notice()}")
        clear_layout(self.badge_box)
        shown = badges(doc, result.certificate, i18n, test_anchors=result.test_anchors)
        for i, badge in enumerate(shown):
            wide = len(shown) % 2 == 1 and i == len(shown) - 1
            self.badge_box.addWidget(
                BadgeWidget(badge.level, badge.title, badge.reason),
                i // 2,
                i % 2,
                1,
                2 if wide else 1,
            )


class IdentityPage(QWidget):
    back = Signal()

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        layout = page_panel(
            self, 940, outer_margins=(24, 14, 24, 10), margins=(26, 16, 26, 16), scroll=True
        )
        self.title = label(size=17, bold=True)
        layout.addWidget(self.title)
        self.view = IdentityView(i18n)
        self.view.details_requested.connect(self.open_details)
        self.done = button(primary=True)
        self.done.clicked.connect(self.back.emit)
        self.view.action_row.addWidget(self.done)
        layout.addWidget(self.view)
        # A real card family (issue 12) is shown here instead of `view`.
        self.nid_view = NidCardView(i18n)
        self.nid_view.setVisible(False)
        self.nid_done = button(primary=True)
        self.nid_done.clicked.connect(self.back.emit)
        nid_layout = self.nid_view.layout()
        assert nid_layout is not None  # NidCardView lays itself out
        nid_layout.addWidget(self.nid_done)
        layout.addWidget(self.nid_view)
        self.dialog: VerdictDialog | None = None
        i18n.changed.connect(self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("My identity"))
        self.done.setText(self.tr("Done"))
        self.nid_done.setText(self.tr("Done"))

    def show_result(self, result: ReadResult) -> None:
        self.nid_view.setVisible(False)
        self.view.setVisible(True)
        self.view.show_result(result)
        self.done.setFocus()

    def show_nid_reading(self, reading: NidReading) -> None:
        """A real card family's reading (`idcard.cards.reading.read_nid_card`)."""
        self.view.setVisible(False)
        self.nid_view.show_reading(reading)
        self.nid_view.setVisible(True)
        self.nid_done.setFocus()

    def clear(self) -> None:
        """Forget the identity shown (leaving the screen, or the card was read by someone else)."""
        self.view.result = None
        self.nid_view.clear()

    def open_details(self) -> None:
        if self.view.result is None:
            return
        self.dialog = VerdictDialog(self.i18n, self.view.result, self)
        self.dialog.open()


def _color(result: Result) -> str:
    return {Result.PASSED: theme.OK, Result.FAILED: theme.BAD, Result.UNTRUSTED: theme.BAD}.get(
        result, theme.WARN
    )


class VerdictDialog(QDialog):
    """Every check (with its reason) and both certificate chains."""

    def __init__(
        self,
        i18n: I18n,
        result: ReadResult,
        parent: QWidget | None = None,
        extra: list[Check] | None = None,
    ) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setWindowTitle(self.tr("Checks and certificates"))
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        tabs = QTabWidget()
        layout.addWidget(tabs)
        checks = list(extra or []) + list(result.document.verdict.checks)
        if result.certificate is not None:
            checks += result.certificate.checks
        self.table = QTableWidget(len(checks), 3)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Check"), self.tr("Result"), self.tr("Technical details")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        for row, check in enumerate(checks):
            title = QTableWidgetItem(check_title(check.code))
            title.setToolTip(check.code)
            outcome = QTableWidgetItem(result_label(check.result))
            outcome.setForeground(QColor(_color(check.result)))
            reason_text = (
                check.reason
                if check.result is Result.PASSED
                else f"{check_reason(check, i18n)}\n{check.reason}"
            )
            reason = QTableWidgetItem(reason_text)
            self.table.setItem(row, 0, title)
            self.table.setItem(row, 1, outcome)
            self.table.setItem(row, 2, reason)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        tabs.addTab(self.table, self.tr("Checks"))
        tabs.addTab(self._chains(result), self.tr("Certificates"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        layout.addWidget(buttons)

    def _chains(self, result: ReadResult) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(label(self.tr("Who signed the data on the chip"), bold=True, size=12))
        verdict = result.document.verdict
        ds = verdict.get("ds.validity")
        chain = verdict.get("csca.chain")
        rows = []
        if ds is not None and "subject" in ds.details:
            rows.append(
                (
                    self.tr("Document signer"),
                    str(ds.details["subject"]),
                    ds.details.get("not_before"),
                    ds.details.get("not_after"),
                    ds.result,
                )
            )
        if chain is not None:
            issuer = str(chain.details.get("csca") or chain.details.get("issuer") or "—")
            rows.append((self.tr("Country signing CA"), issuer, None, None, chain.result))
        layout.addWidget(self._chain_table(rows))
        layout.addWidget(
            label(self.tr("The card's own certificate (for logging in)"), bold=True, size=12)
        )
        cert_rows = []
        if result.certificate is not None:
            chain_check = next(
                (c for c in result.certificate.checks if c.code == "cert.chain"), None
            )
            roles = [self.tr("Card holder"), self.tr("Issuing CA"), self.tr("Root CA")]
            for i, cert in enumerate(result.certificate.chain):
                status = chain_check.result if chain_check else Result.NOT_PERFORMED
                cert_rows.append(
                    (
                        roles[min(i, 2)],
                        cert.subject_dn,
                        cert.not_before.isoformat(),
                        cert.not_after.isoformat(),
                        status,
                    )
                )
        layout.addWidget(self._chain_table(cert_rows))
        if not cert_rows:
            layout.addWidget(
                label(self.tr("This card has no certificate for logging in."), name="Muted")
            )
        return page

    def _chain_table(self, rows: list[tuple]) -> QTableWidget:
        table = QTableWidget(len(rows), 4)
        table.setHorizontalHeaderLabels(
            [self.tr("Role"), self.tr("Subject"), self.tr("Valid"), self.tr("Status")]
        )
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (role, subject, start, end, status) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(role))
            table.setItem(r, 1, QTableWidgetItem(subject))
            valid = f"{str(start)[:10]} – {str(end)[:10]}" if start and end else "—"
            table.setItem(r, 2, QTableWidgetItem(valid))
            item = QTableWidgetItem(result_label(status))
            item.setForeground(QColor(_color(status)))
            table.setItem(r, 3, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for c in (0, 2, 3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        table.setMaximumHeight(40 + 34 * max(len(rows), 1))
        return table


__all__ = ["BAD", "OK", "IdentityPage", "IdentityView", "VerdictDialog"]


class NidCardView(QWidget):
    """A real NID card family (issue 12): family, certificate identity, assurance level and,
    when the chip could not be proven genuine, a plain-language note saying so."""

    def __init__(self, i18n: I18n, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.reading: NidReading | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = label(size=15, bold=True)
        self.test_mark = label(size=11, bold=True)
        self.test_mark.setStyleSheet(f"color: {theme.WARN};")
        self.family = label(size=12, bold=True)
        self.name = label(size=20, bold=True)
        self.number = label(name="Muted")
        self.personal = label(size=12)
        self.personal.setWordWrap(True)
        self.card_ids = label(name="Muted")
        self.validity = label(size=12)
        self.card_dates = label(size=12)
        self.assurance = label(size=12)
        self.chain = label(size=12)
        self.pin = label(size=12)
        self.note = label(size=12)
        self.note.setWordWrap(True)
        for widget in (
            self.headline,
            self.test_mark,
            self.family,
            self.name,
            self.number,
            self.personal,
            self.card_ids,
            self.validity,
            self.card_dates,
            self.assurance,
            self.chain,
            self.pin,
            self.note,
        ):
            layout.addWidget(widget)
        i18n.changed.connect(self._render)

    def show_reading(self, reading: NidReading) -> None:
        self.reading = reading
        self._render()

    def clear(self) -> None:
        """Forget the citizen's data (leaving the screen)."""
        self.reading = None
        for widget in self.findChildren(QLabel):
            widget.clear()

    def _render(self) -> None:
        reading = self.reading
        if reading is None:
            return
        digits = self.i18n.digits
        verdict = reading.verdict
        self.headline.setText(
            "✓ " + self.tr("The card's certificate and chip were verified")
            if verdict.verified
            else "✗ " + self.tr("Read, but not everything could be verified")
        )
        self.headline.setStyleSheet(f"color: {theme.OK if verdict.verified else theme.WARN};")
        self.test_mark.setText(test_notice())
        self.test_mark.setVisible(rests_on_test_anchors(verdict))
        card = reading.info
        self.family.setText(
            self.tr("Card: {family}, chip type {chip}").format(
                family=card.family, chip=digits(card.chip_type) if card.chip_type else self.tr("unknown")
            )
        )
        ident = reading.identity
        self.name.setText(f"{ident.given_name} {ident.surname}" if ident else self.tr("No certificate could be read"))
        self.number.setText(self.tr("Certificate number {n}").format(n=digits(ident.number)) if ident else "")
        self.personal.setText(self._personal_text(reading))
        self.personal.setVisible(bool(self.personal.text()))
        self.card_ids.setText(
            self.tr("Card serial number {csn} · card registration number {crn}").format(
                # The CSN is hex: kept in Latin characters, left to right, in either language.
                csn=self.i18n.ltr(card.csn) if card.csn else "—",
                crn=digits(card.crn or "—"),
            )
        )
        self.validity.setText(
            self.tr("Certificate valid until {date}").format(date=self.i18n.date(ident.not_after.date()))
            if ident
            else ""
        )
        dates = reading.dates or {}
        self.card_dates.setVisible(bool(dates))
        self.card_dates.setText(
            self.tr("Card issued {issue}, expires {expiry}").format(
                issue=digits(dates.get("issue") or "—"), expiry=digits(dates.get("expiry") or "—")
            )
        )
        level = reading.assurance_level
        self.assurance.setText(
            self.tr("Assurance level {n}").format(n=digits(str(level)))
            if level
            else self.tr("The certificate chain names no assurance level")
        )
        chain = verdict.get("certificate.chain")
        self.chain.setText(
            self.tr("Certificate chain: {result}").format(
                result=result_label(chain.result) if chain else result_label(Result.NOT_PERFORMED)
            )
        )
        self.chain.setStyleSheet(f"color: {_color(chain.result) if chain else theme.MUTED};")
        self.pin.setText(self._pin_text(reading))
        self.pin.setVisible(bool(self.pin.text()))
        note = genuineness_note(verdict.get("chip.genuine"))
        self.note.setVisible(note is not None)
        self.note.setText(note or "")
        self.note.setStyleSheet(f"color: {theme.WARN};")

    def _personal_text(self, reading: NidReading) -> str:
        """The registry-signed personal data, shown only when its signature verified (§6)."""
        info = reading.genuine.personal_info if reading.genuine else None
        check = reading.verdict.get(PERSONAL)
        if info is None or check is None or check.result is not Result.PASSED:
            return ""
        return self.tr(
            "Signed by the registry: {name}, national code {code}, father's name {father}, born {born}"
        ).format(
            name=f"{info.given_name} {info.surname}",
            code=self.i18n.digits(info.national_code),
            father=info.father_name,
            born=self.i18n.digits(info.date_of_birth),
        )

    def _pin_text(self, reading: NidReading) -> str:
        tries = reading.pin.tries_left if reading.pin is not None else None
        left = tries_text(tries, self.i18n.digits(tries))
        if reading.pin_verified:
            text = self.tr("ID PIN: accepted by the card")
        elif reading.pin is not None:
            text = self.tr("ID PIN: not entered")
        else:
            return ""
        return f"{text} ({left})" if left else text
