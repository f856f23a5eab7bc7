from __future__ import annotations

import duckdb
import pytest

from sosdata import codes
from sosdata.config import Settings
from sosdata.periods import Quarter

from . import fake_register

QUARTER = Quarter.parse("2023Q2")
#: a county of a handful of municipalities keeps the tables small and the LP checks quick
COUNTY = "18"


@pytest.fixture(scope="module")
def register_db(tmp_path_factory: pytest.TempPathFactory):
    """A real DuckDB file holding two quarters of one county, in the contract's shapes."""
    path = tmp_path_factory.mktemp("stats") / "register.duckdb"
    municipalities = codes.municipalities_of(COUNTY)[:3]
    parts = [
        fake_register.frames(
            QUARTER.previous(), persons=120, seed=7, municipalities=municipalities
        ),
        fake_register.frames(QUARTER, persons=150, seed=8, municipalities=[*municipalities, "200"]),
    ]
    conn = duckdb.connect(str(path))
    fake_register.write(conn, parts)
    yield conn, parts
    conn.close()


@pytest.fixture
def stats_settings(tmp_path) -> Settings:
    (tmp_path / "data").mkdir()  # as 'sosdata init' makes it: only init creates a data folder
    return Settings(data_dir=tmp_path / "data")
