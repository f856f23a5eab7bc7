"""File-level faults: copies of a good delivery broken in one way each, so that the validator's
rejection of whole deliveries can be checked. They live apart from the good deliveries."""

from __future__ import annotations

import json
from collections.abc import Callable

from sosdata.delivery import rules as r
from sosdata.synth.deliveries import manifest_bytes

Members = list[tuple[str, bytes]]


def _first_csv(members: Members) -> int:
    return next(i for i, (name, _) in enumerate(members) if name.endswith(".csv"))


def _replace(members: Members, index: int, data: bytes) -> Members:
    out = list(members)
    out[index] = (out[index][0], data)
    return out


def _not_utf8(members: Members) -> Members:
    i = _first_csv(members)
    lines = members[i][1].split(b"\n")
    # a Latin-1 "ä" in the third line's home municipality field
    target = min(2, len(lines) - 2)
    lines[target] = lines[target].replace(b";", b";\xe4", 1)
    return _replace(members, i, b"\n".join(lines))


def _ragged(members: Members) -> Members:
    i = _first_csv(members)
    lines = members[i][1].split(b"\n")
    target = min(3, len(lines) - 2)
    lines[target] += b";ylimaarainen"
    return _replace(members, i, b"\n".join(lines))


def _delimiter(members: Members) -> Members:
    i = _first_csv(members)
    return _replace(members, i, members[i][1].replace(b";", b","))


def _no_manifest(members: Members) -> Members:
    return [m for m in members if m[0] != "manifest.json"]


def _unknown_file(members: Members) -> Members:
    return [*members, ("muistiinpanot.txt", "Poiminta tehty käsin.\n".encode())]


def _manifest(members: Members, change: Callable[[dict], None]) -> Members:
    manifest = json.loads(members[0][1])
    change(manifest)
    return [("manifest.json", manifest_bytes(manifest)), *members[1:]]


def _next_period(manifest: dict) -> None:
    year, quarter = int(manifest["seurantajakso"][:4]), int(manifest["seurantajakso"][5])
    manifest["seurantajakso"] = f"{year + quarter // 4}Q{quarter % 4 + 1}"


def _undeclared(manifest: dict) -> None:
    manifest["osat"] = manifest["osat"][1:]


def _header_missing(members: Members) -> Members:
    i = _first_csv(members)
    rows = [line.split(b";") for line in members[i][1].split(b"\n")]
    kept = [b";".join(cells[:2] + cells[3:]) if len(cells) > 1 else b"" for cells in rows]
    return _replace(members, i, b"\n".join(kept))


#: name of the faulty copy → (the file-level rule it must trigger, how to break the members)
FAULTS: dict[str, tuple[str, Callable[[Members], Members]]] = {
    "not-utf8": (r.FILE_NOT_UTF8, _not_utf8),
    "ragged-row": (r.FILE_RAGGED_ROW, _ragged),
    "wrong-delimiter": (r.FILE_DELIMITER, _delimiter),
    "no-manifest": (r.MANIFEST_MISSING, _no_manifest),
    "unknown-file": (r.FILE_UNKNOWN, _unknown_file),
    "period-mismatch": (r.MANIFEST_PERIOD_MISMATCH, lambda m: _manifest(m, _next_period)),
    "component-not-declared": (r.COMPONENT_NOT_DECLARED, lambda m: _manifest(m, _undeclared)),
    "header-missing": (r.FILE_HEADER_MISSING, _header_missing),
}
