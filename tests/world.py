"""A small world for tests of the register: calling a verb as a command does, a delivery
package, a notification file. Synthetic persons have temporary identity codes (900–999)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from sosdata import codes, components, identity, organisers
from sosdata.app import Register
from sosdata.config import Settings
from sosdata.periods import Quarter

Q1 = Quarter.parse("2023Q1")
EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "notification.yaml"


def call(settings: Settings, user_id: str, verb: str, *args: Any, **kwargs: Any) -> Any:
    """``Register(settings).<verb>(actor of user_id, *args, **kwargs)``."""
    with Register(settings) as register:
        return getattr(register, verb)(register.actor(user_id), *args, **kwargs)


def notification_file(county: str, path: Path) -> Path:
    """The example notification, for the whole of ``county``."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["answers"]["county"] = county
    data["answers"]["municipalities"] = codes.municipalities_of(county)
    data["answers"]["group_name"] = f"Koko alue {county}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def delivery_package(folder: Path, org: organisers.Organiser, *, first: int) -> Path:
    """A one-component delivery of three synthetic clients (temporary identity codes)."""
    folder.mkdir(parents=True)
    periods = components.get("asiakkuusjaksot")
    manifest = {
        "versio": "1",
        "jarjestaja": org.oid,
        "kuntaryhma": "Koko alue",
        "seurantajakso": str(Q1),
        "osat": [periods.name],
        "kuvaus": "Test extraction.",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    row = {
        "jarjestaja": org.oid,
        "kotikunta": org.municipalities[0],
        "sukupuoli": "2",
        "palvelutehtava": "1",
        "alkupvm": "2022-05-01",
    }
    lines = [";".join(periods.column_names)] + [
        ";".join(
            (row | {"henkilotunnus": identity.make(Q1.start.replace(year=1950), 900 + n)}).get(
                c, ""
            )
            for c in periods.column_names
        )
        for n in range(first, first + 3)
    ]
    (folder / periods.filename).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(shutil.make_archive(str(folder), "zip", folder))
