"""The therapynotes-export JSON format, version 7: the one module that defines it.

A document is one JSON object: `format`, `format_version`, `settings` (non-secret vault
settings, name -> string), `profile` (the clinician profile, or null) and one array per
table of the clinical record, each element an object whose keys are exactly the table's
columns (bodies held as JSON text in the vault are JSON values here).

Version 3 added billing: `practice` (the practice's details, or null) and the tables
`fee_schedule`, `ledger` and `allocations` (amounts in integer cents). Versions 1 and 2
are read as having none of these.

Version 4 added the personal dictionary (`dictionary_words`), the therapist's own
templates (`note_templates`, `disabled_templates`) and text snippets (`snippets`), read
as empty from older documents.

Version 2 added `profile` and the signer columns (`notes.signed_by`, `notes.voided_by`,
`addenda.signed_by`). Version 1 documents are still read:
`decode` returns them in the current shape, with no profile and null signers (signed
before signers were recorded).

Version 5 added `measure_responses` (outcome measures, domain/measures.py): each row's
answers are checked against its instrument's definition, and its total and risk flag
must follow from them. Older documents are read with no measures.

Version 6 added the schedule (`appointment_series`, `appointments`,
`appointment_clients`); older documents are read with none.

Version 7 added supervision (issue 17 phase B): `cosignatures` and `review_comments`
(under notes) and each login's `signature_lines`; older documents are read with none.

Canonical form (what `encode` writes, so export -> import -> export is byte-identical):
UTF-8, keys sorted, two-space indent, arrays ordered by id (participants by session then
client, holds by client), a final newline.

`decode` validates strictly and refuses with ImportRefused naming the place in the
file, never a value (except an impossible date, which is all digits and dashes, so
safe to show: `clients[3].date_of_birth: 1951-02-30 is not a real date`). Dates and
instants must be real calendar dates and times. Pure: no database, no files, and no Qt
(PySide6 stays out of this module).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from therapynotes.domain import measures
from therapynotes.domain.billing import Practice
from therapynotes.domain.profile import ClinicianProfile
from therapynotes.domain.rules import canonical_json
from therapynotes.errors import InputError
from therapynotes.portable_errors import ImportRefused
from therapynotes.profile_errors import InvalidLicenseState, InvalidNpi

FORMAT = "therapynotes-export"
FORMAT_VERSION = 7
READS_VERSIONS = (1, 2, 3, 4, 5, 6, 7)
JSON_NAME = "therapynotes-export.json"
ATTACHMENTS_DIR = "attachments"

MAX_DOCUMENT_BYTES = 1024 * 1024 * 1024
SHORT = 1_000  # names, codes, dates, ids as text
LONG = 100_000  # free text fields (alerts, addresses, void reasons)
BODY = 2_000_000  # a note, revision, addendum or plan, as canonical JSON text
MAX_ID = 2**63 - 1
SHA256 = re.compile(r"[0-9a-f]{64}")
DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
INSTANT_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")

SETTINGS = frozenset(
    {
        "security.idle_timeout_minutes",
        "security.lock_on_minimize",
        "security.clipboard_clear_seconds",
        "late_entry_hours",
        "attachment_max_bytes",
        "retention_years",
        "retention_age_of_majority",
        "retention_minor_years",
    }
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # id, int, cents, bool, str, date, instant, sections, plan, sha256,
    # template, answers (a JSON array of whole numbers)
    optional: bool = False
    limit: int = SHORT


def _f(spec: str) -> Field:
    """'name:kind[:limit][?]' -> Field, to keep the table list below readable."""
    optional = spec.endswith("?")
    parts = spec.rstrip("?").split(":")
    limit = {"short": SHORT, "long": LONG, "body": BODY}[parts[2]] if len(parts) > 2 else SHORT
    return Field(parts[0], parts[1], optional, limit)


def _fields(*specs: str) -> tuple[Field, ...]:
    return tuple(_f(s) for s in specs)


# In import order (foreign keys first). `order` is the canonical sort key.
TABLES: dict[str, tuple[tuple[Field, ...], tuple[str, ...]]] = {
    "clients": (
        _fields(
            "id:id", "legal_name:str", "preferred_name:str", "pronouns:str",
            "date_of_birth:date?", "phone:str", "email:str", "address:str:long",
            "emergency_contact:str:long", "guardian:str:long", "referral_source:str:long",
            "intake_date:date?", "status:str", "discharge_date:date?", "alerts:str:long",
            "created_at:instant", "updated_at:instant",
        ),
        ("id",),
    ),
    "legal_holds": (_fields("client_id:id", "placed_at:instant"), ("client_id",)),
    "diagnoses": (
        _fields(
            "id:id", "client_id:id", "code:str", "description:str:long", "is_primary:bool",
            "onset_date:date?", "resolved_date:date?", "created_at:instant",
        ),
        ("id",),
    ),
    "sessions": (
        _fields(
            "id:id", "service_date:date", "starts_at:instant", "ends_at:instant",
            "service_code:str", "modality:str", "place:str:long", "created_at:instant",
        ),
        ("id",),
    ),
    "session_participants": (
        _fields("session_id:id", "client_id:id", "attendance:str"),
        ("session_id", "client_id"),
    ),
    "notes": (
        _fields(
            "id:id", "client_id:id", "session_id:id?", "kind:str", "template:str",
            "service_date:date", "occurred_at:instant", "state:str", "body:sections:body",
            "created_at:instant", "updated_at:instant", "signed_at:instant?",
            "content_hash:sha256?", "late_entry:bool", "voided_at:instant?",
            "void_reason:str:long?", "signed_by:str?", "voided_by:str?",
        ),
        ("id",),
    ),
    "note_revisions": (
        _fields("id:id", "note_id:id", "saved_at:instant", "body:sections:body"),
        ("id",),
    ),
    "addenda": (
        _fields(
            "id:id", "note_id:id", "body:str:body", "signed_at:instant", "content_hash:sha256",
            "signed_by:str?",
        ),
        ("id",),
    ),
    "treatment_plans": (
        _fields(
            "id:id", "client_id:id", "version:int", "effective_date:date", "review_date:date?",
            "body:plan:body", "created_at:instant",
        ),
        ("id",),
    ),
    "attachments": (
        _fields(
            "id:id", "client_id:id", "note_id:id?", "filename:str", "media_type:str",
            "size:int", "sha256:sha256", "added_at:instant",
        ),
        ("id",),
    ),
    **{
        # Version 5: outcome measures (see _check_measures).
        "measure_responses": (
            _fields(
                "id:id", "client_id:id", "instrument:str", "given_on:date",
                "answers:answers", "total:int", "risk:bool", "addressed_at:instant?",
                "addressed_note:str:long?", "created_at:instant",
            ),
            ("id",),
        ),
    },
    # The schedule (format 6): older documents have none; importing them makes each
    # session an attended appointment, as the vault's migration does.
    "appointment_series": (
        _fields("id:id", "rrule:str", "tzid:str", "created_at:instant"), ("id",),
    ),
    "appointments": (
        _fields(
            "id:id", "series_id:id?", "starts_at:instant", "minutes:int", "service_code:str",
            "modality:str", "place:str:long", "memo:str:long", "status:str", "cancelled_by:str",
            "session_id:id?", "created_at:instant", "updated_at:instant",
        ),
        ("id",),
    ),
    "appointment_clients": (
        _fields("appointment_id:id", "client_id:id"), ("appointment_id", "client_id"),
    ),
}  # fmt: skip

# Version 4: the personal dictionary of the spell checker (issue 19). Tables an older
# document does not have are read as empty.
# Also the therapist's own templates (versions, kind "template": {"sections": [...]})
# and the disabled list.
TABLES["dictionary_words"] = (_fields("id:id", "word:str", "added_at:instant"), ("id",))
TABLES["note_templates"] = (
    _fields(
        "id:id", "template_id:str", "version:int", "name:str", "kind:str", "body:template:long",
        "created_at:instant",
    ),
    ("id",),
)  # fmt: skip
TABLES["disabled_templates"] = (
    _fields("template_id:str", "disabled_at:instant"),
    ("template_id",),
)
TABLES["snippets"] = (
    _fields("id:id", "trigger:str", "body:str:long", "created_at:instant", "updated_at:instant"),
    ("id",),
)
SETTINGS = SETTINGS | {"spelling.language", "spelling.enabled"}
ADDED_IN_4 = ("dictionary_words", "note_templates", "disabled_templates", "snippets")
_TEMPLATE_BODY = {"sections": [{"key": str, "title": str, "prompt": str, "required": bool}]}

# Tables a document older than format 6 does not have (empty when it is read).
ADDED_IN_6 = ("appointment_series", "appointments", "appointment_clients")

# Columns a version-1 document does not have (null when it is read).
ADDED_IN_2 = {"notes": ("signed_by", "voided_by"), "addenda": ("signed_by",)}

# --- billing (format 3) ---------------------------------------------------------------
# Amounts are integer cents ("cents": signed, at most 99,999,999.99 either way). The
# schema's CHECKs (store/migrations/m0008_billing.py) refuse kinds, methods and codes
# outside their lists at import.
MAX_CENTS = 99_999_999_99
BILLING_TABLES: dict[str, tuple[tuple[Field, ...], tuple[str, ...]]] = {
    "fee_schedule": (
        _fields(
            "id:id", "code:str", "client_id:id?", "amount_cents:cents", "effective_from:date",
            "created_at:instant",
        ),
        ("id",),
    ),
    "ledger": (
        _fields(
            "id:id", "client_id:id", "kind:str", "entry_date:date", "amount_cents:cents",
            "session_id:id?", "service_code:str", "method:str", "reference:str", "reason:str",
            "applies_to:id?", "created_at:instant",
        ),
        ("id",),
    ),
    "allocations": (
        _fields("id:id", "payment_id:id", "charge_id:id", "amount_cents:cents"), ("id",)
    ),
}  # fmt: skip
TABLES.update(BILLING_TABLES)
SETTINGS = SETTINGS | {"billing.currency", "billing_retention_years"}

# --- supervision (format 7, issue 17 phase B) ----------------------------------------
# A co-signature's content hash chains it to its note's (domain/review.py); a
# co-signature or comment stands under a record note (never a psychotherapy note). The
# logins they name are names, not keys: an import brings no user back (the owner adds
# users again; a restore from a backup brings them back).
SUPERVISION_TABLES: dict[str, tuple[tuple[Field, ...], tuple[str, ...]]] = {
    "cosignatures": (
        _fields(
            "id:id", "note_id:id", "login:str", "signature_line:str", "signed_at:instant",
            "content_hash:sha256",
        ),
        ("id",),
    ),
    "review_comments": (
        _fields("id:id", "note_id:id", "login:str", "body:str:long", "created_at:instant"),
        ("id",),
    ),
    "signature_lines": (_fields("login:str", "line:str", "updated_at:instant"), ("login",)),
}  # fmt: skip
TABLES.update(SUPERVISION_TABLES)
ADDED_IN_7 = tuple(SUPERVISION_TABLES)

PRACTICE_FIELDS = _fields(
    "name:str", "address:str", "phone:str", "tax_id:str", "npi:str", "place_of_service:str"
)


def _check_cents(where: str, value: Any) -> None:
    if type(value) is not int or not -MAX_CENTS <= value <= MAX_CENTS:
        raise _refuse(where, "expected a whole number of cents (at most 99,999,999.99)")


def _check_object(where: str, value: Any, fields: tuple[Field, ...]) -> bool:
    """A top-level object or null (`profile`, `practice`): exactly its fields, each of
    its kind. False for null."""
    if value is None:
        return False
    if type(value) is not dict:
        raise _refuse(where, "expected an object or null")
    names = {f.name for f in fields}
    if set(value) != names:
        missing = sorted(names - set(value))
        raise _refuse(where, f"missing field {missing[0]!r}" if missing else "unknown field")
    for field in fields:
        _check_value(f"{where}.{field.name}", field, value[field.name])
    return True


def _check_practice(practice: Any) -> None:
    if not _check_object("practice", practice, PRACTICE_FIELDS):
        return
    try:
        valid = Practice(**practice).validated()
    except InputError:
        raise _refuse("practice", "a name, and a valid tax id, NPI and place of service") from None
    if asdict(valid) != practice:
        raise _refuse("practice", "not in the form the app writes (extra spaces)")


# The clinician profile (domain/profile.py), or null when none was set.
PROFILE_FIELDS = _fields(
    "name:str", "credentials:str", "license_number:str", "license_state:str", "npi:str"
)

JSON_COLUMNS = frozenset(
    f"{t}.{f.name}"
    for t, (fs, _) in TABLES.items()
    for f in fs
    if f.kind in {"sections", "plan", "template", "answers"}
)
BOOL_COLUMNS = frozenset(
    f"{t}.{f.name}" for t, (fs, _) in TABLES.items() for f in fs if f.kind == "bool"
)


def encode(document: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a document (see the module docstring)."""
    ordered = dict(document)
    for table, (_, order) in TABLES.items():
        ordered[table] = sorted(document[table], key=lambda r: tuple(r[k] for k in order))
    text = json.dumps(ordered, sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _refuse(where: str, problem: str) -> ImportRefused:
    return ImportRefused(f"{where}: {problem}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _refuse("file", "an object has the same key twice")
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise _refuse("file", f"{name} is not valid JSON")


def _check_unicode(where: str, text: str) -> None:
    """JSON can spell an unpaired surrogate (\\ud800), which no UTF-8 text can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(where, "text that is not valid Unicode") from None


def _check_value(where: str, field: Field, value: Any) -> None:
    if value is None:
        if not field.optional:
            raise _refuse(where, "must not be null")
        return
    kind = field.kind
    if kind in {"id", "int"}:
        _check_number(where, kind, value)
    elif kind == "cents":
        _check_cents(where, value)
    elif kind == "bool":
        if type(value) is not bool:
            raise _refuse(where, "expected true or false")
    elif kind in {"date", "instant"}:
        _check_when(where, kind, value)
    elif kind in {"str", "sha256"}:
        _check_text(where, field, value)
    elif kind == "answers":
        _check_answer_list(where, value)
    else:
        _check_json(where, field, value)


def _check_text(where: str, field: Field, value: Any) -> None:
    if type(value) is not str:
        raise _refuse(where, "expected a string")
    if len(value) > field.limit:
        raise _refuse(where, f"text longer than {field.limit} characters")
    _check_unicode(where, value)
    if field.kind == "sha256" and not SHA256.fullmatch(value):
        raise _refuse(where, "expected a SHA-256 digest (64 lowercase hex digits)")


def _check_answer_list(where: str, value: Any) -> None:
    if type(value) is not list or not all(type(a) is int for a in value):
        raise _refuse(where, "expected an array of whole numbers")
    if len(value) > 100:
        raise _refuse(where, "more answers than any measure has")


def _check_measures(rows: list[dict[str, Any]]) -> None:
    """Each measure's answers fit its instrument, and its total and flag follow."""
    for i, row in enumerate(rows):
        where = f"measure_responses[{i}]"
        definition = measures.INSTRUMENTS.get(row["instrument"])
        if definition is None:
            raise _refuse(f"{where}.instrument", "not a measure this app knows")
        try:
            scored = measures.score(definition, row["answers"])
        except InputError:
            raise _refuse(f"{where}.answers", "do not fit the measure's items and scale") from None
        if scored.total != row["total"]:
            raise _refuse(f"{where}.total", "is not the sum of the answers")
        if bool(scored.risks) != row["risk"]:
            raise _refuse(f"{where}.risk", "does not follow from the answers")
        if (row["addressed_at"] is None) != (row["addressed_note"] is None) or (
            row["addressed_at"] is not None and not row["risk"]
        ):
            raise _refuse(f"{where}.addressed_at", "set without a flag or a note")


def _check_number(where: str, kind: str, value: Any) -> None:
    if type(value) is not int or not (kind == "int" or 1 <= value <= MAX_ID):
        raise _refuse(
            where,
            "expected a positive whole number" if kind == "id" else "expected a whole number",
        )
    if kind == "int" and not 0 <= value <= MAX_ID:
        raise _refuse(where, "number out of range")


def _check_when(where: str, kind: str, value: Any) -> None:
    """A real calendar date (YYYY-MM-DD) or instant (YYYY-MM-DDTHH:MM:SSZ)."""
    if type(value) is not str:
        raise _refuse(where, "expected a string")
    if kind == "date":
        if not DATE_SHAPE.fullmatch(value):
            raise _refuse(where, "expected a date as YYYY-MM-DD")
        try:
            date.fromisoformat(value)
        except ValueError:
            raise _refuse(where, f"{value} is not a real date") from None
        return
    if not INSTANT_SHAPE.fullmatch(value):
        raise _refuse(where, "expected a time as YYYY-MM-DDTHH:MM:SSZ")
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")  # noqa: DTZ007 - only checked
    except ValueError:
        raise _refuse(where, f"{value} is not a real date and time") from None


def _check_json(where: str, field: Field, value: Any) -> None:
    if type(value) is not dict:
        raise _refuse(where, "expected an object")
    if field.kind == "sections" and not all(type(v) is str for v in value.values()):
        raise _refuse(where, "every section must be a string")
    if field.kind == "plan" and not _is_plan(value):
        raise _refuse(where, "not a treatment plan (problems, goals, objectives)")
    if field.kind == "template" and not _is_shaped(value, _TEMPLATE_BODY):
        raise _refuse(where, "not a template body (sections with key, title, prompt, required)")
    text = canonical_json(value)
    if len(text) > field.limit:
        raise _refuse(where, f"content longer than {field.limit} characters")
    _check_unicode(where, text)


def _is_shaped(value: Any, shape: Mapping[str, Any]) -> bool:
    """`value` is an object with exactly the keys of `shape`, each of the type named
    there: str, bool, "date?" (a string or null), or a one-element list [item shape]."""
    if type(value) is not dict or set(value) != set(shape):
        return False
    for key, want in shape.items():
        got = value[key]
        if isinstance(want, list):
            item = want[0]
            if type(got) is not list or not all(
                type(x) is str if item is str else _is_shaped(x, item) for x in got
            ):
                return False
        elif want == "date?":
            if got is not None and type(got) is not str:
                return False
        elif type(got) is not want:
            return False
    return True


_OBJECTIVE = {"text": str, "target_date": "date?", "met": bool}
_GOAL = {"text": str, "objectives": [_OBJECTIVE], "interventions": [str]}
_PLAN = {"problems": [{"text": str, "goals": [_GOAL]}]}


def _is_plan(value: Any) -> bool:
    """A treatment plan body exactly as the vault writes it (store/plans.py encode)."""
    return _is_shaped(value, _PLAN)


def _check_rows(table: str, rows: Any) -> None:
    fields, _ = TABLES[table]
    names = {f.name for f in fields}
    if type(rows) is not list:
        raise _refuse(table, "expected an array")
    for i, row in enumerate(rows):
        where = f"{table}[{i}]"
        if type(row) is not dict:
            raise _refuse(where, "expected an object")
        if set(row) != names:  # names from the file are never echoed: they could be anything
            missing = sorted(names - set(row))
            problem = f"missing field {missing[0]!r}" if missing else "unknown field"
            raise _refuse(where, problem)
        for field in fields:
            _check_value(f"{where}.{field.name}", field, row[field.name])


def _check_settings(settings: Any) -> None:
    if type(settings) is not dict:
        raise _refuse("settings", "expected an object")
    for key, value in settings.items():
        if key not in SETTINGS:
            raise _refuse("settings", "unknown setting (only non-secret settings are imported)")
        if type(value) is not str or len(value) > SHORT:
            raise _refuse(f"settings.{key}", "expected a short string")
        _check_unicode(f"settings.{key}", value)


def _check_profile(profile: Any) -> None:
    if not _check_object("profile", profile, PROFILE_FIELDS):
        return
    try:
        valid = ClinicianProfile(**profile).validated()
    except InvalidNpi:
        raise _refuse("profile.npi", "not a valid NPI (its check digit does not match)") from None
    except InvalidLicenseState:
        raise _refuse("profile.license_state", "not a US state code or a region name") from None
    except InputError:
        raise _refuse("profile", "name, credentials and licence number are needed") from None
    if asdict(valid) != profile:
        raise _refuse("profile", "not in the form the app writes (extra spaces, lower case)")


def added_after(version: int) -> tuple[str, ...]:
    """The top-level keys a document of `version` does not have (read as empty/null)."""
    added_in = {
        3: ("practice", *BILLING_TABLES),
        4: ADDED_IN_4,
        5: ("measure_responses",),
        6: ADDED_IN_6,
        7: ADDED_IN_7,
    }
    return tuple(key for v, keys in sorted(added_in.items()) if v > version for key in keys)


def _from_version_1(document: dict[str, Any]) -> None:
    """A version-1 document in the current shape: no profile, null signers."""
    if "profile" in document:
        raise _refuse("file", "unknown key")
    document["profile"] = None
    for table, added in ADDED_IN_2.items():
        rows = document.get(table)
        for i, row in enumerate(rows if type(rows) is list else []):
            if type(row) is dict:
                if any(name in row for name in added):
                    raise _refuse(f"{table}[{i}]", "unknown field")
                row.update(dict.fromkeys(added))
    document["format_version"] = FORMAT_VERSION


def _upgrade(document: dict[str, Any], version: int) -> None:
    """An older document in the current shape: what later formats added is read as
    empty (no rows) or null (no practice); an older document that has it is refused.
    Importing one from before the schedule makes each session an attended appointment,
    as the vault's migration does (services/portable.py)."""
    if version == 1:
        _from_version_1(document)
    for key in added_after(version):
        if key in document:
            raise _refuse("file", "unknown key")
        document[key] = None if key == "practice" else []
    document["format_version"] = FORMAT_VERSION


def decode(raw: bytes) -> dict[str, Any]:
    """Parse and validate a document; ImportRefused on the first problem found. Older
    versions come back in the current shape (see the module docstring)."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _refuse("file", "larger than the 1 GiB this version reads")
    try:
        document = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constants
        )
    except UnicodeDecodeError:
        raise _refuse("file", "not UTF-8 text") from None
    except RecursionError:
        raise _refuse("file", "nested too deeply") from None
    except ValueError:
        raise _refuse("file", "not valid JSON") from None
    if type(document) is not dict:
        raise _refuse("file", "expected a JSON object at the top")
    if document.get("format") != FORMAT:
        raise _refuse("format", f"not a {FORMAT} file")
    version = document.get("format_version")
    if version not in READS_VERSIONS or type(version) is not int:
        raise _refuse(
            "format_version", f"unknown version (this app reads versions 1 to {FORMAT_VERSION})"
        )
    _upgrade(document, version)
    expected = {"format", "format_version", "settings", "profile", "practice", *TABLES}
    if set(document) != expected:
        missing = sorted(expected - set(document))
        raise _refuse("file", f"missing key {missing[0]!r}" if missing else "unknown key")
    _check_settings(document["settings"])
    _check_profile(document["profile"])
    _check_practice(document["practice"])
    for table in TABLES:
        _check_rows(table, document[table])
    _check_measures(document["measure_responses"])
    _check_appointments(document["appointments"], document["appointment_clients"])
    return document


def _check_appointments(rows: list[dict[str, Any]], clients: list[dict[str, Any]]) -> None:
    """Every appointment is someone's: the app never books one without a client, and a
    purge removes those left with none (a file without them would not read back)."""
    booked = {row["appointment_id"] for row in clients}
    for i, row in enumerate(rows):
        if row["id"] not in booked:
            raise _refuse(f"appointments[{i}]", "has no client in appointment_clients")
