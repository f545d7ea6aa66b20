"""The Emergency Kit as a printable document: the recovery key, the vault id, where the
backups are kept, and plain steps to restore on a new computer, written so that a
records custodian who never used the app can follow them.

Holds nothing about clients. Made at vault creation (setup wizard) and after "Make a
new recovery key" (Settings); ui/emergency_kit.py renders it.

Must not import PySide6.
"""

from __future__ import annotations

from datetime import date

from therapynotes import APP_NAME
from therapynotes.domain import formatting
from therapynotes.services.documents import PrintDocument, esc

_GROUPS_PER_ROW = 7


def kit_document(
    *, recovery_key: str, vault_id: str, backup_folder: str, made_on: date
) -> PrintDocument:
    groups = recovery_key.split("-")
    rows = [
        " ".join(groups[i : i + _GROUPS_PER_ROW]) for i in range(0, len(groups), _GROUPS_PER_ROW)
    ]
    key = "<br/>".join(esc(row) for row in rows)
    where = (
        f"<p>Backups of this vault are saved in: <b>{esc(backup_folder)}</b></p>"
        if backup_folder
        else "<p>No backup folder was chosen when this kit was made. Choose one in "
        "<i>Backups</i>, then write its place here: ______________________________</p>"
    )
    body = f"""
    <h1>{esc(APP_NAME)} Emergency Kit</h1>
    <p>This recovery key opens the practice's encrypted records if the passphrase is
    forgotten, the computer is lost or stolen, or someone else (a records custodian) must
    take over the records. Anyone who has it and a backup file can read the records: keep
    it somewhere safe, away from the computer, like a passport or a will.</p>
    <p><b>Print this page, then delete the file.</b></p>
    <h2>Recovery key</h2>
    <p style="font-size: 16pt; font-family: monospace; line-height: 150%;">{key}</p>
    <p>Vault id: <span style="font-family: monospace;">{esc(vault_id)}</span><br/>
    Made on {esc(formatting.day(made_on))}. If a newer kit is made, this key no longer opens
    the vault, but backups made before then still open with it: keep the kits that go
    with the backups you keep.</p>
    <h2>Where the backups are</h2>
    {where}
    <p>Backup files end in <b>.tnbackup</b>. They are encrypted: without this key (or the
    passphrase) they cannot be read.</p>
    <h2>Forgot the passphrase, on the same computer</h2>
    <ol>
    <li>Open {esc(APP_NAME)}. On the lock screen choose <i>Use recovery key</i>.</li>
    <li>Type the key above (spaces and dashes don't matter).</li>
    <li>Choose a new passphrase and write it down somewhere safe.</li>
    </ol>
    <h2>Restore on a new computer</h2>
    <ol>
    <li>Install {esc(APP_NAME)} on the new computer and open it.</li>
    <li>Connect the backup drive (or open the backup folder named above).</li>
    <li>On the first screen choose <i>Restore from a backup file</i>, then pick the newest
    <b>.tnbackup</b> file.</li>
    <li>Tick <i>I'll use my recovery key instead</i>, type the key above, and choose a
    new passphrase for this computer. Check the summary, then restore.</li>
    <li>Unlock with the new passphrase and the 6-digit code from the same authenticator
    app entry as before (it travels inside the backup). No phone with that entry? On the
    lock screen choose <i>Lost your phone?</i>: with the passphrase and this key, it sets
    up a new phone.</li>
    <li>Open a few client charts to check the records are there, then make a new backup.</li>
    </ol>
    <p>From a terminal the same is: <span style="font-family: monospace;">therapynotes
    restore --recovery-key-stdin FILE</span>, then type the key and a new
    passphrase.</p>
    """
    return PrintDocument(
        title=f"{APP_NAME} Emergency Kit",
        html=body,
        footer=f"{APP_NAME} Emergency Kit: keep it safe, like a passport",
    )
