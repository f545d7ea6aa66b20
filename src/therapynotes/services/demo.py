"""A seeded synthetic practice for demos, screenshots and benchmarks.

Writes straight through bulk inserts in one transaction (12,000 notes in seconds), using
the same schema, hash rules and triggers as the use cases, and one audit row for the
whole batch. Only for empty, freshly created vaults.

Must not import PySide6.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from faker import Faker

from therapynotes.domain import demo_text, rules
from therapynotes.domain.icd10 import lookup
from therapynotes.domain.models import Goal, Objective, PlanContent, Problem
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.domain.schedule import expand, local_zone, week_start
from therapynotes.domain.snippets import Snippet
from therapynotes.domain.templates import (
    DISCHARGE,
    INTAKE,
    PSYCHOTHERAPY,
    SOAP,
    TEMPLATES,
    Section,
    Template,
)
from therapynotes.records_errors import DemoNeedsEmptyVault
from therapynotes.services import demo_files, demo_measures
from therapynotes.services.demo_billing import build_billing
from therapynotes.services.demo_review import build_supervision
from therapynotes.services.policy import UseCase, session_guarded
from therapynotes.services.session import VaultSession
from therapynotes.store import audit, dictionary, note_templates, plans, snippets
from therapynotes.store import profile as profile_store
from therapynotes.store.audit import AuditKind
from therapynotes.store.connection import Connection, transaction
from therapynotes.store.migrations import m0011_schedule
from therapynotes.store.notes import encode_body

COMMON_DX = ("F41.1", "F32.1", "F43.10", "F43.23", "F33.1", "F40.10", "F41.0", "F34.1")
PROGRESS = ("soap", "dap", "birp", "girp")
ATTENDANCE = (("attended", 90), ("no_show", 5), ("late_cancel", 3), ("cancelled", 2))
ATTACHMENT_KINDS = (
    ("informed-consent.pdf", "application/pdf"),
    ("release-of-information.pdf", "application/pdf"),
    ("intake-questionnaire.pdf", "application/pdf"),
    ("referral-letter.png", "image/png"),
)


@dataclass(frozen=True)
class DemoSpec:
    clients: int = 40
    years: int = 2
    seed: int = 1
    # Sessions of one long-term client (client 1), for the 300-note chart benchmark.
    long_term_sessions: int = 0
    sessions_per_client: tuple[int, int] = (8, 72)


@dataclass
class DemoCounts:
    clients: int = 0
    sessions: int = 0
    notes: int = 0
    psychotherapy_notes: int = 0
    attachments: int = 0
    ledger_entries: int = 0
    measures: int = 0
    appointments: int = 0


class _Builder:
    def __init__(self, spec: DemoSpec, today: date) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)  # noqa: S311 - reproducible fake data, not secrets
        self.fake = Faker("en_US")
        self.fake.seed_instance(spec.seed)
        self.today = today
        self.start = today - timedelta(days=365 * spec.years)
        self.rows: dict[str, list[tuple[object, ...]]] = {
            k: [] for k in ("clients", "diagnoses", "sessions", "participants", "notes", "plans")
        }
        self.session_id = 0
        self.note_id = 0
        self.now = rules.format_instant(datetime.combine(today, time(18), UTC))

    def _client(self, cid: int, intake: date, last: date) -> None:
        fake, rng = self.fake, self.rng
        discharged = (self.today - last).days > 60
        minor = rng.random() < 0.12
        born = intake - timedelta(
            days=365 * rng.randint(8, 16) if minor else 365 * rng.randint(19, 75)
        )
        self.rows["clients"].append(
            (
                cid,
                fake.name(),
                fake.first_name() if rng.random() < 0.2 else "",
                rng.choice(("she/her", "he/him", "they/them")),
                born.isoformat(),
                fake.phone_number(),
                fake.email(),
                fake.address().replace("\n", ", "),
                f"{fake.name()} {fake.phone_number()}",
                fake.name() if minor else "",
                rng.choice(("self", "primary care", "school counsellor", "website", "friend")),
                intake.isoformat(),
                "discharged" if discharged else "active",
                last.isoformat() if discharged else None,
                "Safety plan on file" if rng.random() < 0.05 else "",
                self.now,
                self.now,
            )
        )
        for i, code in enumerate(rng.sample(COMMON_DX, rng.randint(1, 2))):
            found = lookup(code)
            assert found is not None  # noqa: S101 - a constant list, checked by a test
            self.rows["diagnoses"].append(
                (cid, found.code, found.description, int(i == 0), intake.isoformat(), self.now)
            )
        self._plan(cid, intake)

    def _plan(self, cid: int, intake: date) -> None:
        goal = Goal(
            "Reduce anxiety to a manageable level",
            (
                Objective(
                    "GAD-7 below 8 on two measures", (intake + timedelta(days=120)).isoformat()
                ),
            ),
            ("CBT weekly", "Exposure practice between sessions"),
        )
        content = PlanContent(
            (Problem("Anxiety interfering with work", (goal,)),),
            (intake + timedelta(days=90)).isoformat(),
        )
        self.rows["plans"].append(
            (cid, 1, intake.isoformat(), content.review_date, plans.encode(content), self.now)
        )

    def _session(self, client_ids: list[int], day: date, code: str, minutes: int) -> int:
        self.session_id += 1
        hour = self.rng.randint(8, 18)
        start = datetime.combine(day, time(hour), UTC)
        end = start + timedelta(minutes=minutes)
        self.rows["sessions"].append(
            (
                self.session_id,
                day.isoformat(),
                rules.format_instant(start),
                rules.format_instant(end),
                code,
                self.rng.choice(("in_person", "video", "phone")),
                "",
                rules.format_instant(start),
            )
        )
        for cid in client_ids:
            att = self.rng.choices([a for a, _ in ATTENDANCE], [w for _, w in ATTENDANCE])[0]
            self.rows["participants"].append((self.session_id, cid, att))
            if att == "attended":
                self._notes_for(cid, day, end)
        return self.session_id

    def _notes_for(
        self, cid: int, day: date, end: datetime, template: Template | None = None
    ) -> None:
        rng = self.rng
        if (self.today - day).days < 3 and rng.random() < 0.7:
            return  # recent sessions are often not written up yet: the notes-due list
        tpl = template or TEMPLATES[PROGRESS[cid % len(PROGRESS)]]
        delay = timedelta(
            hours=rng.randint(30, 120) if rng.random() < 0.05 else rng.uniform(0.2, 6)
        )
        sid = self.session_id
        self._note(
            cid, sid=sid, day=day, end=end, tpl=tpl, signed=end + delay, words=rng.randint(300, 800)
        )
        if rng.random() < 0.05:
            self._note(
                cid,
                sid=sid,
                day=day,
                end=end,
                tpl=PSYCHOTHERAPY,
                signed=end + delay,
                words=rng.randint(80, 250),
            )

    def _note(
        self,
        cid: int,
        *,
        sid: int | None,
        day: date,
        end: datetime,
        tpl: Template,
        signed: datetime,
        words: int,
    ) -> None:
        self.note_id += 1
        sections = demo_text.note_sections(self.rng, tpl, words)
        occurred, signed_at = rules.format_instant(end), rules.format_instant(signed)
        digest = rules.note_content_hash(
            client_id=cid,
            session_id=sid,
            kind=tpl.kind.value,
            template=tpl.id,
            service_date=day.isoformat(),
            sections=sections,
            signed_at=signed_at,
        )
        late = rules.is_late_entry(occurred_at=occurred, signed_at=signed_at, hours=24)
        self.rows["notes"].append(
            (
                self.note_id,
                cid,
                sid,
                tpl.kind.value,
                tpl.id,
                day.isoformat(),
                occurred,
                encode_body(sections),
                occurred,
                signed_at,
                signed_at,
                digest,
                int(late),
            )
        )

    def client_course(self, cid: int) -> None:
        rng, spec = self.rng, self.spec
        if cid == 1 and spec.long_term_sessions:
            count = spec.long_term_sessions
            intake = self.today - timedelta(days=7 * count + 3)
        else:
            count = rng.randint(*spec.sessions_per_client)
            span = max(1, (self.today - self.start).days - 7)
            intake = self.start + timedelta(days=rng.randint(0, span))
        days = [intake + timedelta(days=7 * i + rng.randint(0, 1)) for i in range(count)]
        days = [d for d in days if d <= self.today - timedelta(days=1)] or [intake]
        self._client(cid, intake, days[-1])
        for i, day in enumerate(days):
            sid_tpl = INTAKE if i == 0 else None
            code = "90791" if i == 0 else rng.choice(("90834", "90834", "90837", "90832"))
            if sid_tpl is not None:
                self.session_id += 1
                start = datetime.combine(day, time(9), UTC)
                end = start + timedelta(minutes=60)
                self.rows["sessions"].append(
                    (
                        self.session_id,
                        day.isoformat(),
                        rules.format_instant(start),
                        rules.format_instant(end),
                        code,
                        "in_person",
                        "",
                        rules.format_instant(start),
                    )
                )
                self.rows["participants"].append((self.session_id, cid, "attended"))
                self._note(
                    cid,
                    sid=self.session_id,
                    day=day,
                    end=end,
                    tpl=INTAKE,
                    signed=end + timedelta(hours=2),
                    words=rng.randint(500, 800),
                )
            else:
                self._session([cid], day, code, 45)
        if (self.today - days[-1]).days > 60:
            end = datetime.combine(days[-1], time(17), UTC)
            words = rng.randint(300, 500)
            self._note(
                cid,
                sid=None,
                day=days[-1],
                end=end,
                tpl=DISCHARGE,
                signed=end + timedelta(hours=1),
                words=words,
            )

    def groups(self, clients: int) -> None:
        rng = self.rng
        for _ in range(max(1, clients // 40)):
            members = rng.sample(range(1, clients + 1), min(clients, rng.randint(4, 6)))
            first = self.start + timedelta(
                days=rng.randint(0, max(1, (self.today - self.start).days - 80))
            )
            for week in range(10):
                self._session(members, first + timedelta(days=7 * week), "90853", 90)
        for _ in range(max(1, clients // 30)):
            pair = rng.sample(range(1, clients + 1), min(clients, 2))
            day = self.start + timedelta(
                days=rng.randint(0, max(1, (self.today - self.start).days - 2))
            )
            self._session(pair, day, "90847", 50)

    def attachments(self, clients: int) -> list[tuple[object, ...]]:
        rng = self.rng
        out: list[tuple[object, ...]] = []
        for att_id in range(1, max(1, clients * 2 // 3) + 1):
            name, media = rng.choice(ATTACHMENT_KINDS)
            data = _attachment_bytes(name, rng)
            digest = hashlib.sha256(data).hexdigest()
            cid = rng.randint(1, clients)
            out.append((att_id, cid, name, media, len(data), digest, self.now, data))
        return out


_TITLES = {
    "informed-consent.pdf": "Informed consent to treatment",
    "release-of-information.pdf": "Authorization to release information",
    "intake-questionnaire.pdf": "Intake questionnaire",
}


def _attachment_bytes(name: str, rng: random.Random) -> bytes:
    """A real small PDF or PNG (a viewer opens it), varied by the seeded generator."""
    lines = tuple(round(rng.uniform(0.4, 1.0), 2) for _ in range(rng.randint(6, 14)))
    if name.endswith(".png"):
        return demo_files.png(320, 400, lines)
    return demo_files.pdf(
        _TITLES.get(name, "Demo document"),
        (
            "A synthetic form of the demo practice. It describes no real person.",
            "",
            *("_" * int(70 * n) for n in lines),
            "",
            "Signature: ______________________    Date: ____________",
        ),
    )


_INSERTS = {
    "clients": "INSERT INTO clients(id, legal_name, preferred_name, pronouns, date_of_birth,"
    " phone, email, address, emergency_contact, guardian, referral_source, intake_date,"
    " status, discharge_date, alerts, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "diagnoses": "INSERT INTO diagnoses(client_id, code, description, is_primary, onset_date,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
    "plans": "INSERT INTO treatment_plans(client_id, version, effective_date, review_date,"
    " body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    "sessions": "INSERT INTO sessions(id, service_date, starts_at, ends_at, service_code,"
    " modality, place, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "participants": "INSERT INTO session_participants(session_id, client_id, attendance)"
    " VALUES (?, ?, ?)",
}


# The demo practice's (fictional) clinician; the NPI is CMS's own check-digit example.
DEMO_CLINICIAN = ClinicianProfile(
    name="Dana Reyes",
    credentials="PsyD",
    license_number="PSY 12345",
    license_state="CA",
    npi="1234567893",
)


def _insert_notes(conn: Connection, rows: list[tuple[object, ...]]) -> None:
    """Through a temp staging table and one INSERT ... SELECT: FTS5 flushes its pending
    index at every statement's savepoint, so one statement per note (executemany) writes
    a tiny index segment per note; with cipher_memory_security on that is 5-10x slower.
    temp_store = MEMORY keeps the staged text off the disk."""
    conn.execute(
        "CREATE TEMP TABLE demo_notes AS SELECT id, client_id, session_id, kind, template,"
        " service_date, occurred_at, body, created_at, updated_at, signed_at, content_hash,"
        " late_entry FROM clinical.notes WHERE 0"
    )
    try:
        conn.executemany(
            "INSERT INTO temp.demo_notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        conn.execute(
            "INSERT INTO clinical.notes(id, client_id, session_id, kind, template, service_date,"
            " occurred_at, state, body, created_at, updated_at, signed_at, content_hash,"
            " late_entry, signed_by) SELECT id, client_id, session_id, kind, template,"
            " service_date, occurred_at, 'signed', body, created_at, updated_at, signed_at,"
            " content_hash, late_entry, ? FROM temp.demo_notes ORDER BY id",
            (DEMO_CLINICIAN.signer,),
        )
    finally:
        conn.execute("DROP TABLE temp.demo_notes")


def _measure_rows(builder: _Builder) -> list[tuple[object, ...]]:
    """Outcome measures (services/demo_measures.py) on each client's attended days."""
    days = {r[0]: date.fromisoformat(str(r[1])) for r in builder.rows["sessions"]}
    visits: dict[int, list[date]] = {}
    for session_id, cid, attendance in builder.rows["participants"]:
        if attendance == "attended":
            visits.setdefault(int(str(cid)), []).append(days[session_id])
    return demo_measures.rows_for(builder.spec.seed, {c: sorted(d) for c, d in visits.items()})


def is_empty(conn: Connection) -> bool:
    return int(conn.execute("SELECT count(*) FROM clients").fetchone()[0]) == 0


def build(conn: Connection, spec: DemoSpec, *, today: date) -> DemoCounts:
    """Fill an empty vault with a synthetic practice ending on `today`."""
    if not is_empty(conn):
        raise DemoNeedsEmptyVault
    builder = _Builder(spec, today)
    for cid in range(1, spec.clients + 1):
        builder.client_course(cid)
    builder.groups(spec.clients)
    blobs = builder.attachments(spec.clients)
    rows = builder.rows
    measure_rows = _measure_rows(builder)
    counts = DemoCounts(
        clients=spec.clients,
        sessions=len(rows["sessions"]),
        notes=sum(1 for r in rows["notes"] if r[3] != "psychotherapy"),
        psychotherapy_notes=sum(1 for r in rows["notes"] if r[3] == "psychotherapy"),
        attachments=len(blobs),
        measures=len(measure_rows),
    )
    with transaction(conn):
        profile_store.put(conn, DEMO_CLINICIAN, now=builder.now)  # the notes name her
        for table in ("clients", "diagnoses", "plans", "sessions", "participants"):
            conn.executemany(_INSERTS[table], rows[table])
        _insert_notes(conn, rows["notes"])
        counts.appointments = book_demo_schedule(conn, builder, today)
        conn.executemany(
            "INSERT INTO attachments(id, client_id, filename, media_type, size, sha256,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [b[:7] for b in blobs],
        )
        conn.executemany(
            "INSERT INTO attachment_blobs(attachment_id, data) VALUES (?, ?)",
            [(b[0], b[7]) for b in blobs],
        )
        _writing_aids(conn, now=f"{today.isoformat()}T12:00:00Z")
        build_supervision(conn, now=f"{today.isoformat()}T12:00:00Z")
        conn.executemany(demo_measures.INSERT, measure_rows)
        audit.append(
            conn,
            AuditKind.RECORD_CREATED,
            subject="demo",
            detail={
                "record": "demo practice",
                "clients": counts.clients,
                "sessions": counts.sessions,
                "notes": counts.notes + counts.psychotherapy_notes,
                "attachments": counts.attachments,
            },
        )
        # Billing (issue 15): fees, charges, payments, a sliding scale, an unpaid balance.
        counts.ledger_entries = build_billing(
            conn, today=today, start=builder.start, now=builder.now, seed=spec.seed
        )
    return counts


# --- the writing aids of the demo practice (issue 19) -----------------------------------

DEMO_SNIPPETS = (
    ("mse", "Appearance {{appearance}}. Behaviour {{behaviour}}. Speech {{speech}}. "
     "Mood \u201c{{mood}}\u201d, affect {{affect}}. Thought process {{thought process}}. "
     "Denies SI/HI. Insight and judgement {{insight}}."),
    ("risk", "Denies SI, HI and self-harm; safety plan reviewed, protective factors: "
     "{{protective factors}}."),
    ("hw", "Homework: {{homework}}. Next session {{next session}}."),
)  # fmt: skip
DEMO_WORDS = ("Okonkwo", "Nakamura", "teletherapy")


def _writing_aids(conn: Connection, *, now: str) -> None:
    """Snippets, one of the therapist's own templates and a personal dictionary."""
    for trigger, body in DEMO_SNIPPETS:
        snippets.put(conn, Snippet(trigger, body), now=now)
    risk = Section("risk", "Risk", "SI/HI, self-harm, safety plan.", True)
    own = Template("", "Progress note (SOAP + risk)", SOAP.kind, (*SOAP.sections[:3], risk,
                   SOAP.sections[3]))  # fmt: skip
    note_templates.add_version(conn, "own-1", own, now=now)
    for word in DEMO_WORDS:
        dictionary.add(conn, word, now=now)


# --- the schedule (issue 13) ---------------------------------------------------------

DEMO_WEEKS_AHEAD = 6
DEMO_HOURS = (8, 9, 10, 11, 13, 14, 15, 16, 17)


def book_demo_schedule(conn: Connection, builder: _Builder, today: date) -> int:
    """Every past session as an appointment (m0008's backfill), and the weeks ahead
    booked: each active client a weekly slot (weekday and hour) for six weeks from this
    week, a few cancelled by the client; today's slots show on Home. Returns how many
    appointments there are."""
    rng, now = builder.rng, builder.now
    m0011_schedule.backfill_sessions(conn, only_unlinked=True)
    zone = local_zone()
    active = [int(str(r[0])) for r in builder.rows["clients"] if r[12] == "active"]
    slots = [(d, h) for d in range(5) for h in DEMO_HOURS]
    rng.shuffle(slots)
    monday = week_start(today)
    for cid, (weekday, hour) in zip(active, slots, strict=False):
        first = datetime.combine(monday + timedelta(days=weekday), time(hour))
        if first.date() < today:
            first += timedelta(days=7)
        cur = conn.execute(
            "INSERT INTO appointment_series(rrule, tzid, created_at) VALUES (?, ?, ?)",
            (f"FREQ=WEEKLY;COUNT={DEMO_WEEKS_AHEAD}", zone.key, now),
        )
        series_id = int(cur.lastrowid)
        code = rng.choice(("90834", "90834", "90837"))
        modality = rng.choice(("in_person", "in_person", "video"))
        for start in expand(f"FREQ=WEEKLY;COUNT={DEMO_WEEKS_AHEAD}", first, zone):
            cancelled = rng.random() < 0.06
            cur = conn.execute(
                "INSERT INTO appointments(series_id, starts_at, minutes, service_code, modality,"
                " place, memo, status, cancelled_by, session_id, created_at, updated_at)"
                " VALUES (?, ?, 50, ?, ?, '', '', ?, ?, NULL, ?, ?)",
                (
                    series_id,
                    rules.format_instant(start),
                    code,
                    modality,
                    "cancelled" if cancelled else "scheduled",
                    "client" if cancelled else "",
                    now,
                    now,
                ),
            )
            conn.execute(
                "INSERT INTO appointment_clients(appointment_id, client_id) VALUES (?, ?)",
                (int(cur.lastrowid), cid),
            )
    return int(conn.execute("SELECT count(*) FROM appointments").fetchone()[0])


# --- loading on an unlocked vault ----------------------------------------------------


@session_guarded(UseCase.DEMO)
def load(session: VaultSession, spec: DemoSpec, *, today: date) -> DemoCounts:
    """`build` on an unlocked vault: the owner's (the CLI's `demo` makes a new vault)."""
    with session.db_lock:
        return build(session.conn, spec, today=today)
