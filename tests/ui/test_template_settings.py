"""Settings → Templates: duplicate a built-in, edit the copy (rename, add a required
section, reorder, remove), each save a new version while a note written earlier keeps
its own; disable a built-in (gone from New note); import of a bad file refused with
the place named; an open editor survives a lock."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import Harness
from tests.ui.test_records_flow import clients, settled
from therapynotes.domain.models import ClientFields
from therapynotes.services.templates import TemplateService
from therapynotes.ui.chart_tabs.notes import NewNoteDialog
from therapynotes.ui.settings_dialog import SettingsPanel
from therapynotes.ui.templates.editor import TemplateEditorDialog
from therapynotes.ui.templates.settings_group import TemplateSettingsGroup


def _group(h: Harness) -> TemplateSettingsGroup:
    h.window.show_view("settings")
    panel = h.window.pages["settings"]
    assert isinstance(panel, SettingsPanel)
    return panel.templates


def _select(group: TemplateSettingsGroup, ref: str) -> None:
    group.list.setCurrentRow([e.template.id for e in group.entries].index(ref))


def test_edit_a_copy_and_notes_keep_their_version(unlocked: Harness) -> None:
    h = unlocked
    group = _group(h)
    _select(group, "soap")
    assert not group.buttons["Edit…"].isEnabled()  # built-ins are not edited
    ref = group.duplicate()
    assert ref == "own-1@1" and group.current is not None
    assert group.current.template.name == "Progress note (SOAP) (copy)"

    page = clients(h)
    h.window.show_view("clients")
    client = page.records.service.create_client(ClientFields(legal_name="Tem Plate"))
    note = page.records.service.start_note(client, ref)

    group = _group(h)
    dialog = group.edit()
    assert isinstance(dialog, TemplateEditorDialog)
    dialog.name.setText("Short SOAP")
    dialog.sections.setCurrentRow(1)  # Objective
    dialog.remove_section()
    dialog.add_section()
    dialog.title.setText("Risk")
    dialog.title.textEdited.emit("Risk")
    dialog.required.setChecked(True)
    dialog.move_section(-1)  # above Plan
    dialog.sections.setCurrentRow(0)
    dialog.title.setText("")
    dialog.title.textEdited.emit("")
    dialog.accept()  # an untitled section is refused, the dialog stays open
    assert dialog.isVisible() and dialog.message.isVisible()
    dialog.title.setText("Client report")
    dialog.title.textEdited.emit("Client report")
    dialog.accept()
    h.qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)

    service = TemplateService(h.window.session)  # type: ignore[arg-type]
    newest = service.get("own-1@2")
    assert newest.name == "Short SOAP"
    assert [s.title for s in newest.sections] == ["Client report", "Assessment", "Risk", "Plan"]
    assert [s.required for s in newest.sections] == [False, False, True, False]
    assert page.records.service.get_note(note).template == "own-1@1"
    assert list(service.get("own-1@1").keys) == ["subjective", "objective", "assessment", "plan"]
    assert group.current is not None and group.current.template.id == "own-1@2"


def test_disabled_built_in_is_not_offered_for_new_notes(unlocked: Harness) -> None:
    h = unlocked
    group = _group(h)
    _select(group, "birp")
    group.toggle_disabled()
    assert group.current is not None and group.current.disabled
    assert group.buttons["Disable"].text() == "Enable"
    h.window.show_view("clients")
    page = clients(h)
    client = page.records.service.create_client(ClientFields(legal_name="Dis Abled"))
    chart = settled(h, page.open_client(client))
    chart.show_notes()
    dialog = chart.notes.new_note()
    assert isinstance(dialog, NewNoteDialog)
    offered = [dialog.template.itemData(i) for i in range(dialog.template.count())]
    assert "soap" in offered and "birp" not in offered
    dialog.reject()


def test_bad_template_file_is_refused_and_a_good_one_imported(
    unlocked: Harness, tmp_path: Path
) -> None:
    group = _group(unlocked)
    _select(group, "dap")
    good = tmp_path / "dap.json"
    group.export(good)
    assert group.import_file(good) == "own-1@1"
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text("utf-8").replace('"progress"', '"poetry"'), "utf-8")
    assert group.import_file(bad) is None
    assert group.message.isVisible() and "template.kind" in group.message.text()
    assert len([e for e in group.entries if not e.builtin]) == 1


def test_an_open_template_editor_survives_a_lock(unlocked: Harness) -> None:
    h = unlocked
    group = _group(h)
    _select(group, "contact")
    group.duplicate()
    dialog = group.edit()
    assert dialog is not None
    dialog.name.setText("Phone call, half typed")
    h.window.lock()
    h.unlock_ok()
    h.records_settled()

    def reopened() -> TemplateEditorDialog | None:
        panel = h.window.pages.get("settings")
        editor = getattr(getattr(panel, "templates", None), "editor", None)
        return editor if editor is not None and editor.isVisible() else None

    h.qtbot.waitUntil(lambda: reopened() is not None, timeout=20000)
    again = reopened()
    assert again is not None and again.name.text() == "Phone call, half typed"
