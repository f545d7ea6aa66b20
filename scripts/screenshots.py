"""Screenshots of the real app for docs/screenshots/ (run by `make screenshots`).

Starts the app the way `therapynotes run` does, in a throwaway vault and config folder,
walks the first-run wizard like a user, shoots the empty main window, the Backups page,
fills the vault with a small demo practice (services/demo.py), then shoots the record
screens (client list, every chart tab, billing (page, tab, payment, superbill and
Good Faith Estimate PDFs), a diagnosis marked resolved, the note editor with
a draft and a signed note, search with results, the record dialogs), settings, the
writing aids (spelling menu, snippet menu, Settings → Templates/Snippets/Spelling, the
template editor), the outcome measures (Overview trend and safety banner, Home's
banner, the questionnaire), the lock screen (also during the first unlock after an
update), a team (issue 17: the user chooser, Settings → Users, Add user, the assistant's
window, the supervisor's To review and co-sign), and a second first run that restores
the backup made, saving a PNG of each. Meant for Xvfb with
QT_QPA_PLATFORM=xcb (see the Makefile); it also runs offscreen. `--dark` adds dark-mode
shots. `--smallest` shoots the window at its minimum size (the smallest a therapist can
make it) instead of 1280x800, into files named `smallest-*.png`, to look for clipped text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyotp
from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from therapynotes.app import apply_palette, build_window, make_application
from therapynotes.domain.enums import NoteState
from therapynotes.services import demo
from therapynotes.services.setup_flow import Mode, Step
from therapynotes.ui.backup_view import BackupsView
from therapynotes.ui.billing.page import BillingPage
from therapynotes.ui.chart_pdf import ChartPdfDialog
from therapynotes.ui.client_view import ClientChartView
from therapynotes.ui.clients_page import ClientsPage
from therapynotes.ui.home_view import HomePage
from therapynotes.ui.main_window import MainWindow
from therapynotes.ui.ops import tracker
from therapynotes.ui.schedule.week_view import SchedulePage
from therapynotes.ui.search_view import SearchView
from therapynotes.ui.setup_wizard import SetupWizardView
from therapynotes.ui.spelling.menu import spelling_menu
from therapynotes.ui.unlock_view import RecoveryDialog, UnlockView

OUT = Path(
    os.environ.get("THERAPYNOTES_SCREENSHOT_DIR")
    or Path(__file__).resolve().parent.parent / "docs" / "screenshots"
)
PASSPHRASE = "orange piano little sunset"
SIZE = (1280, 800)
SMALLEST = "--smallest" in sys.argv


def size_window(window: QWidget) -> None:
    if SMALLEST:
        window.resize(window.minimumSize())
    else:
        window.resize(*SIZE)


def settle(ms: int = 150) -> None:
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < ms:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def wait_until(condition: Callable[[], bool], timeout_ms: int = 20_000) -> None:
    timer = QElapsedTimer()
    timer.start()
    while not condition():
        if timer.elapsed() > timeout_ms:
            raise TimeoutError("the app did not reach the expected state")
        QCoreApplication.processEvents()
        time.sleep(0.01)
    settle()


def shoot(widget: QWidget, name: str) -> None:
    settle()
    path = OUT / f"{name}.png"
    widget.window().grab().save(str(path))
    print(f"saved {path}")


def walk_wizard(window: MainWindow, backup_dir: Path, prefix: str) -> None:
    wizard = window.gate
    if not isinstance(wizard, SetupWizardView):
        raise RuntimeError("expected the first-run wizard (is there a vault already?)")
    shoot(window, f"{prefix}wizard-1-welcome")
    wizard.choose(Mode.CREATE)
    if wizard.flow.keyring_problem() is not None:
        wizard.passphrase_only.setChecked(True)
    wizard.passphrase.setText(PASSPHRASE)
    wizard.confirm.setText(PASSPHRASE)
    shoot(window, f"{prefix}wizard-2-passphrase")
    wizard.next_button.click()
    wait_until(lambda: wizard.flow.step is Step.TOTP and not wizard._busy)
    secret = wizard.totp_key.text().replace(" ", "")
    OWNER_SECRET[:] = [secret]  # the team shots confirm with the owner's code (issue 17)
    shoot(window, f"{prefix}wizard-3-authenticator")
    wizard.code.setText(pyotp.TOTP(secret).now())
    USED_STEPS[secret] = int(time.time()) // 30  # the team shots wait for a fresh code
    wizard.next_button.click()
    wait_until(lambda: wizard.flow.step is Step.RECOVERY_SHOW and not wizard._busy)
    shoot(window, f"{prefix}wizard-4-recovery-key")
    groups = [label.text() for label in wizard.group_labels]
    wizard.next_button.click()
    wizard.check_field.setText(groups[wizard.flow.check_group])
    shoot(window, f"{prefix}wizard-5-recovery-check")
    wizard.next_button.click()
    wizard.folder.setText(str(backup_dir))
    shoot(window, f"{prefix}wizard-6-backup-folder")
    wizard.next_button.click()
    wait_until(lambda: window.session is not None)


def shoot_dialog(dialog: QWidget, name: str) -> None:
    settle()
    dialog.grab().save(str(OUT / f"{name}.png"))
    print(f"saved {OUT / f'{name}.png'}")
    dialog.close()


def main_window_shots(window: MainWindow, prefix: str) -> None:
    window.show_view("home")
    shoot(window, f"{prefix}main-home-empty")
    window.show_view("clients")
    shoot(window, f"{prefix}main-clients-empty")
    window.show_view("search")
    shoot(window, f"{prefix}main-search")
    window.show_view("settings")
    shoot(window, f"{prefix}settings")


def backup_shots(window: MainWindow, usb: Path, prefix: str) -> None:
    window.show_view("backups")
    page = window.pages["backups"]
    if not isinstance(page, BackupsView):
        raise RuntimeError("expected the Backups page")
    shoot(window, f"{prefix}backups-empty")
    page.run_button.click()
    wait_until(lambda: not window.backups.busy and page.model.rowCount() > 0)
    shoot(window, f"{prefix}backups")
    page.set_folder(usb.parent / "unplugged")
    shoot(window, f"{prefix}backups-drive-missing")
    page.set_folder(usb)
    settle()


def fill_demo(window: MainWindow) -> None:
    """A small demo practice, then the record pages rebuilt over it."""
    session = window.session
    if session is None:
        raise RuntimeError("expected an unlocked vault")
    demo.build(session.conn, demo.DemoSpec(clients=14, years=1, seed=7), today=date.today())
    window._destroy_pages()
    window._build_pages(session)
    settle()


def session_actions(chart: ClientChartView, prefix: str) -> None:
    """The newest session chosen (its actions enabled) and the Set attendance dialog."""
    tab = chart.sessions
    if tab.model.rowCount():
        tab.table.selectRow(0)
        dialog = tab.set_attendance()
        if dialog is not None:
            shoot_dialog(dialog, f"{prefix}dialog-set-attendance")


def resolve_a_diagnosis(chart: ClientChartView, prefix: str) -> None:
    """The last diagnosis (a secondary one when there are two) marked resolved through
    its dialog, so the tab shows a resolved diagnosis and History its row."""
    tab = chart.diagnoses
    if not tab.model.rowCount():
        return
    tab.table.selectRow(tab.model.rowCount() - 1)
    dialog = tab.resolve()
    if dialog is None:
        return
    shoot_dialog(dialog, f"{prefix}dialog-resolve-diagnosis")
    dialog = tab.resolve()
    if dialog is not None:
        dialog.accept()
        wait_until(lambda: any(d.resolved_date for d in tab.model.rows) and chart._loading == 0)


def attachment_progress(window: MainWindow, chart: ClientChartView, prefix: str) -> None:
    """The bar under the attachments while the worker opens a big file (issue 18), set
    to where a 20 MB file's read would be after 8 MB: the real read is over too soon."""
    status = chart.attachments.status
    mib = 1024 * 1024
    status.start("Opening scanned-records.pdf…").report(8 * mib, 20 * mib)
    wait_until(status.isVisible)
    shoot(window, f"{prefix}chart-attachments-progress")
    status.finish()


def record_shots(window: MainWindow, prefix: str) -> None:
    window.show_view("home")
    home = window.pages["home"]
    assert isinstance(home, HomePage)
    shoot(window, f"{prefix}main-home")
    window.show_view("clients")
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    shoot(window, f"{prefix}main-clients")
    shoot_dialog(page.list.add_client(), f"{prefix}dialog-add-client")
    client = page.list.model.rows[0].id
    chart = page.open_client(client)
    assert chart is not None
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    shoot(window, f"{prefix}chart-overview")
    for index, name in enumerate(
        ("overview", "sessions", "notes", "plan", "diagnoses", "attachments", "billing", "history")
    ):
        if index == 0:
            continue
        chart.tabs.setCurrentIndex(index)
        wait_until(lambda: window.busy.isHidden())
        if name == "sessions":
            session_actions(chart, prefix)
        elif name == "diagnoses":
            resolve_a_diagnosis(chart, prefix)
        shoot(window, f"{prefix}chart-{name}")
        if name == "attachments":
            attachment_progress(window, chart, prefix)
    chart.tabs.setCurrentIndex(3)
    plan_dialog = chart.plan.new_version()
    if plan_dialog is not None:
        shoot_dialog(plan_dialog, f"{prefix}dialog-plan-version")
    chart.tabs.setCurrentIndex(1)
    chart.sessions.log_dialog = None
    chart.sessions.log_session()  # opens once the client list came from the worker
    wait_until(lambda: getattr(chart.sessions, "log_dialog", None) is not None)
    shoot_dialog(chart.sessions.log_dialog, f"{prefix}dialog-log-session")
    request = ChartPdfDialog(today=date.today(), action="Save as PDF…", parent=chart)
    request.limit.setChecked(True)
    request.show()
    shoot_dialog(request, f"{prefix}dialog-records-request")
    chart.show_notes()
    signed = next(n for n in chart.notes.model.rows if n.state is NoteState.SIGNED)
    chart.notes.open_note(signed.id)  # read on the database worker
    wait_until(
        lambda: chart.notes.editor.note is not None and chart.notes.editor.note.id == signed.id
    )
    shoot(window, f"{prefix}note-signed")
    void = chart.notes.editor.void()
    if void is not None:
        shoot_dialog(void, f"{prefix}dialog-void-note")
    dialog = chart.notes.new_note()
    if dialog is not None:
        shoot_dialog(dialog, f"{prefix}dialog-new-note")
    due, _name = home.due_model.rows[0]
    window._open_due(int(due.client_id), int(due.session_id))  # as a click on Home does
    chart = page.chart
    assert chart is not None
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    wait_until(lambda: chart.notes.editor.note is not None and tracker.running() == 0)
    first = next(iter(chart.notes.editor.editors.values()))
    first.append("Client reports a calmer week.")
    chart.notes.editor.save_draft()
    shoot(window, f"{prefix}note-draft")
    sign = chart.notes.editor.sign()
    if sign is not None:
        shoot_dialog(sign, f"{prefix}dialog-sign-note")
    window.show_view("search")
    search = window.pages["search"]
    assert isinstance(search, SearchView)
    search.field.setText("sleep")
    search.run_search()
    wait_until(lambda: search.model.rowCount() > 0)
    shoot(window, f"{prefix}search-results")


def search_shots(window: MainWindow, prefix: str) -> None:
    """Search (issue 18): a word being typed ("anx") with "First 50 of N" and Show
    more, a diagnosis found by words of its description, and a hit opened in its chart,
    scrolled to the words found and highlighted."""
    window.show_view("search")
    search = window.pages["search"]
    assert isinstance(search, SearchView)
    for text, name in (("depress", "search-diagnosis"), ("anx", "search-first-50")):
        search.model.clear()
        search.field.setText(text)
        search.run_search()
        wait_until(lambda: search.model.rowCount() > 0)
        shoot(window, f"{prefix}{name}")
    row = next(i for i, hit in enumerate(search.model.rows) if hit.note_id is not None)
    search.table.doubleClicked.emit(search.model.index(row, 3))
    chart = window.clients_page().chart
    assert chart is not None
    wait_until(lambda: chart.notes.editor.finder.found > 0)
    settle(400)
    shoot(window, f"{prefix}search-hit-opened")


def billing_shots(window: MainWindow, root: Path, prefix: str) -> None:
    """The Billing page, a chart's Billing tab with the payment dialog, and the first
    page of a superbill and of a Good Faith Estimate (rendered to PNG with poppler's
    pdftoppm when it is installed)."""
    window.show_view("billing")
    page = window.pages["billing"]
    assert isinstance(page, BillingPage)
    wait_until(lambda: page.fee_model.rowCount() > 0)
    shoot(window, f"{prefix}main-billing")
    window._open_billing(2)  # the demo's client with an old unpaid balance
    chart = window.clients_page().chart
    assert chart is not None
    wait_until(lambda: chart.billing.model.rowCount() > 0 and chart._loading == 0)
    shoot(window, f"{prefix}chart-billing-unpaid")
    dialog = chart.billing.take_payment()
    if dialog is not None:
        dialog.amount.setText("150.00")
        shoot_dialog(dialog, f"{prefix}dialog-take-payment")
    tool = shutil.which("pdftoppm")
    if prefix or tool is None:
        return  # the PDFs look the same in dark mode
    tab = chart.billing
    for kind, opener in (("superbill", tab.superbill), ("estimate", tab.estimate)):
        target = root / f"{kind}.pdf"
        tab.ask_save_path = lambda _kind, t=target: t  # type: ignore[method-assign]
        period = opener()
        if period is None:
            continue
        if kind == "superbill":  # an estimate starts today, at today's fee
            period.date_from.set_iso(f"{date.today().year - 1}-01-01")
        period.ok.click()
        wait_until(target.exists)
        wait_until(lambda: getattr(tab, "saved_box", None) is not None)
        tab.saved_box.close()
        out = OUT / f"pdf-{kind}"
        subprocess.run([tool, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",  # noqa: S603
                        str(target), str(out)], check=True)  # fmt: skip
        print(f"saved {out}.png")


def shoot_screen(window: MainWindow, name: str) -> None:
    """The window with its open popup (a menu is a window of its own)."""
    settle(300)
    frame = window.frameGeometry()
    screen = QApplication.primaryScreen()
    shot = screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    shot.save(str(OUT / f"{name}.png"))
    print(f"saved {OUT / f'{name}.png'}")


def writing_shots(window: MainWindow, prefix: str) -> None:
    """Issue 19: spell suggestions, the snippet type-ahead menu, the template editor."""
    window.show_view("clients")
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    chart = page.open_client(page.list.model.rows[1].id)
    assert chart is not None
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    chart.show_notes()
    chart.notes.start_note("own-1@1", None)  # saved, then opened, on the database worker
    wait_until(lambda: "subjective" in chart.notes.editor.editors)
    editor = chart.notes.editor.editors["subjective"]
    wait_until(editor.isVisible)
    editor.setFocus()
    editor.insertPlainText(
        "She was abel to use grounding twice this week after psychoeducation on emotional "
        "dysregulation. Sertraline 50 mg, no side effects."
    )
    settle(300)
    cursor = editor.textCursor()
    cursor.setPosition(editor.toPlainText().index("abel") + 1)
    point = editor.cursorRect(cursor).center()
    assert editor.spelling is not None
    menu = spelling_menu(editor, editor.spelling, point)
    menu.popup(editor.viewport().mapToGlobal(point))
    shoot_screen(window, f"{prefix}spelling-suggestions")
    menu.close()
    objective = chart.notes.editor.editors["objective"]
    objective.setFocus()
    QTest.keyClicks(objective, "/")
    assert objective.expander is not None
    wait_until(objective.expander.popup.isVisible)
    shoot_screen(window, f"{prefix}snippet-menu")
    QTest.keyClick(objective.expander.popup, Qt.Key.Key_Return)
    shoot(window, f"{prefix}snippet-expanded")
    window.show_view("settings")
    settings = window.pages["settings"]
    group = settings.templates  # type: ignore[attr-defined]
    scroll = settings.findChild(QScrollArea)
    if scroll is not None:
        scroll.ensureWidgetVisible(settings.spelling, 0, 0)  # type: ignore[attr-defined]
    shoot(window, f"{prefix}settings-writing")
    group.list.setCurrentRow(len(group.entries) - 1)
    shoot_dialog(group.edit(), f"{prefix}template-editor")


def lock_shots(window: MainWindow, prefix: str) -> None:
    window.lock("manual")
    wait_until(lambda: window.gate is not None and window.gate.isEnabled())
    view = window.gate
    if not isinstance(view, UnlockView):
        raise RuntimeError("expected the unlock view after locking")
    shoot(window, f"{prefix}unlock")
    view.passphrase.setText("not my passphrase")
    view.code.setText("123456")
    view.unlock_button.click()
    wait_until(lambda: view.message.isVisible() and not view._busy)
    shoot(window, f"{prefix}unlock-wrong-passphrase")
    view.open_recovery()
    dialog = view.findChild(RecoveryDialog)
    if dialog is None:
        raise RuntimeError("the recovery dialog did not open")
    settle()
    dialog.grab().save(str(OUT / f"{prefix}unlock-recovery-dialog.png"))
    print(f"saved {OUT / f'{prefix}unlock-recovery-dialog.png'}")
    dialog.reject()


def upgrade_shots(window: MainWindow, prefix: str) -> None:
    """The first unlock after an update, while its one-time upgrade runs: the lock screen's
    sentence, step count and busy bar, and the question a close asks meanwhile. Staged on
    the real lock screen (this run's vault is already at the newest schema): the step is
    the one the worker reports for m0016 on a vault one version behind."""
    from therapynotes.store.migrations import UpgradeStep  # noqa: PLC0415
    from therapynotes.store.migrations import m0016_search_prefixes as m16  # noqa: PLC0415

    view = window.gate
    if not isinstance(view, UnlockView):
        raise RuntimeError("expected the unlock view")
    view.passphrase.setText(PASSPHRASE)
    view.code.setText("123456")
    view._set_busy(True)
    view.notice.stepped.emit(UpgradeStep(1, 2, m16.VERSION, m16.DESCRIPTION))
    shoot(window, f"{prefix}unlock-upgrading")
    view.notice.ask_before_quitting(window, lambda: None)
    shoot_screen(window, f"{prefix}unlock-upgrading-close")  # the question is a window
    view._set_busy(False)
    view.passphrase.clear()
    view.code.clear()


# --- issue 17: an assistant and a supervisor -----------------------------------------------

OWNER_SECRET: list[str] = []
USED_STEPS: dict[str, int] = {}
TEAM = {
    "sam": ("assistant", "marble canyon whistle lantern"),
    "rlee": ("supervisor", "quiet ember violin harbor"),
}


def fresh_code(secret: str) -> str:
    """A code from a step not used yet (a code is never accepted twice): waits for the
    next 30-s step when this one was used."""
    while int(time.time()) // 30 <= USED_STEPS.get(secret, -1):
        settle(500)
    USED_STEPS[secret] = int(time.time()) // 30
    return str(pyotp.TOTP(secret).now())


def unlock_as(window: MainWindow, name: str, passphrase: str, secret: str) -> None:
    wait_until(lambda: window.gate is not None and window.gate.isEnabled())
    view = window.gate
    if not isinstance(view, UnlockView):
        raise RuntimeError("expected the unlock view")
    view.user.setCurrentIndex(view.logins.index(name))
    view.passphrase.setText(passphrase)
    view.code.setText(fresh_code(secret))
    view.unlock_button.click()
    wait_until(lambda: window.session is not None, timeout_ms=60_000)


def make_team(window: MainWindow) -> dict[str, str]:
    """The owner adds an assistant and a supervisor (the demo's "rlee", whose signing
    line and one co-signature the demo practice holds); their secrets."""
    vault, owner = window.ctx.vault, OWNER_SECRET[0]
    session = vault.unlock(PASSPHRASE, fresh_code(owner))
    secrets = {}
    try:
        for name, (role, passphrase) in TEAM.items():
            added = vault.add_user(
                session,
                name=name,
                role=role,
                owner_passphrase=PASSPHRASE,
                owner_code=fresh_code(owner),
                user_passphrase=passphrase,
            )
            secrets[name] = added.totp_secret
    finally:
        session.lock()
    return secrets


def assistant_practice_help(window: MainWindow, prefix: str) -> None:
    """The assistant's Settings, scrolled to the practice section's help (no profile
    section above it for them: its words say so)."""
    from PySide6.QtWidgets import QLabel  # noqa: PLC0415

    settings = window.pages["settings"]
    scroll = settings.findChild(QScrollArea)
    practice = settings.practice  # type: ignore[attr-defined]
    help_label = next(w for w in practice.findChildren(QLabel) if "clinician profile" in w.text())
    if scroll is not None:
        scroll.ensureWidgetVisible(help_label, 0, 40)
    shoot(window, f"{prefix}assistant-settings-practice")


def assistant_form_kept(window: MainWindow, prefix: str, secret: str) -> None:
    """An assistant's half-filled Add client, back after Ctrl+L and their unlock."""
    from therapynotes.ui.client_dialog import ClientDialog  # noqa: PLC0415

    window.show_view("clients")
    dialog = window.pages["clients"].list.add_client()  # type: ignore[attr-defined]
    dialog.legal_name.setText("Jordan Avery")
    dialog.phone.setText("555 0142")
    window.lock("manual")
    unlock_as(window, "sam", TEAM["sam"][1], secret)

    def back() -> list[ClientDialog]:
        return [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ClientDialog) and w.isVisible()
        ]

    wait_until(lambda: bool(back()))
    shoot_screen(window, f"{prefix}assistant-add-client-kept")  # the dialog over the window
    back()[0].reject()


def team_shots(window: MainWindow, prefix: str) -> None:
    """The user chooser, Settings → Users and Add user's authenticator step, the
    assistant's window and chart, the supervisor's To review and co-sign under a note."""
    from PySide6.QtWidgets import QScrollArea  # noqa: PLC0415

    from therapynotes.ui.users.review_page import ReviewPage  # noqa: PLC0415

    secrets = make_team(window)
    window.show_unlock()
    view = window.gate
    assert isinstance(view, UnlockView)
    view.user.setCurrentIndex(view.logins.index("rlee"))
    view.passphrase.setFocus()
    shoot(window, f"{prefix}unlock-user-chooser")
    view.user.setCurrentIndex(0)
    unlock_as(window, view.logins[0], PASSPHRASE, OWNER_SECRET[0])
    window.show_view("settings")
    panel = window.pages["settings"]
    group = panel.users  # type: ignore[attr-defined]
    wait_until(lambda: len(group.users) == 3)
    group.table.selectRow(1)
    scroll = panel.findChild(QScrollArea)
    assert scroll is not None
    scroll.verticalScrollBar().setValue(group.y() - 8)
    shoot(window, f"{prefix}settings-users")
    dialog = group.add_user()
    dialog.name.setText("Pat Kim")
    dialog.next.click()
    dialog.rows.new.setText("copper meadow falcon riddle")
    dialog.rows.again.setText("copper meadow falcon riddle")
    dialog.next.click()
    shoot_dialog(dialog, f"{prefix}dialog-add-user-authenticator")
    window.lock("manual")

    unlock_as(window, "sam", TEAM["sam"][1], secrets["sam"])
    window.show_view("schedule")
    shoot(window, f"{prefix}assistant-schedule")
    window.show_view("settings")
    shoot(window, f"{prefix}assistant-settings")
    assistant_practice_help(window, prefix)
    window.show_view("clients")
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    wait_until(lambda: page.list.model.rowCount() > 0)
    chart = page.open_client(page.list.model.rows[0].id)
    assert chart is not None
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    shoot(window, f"{prefix}assistant-chart")
    assistant_form_kept(window, prefix, secrets["sam"])
    window.lock("manual")

    unlock_as(window, "rlee", TEAM["rlee"][1], secrets["rlee"])
    window.show_view("review")
    review = window.pages["review"]
    assert isinstance(review, ReviewPage)
    wait_until(lambda: review.model.rowCount() > 0)
    shoot(window, f"{prefix}supervisor-review")
    review.open_selected()
    clients = window.pages["clients"]
    assert isinstance(clients, ClientsPage)
    wait_until(lambda: clients.chart is not None and clients.chart.notes.editor.note is not None)
    panel_ = clients.chart.review_panel  # type: ignore[union-attr]
    assert panel_ is not None
    wait_until(lambda: panel_.cosign_button.isVisible())  # type: ignore[attr-defined]
    panel_.comment.setPlainText("Good formulation; add the safety plan review to the Plan.")  # type: ignore[attr-defined]
    shoot(window, f"{prefix}supervisor-cosign")
    panel_.comment.clear()  # type: ignore[attr-defined]
    window.lock("manual")


def restore_shots(app: QApplication, root: Path, prefix: str) -> None:
    """The first run on a new computer: restore the backup made above."""
    window = build_window(
        vault_dir=root / "new-vault", config_dir=root / "new-config", listen_to_os=False
    )
    size_window(window)
    window.show()
    settle(400)
    wizard = window.gate
    if not isinstance(wizard, SetupWizardView):
        raise RuntimeError("expected the first-run wizard")
    wizard.choose(Mode.RESTORE)
    backup = sorted((root / "usb").glob("*.tnbackup"))[-1]
    choose = wizard.restore_choose
    choose.file.setText(str(backup))
    choose.secret.setText(PASSPHRASE)
    shoot(window, f"{prefix}wizard-restore-1-choose")
    choose.use_recovery.setChecked(True)
    choose.secret.setText("")
    shoot(window, f"{prefix}wizard-restore-1-recovery-key")
    choose.use_recovery.setChecked(False)
    choose.secret.setText(PASSPHRASE)
    wizard.next_button.click()
    wait_until(lambda: wizard.flow.step is Step.RESTORE_PREVIEW and not wizard._busy)
    shoot(window, f"{prefix}wizard-restore-2-preview")
    wizard.next_button.click()
    settle(50)
    shoot(window, f"{prefix}wizard-restore-3-restoring")
    wait_until(lambda: isinstance(window.gate, UnlockView))
    shoot(window, f"{prefix}wizard-restore-4-unlock")
    window.close()
    window.deleteLater()
    app.processEvents()


def measure_shots(window: MainWindow, prefix: str) -> None:
    """Outcome measures: a client's Overview with the trend chart and an item-9 banner,
    the banner on Home, the full-screen questionnaire part answered, and the result."""
    from therapynotes.services.measures import MeasuresService  # noqa: PLC0415
    from therapynotes.ui.measures.banner import measures_of  # noqa: PLC0415

    window.show_view("clients")
    page = window.pages["clients"]
    assert isinstance(page, ClientsPage)
    records = page.records
    rows = records.call(lambda s: s.list_clients(include_all=True))
    histories = {r.id: records.call(lambda s, c=r.id: measures_of(s).history(c)) for r in rows}
    client = max(histories, key=lambda c: len([m for m in histories[c] if m.instrument == "PHQ-9"]))
    records.call(
        lambda s: MeasuresService(s.session, clock=s.clock).record(
            client, "PHQ-9", [1, 2, 1, 1, 1, 1, 0, 0, 1]
        )
    )
    window.show_view("home")
    home = window.pages["home"]
    assert isinstance(home, HomePage)
    wait_until(lambda: bool(home.risks.banners))
    shoot(window, f"{prefix}main-home-safety-flag")
    window.show_view("clients")
    chart = page.open_client(client)
    assert chart is not None
    chart.refresh()
    wait_until(lambda: chart.chart is not None and chart._loading == 0)
    chart.tabs.setCurrentWidget(chart.overview)
    panel = chart.overview.measures
    wait_until(lambda: bool(panel.risk_banners))
    shoot(window, f"{prefix}chart-measures")
    address = panel.address(panel.history[-1].id)
    if address is not None:
        address.editor.setPlainText("Asked directly: passive thoughts, no plan or intent.")
        shoot_dialog(address, f"{prefix}dialog-mark-addressed")
        address.reject()
    form = panel.give("PHQ-9")
    if form is not None:
        form.resize(*SIZE)
        for group, value in zip(form.groups[:5], (2, 1, 2, 1, 1), strict=True):
            group.button(value).setChecked(True)
        form._update()
        shoot_dialog(form, f"{prefix}measure-form")
        form.reject()
    panel.instrument.setCurrentText("GAD-7")
    settle()
    shoot(window, f"{prefix}chart-measures-gad7")


def schedule_shots(window: MainWindow, prefix: str) -> None:
    """The Schedule (issue 13): the week with the demo's appointments, one chosen; the
    booking dialog; Home with today's schedule (main-home, above, shows it too)."""
    window.show_view("schedule")
    page = window.pages["schedule"]
    assert isinstance(page, SchedulePage)
    wait_until(lambda: page.week is not None)
    if page.grid.blocks:
        page.grid.blocks[0].click()
    shoot(window, f"{prefix}main-schedule")
    dialog = page.book()
    assert dialog is not None
    dialog.repeat.setCurrentIndex(dialog.repeat.findData("weekly"))
    settle()
    shoot_dialog(dialog, f"{prefix}schedule-booking")
    dialog.reject()
    window.show_view("home")
    shoot(window, f"{prefix}main-home-schedule")


def admin_shots(window: MainWindow, usb: Path, prefix: str) -> None:
    """Issue 16: the Records menu's dialogs over the demo practice."""
    from therapynotes.ui.admin import menu  # noqa: PLC0415
    from therapynotes.ui.admin.audit_dialog import AuditTrailDialog  # noqa: PLC0415
    from therapynotes.ui.admin.export_dialog import ExportDialog  # noqa: PLC0415
    from therapynotes.ui.admin.old_vaults_dialog import OldVaultsDialog  # noqa: PLC0415
    from therapynotes.ui.admin.retention_dialog import RetentionDialog  # noqa: PLC0415

    retention = menu.open_retention(window)
    assert isinstance(retention, RetentionDialog)
    retention.show_which.setCurrentIndex(1)
    wait_until(lambda: bool(retention.rows))
    retention.table.selectRow(0)
    settle()
    retention.grab().save(str(OUT / f"{prefix}dialog-retention.png"))
    retention.ask_purge()
    wait_until(lambda: retention.purge_dialog is not None)
    purge = retention.purge_dialog
    assert purge is not None
    purge.understood.setChecked(True)
    shoot_dialog(purge, f"{prefix}dialog-purge-1")
    retention.close()
    audit_trail = menu.open_audit_trail(window)
    assert isinstance(audit_trail, AuditTrailDialog)
    wait_until(lambda: bool(audit_trail.rows))
    audit_trail.table.selectRow(0)
    audit_trail.verify()
    wait_until(lambda: audit_trail.report is not None)
    shoot_dialog(audit_trail, f"{prefix}dialog-audit-trail")
    export = menu.open_export(window)
    assert isinstance(export, ExportDialog)
    export.set_folder(usb)
    shoot_dialog(export, f"{prefix}dialog-export")
    old = menu.open_old_vaults(window)
    assert isinstance(old, OldVaultsDialog)
    wait_until(lambda: old.loaded)
    shoot_dialog(old, f"{prefix}dialog-old-vaults")
    rehearsal = menu.open_rehearsal(window)
    assert rehearsal is not None
    shoot_dialog(rehearsal, f"{prefix}dialog-recovery-rehearsal")


def settings_shots(window: MainWindow, usb: Path, prefix: str) -> None:
    """Issue 16: Settings' one Save (unsaved changes, a value refused under its field)
    and This computer, every check with the backup folder's drive."""
    from PySide6.QtWidgets import QScrollArea  # noqa: PLC0415

    window.show_view("settings")
    panel = window.pages["settings"]
    scroll = panel.findChild(QScrollArea)
    assert scroll is not None
    scroll.verticalScrollBar().setValue(0)
    panel.idle.setValue(panel.idle.value() + 5)  # type: ignore[attr-defined]
    panel.records.practice.setText("Riverside Counselling")  # type: ignore[attr-defined]
    settle()
    shoot(window, f"{prefix}settings-unsaved")
    profile = panel.profile  # type: ignore[attr-defined]
    npi = profile.npi.text()
    profile.npi.setText("1234567890")
    panel.forms.save()  # type: ignore[attr-defined]
    scroll.ensureWidgetVisible(profile.npi, 0, 120)
    settle()
    shoot(window, f"{prefix}settings-refused")
    profile.npi.setText(npi)
    panel.forms.discard()  # type: ignore[attr-defined]
    window.ctx.settings.backup_folder = str(usb)
    group = panel.this_computer  # type: ignore[attr-defined]
    group.refresh()
    wait_until(lambda: group.again.isEnabled() and len(group.checks) == 6)
    scroll.ensureWidgetVisible(group, 0, 0)
    scroll.verticalScrollBar().setValue(group.y() - 8)
    settle()
    shoot(window, f"{prefix}settings-this-computer")
    window.show_view("home")


def session_run(app: QApplication, prefix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "usb").mkdir()
        window = build_window(
            vault_dir=root / "vault", config_dir=root / "config", listen_to_os=False
        )
        size_window(window)
        window.show()
        window.raise_()
        window.activateWindow()
        settle(400)
        walk_wizard(window, root / "usb", prefix)
        main_window_shots(window, prefix)
        backup_shots(window, root / "usb", prefix)
        fill_demo(window)
        record_shots(window, prefix)
        search_shots(window, prefix)
        billing_shots(window, root, prefix)
        writing_shots(window, prefix)
        measure_shots(window, prefix)
        schedule_shots(window, prefix)
        admin_shots(window, root / "usb", prefix)
        settings_shots(window, root / "usb", prefix)
        lock_shots(window, prefix)
        upgrade_shots(window, prefix)
        team_shots(window, prefix)
        window.close()
        window.deleteLater()
        app.processEvents()
        restore_shots(app, root, prefix)


def main() -> int:
    os.umask(0o077)
    OUT.mkdir(parents=True, exist_ok=True)
    app = make_application(sys.argv[:1])
    first = "smallest-" if SMALLEST else ""
    session_run(app, first)
    if "--dark" in sys.argv:
        apply_palette(app, dark=True)
        session_run(app, f"{first}dark-")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
