"""Organisers of social welfare: the 21 wellbeing services counties and the City of Helsinki.

Each organiser has an OID in THL's SOTE organisation register, names in three languages and
the municipalities it serves. The real OIDs are not public here: the package ships fictitious
ones (under the arc ``1.2.246.10.99999``, flagged ``fictitious``) for demos and tests, and
``sosdata organisers import FILE`` stores the real list in the data directory, where it takes
precedence.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from sosdata import codes
from sosdata.errors import UserError

COLUMNS = ("oid", "county", "fi", "sv", "en")
#: optional column: comma-separated municipality codes, when an organiser does not serve
#: exactly its county's municipalities
MUNICIPALITIES_COLUMN = "municipalities"
OID_PATTERN = re.compile(r"^1\.2\.246\.10(\.[0-9]+)+$")
IMPORTED_FILE = "organisers.csv"


class OrganiserError(UserError, ValueError):
    """An organiser list that cannot be used; names file, line and column."""


@dataclass(frozen=True, slots=True)
class Organiser:
    oid: str
    county: str
    names: dict[str, str]
    municipalities: tuple[str, ...]
    fictitious: bool = False

    def name(self, lang: str = "fi") -> str:
        return self.names.get(lang) or self.names["fi"]


class Organisers:
    """The organiser register, with lookups by OID, county and municipality."""

    def __init__(self, organisers: list[Organiser], source: str):
        self.source = source
        self._by_oid = {o.oid: o for o in organisers}
        self._by_municipality = {m: o for o in organisers for m in o.municipalities}

    def __iter__(self):
        return iter(self._by_oid.values())

    def __len__(self) -> int:
        return len(self._by_oid)

    def __contains__(self, oid: object) -> bool:
        return oid in self._by_oid

    def get(self, oid: str) -> Organiser | None:
        return self._by_oid.get(oid)

    def for_county(self, county: str) -> Organiser | None:
        return next((o for o in self if o.county == county), None)

    def for_municipality(self, municipality: str) -> Organiser | None:
        return self._by_municipality.get(municipality)


def parse(text: str, source: str, codes_dir: Path | None = None) -> list[Organiser]:
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    header = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise OrganiserError(f"{source}, line 1: missing columns {', '.join(missing)}")
    counties = codes.load("hyvinvointialue", codes_dir)
    municipalities = codes.load("kunta", codes_dir)
    out: list[Organiser] = []
    served: dict[str, str] = {}
    for line, row in enumerate(reader, start=2):

        def fail(column: str, message: str, line: int = line) -> OrganiserError:
            col = header.index(column) + 1
            return OrganiserError(f"{source}, line {line}, column {col} ({column}): {message}")

        oid = (row["oid"] or "").strip()
        if not OID_PATTERN.match(oid):
            raise fail("oid", f"{oid!r} is not a SOTE organisation OID (1.2.246.10.…)")
        if any(o.oid == oid for o in out):
            raise fail("oid", f"{oid} appears twice")
        county = (row["county"] or "").strip()
        if county not in counties:
            raise fail("county", f"unknown county code {county!r}")
        listed = (row.get(MUNICIPALITIES_COLUMN) or "").strip()
        if listed:
            own = tuple(m.strip() for m in listed.split(","))
            unknown = [m for m in own if m not in municipalities]
            if unknown:
                raise fail(MUNICIPALITIES_COLUMN, f"unknown municipalities {', '.join(unknown)}")
        else:
            own = tuple(codes.municipalities_of(county, codes_dir))
        for m in own:
            if m in served:
                raise fail(MUNICIPALITIES_COLUMN, f"municipality {m} is served by {served[m]} too")
            served[m] = oid
        names = {lang: (row[lang] or row["fi"]).strip() for lang in ("fi", "sv", "en")}
        fictitious = (row.get("fictitious") or "").strip().lower() == "true"
        out.append(Organiser(oid, county, names, own, fictitious))
    if not out:
        raise OrganiserError(f"{source}: no organisers")
    return out


def load(data_dir: Path | None = None) -> Organisers:
    """The imported list if the data directory has one, else the shipped fictitious list; read
    from disk once per process, and again only when the imported file changes."""
    imported = data_dir / IMPORTED_FILE if data_dir is not None else None
    if imported is not None and imported.is_file():
        stat = imported.stat()
        return _read(imported, (stat.st_mtime_ns, stat.st_size))
    return _shipped()


@lru_cache(maxsize=16)
def _read(path: Path, _stamp: tuple[int, int]) -> Organisers:
    codes_dir = path.parent / "codes"
    return Organisers(parse(path.read_text(encoding="utf-8-sig"), str(path), codes_dir), str(path))


@cache
def _shipped() -> Organisers:
    text = resources.files("sosdata.codes").joinpath("data/organisers.csv").read_text("utf-8")
    return Organisers(parse(text, "codes/data/organisers.csv", None), "package (fictitious)")


def import_csv(path: Path, data_dir: Path) -> Organisers:
    """Check and store an organiser list; the previous imported list is kept beside it."""
    text = Path(path).read_text(encoding="utf-8-sig")
    organisers = Organisers(parse(text, str(path), data_dir / "codes"), str(path))
    target = data_dir / IMPORTED_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    if target.exists():
        n = len(list(data_dir.glob(IMPORTED_FILE + ".*"))) + 1
        target.rename(data_dir / f"{IMPORTED_FILE}.{n}")
    target.write_text(text, encoding="utf-8")
    return organisers
