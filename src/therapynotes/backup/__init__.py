"""Encrypted `.tnbackup` snapshot files: format, writing, reading, retention, schedule.

Must not import PySide6 or anything from therapynotes.ui / therapynotes.services.
"""
