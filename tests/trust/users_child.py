"""Child process for test_users_trust's kill walk: adds and removes a user, and every few
rounds rotates the data key with the users in place, until it is killed. argv: vault
folder, recovery key. The owner's second step is not what this walk is about: the
session is opened below it, and the owner's check of each change is its passphrase."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import keyring

from tests.support.cheap_kdf import enable
from tests.support.filekeyring import FileKeyring
from tests.support.users import ASSISTANT_PW
from tests.support.vaults import STRONG
from tests.trust.key_change_child import open_session
from therapynotes.services import users
from therapynotes.services.rotation import KeyRotation
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService

NAME = "Kim"


def main() -> None:
    enable()
    root, recovery_key = Path(sys.argv[1]), sys.argv[2]
    keyring.set_keyring(FileKeyring())

    def passphrase_only_gate(
        _admin: object, session: VaultSession, passphrase: str, _code: str
    ) -> None:
        from therapynotes.services.key_changes import _check_local  # noqa: PLC0415
        from therapynotes.services.key_file import device_secret  # noqa: PLC0415

        _check_local(session.doc, passphrase, device_secret(session.doc))

    users.UserAdmin._gate = passphrase_only_gate  # type: ignore[method-assign,assignment]
    svc = VaultService(root)
    for i in itertools.count():
        session = open_session(svc, STRONG)
        try:
            users.reconcile(session)  # as the owner's unlock does
            if session.doc.user(NAME.casefold()) is None:
                svc.add_user(
                    session, name=NAME, role="assistant", owner_passphrase=STRONG,
                    owner_code="-", user_passphrase=ASSISTANT_PW,
                )  # fmt: skip
                print(i, "added", flush=True)
            else:
                svc.remove_user(session, name=NAME, owner_passphrase=STRONG, owner_code="-")
                print(i, "removed", flush=True)
            if i % 3 == 2:
                KeyRotation(svc).rotate(session, STRONG, recovery_text=recovery_key)
                print(i, "rotated", flush=True)
        finally:
            session.lock()


if __name__ == "__main__":
    main()
