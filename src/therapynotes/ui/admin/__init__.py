"""The practice's record-keeping screens, brought from the CLI into the window: records
retention (holds, purge), the audit trail, export and import, old vaults. Each is a
dialog over the open session, its database work on the database worker (ui/ops.py);
like every dialog they are closed by a lock (ui/main_window.py `_close_dialogs`).
`menu.install` adds them to the main window's "Records" menu."""
