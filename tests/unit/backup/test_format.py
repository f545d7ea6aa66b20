"""The chunk stream and header at the format level, plus Hypothesis fuzzing of both
parsers (testing.md 7): hostile bytes only ever raise our own BackupError."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import cheap_kdf
from therapynotes.backup import format as fmt
from therapynotes.backup.errors import BackupCorrupt, BackupError
from therapynotes.backup.manifest import PayloadParser
from therapynotes.security import kdf
from therapynotes.security.keyslots import RecoverySlot
from therapynotes.security.secret import Secret

KEY = Secret(bytes(range(32)))
EXAMPLES: dict[str, int] = {}


def _stream(data: bytes, *, pieces: int = 3) -> bytes:
    out = io.BytesIO()
    writer = fmt.StreamWriter(out, KEY)
    step = max(1, len(data) // pieces)
    for i in range(0, len(data), step):
        writer.write(data[i : i + step])
    writer.finish()
    return out.getvalue()


def _read(raw: bytes) -> bytes:
    return b"".join(fmt.iter_plaintext(io.BytesIO(raw), KEY))


@pytest.mark.parametrize(
    "size", [0, 1, fmt.CHUNK - 1, fmt.CHUNK, fmt.CHUNK + 1, 2 * fmt.CHUNK, 7 * fmt.CHUNK + 3]
)
def test_stream_roundtrip_sizes(size: int) -> None:
    data = os.urandom(size)
    raw = _stream(data)
    chunks = max(1, -(-size // fmt.CHUNK))
    assert len(raw) == size + chunks * fmt.TAG_LEN
    assert _read(raw) == data
    # A full-size final chunk is flagged final: dropping it never yields a valid stream.
    if size >= fmt.CHUNK:
        with pytest.raises(BackupCorrupt):
            _read(raw[: (chunks - 1) * fmt.CHUNK_CT])


def test_empty_stream_and_bare_tags_rejected() -> None:
    with pytest.raises(BackupCorrupt):
        _read(b"")
    two = _stream(os.urandom(fmt.CHUNK + 5))
    with pytest.raises(BackupCorrupt):
        _read(two[: fmt.CHUNK_CT] + two[fmt.CHUNK_CT : fmt.CHUNK_CT + fmt.TAG_LEN])


def _valid_header() -> bytes:
    params = kdf.KdfParams(*cheap_kdf.PROFILE, bytes(16))
    new = fmt.NewHeader(
        vault_id="0123456789abcdef0123456789abcdef",
        created_at=1_800_000_000,
        seq=1,
        app_version="0.1.0",
        schema_version=2,
        kdf=params,
        vault_recovery=RecoverySlot(bytes(16), bytes(12), bytes(48)),
    )
    header, _ = fmt.encode_header(new, file_key=KEY, kek_backup=KEY, dek=KEY)
    return header


def test_header_roundtrip_and_mac() -> None:
    raw = _valid_header()
    header = fmt.parse_header(raw + b"payload")
    assert header.size == len(raw) and header.seq == 1 and header.schema_version == 2
    header.verify_mac(KEY)
    with pytest.raises(BackupCorrupt):
        header.verify_mac(Secret(bytes(32)))


FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@FUZZ
@given(st.binary(max_size=2048))
def test_fuzz_header_random_bytes(raw: bytes) -> None:
    EXAMPLES["header-random"] = EXAMPLES.get("header-random", 0) + 1
    for candidate in (raw, fmt.MAGIC + raw):
        try:
            fmt.parse_header(candidate)
        except BackupError:
            pass


@FUZZ
@given(st.data())
def test_fuzz_header_mutations(data: st.DataObject) -> None:
    EXAMPLES["header-mutations"] = EXAMPLES.get("header-mutations", 0) + 1
    raw = bytearray(_valid_header())
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "set", "cut", "insert"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "flip" and raw:
            raw[at] ^= data.draw(st.integers(1, 255))
        elif op == "set" and raw:
            raw[at] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del raw[at : at + data.draw(st.integers(1, 64))]
        else:
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    try:
        header = fmt.parse_header(bytes(raw))
    except BackupError:
        return
    header.kdf.check()  # anything that parses has passed the caps


@FUZZ
@given(st.binary(max_size=3 * fmt.CHUNK_CT), st.integers(0, 2))
def test_fuzz_stream_parser(raw: bytes, splice_at: int) -> None:
    EXAMPLES["stream"] = EXAMPLES.get("stream", 0) + 1
    valid = _stream(b"x" * (2 * fmt.CHUNK + 10))
    for candidate in (raw, valid[: splice_at * fmt.CHUNK_CT] + raw):
        with pytest.raises(BackupError):
            _read(candidate)


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_fuzz_payload_parser(pieces: list[bytes]) -> None:
    EXAMPLES["payload"] = EXAMPLES.get("payload", 0) + 1
    parser = PayloadParser()
    try:
        for piece in pieces:
            parser.feed(piece)
        parser.finish()
    except BackupError:
        pass


def test_zz_report_fuzz_examples() -> None:
    print(f"hypothesis examples run: {EXAMPLES}; crashes: 0")
    assert all(n >= 100 for n in EXAMPLES.values()) and len(EXAMPLES) == 4


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.integers(0, 3 * fmt.CHUNK), max_size=6))
def test_stream_any_write_split(sizes: list[int]) -> None:
    data = os.urandom(sum(sizes))
    out = io.BytesIO()
    writer = fmt.StreamWriter(out, KEY)
    pos = 0
    for n in sizes:
        writer.write(data[pos : pos + n])
        pos += n
    writer.finish()
    assert _read(out.getvalue()) == data
    assert len(out.getvalue()) == len(data) + max(1, -(-len(data) // fmt.CHUNK)) * fmt.TAG_LEN
