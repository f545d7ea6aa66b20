"""Service (CPT) codes a solo therapist bills, with what each means."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceCode:
    code: str
    description: str
    minutes: int | None
    group: bool = False


CPT_CODES: tuple[ServiceCode, ...] = (
    ServiceCode("90791", "Psychiatric diagnostic evaluation (intake)", 60),
    ServiceCode("90832", "Psychotherapy, 30 minutes", 30),
    ServiceCode("90834", "Psychotherapy, 45 minutes", 45),
    ServiceCode("90837", "Psychotherapy, 60 minutes", 60),
    ServiceCode("90839", "Psychotherapy for crisis, first 60 minutes", 60),
    ServiceCode("90840", "Psychotherapy for crisis, each additional 30 minutes", 30),
    ServiceCode("90846", "Family psychotherapy without the patient", 50, group=True),
    ServiceCode("90847", "Family or couple psychotherapy with the patient", 50, group=True),
    ServiceCode("90853", "Group psychotherapy", 90, group=True),
)

CPT_BY_CODE = {c.code: c for c in CPT_CODES}


def is_cpt_code(code: str) -> bool:
    return code in CPT_BY_CODE
