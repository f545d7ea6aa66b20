"""The encrypted store: SQLCipher connection, schema migrations and repositories.

Plain Python: must not import PySide6, services/ or ui/.
"""
