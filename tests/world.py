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


def two_organisers(register: Register, tmp: Path, keeper_id: str = "keeper") -> dict[str, dict]:
    """The organisers of counties 01 (``mine``) and 02 (``theirs``), each with a delivery, a
    notification, a finished job, a notification draft, an API token of ``user`` and a Kanta
    batch's bookkeeping; 2023Q1 built and published twice. The users ``org`` and
    ``org-theirs`` must exist (organiser users of the two)."""
    from sosdata.notification.document import from_data, read_file

    registry = organisers.load()
    mine, theirs = registry.for_county("01"), registry.for_county("02")
    assert mine is not None and theirs is not None
    keeper = register.actor(keeper_id)
    worlds: dict[str, dict] = {}
    for name, org, user in (("mine", mine, "org"), ("theirs", theirs, "org-theirs")):
        delivered = register.submit(keeper, delivery_package(tmp / name, org, first=0))
        document = notification_file(org.county, tmp / f"{name}.yaml")
        saved = register.import_notification(keeper, document)
        worlds[name] = {
            "oid": org.oid,
            "county": org.county,
            "delivery": delivered.delivery_id,
            "package": delivery_package(tmp / f"{name}-again", org, first=50),
            "notification": saved.notification_id,
            "notification_file": document,
            "notification_document": from_data(read_file(document)[0])[0],
            "job": register.jobs.create(
                "submit", name, user_id=keeper_id, organiser=org.oid, state="done"
            ),
            "missing": tmp / "no-such-extract.parquet",
            "out": tmp / f"out-{name}",
            "user": user,
            "draft": register.save_draft(
                keeper, {"county": org.county}, round_="2023Q1", lang="fi", page="contact"
            ).draft_id,
            "token": register.create_token(keeper, user, name)[0].token_id,
        }
        # a Kanta batch's bookkeeping for the organiser (its rows do not matter here)
        batch = 900 + len(worlds)
        worlds[name]["kanta_batch"] = batch
        register.cursor().execute(
            "INSERT INTO kanta_batches VALUES (?, ?, now(), ?, 'extract.parquet', ?, '{}')",
            [batch, str(Q1), keeper_id, name],
        )
        register.cursor().execute(
            "INSERT INTO kanta_components VALUES (?, ?, 'asiakkuusjaksot', 0, true)",
            [batch, org.oid],
        ).fetchall()
    register.build(keeper, Q1)
    register.publish(keeper, Q1)  # publication 1
    register.publish(keeper, Q1)  # publication 2: a revision, if nothing changed an empty one
    return worlds
