"""A data-key rotation that keeps the root key R (issue 17 phase B).

A vault upgraded from key-file format 1 and never rotated has R as its shared key
(`keyslots.shared_is_root`): a user holding the shared key would hold R, and with it the
clinical key. Before its first user is added, the shared and clinical keys are replaced
by new random ones and both databases re-encrypted under them (services/rotation.py's
copy, check, commit and switch, with their crash rules). R stays, so the passphrase and
recovery slots, and the recovery key, are unchanged: nothing new to write down.
"""

from __future__ import annotations

import dataclasses

from therapynotes.security import keyslots
from therapynotes.security.secret import Secret
from therapynotes.services import users
from therapynotes.services.rotation import KeyRotation, RotationCheckFailed, RotationPlan
from therapynotes.services.session import VaultSession
from therapynotes.services.vault import VaultService
from therapynotes.store import rotation_files


def _quiet(_phase: str, _done: int, _total: int) -> None:
    return None


def rekey_data(vault: VaultService, session: VaultSession) -> None:
    """*Slow* (copies both databases). The session carries on under the new data keys."""
    rot = KeyRotation(vault)
    plan = RotationPlan(session, session.doc, Secret(b""), Secret(b""), None)
    with session.db_lock:
        doc = rot._current_doc(session)  # noqa: SLF001
        root = Secret(session.dek.reveal())
        new_keys = keyslots.new_bundle()
        try:
            rot._stage(plan, new_keys, _quiet, {}, new_root=root)  # noqa: SLF001
            data = keyslots.seal_data_keys(root=root, bundle=new_keys, vault_id=doc.vault_id)
            new_doc = users.regranted(session, dataclasses.replace(doc, data_keys=data), new_keys)
            check = keyslots.data_keys(new_doc, root)
            same = check == new_keys
            check.wipe()
            keyslots.verify_mac(keyslots.encode(new_doc, root), root)
            if not same:
                raise RotationCheckFailed("new data keys")
        except BaseException:
            rotation_files.remove_quietly(session.paths)
            root.wipe()
            new_keys.wipe()
            raise
        rot._commit(session, new_doc, root)  # noqa: SLF001
        rot._switch(session, new_doc, root, new_keys, _quiet)  # noqa: SLF001
