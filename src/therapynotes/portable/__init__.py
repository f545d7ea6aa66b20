"""The portable export format (therapynotes-export JSON plus attachment files): its
definition, canonical encoding and strict validation (format.py), and the use cases that
write and read it (therapynotes.services.portable). Documented in docs/export-format.md.
"""
