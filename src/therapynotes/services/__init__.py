"""Use cases over the store, backup and security layers: the API the CLI and UI call.

Plain Python: must not import PySide6.
"""
