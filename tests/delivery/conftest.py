"""Building real delivery files (ZIP, folder, single CSV) for the validator's tests."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from sosdata import identity, organisers
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.delivery import validate_path
from sosdata.delivery.validate import ValidationResult
from sosdata.periods import Quarter

PERIOD = Quarter(2023, 1)
_REGISTER = organisers.load(None)
OID = _REGISTER.for_county("02").oid  # Keski-Uusimaa
OTHER_OID = _REGISTER.for_county("03").oid
OWN_MUNICIPALITY = "186"  # Järvenpää, served by OID
ADULT = identity.make(dt.date(1980, 5, 17), 901)  # odd number: male
CHILD = identity.make(dt.date(2015, 3, 2), 902)  # even number: female

BASE: dict[str, dict[str, str]] = {
    "asiakkuusjaksot": {
        "palvelutehtava": "1",
        "alkupvm": "2022-05-01",
        "loppupvm": "",
    },
    "lastensuojelu": {"alkupvm": "2022-05-01", "loppupvm": ""},
    "palvelupaatokset": {
        "sosiaalipalvelu": "7",
        "palvelutehtava": "1",
        "paatospvm": "2023-01-10",
        "voimassa_alkaen": "2023-01-15",
        "voimassa_asti": "",
        "paatoksen_tyyppi": "1",
    },
    "palvelutiedot": {
        "sosiaalipalvelu": "7",
        "palvelutehtava": "1",
        "alkupvm": "2023-01-15",
        "loppupvm": "",
    },
}


def row(component: str, **values: str) -> dict[str, str]:
    """A valid row of ``component`` for ADULT, with ``values`` changed."""
    out = {
        "jarjestaja": OID,
        "henkilotunnus": ADULT,
        "kotikunta": OWN_MUNICIPALITY,
        "sukupuoli": "1",
        **BASE[component],
        **values,
    }
    return {c: out[c] for c in COMPONENTS[component].column_names}


def csv_text(component: str, rows: list[dict[str, str]]) -> str:
    columns = COMPONENTS[component].column_names
    lines = [";".join(columns)] + [";".join(r[c] for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def manifest(components: list[str], **changes: object) -> dict[str, object]:
    return {
        "versio": "1",
        "jarjestaja": OID,
        "kuntaryhma": "Keski-Uusimaa",
        "seurantajakso": str(PERIOD),
        "osat": components,
        "rajaukset": {"vain_myonteiset": False},
        "kuvaus": "Poimittu asiakasjärjestelmästä; testiaineisto.",
        **changes,
    }


class Deliveries:
    """Writes packages under a temporary folder and validates them."""

    period = PERIOD
    oid = OID
    other_oid = OTHER_OID
    adult = ADULT
    child = CHILD
    row = staticmethod(row)
    csv_text = staticmethod(csv_text)
    manifest = staticmethod(manifest)

    def __init__(self, root: Path, settings: Settings):
        self.root = root
        self.settings = settings
        self.count = 0

    def _new(self, name: str) -> Path:
        self.count += 1
        return self.root / f"{self.count:03d}-{name}"

    def folder(
        self,
        files: dict[str, list[dict[str, str]] | str | bytes],
        manifest_data: dict[str, object] | str | bytes | None = None,
        *,
        with_manifest: bool = True,
    ) -> Path:
        """``files``: component name → rows, or file name → raw text/bytes."""
        target = self._new("delivery")
        target.mkdir(parents=True)
        for name, content in self._contents(files, manifest_data, with_manifest).items():
            (target / name).write_bytes(content)
        return target

    def zip(
        self,
        files: dict[str, list[dict[str, str]] | str | bytes],
        manifest_data: dict[str, object] | str | bytes | None = None,
        *,
        prefix: str = "",
    ) -> Path:
        target = self._new("delivery.zip")
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self._contents(files, manifest_data, True).items():
                archive.writestr(prefix + name, content)
        return target

    def csv(self, component: str, rows: list[dict[str, str]] | str | bytes, name: str = "") -> Path:
        target = self._new("single") / (name or COMPONENTS[component].filename)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self._bytes(component, rows))
        return target

    @staticmethod
    def _bytes(component: str, content: list[dict[str, str]] | str | bytes) -> bytes:
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode("utf-8")
        return csv_text(component, content).encode("utf-8")

    def _contents(self, files, manifest_data, with_manifest: bool) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        components = []
        for name, content in files.items():
            if name in COMPONENTS:
                components.append(name)
                out[COMPONENTS[name].filename] = self._bytes(name, content)
            else:
                out[name] = content if isinstance(content, bytes) else content.encode("utf-8")
        if with_manifest:
            data = manifest_data if manifest_data is not None else manifest(components)
            if isinstance(data, dict):
                data = json.dumps(data, ensure_ascii=False)
            out["manifest.json"] = data if isinstance(data, bytes) else data.encode("utf-8")
        return out

    def validate(self, path: Path, **options) -> ValidationResult:
        options.setdefault("lang", "en")
        return validate_path(path, options.pop("period", PERIOD), settings=self.settings, **options)


@pytest.fixture
def deliveries(tmp_path: Path, settings: Settings) -> Deliveries:
    return Deliveries(tmp_path / "deliveries", settings)
