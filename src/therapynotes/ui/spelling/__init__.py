"""Spell check in note fields: the underline as you type (highlighter.py) and the
suggestions, Add to dictionary, Ignore and language on the context menu (menu.py), over
one `Spelling` per unlocked vault (access.py)."""
