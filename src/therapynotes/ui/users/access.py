"""What a login's window holds (issue 17), decided in ONE place from the role policy
(services/policy.py `allowed`). The main window, the chart and the Settings page ask
`WindowAccess` which pages, chart tabs and actions to build; nothing else in ui/ looks at
the role. A part a role may not use is never built (not merely hidden or disabled), so no
menu item, shortcut or tab can reach it.

The services refuse what a role may not do whatever the window shows (roles17); this
module only keeps the window from offering it.
"""

from __future__ import annotations

from dataclasses import dataclass

from therapynotes.domain.roles import Login, Role
from therapynotes.services.policy import UseCase, allowed

# Each page of the sidebar and what it needs. Home is the clinician's desk (notes due,
# safety flags, the day's sessions to write up); Settings is everyone's (its sections
# follow the role, see `settings_sections`).
VIEW_USES: dict[str, tuple[UseCase, ...]] = {
    "home": (UseCase.WRITE_NOTES,),
    "schedule": (UseCase.SCHEDULE,),
    "clients": (UseCase.CLIENTS_READ,),
    "review": (UseCase.COSIGN,),
    "search": (UseCase.SEARCH,),
    "billing": (UseCase.BILLING,),
    "backups": (UseCase.BACKUP,),
    "settings": (),
}

# The chart's tabs (ui/client_view.py) and what each needs.
TAB_USES: dict[str, tuple[UseCase, ...]] = {
    "overview": (UseCase.CLIENTS_READ,),
    "sessions": (UseCase.READ_NOTES,),  # each session's note and its state
    "notes": (UseCase.READ_NOTES,),
    "plan": (UseCase.PLANS,),
    "diagnoses": (UseCase.DIAGNOSES,),
    "attachments": (UseCase.ATTACHMENTS,),
    "billing": (UseCase.BILLING,),
    "history": (UseCase.CLIENT_HISTORY,),
}

ROLE_WORDS = {
    Role.OWNER: "owner",
    Role.ASSISTANT: "assistant",
    Role.SUPERVISOR: "supervisor",
}


@dataclass(frozen=True)
class WindowAccess:
    """The window's parts for one login."""

    login: Login

    def may(self, use: UseCase) -> bool:
        return allowed(self.login.role, use)

    def _all(self, uses: tuple[UseCase, ...]) -> bool:
        return all(self.may(use) for use in uses)

    # --- pages and tabs ------------------------------------------------------------

    def views(self, view_ids: tuple[str, ...]) -> tuple[str, ...]:
        """The sidebar's pages this login has, in the sidebar's order."""
        return tuple(v for v in view_ids if v in VIEW_USES and self._all(VIEW_USES[v]))

    def first_view(self, view_ids: tuple[str, ...]) -> str:
        """Where an unlock lands when the remembered page is not this login's."""
        mine = self.views(view_ids)
        for view_id in ("home", "review", "schedule", "clients"):
            if view_id in mine:
                return view_id
        return mine[0] if mine else "settings"

    def tab(self, name: str) -> bool:
        return self._all(TAB_USES[name])

    # --- what the record allows ----------------------------------------------------

    @property
    def clinical(self) -> bool:
        """Reads clinical content (notes, plans, diagnoses): an assistant does not."""
        return self.may(UseCase.READ_NOTES)

    @property
    def writes_notes(self) -> bool:
        """New notes, signing, addenda, voiding: a supervisor reads only."""
        return self.may(UseCase.WRITE_NOTES)

    @property
    def edits_clients(self) -> bool:
        return self.may(UseCase.CLIENTS_WRITE)

    @property
    def psychotherapy_notes(self) -> bool:
        return self.may(UseCase.PSYCHOTHERAPY_NOTES)

    @property
    def cosigns(self) -> bool:
        return self.may(UseCase.COSIGN)

    @property
    def chart_pdf(self) -> bool:
        return self.may(UseCase.CHART_PDF)

    @property
    def measures(self) -> bool:
        return self.may(UseCase.MEASURES)

    @property
    def keeps_forms(self) -> bool:
        """Typed forms kept in the vault through a lock (ui/form_drafts.py): every login's
        (an assistant's in vault.db only: services/form_drafts.py)."""
        return self.may(UseCase.SHARED_DRAFTS)

    @property
    def owner(self) -> bool:
        return self.login.is_owner

    def who(self) -> str:
        """'Sam Rivera (assistant)': the status bar's and the window's words."""
        role = ROLE_WORDS[self.login.role]
        return role if self.login.name == role else f"{self.login.name} ({role})"
