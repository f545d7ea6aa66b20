"""Pure rules of the note life cycle: late entry, content hashes, meaningful saves.

Instants are UTC strings 'YYYY-MM-DDTHH:MM:SSZ'; the store keeps them in that form so
that they sort and compare as text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

DEFAULT_LATE_ENTRY_HOURS = 24
# A draft revision is kept when this much time passed since the last one, or the text
# changed by at least this many characters: enough to restore lost work without keeping
# every keystroke an autosave sees.
REVISION_MIN_INTERVAL = timedelta(minutes=5)
REVISION_MIN_CHANGE_CHARS = 200

INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(INSTANT_FORMAT)


def instant_from_timestamp(seconds: float) -> str:
    return format_instant(datetime.fromtimestamp(seconds, UTC))


def parse_instant(text: str) -> datetime:
    return datetime.strptime(text, INSTANT_FORMAT).replace(tzinfo=UTC)


def is_late_entry(*, occurred_at: str, signed_at: str, hours: int) -> bool:
    """True when a note is signed more than `hours` after the service it documents."""
    return parse_instant(signed_at) - parse_instant(occurred_at) > timedelta(hours=hours)


def is_overdue(*, occurred_at: str, now: str, hours: int) -> bool:
    return parse_instant(now) - parse_instant(occurred_at) > timedelta(hours=hours)


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def note_content_hash(
    *,
    client_id: int,
    session_id: int | None,
    kind: str,
    template: str,
    service_date: str,
    sections: Mapping[str, str],
    signed_at: str,
) -> str:
    """SHA-256 over everything a signature vouches for, in a canonical form, so a later
    reader can recompute it from the stored row."""
    material = canonical_json(
        {
            "client_id": client_id,
            "session_id": session_id,
            "kind": kind,
            "template": template,
            "service_date": service_date,
            "sections": dict(sections),
            "signed_at": signed_at,
        }
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def addendum_content_hash(*, note_hash: str, text: str, signed_at: str) -> str:
    """Chains the addendum to the signed note it amends."""
    material = canonical_json({"note": note_hash, "text": text, "signed_at": signed_at})
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def is_meaningful_change(
    *,
    previous: Mapping[str, str] | None,
    current: Mapping[str, str],
    last_revision_at: str | None,
    now: str,
) -> bool:
    """Whether an autosave should also keep a revision of the draft."""
    if previous is None or last_revision_at is None:
        return True
    if dict(previous) == dict(current):
        return False
    if parse_instant(now) - parse_instant(last_revision_at) >= REVISION_MIN_INTERVAL:
        return True
    before = sum(len(v) for v in previous.values())
    after = sum(len(v) for v in current.values())
    changed_keys = set(previous) ^ set(current)
    return bool(changed_keys) or abs(after - before) >= REVISION_MIN_CHANGE_CHARS
