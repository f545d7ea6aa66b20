"""The clinical record as plain data: ids, enums, frozen dataclasses, note templates,
code lists and pure rules.

Must not import: PySide6, sqlite/sqlcipher, anything doing I/O, therapynotes.store,
therapynotes.services.
"""
