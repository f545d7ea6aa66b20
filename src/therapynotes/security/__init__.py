"""Keys, key derivation, key slots, the device secret, TOTP and attempt throttling.

Plain Python: must not import PySide6 or anything from store/, backup/, services/, ui/.
"""
