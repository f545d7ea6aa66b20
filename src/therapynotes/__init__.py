"""therapynotes: encrypted, local-first notes for solo psychotherapists."""

__version__ = "0.1.0"
APP_ID = "org.therapynotes.TherapyNotes"
APP_NAME = "TherapyNotes"
