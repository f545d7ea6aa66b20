"""Small shared widgets and layout helpers (8-px grid), and the one date field."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QFontDatabase,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QValidator,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCalendarWidget,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from therapynotes.domain.dates import parse_typed_date
from therapynotes.domain.formatting import QT_DATE, QT_ISO_DATE
from therapynotes.errors import PassphrasesDiffer
from therapynotes.security.passphrase import RULE, assess

GRID = 8
STRENGTH_WORDS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


def heading(text: str, *, size_delta: int = 6, parent: QWidget | None = None) -> QLabel:
    """Headings by weight and size, never by colour."""
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() + size_delta)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def body(text: str, *, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def message_label(parent: QWidget | None = None) -> QLabel:
    """An inline message (errors and notices); hidden while empty."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName("Message")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(False)
    return label


def mono_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def password_field(accessible_name: str, parent: QWidget | None = None) -> QLineEdit:
    field = QLineEdit(parent)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhSensitiveData
    )
    return field


def code_field(parent: QWidget | None = None) -> QLineEdit:
    field = QLineEdit(parent)
    field.setAccessibleName("6-digit code")
    field.setPlaceholderText("6-digit code")
    field.setMaxLength(7)
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return field


def passphrase_and_code(
    passphrase: QLineEdit, code: QLineEdit, say: Callable[[str], None]
) -> tuple[str, str] | None:
    """The typed passphrase and 6-digit code (spaces dropped), or None after saying what
    is missing and focusing that field: the lock screen and the owner's checks share it."""
    secret, digits = passphrase.text(), "".join(code.text().split())
    if not secret:
        say("Enter your passphrase.")
        passphrase.setFocus()
        return None
    if len(digits) != 6 or not digits.isdigit():
        say("Enter the 6-digit code from your authenticator app.")
        code.setFocus()
        return None
    return secret, digits


def plain_buttons(box: QDialogButtonBox | QMessageBox) -> None:
    """Fusion puts coloured tick/cross icons on standard dialog buttons; our icon set
    has none of those, so standard buttons go without."""
    for button in box.buttons():
        button.setIcon(QIcon())


def busy_bar(parent: QWidget, *, name: str = "Working", keep_space: bool = False) -> QProgressBar:
    """A thin, hidden "working…" bar for slow work (KDF, backup, restore)."""
    bar = QProgressBar(parent)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setFixedHeight(GRID // 2)
    bar.setAccessibleName(name)
    if keep_space:  # the layout does not jump when it shows
        policy = bar.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        bar.setSizePolicy(policy)
    bar.setVisible(False)
    return bar


def ok_cancel(parent: QWidget, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    """OK/Cancel buttons without Fusion's icons; OK carries the action's own words."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent
    )
    plain_buttons(buttons)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    return buttons, ok


def vbox(widget: QWidget | None = None, *, margins: int = 0, spacing: int = GRID) -> QVBoxLayout:
    layout = QVBoxLayout(widget) if widget is not None else QVBoxLayout()
    layout.setContentsMargins(margins, margins, margins, margins)
    layout.setSpacing(spacing)
    return layout


def hbox(widget: QWidget | None = None, *, margins: int = 0, spacing: int = GRID) -> QHBoxLayout:
    layout = QHBoxLayout(widget) if widget is not None else QHBoxLayout()
    layout.setContentsMargins(margins, margins, margins, margins)
    layout.setSpacing(spacing)
    return layout


def settings_form(parent: QWidget | None = None, *, margins: int = 0) -> QFormLayout:
    """The form of a Settings section: labels right-aligned, fields at their own width."""
    form = QFormLayout(parent) if parent is not None else QFormLayout()
    form.setContentsMargins(margins, margins, margins, margins)
    form.setSpacing(GRID)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    return form


def unkerned_width(label: QLabel) -> int:
    """The width a label's text takes letter by letter. A mnemonic ("&To") is drawn as
    its own run, which drops the kerning between the underlined letter and the next, so
    the text is drawn wider than QLabel measured it and "To" showed as "Tc"."""
    text = label.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    metrics = label.fontMetrics()
    margins = label.contentsMargins()
    return sum(metrics.horizontalAdvance(c) for c in text) + margins.left() + margins.right()


def fit_form_labels(form: QFormLayout) -> None:
    """Form labels at least as wide as their letters drawn one by one (see above)."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel) and label.text():
            label.setMinimumWidth(max(label.minimumWidth(), unkerned_width(label) + 1))


def hide_on_edit(message: QLabel, *fields: QLineEdit) -> None:
    """Hide an inline message as soon as the user edits one of `fields`."""

    def hide(_text: str) -> None:
        message.clear()
        message.setVisible(False)

    for field in fields:
        field.textChanged.connect(hide)


class StrengthMeter(QWidget):
    """Bar + words: strength is never shown by colour alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(GRID)
        self.bar.setAccessibleName("Passphrase strength")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Passphrase strength advice")
        layout = vbox(self, spacing=GRID // 2)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        self.acceptable = False
        self.update_for("")

    def update_for(self, passphrase: str) -> None:
        if not passphrase:
            self.bar.setValue(0)
            self.label.setText(RULE)
            self.acceptable = False
            return
        strength = assess(passphrase)
        self.bar.setValue(strength.score)
        self.acceptable = strength.acceptable
        word = STRENGTH_WORDS[strength.score]
        # An acceptable passphrase's feedback already names its strength.
        self.label.setText(
            strength.feedback if strength.acceptable else f"{word}. {strength.feedback}"
        )
        self.bar.setAccessibleDescription(STRENGTH_WORDS[strength.score])


class NewPassphraseRows:
    """The new-passphrase rows of a form: the field, its strength meter, the repeat."""

    def __init__(self, parent: QWidget) -> None:
        self.new = password_field("New passphrase", parent)
        self.again = password_field("New passphrase again", parent)
        self.meter = StrengthMeter(parent)
        self.new.textChanged.connect(self.meter.update_for)

    def hides(self, message: QLabel) -> None:
        """Typing in either field hides `message`: a refusal of the passphrase as it
        was (too weak, the two differ) must not stay once it has changed."""
        hide_on_edit(message, self.new, self.again)

    def add_to(self, form: QFormLayout) -> None:
        form.addRow("&New passphrase", self.new)
        form.addRow("", self.meter)
        form.addRow("&Again", self.again)

    def value(self) -> str:
        """The new passphrase; raises PassphrasesDiffer when the repeat differs."""
        if self.new.text() != self.again.text():
            raise PassphrasesDiffer
        return self.new.text()

    def clear(self) -> None:
        self.new.clear()
        self.again.clear()


NO_DATE = QDate(1900, 1, 1)  # an optional field's "Not set"
DATE_FORMAT = QT_DATE  # the look of every date on screen (domain/formatting.py)
DATE_HINT = "Type a date such as 14 Mar 1985 or 1985-03-14, or pick one from the calendar."


def month_first() -> bool:
    """Whether the computer's locale writes numeric dates month first (03/14/1985)."""
    short = QLocale().dateFormat(QLocale.FormatType.ShortFormat).lower()
    return short.find("m") < short.find("d")


def locale_month_names() -> dict[str, int]:
    locale = QLocale()
    names: dict[str, int] = {}
    for month in range(1, 13):
        for fmt in (QLocale.FormatType.LongFormat, QLocale.FormatType.ShortFormat):
            names[locale.monthName(month, fmt).lower().rstrip(".")] = month
    return names


class DateField(QDateEdit):
    """Every date field of the app: shows '14 Mar 1985', takes a typed '14 Mar 1985',
    '14 March 1985', '1985-03-14' or '03/14/1985' (day or month first as the computer's
    locale writes dates), or a pick from its calendar. An `optional` field may be left
    empty ('Not set'; emptying the text clears it). The calendar of an empty field opens
    `empty_years_ago` years back (a date of birth: about 35), else on today, never on
    January 1900. Text that is no date stays for correcting, with a hint, and `problem()`
    names it for the dialog's message."""

    def __init__(
        self,
        name: str,
        parent: QWidget | None = None,
        *,
        value: QDate | None = None,
        optional: bool = True,
        empty_years_ago: int = 0,
    ) -> None:
        # Set before any setter: Qt calls validate() from inside them.
        self.optional = optional
        self.empty_years_ago = empty_years_ago
        self._month_first = month_first()
        self._month_names = locale_month_names()
        super().__init__(parent)
        self.setAccessibleName(name)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        self.setToolTip(DATE_HINT)
        # The date is read when typing ends (Enter, Tab, leaving the field): read as you
        # type, "1985-03-1" would become 1 Mar 1985 before the 4 of the 14 arrives.
        self.setKeyboardTracking(False)
        if optional:
            self.setMinimumDate(NO_DATE)
            self.setSpecialValueText("Not set")
        self.setDate(value if value is not None else NO_DATE if optional else QDate.currentDate())

    # --- typed text ------------------------------------------------------------------

    def _parse(self, text: str) -> QDate | None:
        cleaned = text.strip()
        if self.optional and cleaned in ("", self.specialValueText()):
            return NO_DATE
        found = parse_typed_date(
            cleaned, month_first=self._month_first, month_names=self._month_names
        )
        if found is None:
            return None
        return QDate(found.year, found.month, found.day)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        parsed = self._parse(text)
        if parsed is None or not self.minimumDate() <= parsed <= self.maximumDate():
            return (QValidator.State.Intermediate, text, pos)
        return (QValidator.State.Acceptable, text, pos)

    def dateTimeFromText(self, text: str) -> QDateTime:  # noqa: N802 - Qt API
        parsed = self._parse(text)
        return QDateTime(parsed if parsed is not None else self.date(), QTime(0, 0))

    def fixup(self, text: str) -> str:
        return text

    def problem(self) -> str:
        """A sentence about text that is not a date yet (empty when all is well)."""
        text = self.lineEdit().text()
        if self._parse(text) is not None or text == self.textFromDateTime(self.dateTime()):
            return ""
        return f"{self.accessibleName()}: that isn't a date. {DATE_HINT}"

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt API
        problem = self.problem()
        if problem:
            # QAbstractSpinBox would put the last good date back over what was typed:
            # keep the text, and say what is wrong with it.
            text = self.lineEdit().text()
            super().focusOutEvent(event)
            self.lineEdit().setText(text)
            self.setAccessibleDescription(problem)
            QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), problem, self)
            return
        self.setAccessibleDescription("")
        super().focusOutEvent(event)

    # --- ISO strings -----------------------------------------------------------------

    def set_iso(self, text: str | None) -> None:
        value = QDate.fromString(text[:10], QT_ISO_DATE) if text else QDate()
        self.setDate(value if value.isValid() else NO_DATE)

    def iso(self) -> str | None:
        value = self.date()
        return None if self.optional and value == NO_DATE else value.toString(QT_ISO_DATE)

    # --- the calendar ----------------------------------------------------------------

    def empty_page(self) -> QDate:
        today = QDate.currentDate()
        return today.addYears(-self.empty_years_ago)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        super().mousePressEvent(event)  # a click on the arrow shows the calendar
        self._calendar_shown()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        """Typed characters go into the text as typed: QDateEdit would take a space or a
        slash as "next section" and edit its own fields, which is not how people type
        dates. Enter, Tab and leaving the field read the date; arrows still step it."""
        text, field = event.text(), self.lineEdit()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        if plain and text.isprintable() and text:
            if field.text() == self.specialValueText() and self.date() == NO_DATE:
                field.clear()  # typing into "Not set" starts a date
            field.insert(text)
            return
        if plain and event.key() == Qt.Key.Key_Backspace:
            field.backspace()
            return
        if plain and event.key() == Qt.Key.Key_Delete:
            field.del_()
            return
        super().keyPressEvent(event)
        self._calendar_shown()

    def _calendar_shown(self) -> None:
        """Qt turns the calendar to the field's date, which for an empty field is 1900:
        turn it to a sensible month instead. (Made by Qt on first use, not before.)"""
        calendar = self.findChild(QCalendarWidget)
        if calendar is None or not calendar.isVisible():
            return
        for control in calendar.findChildren(QAbstractButton) + calendar.findChildren(
            QAbstractSpinBox
        ):
            if not control.accessibleName():
                control.setAccessibleName(control.toolTip() or "Calendar")
        if self.optional and self.date() == NO_DATE:
            page = self.empty_page()
            calendar.setCurrentPage(page.year(), page.month())
