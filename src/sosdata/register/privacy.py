"""Re-identification: the one place an identity code is decrypted (SPEC §11).

Only a register keeper may turn pseudonyms back into identity codes, only with a stated reason,
and every such read is written to the audit log before anything is decrypted.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sosdata.config import Settings
from sosdata.register import audit, store, users
from sosdata.register.crypto import IdentityCipher


def reidentify(
    settings: Settings, pseudonyms: Sequence[str], user_id: str, *, reason: str
) -> pl.DataFrame:
    """``pseudonym``, ``henkilotunnus`` of the given persons known to the register."""
    wanted = pl.DataFrame({"pseudonym": list(pseudonyms)}, schema={"pseudonym": pl.String})
    with store.opened(settings) as conn:
        user = users.get(conn, user_id)
        user.require_keeper("re-identify persons")
        audit.record(
            conn,
            user.user_id,
            "reidentify",
            f"{len(pseudonyms)} pseudonyms",
            reason,
            rows=len(pseudonyms),
        )
        found = store.frame(
            conn,
            "SELECT p.pseudonym, p.identity_enc FROM persons p "
            "SEMI JOIN wanted w USING (pseudonym) ORDER BY p.pseudonym",
            wanted=wanted,
        )
    cipher = IdentityCipher.from_settings(settings)
    return found.select(
        "pseudonym",
        henkilotunnus=cipher.decrypt_series(found["identity_enc"], found["pseudonym"]),
    )
