"""Speed of the register: submitting a large delivery and building a county quarter.

Generates (in a temporary folder) synthetic data of temporary identity codes only, then measures
in one run:

- ``submit``: ``sosdata.register.submit.submit`` of a delivery folder of ``--rows`` rows over
  the four components (validation + pseudonyms + encryption of new persons + one transaction),
  with the time of each stage, against the validator alone on the same folder (the floor the
  store adds to: ratio ``submit / validate``);
- ``build``: ``sosdata.register.build.build`` of one county's quarter from a separate delivery
  and a Kanta batch that overlap, against a bare read of the same input rows out of DuckDB
  (ratio ``build / read``);

and prints JSON.

    flock /tmp/sosdata-heavy.lock .venv/bin/python bench/register.py --rows 5000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from sosdata import components, keys, organisers
from sosdata.config import Settings
from sosdata.delivery import validate_path
from sosdata.periods import Quarter
from sosdata.register import build, rows, store, submit, users
from sosdata.register.kanta_load import Batch, record_batch
from sosdata.synth.identity_codes import code_expr

PERIOD = Quarter(2023, 1)
#: share of the rows per component in a generated delivery
SHARES = {
    "asiakkuusjaksot": 0.5,
    "lastensuojelu": 0.06,
    "palvelupaatokset": 0.24,
    "palvelutiedot": 0.2,
}


def persons(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` distinct synthetic persons: identity code (900–999), sex, birth date."""
    # 100 temporary numbers per birth date and 6 century signs: distinct by construction
    index = np.arange(n)
    day = index // 600
    number = 900 + index % 100
    sign = (index // 100) % 6
    first = np.datetime64("1925-01-01")
    birth = first + (day * 7 + rng.integers(0, 7, n)).astype("timedelta64[D]")
    frame = pl.DataFrame({"birth": birth, "number": number, "sign": sign})
    return frame.select(
        henkilotunnus=code_expr(pl.col("birth").cast(pl.Date), pl.col("number"), pl.col("sign")),
        sukupuoli=pl.when(pl.col("number") % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2")),
    )


def _dates(rng: np.random.Generator, n: int, first: str, days: int) -> np.ndarray:
    return np.datetime64(first) + rng.integers(0, days, n).astype("timedelta64[D]")


def component_rows(
    name: str,
    n: int,
    people: pl.DataFrame,
    organiser: organisers.Organiser,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """``n`` valid rows of a component (typed), drawn over ``people``."""
    pick = people[rng.integers(0, people.height, n)]
    municipalities = np.array(organiser.municipalities)
    start = _dates(rng, n, "2021-01-01", 820)
    length = rng.integers(1, 900, n).astype("timedelta64[D]")
    end = np.where(rng.random(n) < 0.5, start + length, np.datetime64("NaT"))
    end = np.where(end < np.datetime64("2023-01-01"), np.datetime64("NaT"), end)
    base = pl.DataFrame(
        {
            "jarjestaja": np.full(n, organiser.oid),
            "henkilotunnus": pick["henkilotunnus"],
            "kotikunta": municipalities[rng.integers(0, len(municipalities), n)],
            "sukupuoli": pick["sukupuoli"],
            "palvelutehtava": rng.integers(1, 7, n).astype(str),
            "sosiaalipalvelu": rng.integers(1, 36, n).astype(str),
            "alkupvm": start.astype("datetime64[D]"),
            "loppupvm": end.astype("datetime64[D]"),
            "paatospvm": start.astype("datetime64[D]"),
            "voimassa_alkaen": start.astype("datetime64[D]"),
            "voimassa_asti": end.astype("datetime64[D]"),
            "paatoksen_tyyppi": rng.integers(1, 4, n).astype(str),
        }
    )
    c = components.get(name)
    return base.select([pl.col(col).cast(t) for col, t in c.schema.items()])


def write_delivery(folder: Path, frames: dict[str, pl.DataFrame], organiser) -> Path:
    folder.mkdir(parents=True)
    manifest = {
        "versio": "1",
        "jarjestaja": organiser.oid,
        "kuntaryhma": "Koko alue",
        "seurantajakso": str(PERIOD),
        "osat": list(frames),
        "kuvaus": "Synthetic benchmark delivery.",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name, frame in frames.items():
        frame.write_csv(
            folder / components.get(name).filename, separator=";", date_format="%Y-%m-%d"
        )
    return folder


def fresh_settings(root: Path) -> Settings:
    s = Settings(data_dir=root)
    keys.create_key_file(s.pseudonym_key_file)
    keys.create_key_file(s.encryption_key_file)
    with store.opened(s) as conn:
        users.add(conn, "bench")
    return s


def bench_submit(work: Path, total: int, rng: np.random.Generator) -> dict:
    organiser = organisers.load().for_county("90")
    people = persons(max(total // 4, 1000), rng)
    frames = {
        name: component_rows(name, int(total * share), people, organiser, rng)
        for name, share in SHARES.items()
    }
    folder = write_delivery(work / "delivery", frames, organiser)
    size = sum(p.stat().st_size for p in folder.iterdir())
    s = fresh_settings(work / "submit-data")

    started = time.perf_counter()
    validated = validate_path(folder, PERIOD, settings=s)
    validate_seconds = time.perf_counter() - started
    assert validated.accepted, validated.report.counts
    del validated

    stages: list[tuple[str, float]] = []
    started = time.perf_counter()
    outcome = submit.submit(
        s, folder, "bench", progress=lambda m: stages.append((m, time.perf_counter()))
    )
    submit_seconds = time.perf_counter() - started
    marks = [("start", started), *stages, ("done", started + submit_seconds)]
    stage_seconds = {
        marks[i][0]: round(marks[i + 1][1] - marks[i][1], 2) for i in range(len(marks) - 1)
    }
    db_size = s.database_path.stat().st_size
    return {
        "rows": int(sum(f.height for f in frames.values())),
        "persons": people.height,
        "input_bytes": size,
        "stored_rows": outcome.stored_rows,
        "new_persons": outcome.new_persons,
        "validate_seconds": round(validate_seconds, 2),
        "submit_seconds": round(submit_seconds, 2),
        "rows_per_second": round(sum(outcome.stored_rows.values()) / submit_seconds),
        "ratio_submit_to_validate": round(submit_seconds / validate_seconds, 2),
        "stages": stage_seconds,
        "database_bytes": db_size,
    }


def bench_build(work: Path, county_persons: int, rng: np.random.Generator) -> dict:
    organiser = organisers.load().for_county("06")  # Pirkanmaa, a large county
    people = persons(county_persons, rng)
    s = fresh_settings(work / "build-data")
    per_person = {
        "asiakkuusjaksot": 1.6,
        "lastensuojelu": 0.1,
        "palvelupaatokset": 0.8,
        "palvelutiedot": 0.6,
    }
    separate = {
        n: component_rows(n, int(county_persons * k), people, organiser, rng)
        for n, k in per_person.items()
    }
    # Kanta holds most of the same records and some of its own: merges give 'both'
    kanta = {
        n: pl.concat(
            [
                f.sample(fraction=0.7, seed=1),
                component_rows(n, int(f.height * 0.2), people, organiser, rng),
            ]
        )
        for n, f in separate.items()
    }
    with store.opened(s) as conn:
        delivery = submit.Delivery(
            PERIOD,
            True,
            organiser.oid,
            "Koko alue",
            {},
            {
                "components": {
                    n: {"rows": f.height, "accepted_rows": f.height, "rejected_rows": 0}
                    for n, f in separate.items()
                }
            },
            {
                n: f.with_row_index("_line", 2).cast({"_line": pl.Int64})
                for n, f in separate.items()
            },
        )
        submit.record(conn, s, delivery, sha256="bench", file_name="bench", submitted_by="bench")
        record_batch(
            conn,
            s,
            Batch(
                PERIOD,
                {
                    n: f.with_row_index("_line", 1).cast({"_line": pl.Int64})
                    for n, f in kanta.items()
                },
                [organiser.oid],
                {},
            ),
            sha256="kanta",
            source_file="bench",
            loaded_by="bench",
        )
        started = time.perf_counter()
        read = {
            c.name: store.frame(conn, f"SELECT * FROM {rows.table(c)}")
            for c in components.COMPONENTS.values()
        }
        read_seconds = time.perf_counter() - started
    input_rows = sum(f.height for f in read.values())
    del read
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        summary = build.build(s, PERIOD, "bench")
        timings.append(time.perf_counter() - started)
    best = min(timings)
    return {
        "county": organiser.county,
        "persons": county_persons,
        "input_rows": input_rows,
        "register_rows": {n: c["rows"] for n, c in summary.components.items()},
        "by_source": {n: c["by_source"] for n, c in summary.components.items()},
        "build_seconds": [round(t, 2) for t in timings],
        "read_inputs_seconds": round(read_seconds, 2),
        "ratio_build_to_read": round(best / read_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows in the delivery")
    parser.add_argument("--county-persons", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-submit", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    work = Path(tempfile.mkdtemp(prefix="sosdata-bench-register-", dir="/tmp"))
    try:
        result = {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "build": bench_build(work, args.county_persons, rng),
        }
        if not args.skip_submit:
            result["submit"] = bench_submit(work, args.rows, rng)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result, indent=2, default=str))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
