"""Keystroke-to-paint in a 2,000-word note, spell check on vs off.

A real note field (SectionEditor, shown offscreen) holds a 2,000-word note of clinical
prose with a misspelt word in about every 40; the bench types characters at the end of
it and times, per keystroke, the key event (which re-checks the changed paragraph) plus
a synchronous repaint of the field. Twice: the note as 20 paragraphs, and as one
2,000-word paragraph (the worst case: Qt re-checks the whole paragraph on each key).
Target: < 16 ms per keystroke (one frame at 60 Hz). Not a test: nothing asserts.

Usage: .venv/bin/python -m bench.spell_bench [--keys N]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyotp  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bench.common import machine, summary, use_bench_keyring  # noqa: E402
from therapynotes.domain import demo_text  # noqa: E402
from therapynotes.services.vault import VaultService  # noqa: E402
from therapynotes.ui.note_editor import SectionEditor  # noqa: E402
from therapynotes.ui.records_access import RecordsAccess  # noqa: E402
from therapynotes.ui.spelling.access import Spelling, spelling_for  # noqa: E402

PASSPHRASE = "orange piano little sunset"
WORDS = 2000
TYPOS = ("recieve", "seperate", "adress", "enviroment", "occured", "definately")
KINDS = ("feeling", "topic", "observation", "intervention", "response", "plan")


def note_text(paragraphs: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    words: list[str] = []
    while len(words) < WORDS:
        words.extend(demo_text.sentence(rng, rng.choice(KINDS)).split())
    words = words[:WORDS]
    for i in range(0, WORDS, 40):
        words[i] = rng.choice(TYPOS)
    per = WORDS // paragraphs
    return "\n".join(" ".join(words[i : i + per]) for i in range(0, WORDS, per))


def keystrokes(editor: SectionEditor, keys: int) -> list[float]:
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    samples = []
    for i in range(keys):
        key = Qt.Key.Key_Space if i % 6 == 5 else Qt.Key.Key_A + (i * 7) % 26
        started = time.perf_counter()
        QTest.keyClick(editor, Qt.Key(key), Qt.KeyboardModifier.NoModifier)
        editor.viewport().repaint()
        samples.append(time.perf_counter() - started)
    return samples


def run(spelling: Spelling | None, paragraphs: int, keys: int) -> str:
    editor = SectionEditor("Subjective", "")
    editor.resize(900, 700)
    editor.show()
    editor.load(note_text(paragraphs))
    if spelling is not None:
        editor.check_spelling(spelling)
    QApplication.processEvents()
    samples = keystrokes(editor, keys)
    editor.close()
    editor.deleteLater()
    return summary(samples) + f", max {max(samples) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    use_bench_keyring()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        vault = VaultService(Path(tmp) / "vault")
        created = vault.create(PASSPHRASE, passphrase_only=True)
        session = vault.unlock(PASSPHRASE, pyotp.TOTP(created.totp_secret).now())
        try:
            records = RecordsAccess(session, clock=time.time)
            started = time.perf_counter()
            spelling = spelling_for(records)
            print(f"spell checker ready in {(time.perf_counter() - started) * 1000:.0f} ms")
            for paragraphs in (20, 1):
                shape = f"{WORDS} words in {paragraphs} paragraph{'s' if paragraphs > 1 else ''}"
                print(f"{shape}, spell check off: {run(None, paragraphs, args.keys)}")
                print(f"{shape}, spell check on:  {run(spelling, paragraphs, args.keys)}")
        finally:
            session.lock("bench finished")
    del app


if __name__ == "__main__":
    main()
