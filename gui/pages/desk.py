"""Service-desk mode: read a card, see the verified identity, record it; history, receipts, bundles."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, QTimer, Signal, SignalInstance
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.i18n import I18n
from gui.pages.identity import IdentityView
from gui.reading import ReadResult
from gui.widgets import button, label, panel, scroll_holder
from idcard.desk.records import PURPOSES, Record
from idcard.marking import TEST_LABEL, json_rests_on_test_anchors

translate = QCoreApplication.translate


def purpose_texts() -> dict[str, tuple[str, str]]:
    return {
        "identity": (
            translate("Desk", "Identity check"),
            translate(
                "Desk",
                "Stores the name, national code, date of birth, card number and expiry, with the signed data they come from (no photo).",
            ),
        ),
        "identity-photo": (
            translate("Desk", "Identity check with photo"),
            translate("Desk", "As the identity check, and also the photo."),
        ),
        "document": (
            translate("Desk", "Document check"),
            translate(
                "Desk",
                "Stores only the document data of the machine-readable zone (Latin name, national code, card number, expiry).",
            ),
        ),
    }


class DeskPage(QWidget):
    read_requested = Signal()
    record_requested = Signal()
    discard_requested = Signal()
    search_changed = Signal(str)
    receipt_requested = Signal(object)  # Record
    bundle_requested = Signal(object)  # Record
    reverify_requested = Signal(object)  # Record
    check_file_requested = Signal()

    def __init__(
        self,
        i18n: I18n,
        *,
        desk: str,
        operator: str,
        purpose: str,
        location: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.i18n = i18n
        self.setObjectName("Page")
        self.records: list[Record] = []
        self.result: ReadResult | None = None
        self.location = location
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        outer.addWidget(self.tabs)

        scroll, main = scroll_holder()
        self.scroll_area = scroll
        main.setContentsMargins(4, 12, 4, 6)
        main.setSpacing(14)
        self.tabs.addTab(scroll, "")

        top = panel()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(22, 16, 22, 16)
        head = QHBoxLayout()
        self.title = label(size=16, bold=True)
        head.addWidget(self.title, 1)
        self.read = button(primary=True)
        head.addWidget(self.read)
        tl.addLayout(head)
        form = QGridLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        self.desk = QLineEdit(desk)
        self.operator = QLineEdit(operator)
        self.purpose = QComboBox()
        for key in PURPOSES:
            self.purpose.addItem(key, key)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData(purpose)))
        self.desk_label, self.operator_label, self.purpose_label = QLabel(), QLabel(), QLabel()
        for lab, field in (
            (self.desk_label, self.desk),
            (self.operator_label, self.operator),
            (self.purpose_label, self.purpose),
        ):
            lab.setBuddy(field)
        form.addWidget(self.desk_label, 0, 0)
        form.addWidget(self.desk, 0, 1)
        form.addWidget(self.operator_label, 0, 2)
        form.addWidget(self.operator, 0, 3)
        form.addWidget(self.purpose_label, 1, 0)
        form.addWidget(self.purpose, 1, 1, 1, 3)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        tl.addLayout(form)
        self.purpose_note = label(size=10, name="Muted")
        tl.addWidget(self.purpose_note)
        self.storage = label(size=10, name="Muted")
        tl.addWidget(self.storage)
        main.addWidget(top)

        self.result_box = panel()
        rl = QVBoxLayout(self.result_box)
        rl.setContentsMargins(22, 16, 22, 16)
        self.view = IdentityView(i18n)
        rl.addWidget(self.view)
        self.record = button(primary=True)
        self.discard = button()
        self.view.action_row.addWidget(self.discard)
        self.view.action_row.addWidget(self.record)
        self.result_message = label(size=12)
        rl.addWidget(self.result_message)
        self.result_box.setVisible(False)
        main.addWidget(self.result_box)
        main.addStretch(1)

        history_page = QWidget()
        history_page.setObjectName("Page")
        history_layout = QVBoxLayout(history_page)
        history_layout.setContentsMargins(4, 12, 4, 6)
        self.tabs.addTab(history_page, "")
        history = panel()
        hl = QVBoxLayout(history)
        hl.setContentsMargins(22, 16, 22, 16)
        hh = QHBoxLayout()
        self.history_title = label(size=15, bold=True)
        hh.addWidget(self.history_title)
        hh.addSpacing(24)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(360)
        hh.addWidget(self.search, 1)
        hl.addLayout(hh)
        self.table = QTableWidget(0, 5)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(260)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hl.addWidget(self.table)
        row = QHBoxLayout()
        self.receipt = button()
        self.bundle = button()
        self.reverify = button()
        self.check_file = button()
        for b in (self.receipt, self.bundle, self.reverify):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.check_file)
        hl.addLayout(row)
        self.history_message = label(size=11)
        hl.addWidget(self.history_message)
        history_layout.addWidget(history)

        self.read.clicked.connect(self.read_requested.emit)
        self.record.clicked.connect(self.record_requested.emit)
        self.discard.clicked.connect(self.discard_requested.emit)
        self.search.textChanged.connect(self.search_changed.emit)
        self.receipt.clicked.connect(lambda: self._with_selected(self.receipt_requested))
        self.bundle.clicked.connect(lambda: self._with_selected(self.bundle_requested))
        self.reverify.clicked.connect(lambda: self._with_selected(self.reverify_requested))
        self.check_file.clicked.connect(self.check_file_requested.emit)
        self.table.itemSelectionChanged.connect(self._selection)
        self.purpose.currentIndexChanged.connect(lambda _i: self._purpose_note())
        self.tabs.currentChanged.connect(self._tab_changed)
        i18n.changed.connect(self.retranslate)
        self.retranslate()
        self._selection()

    def _tab_changed(self, index: int) -> None:
        (self.read if index == 0 else self.search).setFocus()

    # -- settings -----------------------------------------------------------------------------
    @property
    def purpose_key(self) -> str:
        return str(self.purpose.currentData())

    def desk_name(self) -> str:
        return self.desk.text().strip() or "desk"

    def operator_name(self) -> str:
        return self.operator.text().strip() or "operator"

    def _purpose_note(self) -> None:
        texts = purpose_texts()
        self.purpose_note.setText(texts.get(self.purpose_key, ("", ""))[1])

    def retranslate(self) -> None:
        self.title.setText(self.tr("Verify a citizen's card"))
        self.tabs.setTabText(0, self.tr("Verify a card"))
        self.tabs.setTabText(1, self.tr("History"))
        self.read.setText(self.tr("Read a card"))
        self.desk_label.setText(self.tr("Desk"))
        self.operator_label.setText(self.tr("Operator"))
        self.purpose_label.setText(self.tr("Purpose"))
        texts = purpose_texts()
        for i in range(self.purpose.count()):
            self.purpose.setItemText(i, texts.get(self.purpose.itemData(i), ("", ""))[0])
        self._purpose_note()
        self.storage.setText(
            self.tr("Records are kept in: {location}").format(location=self.i18n.ltr(self.location))
        )
        self.record.setText(self.tr("Record"))
        self.discard.setText(self.tr("Discard"))
        self.history_title.setText(self.tr("Verification records"))
        self.search.setPlaceholderText(self.tr("Search by name, national code or card number"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Time"),
                self.tr("Name"),
                self.tr("National code"),
                self.tr("Result"),
                self.tr("Operator"),
            ]
        )
        self.receipt.setText(self.tr("Save receipt (PDF)…"))
        self.bundle.setText(self.tr("Save evidence (JSON)…"))
        self.reverify.setText(self.tr("Check again"))
        self.check_file.setText(self.tr("Check an evidence file…"))
        self.show_records(self.records)

    # -- read result -------------------------------------------------------------------------------
    def show_result(self, result: ReadResult | None) -> None:
        self.result = result
        self.result_box.setVisible(result is not None)
        self.result_message.setVisible(False)
        if result is not None:
            self.view.show_result(result)
            self.record.setEnabled(True)
            self.discard.setText(self.tr("Discard"))
            self.tabs.setCurrentIndex(0)
            QTimer.singleShot(
                80, self, self._reveal_record
            )  # after the layout; dropped with the page
            self.record.setFocus()

    def _reveal_record(self) -> None:
        self.scroll_area.ensureWidgetVisible(self.record, 20, 20)

    def recorded(self, record: Record) -> None:
        self.record.setEnabled(False)
        self.discard.setText(self.tr("Close"))
        self.show_result_message(self.tr("Recorded. Record {id}").format(id=record.id[:12]), True)

    def show_result_message(self, text: str, ok: bool) -> None:
        self.result_message.setStyleSheet(f"color: {theme.OK if ok else theme.BAD};")
        self.result_message.setText(text)
        self.result_message.setVisible(True)

    # -- history ---------------------------------------------------------------------------------
    def show_records(self, records: list[Record]) -> None:
        before = self.selected()
        self.records = records
        self.table.setRowCount(len(records))
        for row, record in enumerate(records):
            ident = record.identity
            given, family = ident.get("givenName") or {}, ident.get("familyName") or {}
            if self.i18n.rtl and (given.get("fa") or family.get("fa")):
                name = " ".join(x for x in (given.get("fa"), family.get("fa")) if x)
            else:
                name = " ".join(
                    x
                    for x in (
                        given.get("latin") or ident.get("givenNameLatin"),
                        family.get("latin") or ident.get("familyNameLatin"),
                    )
                    if x
                )
            if record.tampered:
                verdict, color = self.tr("changed after saving!"), theme.BAD
            elif record.verified and json_rests_on_test_anchors(record.body.get("verdict") or {}):
                verdict, color = f"{self.tr('verified')} ({TEST_LABEL})", theme.WARN
            elif record.verified:
                verdict, color = self.tr("verified"), theme.OK
            else:
                verdict, color = self.tr("not verified"), theme.BAD
            values = [
                self.i18n.datetime(record.created_at),
                name or "—",
                self.i18n.digits(ident.get("nationalCode") or "—"),
                verdict,
                record.body.get("operator", ""),
            ]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col == 3:
                    item.setForeground(QColor(color))
                self.table.setItem(row, col, item)
        if before is not None:
            ids = [r.id for r in records]
            if before.id in ids:
                self.select_row(ids.index(before.id))
        self._selection()

    def selected(self) -> Record | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        index = rows[0].row()
        return self.records[index] if 0 <= index < len(self.records) else None

    def select_row(self, row: int) -> None:
        index = self.table.model().index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)

    def _selection(self) -> None:
        has = self.selected() is not None
        for b in (self.receipt, self.bundle, self.reverify):
            b.setEnabled(has)

    def _with_selected(self, signal: SignalInstance) -> None:
        record = self.selected()
        if record is not None:
            signal.emit(record)

    def show_history_message(self, text: str, ok: bool) -> None:
        self.history_message.setStyleSheet(f"color: {theme.OK if ok else theme.BAD};")
        self.history_message.setText(text)
