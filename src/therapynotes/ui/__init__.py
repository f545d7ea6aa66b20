"""The PySide6 desktop app. Only this package and app.py import Qt."""
