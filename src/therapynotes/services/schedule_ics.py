"""The schedule as an .ics file (RFC 5545, written with the icalendar library) for the
therapist's own calendar app.

What an event says is an explicit choice (`IcsLabel`): by default only "Session"; or
the clients' initials; or, only when asked for, their names. Never a memo, a note, a
place typed in, a service code or a client id. Cancelled appointments are left out.
The file is written where the therapist asks (documents.save_file) and the export is
audited (a count, never the path).

Must not import PySide6.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from icalendar import Calendar, Event

from therapynotes.domain.models import display_name
from therapynotes.domain.schedule import Appointment, AppointmentStatus
from therapynotes.services.documents import save_file
from therapynotes.services.schedule import ScheduleService
from therapynotes.store import clients
from therapynotes.store.audit import AuditKind


class IcsLabel(StrEnum):
    SESSION = "session"
    INITIALS = "initials"
    NAMES = "names"


def initials(name: str) -> str:
    return "".join(part[0].upper() + "." for part in name.split() if part[:1].isalpha())


def _label(appointment: Appointment, label: IcsLabel, names: dict[int, str]) -> str:
    if label is IcsLabel.SESSION:
        return "Session"
    people = [names.get(cid, "") for cid in appointment.client_ids]
    if label is IcsLabel.INITIALS:
        people = [initials(p) for p in people]
    shown = ", ".join(p for p in people if p)
    return f"Session: {shown}" if shown else "Session"


def calendar_bytes(
    appointments: list[Appointment], *, label: IcsLabel, names: dict[int, str], stamp: datetime
) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//therapynotes//schedule//EN")
    cal.add("version", "2.0")
    for a in appointments:
        if a.status is AppointmentStatus.CANCELLED:
            continue
        event = Event()
        # A stable uid that says nothing: the same appointment replaces itself on import.
        uid = hashlib.sha256(f"therapynotes-appointment-{a.id}".encode()).hexdigest()[:32]
        event.add("uid", f"{uid}@therapynotes.invalid")
        event.add("dtstamp", stamp)
        event.add("dtstart", a.start)
        event.add("dtend", a.end)
        event.add("summary", _label(a, label, names))
        cal.add_component(event)
    return bytes(cal.to_ical())


def export_ics(
    schedule: ScheduleService,
    first: date,
    last: date,
    target: Path,
    *,
    label: IcsLabel = IcsLabel.SESSION,
) -> int:
    """Write the appointments of first..last to `target`; returns how many events."""
    found = schedule.between(first, last)
    names: dict[int, str] = {}
    if label is not IcsLabel.SESSION:
        for cid in {c for a in found for c in a.client_ids}:
            client = clients.get(schedule.conn, cid)
            if client is not None:
                names[cid] = display_name(client.fields.legal_name, client.fields.preferred_name)
    stamp = datetime.fromtimestamp(schedule.clock(), UTC)
    data = calendar_bytes(found, label=label, names=names, stamp=stamp)
    save_file(target, data)
    events = sum(1 for a in found if a.status is not AppointmentStatus.CANCELLED)
    with schedule.write() as conn:
        schedule.audit(
            conn, AuditKind.EXPORTED, "schedule", kind="ics", events=events, label=label.value
        )
    return events
