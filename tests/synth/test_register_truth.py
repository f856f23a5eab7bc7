"""End to end: the deliveries submitted, the Kanta extract loaded and the quarters built give
exactly the true register of the truth file, provenance included."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from sosdata import keys
from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.periods import Quarter
from sosdata.register import store
from world import call

KEEPER = "synth-keeper"


def test_built_register_is_the_truth(tiny: Path, settings: Settings) -> None:
    store.initialise(settings, KEEPER)
    for path in sorted((tiny / "deliveries").glob("*Q*/*.zip")):
        assert call(settings, KEEPER, "submit", path).status == "accepted", path.name
    quarters = sorted(p.name for p in (tiny / "truth" / "register").iterdir())
    for quarter in quarters:
        call(
            settings,
            KEEPER,
            "load_kanta",
            tiny / "kanta" / "extract.parquet",
            Quarter.parse(quarter),
        )
        call(settings, KEEPER, "build", Quarter.parse(quarter))
    pseudonym = keys.pseudonymizer(settings)
    with store.opened(settings) as conn:
        for quarter in quarters:
            for name in COMPONENTS:
                truth = pl.read_parquet(tiny / "truth" / "register" / quarter / f"{name}.parquet")
                want = truth.with_columns(pseudonym=pseudonym.series(truth["henkilotunnus"])).drop(
                    "henkilotunnus"
                )
                # the quarter is a parsed Quarter: safe to put in the text
                built = conn.sql(
                    f"SELECT * FROM register_{name} WHERE quarter = '{Quarter.parse(quarter)}'"
                )
                got = pl.from_arrow(built.to_arrow_table()).select(want.columns)
                assert want.height > 0
                assert got.sort(want.columns, nulls_last=True).equals(
                    want.sort(want.columns, nulls_last=True)
                ), (quarter, name)
