"""A practice with a team (issue 17), made below the window with the real services: the
owner's sample chart (signed, voided, psychotherapy and draft notes, each with a canary
word), an assistant and a supervisor with their own passphrases and authenticators."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from PySide6.QtCore import QThreadPool

from tests.conftest import STRONG
from tests.support.chart import SampleChart, build_sample_chart
from tests.ui.conftest import Harness
from therapynotes.domain.roles import Role
from therapynotes.services.records import RecordsService

ASSISTANT = "Sam Rivera"
SUPERVISOR = "Dr Lee"
ASSISTANT_PW = "marble canyon whistle lantern"
SUPERVISOR_PW = "quiet ember violin harbor"
CLINICAL_CANARIES = (
    "Signedcanary",
    "Addendumcanary",
    "Voidedcanary",
    "Processcanary",
    "Latecanary",
    "Plancanary",
)
PSYCHOTHERAPY_CANARY = "Processcanary"


@dataclass
class Team:
    chart: SampleChart
    secrets: dict[str, str]  # login name -> TOTP secret


def make_team(h: Harness, *, supervisor_line: bool = True) -> Team:
    """Before the window unlocks: the chart and two further logins."""
    vault = h.ctx.vault
    session = vault.unlock(STRONG, h.next_code())
    try:
        records = RecordsService(session, clock=h.clock)
        chart = build_sample_chart(records, h.clock)
        secrets = {}
        for name, role, passphrase in (
            (ASSISTANT, Role.ASSISTANT, ASSISTANT_PW),
            (SUPERVISOR, Role.SUPERVISOR, SUPERVISOR_PW),
        ):
            added = vault.add_user(
                session,
                name=name,
                role=role,
                owner_passphrase=STRONG,
                owner_code=h.next_code(),
                user_passphrase=passphrase,
            )
            secrets[name] = added.totp_secret
    finally:
        session.lock()
    if supervisor_line:
        from therapynotes.services import review  # noqa: PLC0415

        lee = unlock_below(h, SUPERVISOR, secrets)
        try:
            review.set_signature(lee, "Dr. R. Lee, PhD, licensed psychologist #12345")
        finally:
            lee.lock()
    h.window.show_unlock()  # the lock screen now knows the logins
    return Team(chart, secrets)


def unlock_below(h: Harness, name: str, secrets: dict[str, str]):  # type: ignore[no-untyped-def]
    passphrase = ASSISTANT_PW if name == ASSISTANT else SUPERVISOR_PW
    h.clock.advance(30)
    code = pyotp.TOTP(secrets[name]).at(h.clock())
    return h.ctx.vault.unlock(passphrase, code, user=name)


def unlock_as(h: Harness, team: Team, name: str) -> None:
    """Through the lock screen: choose the name, type the passphrase and their code."""
    h.qtbot.waitUntil(
        lambda: h.window.gate is not None and h.window.gate.isEnabled(), timeout=20000
    )
    view = h.unlock_view
    view.user.setCurrentIndex(view.logins.index(name))
    h.clock.advance(30)
    view.passphrase.setText(ASSISTANT_PW if name == ASSISTANT else SUPERVISOR_PW)
    view.code.setText(pyotp.TOTP(team.secrets[name]).at(h.clock()))
    view.unlock_button.click()
    h.qtbot.waitUntil(
        lambda: not view._busy and QThreadPool.globalInstance().activeThreadCount() == 0,
        timeout=20000,
    )
    h.qtbot.waitUntil(lambda: h.window.session is not None, timeout=20000)
