"""Typed ids, so a client id can never be passed where a note id is expected."""

from __future__ import annotations

from typing import NewType

ClientId = NewType("ClientId", int)
DiagnosisId = NewType("DiagnosisId", int)
SessionId = NewType("SessionId", int)
NoteId = NewType("NoteId", int)
AddendumId = NewType("AddendumId", int)
PlanId = NewType("PlanId", int)
AttachmentId = NewType("AttachmentId", int)
