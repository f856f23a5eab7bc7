"""Exports of published tables: CSV, XLSX, JSON and PX (PC-Axis), labels in fi/sv/en.

Suppressed cells are written as ``..`` (PX's missing-value symbol, also used in the other
formats); no export ever contains a suppressed value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from sosdata import safe_export
from sosdata.statistics.suppression import TOTAL
from sosdata.statistics.tables import Dimension, Table

FORMATS = ("csv", "xlsx", "json", "px")
SUPPRESSED = ".."
_VALUE = {"fi": "Arvo", "sv": "Värde", "en": "Value"}
#: the rows of a spreadsheet
_XLSX_ROWS = 1_048_576
_SOURCE = {
    "fi": "THL, sosiaalihuollon seurantarekisteri",
    "sv": "THL, socialvårdens uppföljningsregister",
    "en": "THL, social welfare follow-up register",
}
_NOTE = {
    "fi": "Alle {t} henkilön solut ja niiden päätellyksi mahdollistavat solut on salattu (..).",
    "sv": "Celler med färre än {t} personer och celler som skulle avslöja dem är dolda (..).",
    "en": "Cells of fewer than {t} persons, and cells that would reveal them, are hidden (..).",
}


def total(dimension: Dimension) -> str | None:
    """The code of a dimension's total (its value when the dimension is left out), if any."""
    return TOTAL if dimension.parents is not None and TOTAL in dimension.codes else None


def title(table: Table, lang: str) -> str:
    return f"{table.title[lang]}, {table.quarter}"


def labelled(table: Table, lang: str) -> pl.DataFrame:
    """One row per cell in display order: each dimension's code and label, and the value
    as published (``..`` where suppressed)."""
    full = table.full()
    columns: list[pl.Expr] = []
    for d in table.dimensions:
        labels = {code: d.label(code, lang) for code in d.codes}
        columns += [
            pl.col(d.name),
            pl.col(d.name).replace_strict(labels, return_dtype=pl.String).alias(f"{d.name}_{lang}"),
        ]
    return full.select(*columns, pl.col("shown").alias("arvo"))


def to_csv(table: Table, lang: str = "fi") -> str:
    """``;``-separated, one row per cell: each dimension's code and label, then the value."""
    frame = labelled(table, lang)
    header = [*frame.columns[:-1], _VALUE[lang]]
    return safe_export.csv_text(frame.rename(dict(zip(frame.columns, header, strict=True))))


def write_csv(table: Table, path: Path, lang: str = "fi") -> Path:
    """UTF-8 with BOM (spreadsheets detect the encoding), ``;``-separated, one row per cell."""
    path.write_text(to_csv(table, lang), encoding="utf-8-sig", newline="")
    return path


def to_json(table: Table) -> dict:
    """Dimensions with labels in every language, and cells with ``null`` where suppressed."""
    full = table.full()
    return {
        "id": table.id,
        "quarter": table.quarter,
        "level": table.level,
        "title": dict(table.title),
        "unit": dict(table.unit),
        "suppression_threshold": table.threshold,
        "dimensions": [
            {
                "name": d.name,
                "title": dict(d.title),
                "additive": d.parents is not None,
                "codes": [
                    {
                        "code": code,
                        "label": {lang: d.label(code, lang) for lang in ("fi", "sv", "en")},
                        **({"parent": d.parents[code]} if d.parents and code in d.parents else {}),
                    }
                    for code in d.codes
                ],
            }
            for d in table.dimensions
        ],
        "cells": [
            {
                **{name: row[name] for name in table.dims},
                "value": None if row["status"] else row["value"],
                "suppressed": row["status"] is not None,
            }
            for row in full.iter_rows(named=True)
        ],
    }


#: JSON-stat roles of the dimensions that have one
_ROLES = {"vuosineljannes": "time", "alue": "geo"}


def jsonstat_metadata(table: Table, lang: str = "fi", *, updated: str | None = None) -> dict:
    """A JSON-stat 2.0 dataset's description of the table: dimensions, labels, notes."""
    roles: dict[str, list[str]] = {}
    for d in table.dimensions:
        if d.name in _ROLES:
            roles.setdefault(_ROLES[d.name], []).append(d.name)
    return {
        "version": "2.0",
        "class": "dataset",
        "label": title(table, lang),
        "source": _SOURCE[lang],
        **({"updated": updated} if updated else {}),
        "note": [_NOTE[lang].format(t=table.threshold)],
        "id": table.dims,
        "size": [len(d.codes) for d in table.dimensions],
        **({"role": roles} if roles else {}),
        "dimension": {
            d.name: {
                "label": d.title[lang],
                "category": {
                    "index": {code: i for i, code in enumerate(d.codes)},
                    "label": {code: d.label(code, lang) for code in d.codes},
                },
                "extension": {
                    "elimination": total(d) is not None,
                    **({"eliminationValueCode": total(d)} if total(d) is not None else {}),
                    "show": "value",
                },
            }
            for d in table.dimensions
        },
        "extension": {"px": {"matrix": table.id, "decimals": 0, "language": lang}},
    }


def to_jsonstat(table: Table, lang: str = "fi", *, updated: str | None = None) -> dict:
    """A JSON-stat 2.0 dataset: the dense cube in the table's display order (the last
    dimension varies fastest), ``null`` with status ``..`` where a cell is suppressed."""
    full = table.full()
    values: list[int | None] = full["value"].to_list()
    suppressed = full.with_row_index("_i").filter(pl.col("status").is_not_null())["_i"].to_list()
    for i in suppressed:
        values[i] = None
    dataset = jsonstat_metadata(table, lang, updated=updated)
    dataset["value"] = values
    if suppressed:
        dataset["status"] = {str(i): SUPPRESSED for i in suppressed}
    return dataset


def write_jsonstat(table: Table, path: Path, lang: str = "fi") -> Path:
    path.write_text(json.dumps(to_jsonstat(table, lang), ensure_ascii=False), encoding="utf-8")
    return path


def write_json(table: Table, path: Path, lang: str = "fi") -> Path:
    path.write_text(json.dumps(to_json(table), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_xlsx(tables: Sequence[Table], path: Path, lang: str = "fi") -> Path:
    """One sheet per table: a title, the source and suppression note, a header row of
    labels in ``lang`` and one row per cell (``..`` where suppressed)."""
    import xlsxwriter

    # constant memory: each row goes to the file as written, as plain (inline) strings
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    heading = book.add_format({"bold": True, "font_size": 12})
    bold = book.add_format({"bold": True})
    try:
        for table in tables:
            frame = labelled(table, lang)
            if frame.height + 4 > _XLSX_ROWS:
                raise ValueError(
                    f"{table.id}: {frame.height} cells do not fit on a spreadsheet of "
                    f"{_XLSX_ROWS} rows; export it as CSV, JSON or PX"
                )
            sheet = book.add_worksheet(table.id[:31])
            for column, width in enumerate([34, 30, 22, 16, 14, 14, 14, 14]):
                sheet.set_column(column, column, width)
            sheet.freeze_panes(4, 0)  # the header stays in view
            safe = safe_export.neutralise
            sheet.write_string(0, 0, safe(title(table, lang)), heading)
            note = f"{_SOURCE[lang]}. {_NOTE[lang].format(t=table.threshold)}"
            sheet.write_string(1, 0, safe(note))
            header = [d.title[lang] for d in table.dimensions]
            header_row = [*header, f"{_VALUE[lang]} ({table.unit[lang]})"]
            for column, name in enumerate(header_row):
                sheet.write_string(3, column, safe(name), bold)
            labels = frame.select(f"{d.name}_{lang}" for d in table.dimensions).rows()
            # published numbers as numbers, ``..`` as text
            values = frame["arvo"].cast(pl.Int64, strict=False).to_list()
            last = len(header)
            for row, (names, value) in enumerate(zip(labels, values, strict=True), start=4):
                for column, name in enumerate(names):
                    sheet.write_string(row, column, safe(name))
                if value is None:
                    sheet.write_string(row, last, SUPPRESSED)
                else:
                    sheet.write_number(row, last, value)
    except BaseException:
        book.close()
        path.unlink(missing_ok=True)  # no half-written workbook
        raise
    book.close()
    return path


# --- PX (PC-Axis) ------------------------------------------------------------------------------


def _px_text(text: str) -> str:
    return '"' + str(text).replace('"', "'") + '"'


def _px_list(items: Sequence[str]) -> str:
    """A PX list, wrapped so that no line exceeds PX's 256-character limit."""
    lines, current = [], ""
    for item in (_px_text(i) for i in items):
        piece = item if not current else "," + item
        if len(current) + len(piece) > 200:
            lines.append(current + ",")
            current = item
        else:
            current += piece
    lines.append(current)
    return "\n".join(lines)


def to_px(table: Table, lang: str = "fi") -> str:
    """A PC-Axis file: the last dimension is the HEADING, the others the STUB; DATA lists the
    cube in stub-major order, ``".."`` for suppressed cells."""
    dims = list(table.dimensions)
    stub, heading = dims[:-1], dims[-1:]
    full = table.full()
    contents = table.title[lang]
    out = [
        'CHARSET="ANSI";',
        'AXIS-VERSION="2013";',
        'CODEPAGE="utf-8";',
        f"LANGUAGE={_px_text(lang)};",
        f"CREATION-DATE={_px_text(_now())};",
        "DECIMALS=0;",
        "SHOWDECIMALS=0;",
        f"MATRIX={_px_text(table.id)};",
        'SUBJECT-CODE="SOS";',
        f"SUBJECT-AREA={_px_text(_SOURCE[lang])};",
        f"CONTENTS={_px_text(contents)};",
        f"TITLE={_px_text(_full_title(table, lang))};",
        f"UNITS={_px_text(table.unit[lang])};",
        f"STUB={_px_list([d.title[lang] for d in stub])};",
        f"HEADING={_px_list([d.title[lang] for d in heading])};",
    ]
    for d in dims:
        name = _px_text(d.title[lang])
        out.append(f"VALUES({name})={_px_list([d.label(c, lang) for c in d.codes])};")
    for d in dims:
        name = _px_text(d.title[lang])
        out.append(f"CODES({name})={_px_list(list(d.codes))};")
    out += [
        f"SOURCE={_px_text(_SOURCE[lang])};",
        f"NOTE={_px_text(_NOTE[lang].format(t=table.threshold))};",
        'DATASYMBOL2="..";',
        "DATA=",
    ]
    shown = full["shown"].to_list()
    width = len(heading[0].codes)
    for start in range(0, len(shown), width):
        out.append(" ".join(v if v != SUPPRESSED else '".."' for v in shown[start : start + width]))
    out[-1] += ";"
    return "\n".join(out) + "\n"


def _now() -> str:
    import datetime as dt

    return dt.datetime.now().strftime("%Y%m%d %H:%M")


def write_px(table: Table, path: Path, lang: str = "fi") -> Path:
    # PxWeb reads UTF-8 PX files when CODEPAGE says so; the BOM helps older readers
    path.write_text(to_px(table, lang), encoding="utf-8-sig")
    return path


def export(tables: Sequence[Table], out_dir: Path, fmt: str, lang: str = "fi") -> list[Path]:
    """Write every table in ``fmt`` into ``out_dir``; XLSX is one workbook per quarter."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx" and tables:
        return [write_xlsx(tables, out_dir / f"sosdata_{tables[0].quarter}_{lang}.xlsx", lang)]
    writer = {"csv": write_csv, "json": write_json, "px": write_px}[fmt]
    return [writer(t, out_dir / f"{t.id}_{t.quarter}_{lang}.{fmt}", lang) for t in tables]


def _full_title(table: Table, lang: str) -> str:
    return f"{title(table, lang)} ({', '.join(d.title[lang] for d in table.dimensions)})"
