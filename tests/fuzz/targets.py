"""Fuzzing targets and their Hypothesis strategies: the delivery reader (single CSV and ZIP),
the manifest, the validator and the Kanta reader.

Each target feeds one generated case to the real code and checks what must hold whatever the
input: the call returns (a refusal is a result, or a :class:`UserError` with a one-line
message), every report form renders, counts add up. Anything else raised is a crash. The same
targets run bounded in ``make test`` (``test_fuzz.py``) and long in ``bench/fuzz.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import warnings
import zipfile
from pathlib import Path

import polars as pl
from hypothesis import strategies as st

from sosdata import identity, organisers
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.delivery import manifest as manifests
from sosdata.delivery import validate_path
from sosdata.delivery.reader import FileProblem
from sosdata.errors import UserError
from sosdata.kanta.extract import EXTRACT_SCHEMA
from sosdata.periods import Quarter

PERIOD = Quarter(2023, 1)
OID = organisers.load(None).for_county("02").oid
SETTINGS = Settings(data_dir=Path(tempfile.gettempdir()) / "sosdata-fuzz-nodata")

# --- strategies -----------------------------------------------------------------------------

#: values a column may plausibly hold, mixed with noise: valid codes, dates, codes of code
#: sets, and text that breaks the format (delimiters, quotes, line ends, escapes, formulas)
_TRICKY = [
    "",
    " ",
    ";",
    '"',
    '""',
    "\r",
    "\n",
    "\x00",
    "\x1b[31m",
    "[/blue]",
    "=1+1",
    "é",
    "\ufeff",
]
values = st.one_of(
    st.builds(
        identity.make,
        st.dates(dt.date(1900, 1, 1), dt.date(2022, 12, 31)),
        st.integers(0, 999),
        new_signs=st.integers(0, 5),
    ),
    st.dates(dt.date(1899, 1, 1), dt.date(2100, 1, 1)).map(dt.date.isoformat),
    st.integers(-5, 120).map(str),
    st.sampled_from([OID, "186", "091", "1", "2", "4", "7", *_TRICKY]),
    st.text(max_size=12),
)


@st.composite
def delivery_csv(draw) -> tuple[str, bytes]:
    """(component, file bytes): a header (sometimes damaged) and rows of plausible values."""
    component = draw(st.sampled_from(list(COMPONENTS)))
    columns = list(COMPONENTS[component].column_names)
    if draw(st.integers(0, 4)) == 0:
        columns = draw(st.permutations(columns + draw(st.lists(st.text(max_size=6), max_size=2))))
    rows = draw(
        st.lists(st.lists(values, min_size=len(columns), max_size=len(columns)), max_size=8)
    )
    separator = draw(st.sampled_from([";", ";", ";", ",", "\t"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = end.join(separator.join(r) for r in [columns, *rows]) + draw(st.sampled_from(["", end]))
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + data
    if data and draw(st.integers(0, 5)) == 0:  # a damaged byte
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    return component, data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def manifest_bytes(draw) -> bytes:
    """A manifest: the valid one with fields changed or removed, any JSON, or raw bytes."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return json.dumps(draw(json_values)).encode()
    base = {
        "versio": "1",
        "jarjestaja": OID,
        "kuntaryhma": "Keski-Uusimaa",
        "seurantajakso": str(PERIOD),
        "osat": ["asiakkuusjaksot"],
        "kuvaus": "x",
    }
    for key in draw(st.lists(st.sampled_from(list(base) + ["rajaukset", "extra"]), max_size=3)):
        if draw(st.booleans()):
            base.pop(key, None)
        else:
            base[key] = draw(json_values)
    if kind == 3:
        depth = draw(st.integers(1, 5000))
        return ("[" * depth + json.dumps(base) + "]" * depth).encode()
    return json.dumps(base).encode()


@st.composite
def delivery_zip(draw) -> bytes:
    """A ZIP of a manifest and component files, members sometimes renamed, doubled or damaged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", draw(manifest_bytes()))
        for _ in range(draw(st.integers(0, 3))):
            component, data = draw(delivery_csv())
            name = draw(
                st.sampled_from(
                    [
                        COMPONENTS[component].filename,
                        "x/" + COMPONENTS[component].filename,
                        "../evil.csv",
                        "a.txt",
                    ]
                )
            )
            with warnings.catch_warnings():  # a repeated name only warns: a duplicate member
                warnings.simplefilter("ignore", UserWarning)
                archive.writestr(name, data)
    data = buffer.getvalue()
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    return data


_KANTA_VALUES = st.one_of(
    values,
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.none(),
    st.lists(st.sampled_from(["1", "2", "7", "x", ""]), max_size=3),
    st.just("2023-02-01T10:00:00Z"),
)


@st.composite
def kanta_lines(draw) -> bytes:
    """JSON Lines of extract-like records: known fields with values of any type, some lines
    not JSON at all."""
    lines = []
    fields = list(EXTRACT_SCHEMA)
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 6)) == 0:
            lines.append(draw(st.text(max_size=40)))
            continue
        record = {
            "document_id": draw(st.text(max_size=4)),
            "set_id": draw(st.sampled_from(["a", "b", "c"])),
            "version": draw(st.integers(0, 3)),
            "version_time": "2023-02-01T10:00:00Z",
            "status": draw(st.sampled_from(["active", "cancelled", "x"])),
            "document_type": draw(
                st.sampled_from(["case", "client_relationship", "decision", "implementation", "x"])
            ),
            "organiser": OID,
            "identity_code": draw(values),
            "case_opened": draw(st.dates(dt.date(2022, 1, 1), dt.date(2023, 12, 31))).isoformat(),
        }
        for name in draw(st.lists(st.sampled_from(fields), max_size=5)):
            record[name] = draw(_KANTA_VALUES)
        lines.append(json.dumps(record))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


# --- targets --------------------------------------------------------------------------------


def _every_form(result) -> None:
    report = result.report
    for fmt in ("text", "json", "csv", "html"):
        assert isinstance(report.render(fmt, "en"), str)
    for summary in report.components.values():
        assert summary.accepted_rows + summary.rejected_rows == summary.rows
    if result.accepted:
        assert set(result.rows) <= set(COMPONENTS)


def delivery_file(case: tuple[str, bytes], folder: Path) -> None:
    component, data = case
    path = folder / COMPONENTS[component].filename
    path.write_bytes(data)
    result = validate_path(path, PERIOD, settings=SETTINGS, organiser=OID, municipality_group="g")
    _every_form(result)


def delivery_archive(data: bytes, folder: Path) -> None:
    path = folder / "delivery.zip"
    path.write_bytes(data)
    _every_form(validate_path(path, PERIOD, settings=SETTINGS, organiser=OID))


def manifest(data: bytes, folder: Path) -> None:
    try:
        found = manifests.parse(data)
    except FileProblem as problem:
        assert "\n" not in problem.finding.message("en")
        return
    assert found.versio == "1"


def kanta_extract(data: bytes, folder: Path) -> None:
    from sosdata.kanta.pipeline import derive_path

    path = folder / "extract.jsonl"
    path.write_bytes(data)
    try:
        checked = derive_path(path, PERIOD, SETTINGS)
    except UserError as error:
        assert "\n" not in str(error)
        return
    _every_form(checked.validation)
    for name, rows in checked.derived.items():
        assert isinstance(rows, pl.DataFrame) and name in COMPONENTS


#: target name → (strategy, target)
TARGETS = {
    "delivery_csv": (delivery_csv(), delivery_file),
    "delivery_zip": (delivery_zip(), delivery_archive),
    "manifest": (manifest_bytes(), manifest),
    "kanta_jsonl": (kanta_lines(), kanta_extract),
}
