"""Every public method of the services the window and the CLI call checks the role
first (`guarded`), unless it is listed below with why it needs no check. A new method
added without either fails here, so "require at every entry point" cannot quietly
erode (issue 17 phase B)."""

from __future__ import annotations

import inspect

from therapynotes.services.backups import BackupService
from therapynotes.services.billing import BillingService
from therapynotes.services.measures import MeasuresService
from therapynotes.services.portable import PortableService
from therapynotes.services.profile import ProfileService
from therapynotes.services.records import RecordsService
from therapynotes.services.rehearsal import RehearsalService
from therapynotes.services.retention import RetentionService
from therapynotes.services.schedule import ScheduleService
from therapynotes.services.snippets import SnippetService
from therapynotes.services.spelling import SpellingService
from therapynotes.services.templates import TemplateService

SERVICES = (
    BackupService,
    BillingService,
    MeasuresService,
    PortableService,
    ProfileService,
    RecordsService,
    RehearsalService,
    RetentionService,
    ScheduleService,
    SnippetService,
    SpellingService,
    TemplateService,
)

# method -> why it needs no role check
UNGUARDED = {
    # plumbing every service has (RecordsBase)
    "now": "the clock",
    "write": "a transaction, used inside guarded methods",
    "audit": "an audit row, used inside guarded methods",
    "require_client": "a check inside guarded methods",
    "require_psychotherapy": "the check itself",
    # reads of no client data, for every login
    "today": "the date",
    "currency": "a setting",
    "retention_years": "a setting",
    "practice": "the practice's own details (name, address): no client data",
    "get": "ProfileService: the clinician's own profile; ScheduleService.get is guarded",
    "find_diagnosis": "the ICD-10-CM code list shipped with the app (no vault data)",
    "language": "a setting",
    "enabled": "a setting",
    "schedule_policy": "backup settings",
    "state": "when the last backup ran",
    "latest_change": "a change counter",
    "should_run": "a backup schedule decision (running one is guarded)",
    "warnings": "backup warnings (running one is guarded)",
    "last_passed": "when the last rehearsal passed",
    "every_months": "a setting",
    "is_due": "whether a rehearsal is due",
    "occurrences": "expands a recurrence rule (no database)",
    "written_notes": "returns nothing to a login without the clinical key",
    "read_export": "reads a file the user chose; importing it is guarded",
}


def test_every_public_service_method_checks_the_role_or_says_why_not() -> None:
    missing = []
    for service in SERVICES:
        for name, member in inspect.getmembers(service, inspect.isfunction):
            if name.startswith("_"):
                continue
            if getattr(member, "use_case", None) is not None:
                continue
            if name == "get" and service is not ProfileService:
                missing.append(f"{service.__name__}.{name}")
            elif name not in UNGUARDED:
                missing.append(f"{service.__name__}.{name}")
    assert not missing, f"public service methods with no role check: {missing}"
