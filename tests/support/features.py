"""Every record and vault feature on main, each as one `@feature` function that plants
its own canaries (tests/support/trust.py explains the registry).

Issue 4's JSON export/import and retention purge are here; issue 7's chart PDF needs Qt,
so it runs in the UI pass (tests/ui/test_trust_ui.py). To cover a new feature, add a
function here; a file the user asked for (an export into the folder they
chose) goes into `run.user_folders` so the canary scan reports it as requested, not as a
leak. The canary and permission tests then exercise it with no other change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from tests.conftest import STRONG
from tests.support.canary import scan
from tests.support.lifecycle import fill_client
from tests.support.pages import count_hits, data_keys
from tests.support.trust import FeatureRun, feature
from therapynotes.domain.enums import Attendance, Modality
from therapynotes.domain.models import ClientFields, Goal, Objective, PlanContent, Problem
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.services.backups import BackupService
from therapynotes.services.portable import PortableService
from therapynotes.services.profile import ProfileService
from therapynotes.services.records import RecordsService
from therapynotes.services.retention import RetentionService
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.vault import VaultService


def _now(run: FeatureRun) -> datetime:
    return datetime.fromtimestamp(run.clock(), UTC)


@feature("clients")
def clients(run: FeatureRun) -> None:
    c = run.canary
    fields = ClientFields(
        legal_name=f"{c('legal_name')} Doe",
        preferred_name=c("preferred_name"),
        pronouns=c("pronouns"),
        date_of_birth="1990-02-03",
        phone=c("phone"),
        email=f"{c('email')}@example.org",
        address=c("address"),
        emergency_contact=c("emergency_contact"),
        guardian=c("guardian"),
        referral_source=c("referral_source"),
        intake_date="2026-01-05",
        alerts=c("alerts"),
    )
    client = run.records.create_client(fields)
    run.state["client"] = client
    run.records.update_client(client, ClientFields(**{**fields.__dict__, "alerts": c("alerts2")}))
    run.records.open_chart(client)


@feature("diagnoses")
def diagnoses(run: FeatureRun) -> None:
    run.records.add_diagnosis(run.state["client"], "F41.1", primary=True, onset_date="2026-01-05")


@feature("sessions")
def sessions(run: FeatureRun) -> None:
    end = _now(run)
    run.state["session"] = run.records.log_session(
        [run.state["client"]],
        starts_at=end - timedelta(minutes=50),
        ends_at=end,
        service_code="90834",
        modality=Modality.VIDEO,
        place=run.canary("session_place"),
        attendance=Attendance.ATTENDED,
    )


@feature("clinician profile")
def clinician_profile(run: FeatureRun) -> None:
    """Set before signing, so every later signature stores the canary signer."""
    c = run.canary
    profiles = ProfileService(run.records.session, clock=run.clock)
    profiles.set(
        ClinicianProfile(
            name=c("clinician_name"),
            credentials=c("credentials"),
            license_number=c("license_number"),
            license_state=c("license_region"),
            npi="1234567893",
        )
    )


@feature("drafts, autosave and sign")
def drafts_and_sign(run: FeatureRun) -> None:
    records, c = run.records, run.canary
    note = records.start_note(run.state["client"], "soap", session_id=run.state["session"])
    for i in range(4):  # autosaves, some kept as revisions
        run.clock.advance(200)
        records.save_draft(
            note,
            {
                "subjective": f"{c('note_subjective')} {i} " * 30,
                "objective": c("note_objective"),
                "assessment": c("note_assessment"),
                "plan": c("note_plan"),
            },
        )
    records.sign_note(note)
    run.state["note"] = note
    intake = records.start_note(
        run.state["client"],
        "intake",
        service_date="2026-01-05",
        sections={"diagnosis": c("diagnosis_notes"), "risk": c("risk_assessment")},
    )
    records.sign_note(intake)
    draft = records.start_note(run.state["client"], "dap", sections={"data": c("unsigned_draft")})
    records.save_draft(draft, {"data": c("unsigned_draft") + " more"})


@feature("addendum")
def addendum(run: FeatureRun) -> None:
    run.records.add_addendum(run.state["note"], run.canary("addendum"))


@feature("psychotherapy note")
def psychotherapy(run: FeatureRun) -> None:
    private = run.records.start_note(
        run.state["client"], "psychotherapy", sections={"process": run.canary("process_note")}
    )
    run.records.sign_note(private)


@feature("void")
def void(run: FeatureRun) -> None:
    wrong = run.records.start_note(
        run.state["client"], "freeform", sections={"text": run.canary("voided_note")}
    )
    run.records.sign_note(wrong)
    run.records.void_note(wrong, run.canary("void_reason"))


@feature("treatment plan")
def plan(run: FeatureRun) -> None:
    c = run.canary
    content = PlanContent(
        (
            Problem(
                c("plan_problem"),
                (Goal(c("plan_goal"), (Objective(c("plan_objective")),), (c("plan_interv"),)),),
            ),
        ),
        review_date="2026-06-01",
    )
    run.records.save_plan(run.state["client"], content, effective_date="2026-01-05")


@feature("attachments")
def attachment(run: FeatureRun) -> None:
    data = (run.canary("attachment_bytes") + "\n").encode() * 3000  # several pages
    att = run.records.add_attachment(
        run.state["client"],
        filename=f"{run.canary('attachment_name')}.pdf",
        media_type="application/pdf",
        data=data,
    )
    assert run.records.read_attachment(att) == data


@feature("search")
def search(run: FeatureRun) -> None:
    records = run.records
    assert records.search(run.canary("note_objective"))
    assert records.search(run.canary("process_note"), include_psychotherapy=True)
    records.search(f"{run.canary('search_query')} anything")  # a query that finds nothing


@feature("backup")
def backup(run: FeatureRun) -> None:
    drive = run.user_folders["backups"]
    result = BackupService(run.records.session, clock=run.clock).run(drive)
    run.state["backup"] = result.path
    BackupService(run.records.session, clock=run.clock).verify(result.path)


@feature("export JSON")
def export_json(run: FeatureRun) -> None:
    """An export into the folder the user chose: plaintext there, and only there."""
    target = run.user_folders["exports"] / "therapynotes-export"
    counts = PortableService(run.records.session, clock=run.clock).export_json(target)
    assert counts["notes"] and counts["attachments"]
    run.state["export"] = target


@feature("import JSON")
def import_json(run: FeatureRun) -> None:
    """The export imported into a second, new vault next to the first (a new machine)."""
    root = run.records.session.paths.root.parent / "imported-vault"
    svc = VaultService(root, clock=run.clock)
    created = svc.create(STRONG)
    run.clock.advance(30)
    session = svc.unlock(STRONG, pyotp.TOTP(created.totp_secret).at(run.clock()))
    try:
        counts = PortableService(session, clock=run.clock).import_json(run.state["export"])
        assert counts["notes"] and counts["attachments"]
        assert RecordsService(session, clock=run.clock).search(run.canary("note_objective"))
    finally:
        session.lock("test")
    run.state["imported_vault"] = root


@feature("retention purge")
def purge(run: FeatureRun) -> None:
    """A second client using every record feature, purged: afterwards no page of the
    vault file, decrypted (free pages included), and no file in the vault folder holds
    any of their canaries."""
    session = run.records.session
    prefix = run.canary("purged_client")
    client = fill_client(run.records, run.clock, prefix, group_with=run.state["client"])
    session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    needles = [prefix.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    needles.append(prefix.lower().encode())
    key = data_keys(session)
    assert count_hits(session.paths.db, key, needles)[needles[0]] > 10  # the reader sees it
    counts = RetentionService(session, clock=run.clock).purge(
        client, before_retention_date="the client asked for it"
    )
    assert counts["notes"] >= 4
    left = count_hits(session.paths.db, key, needles)
    found = scan({"vault": session.paths.root}, [prefix, prefix.lower()])
    run.state["purge_hits"] = sum(left.values()) + len(found.hits)
    assert left == dict.fromkeys(needles, 0), left
    assert found.hits == (), [str(h) for h in found.hits]


@feature("rotate data key")
def rotate_data_key(run: FeatureRun) -> None:
    """The whole vault copied under a new data key beside vault.db, then switched: the
    copy is encrypted page by page, and nothing of it (or of the old file) is left."""
    session = run.records.session
    old = session.dek.reveal()
    rotation = KeyRotation(VaultService(session.paths.root, clock=run.clock))
    plan = rotation.prepare(session, STRONG, new_recovery_key=True)
    try:
        rotation.run(plan)
    finally:
        plan.close()
    assert session.dek.reveal() != old
    assert run.records.search(run.canary("note_objective"))
    assert sorted(p.name for p in session.paths.root.glob("*.rotating*")) == []
