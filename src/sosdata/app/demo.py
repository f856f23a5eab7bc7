"""A register with a history, made from synthetic data: what ``sosdata demo`` shows.

Three quarters of a few counties go through the register as they would in a year of its life:
the notifications of delivery method filed before the first quarter; every quarter's Kanta
extract loaded; the counties' separate deliveries received on realistic days — most before the
deadline, one late, one rejected for its errors (its report is worth reading) and sent again, one
replaced by a corrected file; the first two quarters built and published (so the time series has
two points) and the third built and waiting, for the counties to check their own figures before
the keeper publishes. Every step goes through the register's verbs as the keeper or a county's
user, as a person would through the command line or the portal. Identity codes are temporary
ones (individual numbers 900–999): nobody real is in it.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sosdata import components, organisers
from sosdata.app.policy import Role
from sosdata.app.register import Register
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.progress import Progress, Step, silent

FIRST_QUARTER = Quarter.parse("2023Q1")
QUARTERS = 3
#: the notifications were filed before their deadline (4.4.2022)
NOTIFIED_AT = dt.datetime(2022, 3, 28, 10, 0)
KEEPER, ADMIN = "keeper", "admin"


@dataclass(frozen=True)
class Account:
    user_id: str
    role: str
    organiser: str | None
    password: str
    #: what the account is for, shown beside it
    note: str


@dataclass
class Demo:
    settings: Settings
    accounts: list[Account]
    quarters: dict[str, str] = field(default_factory=dict)  # quarter → its state
    #: what happened to the notable deliveries: late, rejected, replaced
    story: dict[str, int] = field(default_factory=dict)


def run(out: Path, *, scale: str = "demo", seed: int = 2023, progress: Progress = silent) -> Demo:
    """Make the demo register under ``out`` (emptied first); returns its accounts and story."""
    from sosdata.synth import Options, generate

    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    quarters = [FIRST_QUARTER.next(i) for i in range(QUARTERS)]
    total = 4 + 3 * len(quarters)
    done = 0

    def step(stage: str) -> None:
        nonlocal done
        progress(Step(stage, done, total))
        done += 1

    step("synthetic counties: population, Kanta documents, deliveries, notifications")
    synth = out / "synth"
    generate(synth, Options(scale, str(FIRST_QUARTER), len(quarters), seed), None)

    settings = Settings(data_dir=out / "data")
    with Register(settings, purpose="sosdata demo") as register:
        step("data directory, keys, database and one account per role")
        register.initialise(KEEPER)
        keeper = register.actor(KEEPER)
        demo = Demo(settings, _accounts(register, synth))

        step("notifications of delivery method, filed before their deadline")
        for path in sorted((synth / "notifications").glob("*.json")):
            register.import_notification(keeper, path, submitted_at=NOTIFIED_AT)

        for number, quarter in enumerate(quarters):
            step(f"{quarter}: the Kanta extract")
            register.load_kanta(keeper, synth / "kanta" / "extract.parquet", quarter)
            step(f"{quarter}: the counties' deliveries")
            _deliveries(register, demo, synth, quarter, number, settings)
            step(f"{quarter}: the quarter's register")
            register.build(keeper, quarter)
            demo.quarters[str(quarter)] = "built"

        step("publishing the first quarters: tables, charts and the time series")
        for quarter in quarters[:-1]:
            register.publish(keeper, quarter)
            demo.quarters[str(quarter)] = "published"
    progress(Step("ready", total, total))
    return demo


def _accounts(register: Register, synth: Path) -> list[Account]:
    """The keeper, an administrator and a data-team user of each county in the demo."""
    keeper = register.actor(KEEPER)
    counties = sorted({p.name.split("-")[0] for p in (synth / "notifications").glob("*.json")})
    made = [
        (KEEPER, Role.KEEPER, None, "the register keeper: monitoring, quarters, publication"),
        (ADMIN, Role.ADMIN, None, "an administrator: users only"),
    ]
    registry = organisers.load()
    for county in counties:
        org = registry.for_county(county)
        assert org is not None
        made.append((f"data-{county}", Role.ORGANISER, org.oid, f"{org.name('en')}'s data team"))
    accounts = []
    for user_id, role, organiser, note in made:
        if user_id != KEEPER:
            register.add_user(keeper, user_id, role=role, organiser=organiser)
        password = secrets.token_urlsafe(12)
        register.set_password(keeper, user_id, password)
        accounts.append(Account(user_id, role.value, organiser, password, note))
    return accounts


def _deliveries(
    register: Register,
    demo: Demo,
    synth: Path,
    quarter: Quarter,
    number: int,
    settings: Settings,
) -> None:
    """The quarter's deliveries, each received on a day of its own before (or after) the
    deadline. The first quarter has a late one and one replaced by a corrected file; the second
    one rejected for its errors and then sent again, corrected."""
    keeper = register.actor(KEEPER)
    deadline = quarter.deadline(settings)
    files = sorted((synth / "deliveries" / str(quarter)).glob("*.zip"))
    variants = synth / "variants" / str(quarter)
    for index, path in enumerate(files):
        on_time = dt.datetime.combine(deadline, dt.time(9)) - dt.timedelta(days=3 + 5 * index)

        def receive(file: Path, at: dt.datetime) -> int:
            outcome = register.submit(keeper, file, received_at=at)
            return outcome.delivery_id

        if number == 0 and index == 0:  # a first extract missing rows, replaced a week later
            partial = _edited(path, variants / f"first-{path.name}", _every_tenth_row_missing)
            demo.story["replaced"] = receive(partial, on_time - dt.timedelta(days=7))
            demo.story["replacement"] = receive(path, on_time)
        elif number == 0 and index == len(files) - 1:  # late by five days
            demo.story["late"] = receive(path, on_time + dt.timedelta(days=5 + 3 + 5 * index))
        elif number == 1 and index == 0:  # too many errors: rejected, then sent again
            broken = _edited(path, variants / f"broken-{path.name}", _bad_check_characters)
            demo.story["rejected"] = receive(broken, on_time - dt.timedelta(days=10))
            receive(path, on_time)
        else:
            receive(path, on_time)


def _edited(source: Path, target: Path, edit: Callable[[pl.DataFrame], pl.DataFrame]) -> Path:
    """A copy of a delivery whose client periods went through ``edit`` — the kind of fault an
    extraction bug makes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for member in original.namelist():
            data = original.read(member)
            if member == components.CLIENT_PERIODS.filename:
                rows = pl.read_csv(io.BytesIO(data), separator=";", infer_schema=False)
                out = io.BytesIO()
                edit(rows).write_csv(out, separator=";")
                data = out.getvalue()
            copy.writestr(member, data)
    return target


def _every_tenth_row_missing(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.int_range(pl.len()) % 10 != 0)


def _bad_check_characters(rows: pl.DataFrame) -> pl.DataFrame:
    """A wrong check character in every fourth identity code."""
    code = pl.col("henkilotunnus")
    wrong = pl.when(code.str.slice(10, 1) == "X").then(pl.lit("Y")).otherwise(pl.lit("X"))
    return rows.with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(code.str.slice(0, 10) + wrong)
        .otherwise(code)
        .alias("henkilotunnus")
    )
