"""Text snippets in note fields: the vault's snippets (access.py), expansion with
placeholders and the type-ahead menu (expander.py), and Settings → Snippets
(settings_group.py)."""
