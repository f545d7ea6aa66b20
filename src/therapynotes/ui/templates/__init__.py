"""Settings → Templates: the list of templates (settings_group.py) and the editor of the
therapist's own ones (editor.py)."""
