"""Code sets (SPEC §5): service task, social service, decision type, sex, municipality, county.

Each set is data: an OID, a version, a validity range, a "provisional" flag and codes with names
in Finnish, Swedish and English and validity ranges of their own. The package ships a base
version of each set (``data/``); ``sosdata codes import`` stores newer versions in the data
directory, and the newest version is the one in force. Older versions stay readable.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from sosdata.errors import UserError

LANGUAGES = ("fi", "sv", "en")
NAMES = (
    "palvelutehtava",
    "sosiaalipalvelu",
    "paatoksen_tyyppi",
    "sukupuoli",
    "kunta",
    "hyvinvointialue",
)
IMPORT_COLUMNS = ("code", "fi", "sv", "en", "valid_from", "valid_to")

#: municipality codes used in population data that name no municipality (reference/README.md)
SPECIAL_MUNICIPALITIES = {
    "198": (
        "Ei kotikuntaa Suomessa",
        "Ingen hemkommun i Finland",
        "No home municipality in Finland",
    ),
    "199": ("Tuntematon", "Okänd", "Unknown"),
    "200": ("Ulkomaat", "Utlandet", "Abroad"),
}


class CodeSetError(UserError, ValueError):
    """Unknown code set, or a code-set file that cannot be read; names file and line."""


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    names: dict[str, str]
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    #: set-specific facts: "reported" for service tasks, "county" for municipalities
    extra: dict[str, str] = field(default_factory=dict)

    def name(self, lang: str = "fi") -> str:
        return self.names.get(lang) or self.names["fi"]

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def valid_during(self, start: dt.date, end: dt.date) -> bool:
        """Valid on at least one day of ``start``..``end``."""
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or start <= self.valid_to
        )


@dataclass(frozen=True)
class CodeSet:
    name: str
    oid: str
    version: str
    title: dict[str, str]
    provisional: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    codes: tuple[Code, ...]
    source: str = "package"
    _by_code: dict[str, Code] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {c.code: c for c in self.codes})

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __getitem__(self, code: str) -> Code:
        """The code (KeyError if unknown)."""
        return self._by_code[code]

    def get(self, code: str, on: dt.date | None = None) -> Code | None:
        """The code, or None if unknown (or not valid on ``on`` when given)."""
        found = self._by_code.get(code)
        if found is None or (on is not None and not found.valid_on(on)):
            return None
        return found

    def label(self, code: str, lang: str = "fi") -> str:
        found = self.get(code)
        return found.name(lang) if found else code

    def valid_on(self, day: dt.date) -> list[Code]:
        return [c for c in self.codes if c.valid_on(day)]

    def valid_during(self, start: dt.date, end: dt.date) -> list[str]:
        """Codes valid on at least one day of the range: what a row of that period may use."""
        return [c.code for c in self.codes if c.valid_during(start, end)]

    def describe(self) -> dict:
        return {
            "name": self.name,
            "oid": self.oid,
            "version": self.version,
            "title": self.title,
            "provisional": self.provisional,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "source": self.source,
        }


def _date(text: str | None, where: str) -> dt.date | None:
    if text is None or not str(text).strip():
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise CodeSetError(f"{where}: not a date YYYY-MM-DD: {text!r}") from exc


def _metadata() -> dict[str, dict]:
    text = resources.files(__package__).joinpath("data/codesets.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _data_text(filename: str) -> str:
    return resources.files(__package__).joinpath("data", filename).read_text(encoding="utf-8-sig")


def parse_codes(text: str, source: str, *, extra_columns: tuple[str, ...] = ()) -> tuple[Code, ...]:
    """Codes from a ``code;fi;sv;en;valid_from;valid_to[;extra…]`` CSV text."""
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CodeSetError(f"{source}, line 1: missing columns {', '.join(missing)}")
    codes: list[Code] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        where = f"{source}, line {line}"
        code = (row["code"] or "").strip()
        if not code:
            raise CodeSetError(f"{where}: empty code")
        if code in seen:
            raise CodeSetError(f"{where}: code {code} appears twice")
        seen.add(code)
        if not (row["fi"] or "").strip():
            raise CodeSetError(f"{where}: code {code} has no Finnish name")
        names = {lang: (row[lang] or row["fi"]).strip() for lang in LANGUAGES}
        extra = {k: row[k].strip() for k in extra_columns if row.get(k) not in (None, "")}
        valid_from, valid_to = _date(row["valid_from"], where), _date(row["valid_to"], where)
        if valid_from and valid_to and valid_to < valid_from:
            raise CodeSetError(f"{where}: valid_to is before valid_from")
        codes.append(Code(code, names, valid_from, valid_to, extra))
    if not codes:
        raise CodeSetError(f"{source}: no codes")
    return tuple(codes)


def _reference_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_data_text("kunta.csv")), delimiter=";"))


def _base_codes(name: str) -> tuple[Code, ...]:
    if name == "kunta":
        codes = [
            Code(
                r["kunta_koodi"],
                {"fi": r["kunta_nimi_fi"], "sv": r["kunta_nimi_sv"], "en": r["kunta_nimi_fi"]},
                extra={"county": r["hyvinvointialue_koodi"]},
            )
            for r in _reference_rows()
        ]
        codes += [
            Code(code, dict(zip(LANGUAGES, names, strict=True)), extra={"special": "true"})
            for code, names in SPECIAL_MUNICIPALITIES.items()
        ]
        return tuple(codes)
    if name == "hyvinvointialue":
        counties: dict[str, Code] = {}
        for r in _reference_rows():
            counties.setdefault(
                r["hyvinvointialue_koodi"],
                Code(
                    r["hyvinvointialue_koodi"],
                    {
                        "fi": r["hyvinvointialue_nimi_fi"],
                        "sv": r["hyvinvointialue_nimi_sv"],
                        "en": r["hyvinvointialue_nimi_en"],
                    },
                ),
            )
        return tuple(sorted(counties.values(), key=lambda c: c.code))
    extra = ("reported",) if name == "palvelutehtava" else ()
    return parse_codes(_data_text(f"{name}.csv"), f"codes/data/{name}.csv", extra_columns=extra)


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise CodeSetError(f"unknown code set {name!r}; known: {', '.join(NAMES)}")


@cache
def base(name: str) -> CodeSet:
    """The version shipped with the package."""
    _check_name(name)
    meta = _metadata()[name]
    return CodeSet(
        name=name,
        oid=meta["oid"],
        version=str(meta["version"]),
        title=meta["title"],
        provisional=bool(meta["provisional"]),
        valid_from=meta.get("valid_from"),
        valid_to=meta.get("valid_to"),
        codes=_base_codes(name),
    )


def _imported_dir(codes_dir: Path, name: str) -> Path:
    return codes_dir / name


def _imported(codes_dir: Path | None, name: str) -> list[CodeSet]:
    """Imported versions, oldest first: read from disk once per process, and again only when
    the folder's files change (an import adds a version)."""
    if codes_dir is None or not _imported_dir(codes_dir, name).is_dir():
        return []
    folder = _imported_dir(codes_dir, name)
    return list(_read_imported(folder, name, _stamp(folder)))


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a file of ``folder`` is added, replaced or edited."""
    return tuple(
        (entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
        for entry in sorted(folder.iterdir())
    )


@lru_cache(maxsize=64)
def _read_imported(
    folder: Path, name: str, _stamp: tuple[tuple[str, int, int], ...]
) -> tuple[CodeSet, ...]:
    out = []
    for meta_path in sorted(folder.glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        csv_path = meta_path.with_suffix(".csv")
        extra = tuple(meta.get("extra_columns", []))
        out.append(
            CodeSet(
                name=name,
                oid=meta["oid"],
                version=meta["version"],
                title=meta["title"],
                provisional=meta["provisional"],
                valid_from=_date(meta.get("valid_from"), str(meta_path)),
                valid_to=_date(meta.get("valid_to"), str(meta_path)),
                codes=parse_codes(
                    csv_path.read_text(encoding="utf-8-sig"), str(csv_path), extra_columns=extra
                ),
                source=str(csv_path),
            )
        )
    return tuple(sorted(out, key=lambda s: s.source))


def versions(name: str, codes_dir: Path | None = None) -> list[CodeSet]:
    """Every version, the package's first and the one in force last."""
    _check_name(name)
    return [base(name), *_imported(codes_dir, name)]


def load(name: str, codes_dir: Path | None = None, version: str | None = None) -> CodeSet:
    """The version in force (the newest), or the named ``version``."""
    all_versions = versions(name, codes_dir)
    if version is None:
        return all_versions[-1]
    for code_set in all_versions:
        if code_set.version == version:
            return code_set
    known = ", ".join(s.version for s in all_versions)
    raise CodeSetError(f"code set {name} has no version {version!r}; versions: {known}")


def import_csv(
    name: str,
    path: Path,
    codes_dir: Path,
    *,
    version: str | None = None,
    oid: str | None = None,
    provisional: bool = False,
) -> CodeSet:
    """Store a new version of ``name`` from a ``code;fi;sv;en;valid_from;valid_to`` CSV.

    The previous versions stay readable (:func:`versions`). Extra columns are kept; for service
    tasks a missing ``reported`` flag is carried over from the version in force (new codes are
    reported unless they say otherwise).
    """
    current = load(name, codes_dir)
    text = Path(path).read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"), [])
    extra_columns = tuple(c for c in header if c not in IMPORT_COLUMNS)
    codes = parse_codes(text, str(path), extra_columns=extra_columns)
    if name == "palvelutehtava" and "reported" not in extra_columns:
        codes = tuple(
            Code(
                c.code,
                c.names,
                c.valid_from,
                c.valid_to,
                c.extra
                | {"reported": (current.get(c.code) or Code("", {})).extra.get("reported", "true")},
            )
            for c in codes
        )
        extra_columns += ("reported",)
    existing = versions(name, codes_dir)
    version = version or f"import-{len(existing)}"
    if any(s.version == version for s in existing):
        raise CodeSetError(f"code set {name} already has a version {version!r}")
    target = _imported_dir(codes_dir, name)
    target.mkdir(parents=True, exist_ok=True)
    stem = f"{len(existing):04d}"
    starts = [c.valid_from for c in codes if c.valid_from]
    meta = {
        "oid": oid or current.oid,
        "version": version,
        "title": current.title,
        "provisional": provisional,
        "valid_from": min(starts).isoformat() if starts else None,
        "valid_to": None,
        "extra_columns": list(extra_columns),
        "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "imported_from": str(path),
    }
    with (target / f"{stem}.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow([*IMPORT_COLUMNS, *extra_columns])
        for c in codes:
            writer.writerow(
                [
                    c.code,
                    *(c.names[lang] for lang in LANGUAGES),
                    c.valid_from.isoformat() if c.valid_from else "",
                    c.valid_to.isoformat() if c.valid_to else "",
                    *(c.extra.get(k, "") for k in extra_columns),
                ]
            )
    # the metadata file is written last: a version exists only once it is complete
    (target / f"{stem}.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return load(name, codes_dir)


# --- municipalities and counties -------------------------------------------------------------


def county_of(municipality: str, codes_dir: Path | None = None) -> str | None:
    """The county (hyvinvointialue) code of a municipality; None for special or unknown codes."""
    found = load("kunta", codes_dir).get(municipality)
    return found.extra.get("county") if found else None


def municipalities_of(county: str, codes_dir: Path | None = None) -> list[str]:
    return [c.code for c in load("kunta", codes_dir) if c.extra.get("county") == county]


def reported_service_tasks(codes_dir: Path | None = None) -> list[str]:
    """Service tasks that are delivered (family-law services are not)."""
    return [c.code for c in load("palvelutehtava", codes_dir) if c.extra.get("reported") == "true"]
