"""Errors of the writing aids (spell check, templates, snippets). The docstring is the
message; none carries a word or any text the therapist typed."""

from __future__ import annotations

from therapynotes.errors import InputError


class NotAWord(InputError):
    """Only a single word (letters, up to 100 of them) can be added to the dictionary."""


class TemplateRefused(InputError):
    """The template file was not imported and nothing was changed."""


class BuiltInTemplate(InputError):
    """Built-in templates cannot be changed. Duplicate it and change the copy."""


class InvalidTemplate(InputError):
    """A template needs a name and at least one section, each with a title, and no two
    sections with the same title."""


class RequiredSectionEmpty(InputError):
    """A section this template requires for signing is empty. Fill it in, then sign."""


class InvalidSnippet(InputError):
    """A snippet needs a short name (lowercase letters, digits, - or _, up to 32) and some
    text, up to 20,000 characters."""


class SnippetExists(InputError):
    """There is already a snippet with that name. Choose another name."""
