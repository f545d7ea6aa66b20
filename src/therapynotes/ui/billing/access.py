"""The UI's door to billing: a BillingService behind the session's database lock, like
RecordsAccess for the record (ui/records_access.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject

from therapynotes.services.billing import BillingService
from therapynotes.ui.ops import Op
from therapynotes.ui.records_access import RecordsAccess

T = TypeVar("T")


class BillingAccess:
    def __init__(self, records: RecordsAccess) -> None:
        session = records.service.session
        self.session = session
        self.service = BillingService(session, clock=records.clock)
        self.clock = records.clock
        self._lock = session.db_lock

    def call(self, fn: Callable[[BillingService], T]) -> T:
        with self._lock:
            return fn(self.service)

    def op(self, parent: QObject, fn: Callable[[BillingService], T]) -> Op[T]:
        """Background work on the one database worker; `.success(...).run(database=True)`."""
        return Op(parent, lambda: self.call(fn))
