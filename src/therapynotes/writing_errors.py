"""Errors of the writing aids (spell check, templates, snippets). The docstring is the
message; none carries a word or any text the therapist typed."""

from __future__ import annotations

from therapynotes.errors import InputError


class NotAWord(InputError):
    """Only a single word (letters, up to 100 of them) can be added to the dictionary."""
