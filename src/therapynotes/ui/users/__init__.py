"""Issue 17: logins and roles in the window: the lock screen's user chooser, Settings →
Users (add, change role, remove, rename the owner's login), what each role's window
holds (access.py, the one place), the supervisor's "To review" page and co-signing."""
