"""The service desk: read a card for a purpose, record it, search, receipts, bundles, re-checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from gui.desk.receipt import write_receipt
from gui.messages import DESK_REFUSAL, error_text
from gui.pages.identity import VerdictDialog
from gui.reading import ReadResult, read_identity
from idcard.desk.records import PURPOSES, BundleError, Record, build_record, verify_bundle
from idcard.document import Document, DocumentFiles
from idcard.files import write_atomically
from idcard.verdict import Verdict
from reader.errors import CodedError

if TYPE_CHECKING:
    from gui.window import MainWindow

translate = QCoreApplication.translate


class DeskController:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.page = window.desk
        #: The read waiting to be recorded (or discarded).
        self.result: ReadResult | None = None
        self.last_reverification: Verdict | None = None
        self.reverify_dialog: VerdictDialog | None = None
        page = self.page
        page.read_requested.connect(self.start_read)
        page.record_requested.connect(self.record)
        page.discard_requested.connect(lambda: page.show_result(None))
        page.search_changed.connect(self.search)
        page.receipt_requested.connect(self.save_receipt)
        page.bundle_requested.connect(self.save_bundle)
        page.reverify_requested.connect(self.reverify)
        page.check_file_requested.connect(self.check_file)

    # -- reading and recording ---------------------------------------------------------------------
    def start_read(self) -> None:
        window = self.window
        reader = window.current_reader()
        if not reader:
            self.page.show_history_message(error_text("card.absent"), False)
            return
        trust = window.trust_for(reader)
        purpose = PURPOSES[self.page.purpose_key]
        desk, operator = self.page.desk_name(), self.page.operator_name()

        def task(card: Any, report: Callable[[str, int], None]) -> ReadResult:
            result = read_identity(
                card, report, trust, reader=reader, data_groups=purpose.data_groups, desk=(desk, operator)
            )
            result.context = {"desk": desk, "operator": operator, "purpose": purpose.key}
            return result

        self.page.show_result(None)
        # A real national card is refused before any PIN: a desk record is evidence that
        # the chip answered the desk's challenge, which such a card gives only through the
        # registry's service; a record saying "nothing proven" would read as a check done.
        window.reading.run_flow(reader, task, self._show_result, back_to=self.page, nid_refusal=DESK_REFUSAL)

    def _show_result(self, result: ReadResult) -> None:
        self.result = result
        self.page.show_result(result)
        self.window.go(self.page)

    def record(self) -> None:
        result = self.result
        if result is None:
            return
        try:
            record = build_record(
                result.document,
                result.desk,
                result.certificate,
                desk=result.context.get("desk", self.page.desk_name()),
                operator=result.context.get("operator", self.page.operator_name()),
                purpose=PURPOSES[result.context.get("purpose", self.page.purpose_key)],
                challenge_time=result.read_at,
            )
        except ValueError as exc:
            self.page.show_result_message(error_text("desk.store", str(exc)), False)
            return
        store = self.window.store
        self.window.db.run(
            lambda _r: store.add(record),
            done=lambda _v: self._recorded(record),
            error=self._record_failed,
        )

    def _recorded(self, record: Record) -> None:
        self.result = None
        self.page.recorded(record)
        self.search(self.page.search.text())

    def _record_failed(self, exc: BaseException) -> None:
        self.page.show_result_message(error_text("desk.store", getattr(exc, "message", str(exc))), False)

    def search(self, text: str) -> None:
        store = self.window.store
        self.window.db.run(
            lambda _r: store.search(text),
            done=self.page.show_records,
            error=lambda exc: self.page.show_history_message(
                error_text("desk.store", getattr(exc, "message", str(exc))), False
            ),
        )

    # -- exports and re-checks -------------------------------------------------------------------------
    def save_receipt(self, record: Record) -> None:
        window = self.window
        path = window.ask_save_path(
            translate("MainWindow", "Save the receipt"), f"receipt-{record.id[:12]}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        write_receipt(record, path, window.i18n)
        self.page.show_history_message(
            translate("MainWindow", "Receipt saved: {file}").format(file=window.i18n.ltr(path)), True
        )

    def save_bundle(self, record: Record) -> None:
        window = self.window
        path = window.ask_save_path(
            translate("MainWindow", "Save the evidence"), f"evidence-{record.id[:12]}.json", "JSON (*.json)"
        )
        if not path:
            return
        write_atomically(Path(path), record.bundle_json().encode("utf-8"), private=True)
        self.page.show_history_message(
            translate("MainWindow", "Evidence saved: {file}").format(file=window.i18n.ltr(path)), True
        )

    def reverify(self, record: Record) -> None:
        self._show_reverification(record.bundle_json(), record.hash)

    def check_file(self) -> None:
        path = self.window.ask_open_path(translate("MainWindow", "Open an evidence file"), "JSON (*.json)")
        if not path:
            return
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.page.show_history_message(error_text("app.error", str(exc)), False)
            return
        self._show_reverification(text, None)

    def _show_reverification(self, bundle: str, expected_hash: str | None) -> None:
        window = self.window
        trust = window.trust_for("emulator:" if window.config.demo else None)
        try:
            verdict, _body = verify_bundle(bundle, trust.documents, expected_hash=expected_hash)
        except (BundleError, CodedError) as exc:
            self.page.show_history_message(error_text("app.error", str(exc)), False)
            self.last_reverification = None
            return
        self.last_reverification = verdict
        ok = verdict.verified
        self.page.show_history_message(
            translate("MainWindow", "Checked again: the record and its evidence are genuine.")
            if ok
            else translate("MainWindow", "Checked again: NOT verified — see the details."),
            ok,
        )
        shown = ReadResult(
            Document(DocumentFiles(None), None, None, verdict),
            None,
            "",
            trust.test_anchors,
            dt.datetime.now(dt.UTC),
        )
        self.reverify_dialog = VerdictDialog(window.i18n, shown, window)
        self.reverify_dialog.setWindowTitle(translate("MainWindow", "Record checked again"))
        self.reverify_dialog.open()
