"""The client population: home municipality, organiser, birth date, sex, identity code, tasks.

Only clients are generated (not the whole population): persons with at least one service
task. Ages, sexes and tasks follow coarse but plausible shares of Finnish social-welfare
clients; home municipalities follow municipality size.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from sosdata.organisers import Organiser
from sosdata.synth.identity_codes import assign_numbers

#: inhabitants (thousands, 2023, rounded) of the larger municipalities; the rest get DEFAULT
INHABITANTS_THOUSANDS: dict[str, int] = {
    "091": 664, "049": 305, "837": 249, "092": 242, "564": 212, "853": 201, "179": 147,
    "297": 124, "398": 121, "609": 83, "286": 80, "167": 78, "405": 73, "109": 68, "905": 68,
    "743": 65, "698": 65, "491": 52, "285": 51, "734": 51, "638": 51, "272": 48, "444": 46,
    "106": 47, "543": 45, "186": 45, "684": 39, "257": 40, "858": 39, "205": 36, "245": 38,
    "740": 32,
}  # fmt: skip
DEFAULT_THOUSANDS = 6

#: age bands (lowest, highest age) and their share of clients
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 17, 0.24),
    (18, 24, 0.08),
    (25, 64, 0.33),
    (65, 74, 0.10),
    (75, 84, 0.13),
    (85, 100, 0.12),
)
#: probability of each service task (1–6) for a client in each age band, in AGE_BANDS order
TASK_PROBABILITY: tuple[tuple[float, ...], ...] = (
    (0.00, 0.00, 0.55, 0.40, 0.06, 0.00),
    (0.00, 0.60, 0.10, 0.15, 0.08, 0.07),
    (0.00, 0.75, 0.12, 0.00, 0.07, 0.08),
    (0.60, 0.20, 0.00, 0.00, 0.08, 0.03),
    (0.95, 0.00, 0.00, 0.00, 0.10, 0.01),
    (0.97, 0.00, 0.00, 0.00, 0.10, 0.00),
)
#: the task a client of each band has when the draw gave none
PRIMARY_TASK = (3, 2, 2, 1, 1, 1)
TASKS = ("1", "2", "3", "4", "5", "6")


def municipality_weights(organisers: list[Organiser]) -> pl.DataFrame:
    """``kotikunta``, ``jarjestaja`` and a size weight for every municipality served."""
    rows = [
        (m, o.oid, INHABITANTS_THOUSANDS.get(m, DEFAULT_THOUSANDS))
        for o in organisers
        for m in o.municipalities
    ]
    return pl.DataFrame(
        rows,
        schema={"kotikunta": pl.String, "jarjestaja": pl.String, "weight": pl.Float64},
        orient="row",
    ).sort("kotikunta")


def generate_people(
    n: int, organisers: list[Organiser], reference: dt.date, rng: np.random.Generator
) -> pl.DataFrame:
    """``n`` clients: person id, organiser, home municipality, birth date, sex, code, age band."""
    places = municipality_weights(organisers)
    weights = places["weight"].to_numpy()
    place = rng.choice(places.height, size=n, p=weights / weights.sum())
    shares = np.array([b[2] for b in AGE_BANDS])
    band = rng.choice(len(AGE_BANDS), size=n, p=shares / shares.sum())
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    age = low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)
    # days since the last birthday; the reference date minus age and days is the birth date
    days = np.floor(rng.random(n) * 365).astype(np.int64)
    female_share = np.where(age >= 75, 0.62, 0.5)
    sex = pl.Series(1 + (rng.random(n) < female_share).astype(np.int8)).cast(pl.String)
    ref = np.datetime64(reference, "D")
    years_back = np.array(
        [np.datetime64(f"{reference.year - a:04d}-{reference:%m-%d}") for a in range(0, 101)],
        dtype="datetime64[D]",
    )
    birth = years_back[age] - days.astype("timedelta64[D]")
    birth = np.minimum(birth, ref)
    people = pl.DataFrame(
        {
            "person": np.arange(n, dtype=np.int64),
            "kotikunta": places["kotikunta"].gather(place),
            "jarjestaja": places["jarjestaja"].gather(place),
            "birth": birth,
            "sukupuoli": sex,
            "band": band.astype(np.int8),
        }
    ).with_columns(pl.col("birth").cast(pl.Date))
    coded = assign_numbers(people.rename({"sukupuoli": "sex"}), rng).rename({"sex": "sukupuoli"})
    return coded


def draw_tasks(people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """One row per person and service task: ``person``, ``palvelutehtava``."""
    band = people["band"].to_numpy()
    probability = np.array(TASK_PROBABILITY)[band]  # persons × tasks
    has = rng.random(probability.shape) < probability
    none = ~has.any(axis=1)
    primary = np.array(PRIMARY_TASK)[band] - 1
    has[np.flatnonzero(none), primary[none]] = True
    person_index, task_index = np.nonzero(has)
    return pl.DataFrame(
        {
            "person": people["person"].gather(person_index),
            "palvelutehtava": pl.Series(task_index + 1).cast(pl.String),
        }
    )
