"""Child process for test_kill_strengthen: in a loop until it is killed, puts a weak
passphrase slot in place (t = 1) and lets KeyChanges.strengthen re-wrap it (t = 8).
argv: vault folder."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import keyring

from tests.support.cheap_kdf import CHEAP_M_KIB, CHEAP_P, enable
from tests.support.filekeyring import FileKeyring
from tests.support.vaults import STRONG
from tests.trust.key_change_child import open_session
from therapynotes.security import kdf
from therapynotes.services import key_file
from therapynotes.services.vault import VaultService

RAISED = (CHEAP_M_KIB, 8, CHEAP_P)


def main() -> None:
    enable()
    kdf._test_profile = RAISED  # the ceiling the re-wrap aims for (see kdf.stronger)
    keyring.set_keyring(FileKeyring())
    svc = VaultService(Path(sys.argv[1]))
    for i in itertools.count():
        session = open_session(svc, STRONG)
        doc = session.doc
        device = key_file.device_secret(doc)
        weak = kdf.KdfParams(CHEAP_M_KIB, 1, CHEAP_P, kdf.new_salt())
        local = key_file.seal_local(
            session.dek,
            passphrase=STRONG,
            device=device,
            params=weak,
            vault_id=doc.vault_id,
            binding=doc.device_binding,
        )
        session.doc = key_file.replace_doc(doc, local=local)
        key_file.write_keys(svc.paths, session.doc, session.dek)
        if not svc._key_changes.strengthen(session, STRONG, 1e-5):
            raise SystemExit("not re-wrapped")
        session.lock()
        print(i, flush=True)


if __name__ == "__main__":
    main()
