"""Re-identification: the one place an identity code is decrypted (SPEC §11).

Only a register keeper may turn pseudonyms back into identity codes (the access policy says so),
only with a stated reason, and every such read is written to the audit log before anything is
decrypted.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from sosdata.config import Settings
from sosdata.register import audit, store
from sosdata.register.crypto import IdentityCipher


def reidentify(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    pseudonyms: Sequence[str],
    *,
    read_by: str,
    reason: str,
) -> pl.DataFrame:
    """``pseudonym``, ``henkilotunnus`` of the given persons known to the register (audited)."""
    wanted = pl.DataFrame({"pseudonym": list(pseudonyms)}, schema={"pseudonym": pl.String})
    audit.record(
        conn,
        read_by,
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
