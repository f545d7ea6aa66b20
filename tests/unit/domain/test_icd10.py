from __future__ import annotations

from therapynotes.domain import icd10
from therapynotes.domain.codes import CPT_BY_CODE, is_cpt_code
from therapynotes.services.demo import COMMON_DX


def test_lookup_normalises_codes() -> None:
    found = icd10.lookup(" f411 ")
    assert found == icd10.IcdCode("F41.1", "Generalized anxiety disorder")
    assert icd10.lookup("F41") is None  # a category, not a billable code
    assert icd10.lookup("Z99.999") is None


def test_find_by_dsm_name_and_by_code() -> None:
    assert icd10.find("generalized anxiety")[0].code == "F41.1"
    assert icd10.find("panic")[0].code == "F41.0"
    assert {c.code for c in icd10.find("F43.1")} >= {"F43.10", "F43.11", "F43.12"}
    assert icd10.find("   ") == []


def test_demo_codes_are_billable() -> None:
    assert all(icd10.lookup(code) for code in COMMON_DX)


def test_cpt_codes() -> None:
    assert {"90791", "90832", "90834", "90837", "90846", "90847", "90853", "90839"} <= set(
        CPT_BY_CODE
    )
    assert is_cpt_code("90834") and not is_cpt_code("99999")
