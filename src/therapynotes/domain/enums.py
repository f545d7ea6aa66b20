"""Closed vocabularies of the record. Values are what the database stores (the schema's
CHECK constraints list the same values), so they never change once released."""

from __future__ import annotations

from enum import StrEnum


class ClientStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DISCHARGED = "discharged"


class Attendance(StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    LATE_CANCEL = "late_cancel"
    CANCELLED = "cancelled"


class Modality(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class NoteKind(StrEnum):
    PROGRESS = "progress"
    INTAKE = "intake"
    TREATMENT_PLAN = "treatment_plan"
    DISCHARGE = "discharge"
    CONTACT = "contact"
    FREEFORM = "freeform"
    # HIPAA "process notes": kept apart from the record (own search index, excluded from
    # chart exports and default searches), shown with a distinct marker.
    PSYCHOTHERAPY = "psychotherapy"


class NoteState(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    VOIDED = "voided"
