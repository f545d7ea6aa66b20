"""Small shared widgets and layout helpers (8-px grid)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from therapynotes.security.passphrase import RULE, assess
from therapynotes.services.setup_flow import PassphrasesDiffer

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
