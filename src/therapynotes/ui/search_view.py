"""Search (Ctrl+K): notes, client names and diagnoses, ranked, with highlighted snippets;
filters for client (a type-ahead), date range, note kind and (only when asked)
psychotherapy notes; best match or newest first; "First 50 of N" with Show more.
Queries run on ops' single database worker; a newer query makes older answers stale.
Double-click (or Enter) opens the note in its chart, scrolled to the words found."""

from __future__ import annotations

import html
from enum import Enum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt, QTimer
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QShowEvent, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from therapynotes.domain.enums import NoteKind
from therapynotes.domain.formatting import plural
from therapynotes.domain.models import ClientSummary, SearchHit
from therapynotes.services.session import VaultSession
from therapynotes.store.search import PAGE, Order
from therapynotes.store.search import Page as SearchPage
from therapynotes.ui.context import AppContext
from therapynotes.ui.icons import icon
from therapynotes.ui.records_access import KIND_WORDS, PRIVATE_MARK, RecordsAccess, day
from therapynotes.ui.table_model import RowTableModel, fit_columns, table_view
from therapynotes.ui.widgets import GRID, DateField, hbox, heading, vbox

MARKS = ("\x02", "\x03")  # control characters nobody types: safe to find after escaping
DEBOUNCE_MS = 200
LIMIT = PAGE  # hits shown at first and added by Show more; beyond them "first 50 of N"
SOURCE_WORDS = {"client": "Client", "diagnosis": "Diagnosis"}
ORDERS = (("Best match", Order.BEST), ("Newest first", Order.NEWEST))


def result_words(
    shown: int, total: int, *, order: Order = Order.BEST, ranked: int = 0, more: bool = False
) -> str:
    """'3 results.' / 'First 50 of 212 results, best first.', and what to do with them.
    `ranked`: how many of the newest matching notes were ranked, when not all were;
    `more`: the count stopped at `total` (store.search.COUNT_CAP): "more than 10,000"."""
    if not shown:
        return "Nothing found. Try fewer words, the start of a word, or another spelling."
    if total > shown or more:
        how = "newest first"
        if order is Order.BEST:
            how = f"best first among the newest {ranked:,} notes" if ranked else "best first"
        of = f"more than {total:,}" if more else f"{total:,}"
        return (
            f"First {shown} of {of} results, {how}. Show more, sort by date, or add "
            "words or filters to narrow them. Double-click one to open it."
        )
    return f"{plural(shown, 'result')}. Double-click one to open it."


def found_words(hit: SearchHit, typed: tuple[str, ...]) -> list[str]:
    """What to highlight in the opened note: the words the snippet marked (as they are
    written there), then the words typed."""
    marked = [part.split(MARKS[1])[0] for part in hit.snippet.split(MARKS[0])[1:]]
    return list(dict.fromkeys(w.strip() for w in [*marked, *typed] if w.strip()))


def type_ahead(combo: QComboBox) -> None:
    """An editable combo whose typed text filters its items (any part of a name, any
    case); what was typed but chosen nowhere goes back to the chosen item."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer, edit = combo.completer(), combo.lineEdit()
    assert completer is not None and edit is not None  # noqa: S101 - made by setEditable
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    edit.setAccessibleName(combo.accessibleName())
    edit.setPlaceholderText("Type part of a name")

    def settle() -> None:
        found = combo.findText(edit.text(), Qt.MatchFlag.MatchFixedString)
        if found >= 0:
            combo.setCurrentIndex(found)
        edit.setText(combo.itemText(combo.currentIndex()))

    edit.editingFinished.connect(settle)


def snippet_html(snippet: str, source: str) -> str:
    """Escape first, then turn the service's highlight marks into bold."""
    if source in SOURCE_WORDS:  # names and diagnoses come highlighted with brackets
        snippet = snippet.replace("[", MARKS[0]).replace("]", MARKS[1])
    text = html.escape(snippet)
    return text.replace(MARKS[0], "<b>").replace(MARKS[1], "</b>")


class HitColumn(Enum):
    CLIENT = "Client"
    DATE = "Date"
    KIND = "Found in"
    SNIPPET = "Text"


class SearchResultModel(RowTableModel[SearchHit]):
    columns = HitColumn
    HTML_ROLE = Qt.ItemDataRole.UserRole + 2

    def display(self, row: SearchHit, column: HitColumn) -> str:
        if column is HitColumn.CLIENT:
            return row.client_name
        if column is HitColumn.DATE:
            return day(row.date)
        if column is HitColumn.KIND:
            if row.source == "psychotherapy":
                return PRIVATE_MARK
            if row.source in SOURCE_WORDS:
                return SOURCE_WORDS[row.source]
            return KIND_WORDS.get(NoteKind(row.kind), row.kind) if row.kind else "Note"
        return (
            row.snippet.replace(MARKS[0], "")
            .replace(MARKS[1], "")
            .replace("[", "")
            .replace("]", "")
        )

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == self.HTML_ROLE:
            row = self.row_at(index)
            return snippet_html(row.snippet, row.source) if row is not None else None
        return super().data(index, role)


class SnippetDelegate(QStyledItemDelegate):
    """Paints the escaped snippet HTML (bold highlights) in one line."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = QTextDocument()
        doc.setDefaultFont(opt.font)
        doc.setDocumentMargin(GRID // 2)
        doc.setHtml(str(index.data(SearchResultModel.HTML_ROLE) or ""))
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, opt.rect.width(), opt.rect.height()))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), 4 * GRID))


class SearchView(QWidget):
    view_id = "search"
    open_requested = QtSignal(int, int, object)  # client id, note id (0 = none), words found

    def __init__(self, ctx: AppContext, session: VaultSession, records: RecordsAccess) -> None:
        super().__init__()
        del ctx, session
        self.records = records
        self.generation = 0
        self._clients_generation = 0
        self.limit = LIMIT
        self.words: tuple[str, ...] = ()
        self.setObjectName("Page_search")
        self.setAccessibleName("Search")
        layout = vbox(self, margins=3 * GRID, spacing=2 * GRID)
        layout.addWidget(heading("Search", parent=self))
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Search clients and notes")
        self.field.setAccessibleName("Search clients and notes")
        self.field.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.field.setClearButtonEnabled(True)
        layout.addWidget(self.field)
        layout.addLayout(self._build_filters())
        self.status = QLabel("Type a name, a word or a phrase. Results appear as you type.", self)
        self._finish(layout)

    def _build_filters(self) -> QVBoxLayout:
        """Two rows (client and kind; the dates and psychotherapy notes), so at the
        window's smallest size no filter is squeezed ("All client", "Include psy")."""
        rows = vbox(spacing=GRID)
        filters = hbox()
        self.client = QComboBox(self)
        self.client.setAccessibleName("Client")
        type_ahead(self.client)
        self.client.setMinimumContentsLength(18)
        self.refresh_clients()
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Note kind")
        self.kind.addItem("All kinds", None)
        for kind, word in KIND_WORDS.items():
            if kind is not NoteKind.PSYCHOTHERAPY:
                self.kind.addItem(word, kind)
        self.since = DateField("From", self)
        self.until = DateField("To", self)
        self.private = QCheckBox("Include psychotherapy notes", self)
        self.private.setAccessibleName("Include psychotherapy notes")
        self.order = QComboBox(self)
        self.order.setAccessibleName("Sort")
        for words, order in ORDERS:
            self.order.addItem(words, order)
        for label, widget in (("Client", self.client), ("Kind", self.kind), ("Sort", self.order)):
            filters.addWidget(QLabel(label, self))
            filters.addWidget(widget)
        filters.addStretch(1)
        dates = hbox()
        dates.addWidget(QLabel("From", self))
        dates.addWidget(self.since)
        dates.addWidget(QLabel("to", self))
        dates.addWidget(self.until)
        dates.addWidget(self.private)
        dates.addStretch(1)
        rows.addLayout(filters)
        rows.addLayout(dates)
        return rows

    def _finish(self, layout) -> None:  # type: ignore[no-untyped-def]
        self.status.setAccessibleName("Search status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.model = SearchResultModel(self)
        self.table = table_view(self.model, "Search results", self, stretch=3)
        self.table.setItemDelegateForColumn(3, SnippetDelegate(self.table))
        self.table.doubleClicked.connect(self._open)
        self.table.activated.connect(self._open)
        layout.addWidget(self.table, 1)
        self.more = QPushButton(f"Show {LIMIT} more", self)
        self.more.setAccessibleName("Show more results")
        self.more.setVisible(False)
        self.more.clicked.connect(self.show_more)
        more_row = hbox()
        more_row.addWidget(self.more)
        more_row.addStretch(1)
        layout.addLayout(more_row)
        self.setFocusProxy(self.field)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_search)
        # Through _debounce, not timer.start directly: a signal's argument (an index, -1
        # when the list is cleared; True) would become start(msec), the wrong interval.
        self.field.textChanged.connect(self._debounce)
        for combo in (self.client, self.kind, self.order):
            combo.currentIndexChanged.connect(self._debounce)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self._debounce)
        self.private.toggled.connect(self._debounce)

    def _debounce(self, *_changed: object) -> None:
        self.limit = LIMIT  # another query or filter: its first page
        self.timer.start()

    def show_more(self) -> None:
        """The next page's worth, added below (the query runs again with a larger page:
        ranking stays one ordering, and its cost grows with what is shown)."""
        self.limit += LIMIT
        self.run_search()

    def refresh_clients(self) -> None:
        """The client filter's list, kept current (clients are added while unlocked),
        from the database worker; the chosen client stays chosen."""
        self._clients_generation += 1
        generation = self._clients_generation
        self.records.op(self, lambda s: s.list_clients(include_all=True)).success(
            lambda people: self._show_clients(generation, people)
        ).run(database=True)

    def _show_clients(self, generation: int, people: list[ClientSummary]) -> None:
        if generation != self._clients_generation:
            return  # an older answer: a newer one is on its way
        chosen = self.client.currentData()
        self.client.blockSignals(True)
        self.client.clear()
        self.client.addItem("All clients", None)
        for person in people:
            self.client.addItem(person.display_name, int(person.id))
        self.client.setCurrentIndex(max(0, self.client.findData(chosen)))
        self.client.blockSignals(False)
        completer = self.client.completer()
        if completer is not None:  # the model changed under it: filter the new names
            completer.setModel(self.client.model())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.refresh_clients()
        super().showEvent(event)

    def run_search(self) -> None:
        text = self.field.text().strip()
        self.generation += 1
        generation = self.generation
        if not text:
            self.model.clear()
            self.more.setVisible(False)
            self.status.setText("Type a name, a word or a phrase. Results appear as you type.")
            return
        limit = self.limit
        order = Order(self.order.currentData() or Order.BEST)
        client = self.client.currentData()
        kind = self.kind.currentData()
        since, until = self.since.iso(), self.until.iso()
        private = self.private.isChecked()

        def work(service):
            filters = {
                "client_id": client,
                "since": since,
                "until": until,
                "kinds": (kind,) if kind else (),
                "include_psychotherapy": private,
            }
            # The one call bench.search_probe times (store/search.py page: a count, bm25
            # among the newest matches, snippets for the hits shown).
            return service.search_page(text, limit=limit, order=order, marks=MARKS, **filters)

        self.records.op(self, work).success(lambda found: self._show(generation, found)).run(
            database=True
        )

    def _show(self, generation: int, found: SearchPage) -> None:
        if generation != self.generation:
            return  # a newer query is on its way
        before = self.model.rowCount() if self.limit > LIMIT else 0
        self.words = found.words
        self.model.set_rows(found.hits)
        fit_columns(self.table)
        if 0 < before < len(found.hits):  # Show more: the first new one comes into view
            self.table.scrollTo(self.model.index(before, 0))
        total = max(found.total, len(found.hits))
        order = Order(self.order.currentData() or Order.BEST)
        self.status.setText(
            result_words(
                len(found.hits), total, order=order, ranked=found.ranked or 0, more=found.more
            )
        )
        self.more.setVisible(total > len(found.hits) or found.more)

    def _open(self, index: QModelIndex) -> None:
        hit = self.model.row_at(index)
        if hit is not None:
            words = found_words(hit, self.words)
            self.open_requested.emit(int(hit.client_id), int(hit.note_id or 0), words)

    def clear(self) -> None:
        self.generation += 1
        self.model.clear()
        self.words = ()
        self.more.setVisible(False)
        self.field.clear()
        self.client.clear()
