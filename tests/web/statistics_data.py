"""A register with two published quarters, for the public statistics and PxWeb API tests.

The register's built data is stood in for by the statistics tests' register of the contract's
shapes (``tests/statistics/fake_register.py``: a county's municipalities, random but
reproducible persons); the quarters are then published as ``sosdata stats`` publishes them,
through the register's publish verb, which also writes the published CSV files.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from webharness import KEEPER, Seeded, seed

from sosdata import codes
from sosdata.app import Register
from sosdata.periods import Quarter
from sosdata.register import store

EARLIER = Quarter.parse("2023Q1")
LATER = Quarter.parse("2023Q2")
COUNTY = "18"


def _fake_register():
    path = Path(__file__).resolve().parents[1] / "statistics" / "fake_register.py"
    spec = importlib.util.spec_from_file_location("sosdata_tests_fake_register", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Published:
    seeded: Seeded
    #: quarter → the folder of the CSV files its publication wrote (Finnish labels)
    csv: dict[str, Path]


def publish_two_quarters(data_dir: Path, out: Path, *, persons: int = 1000) -> Published:
    seeded = seed(data_dir)
    fake = _fake_register()
    municipalities = codes.municipalities_of(COUNTY)[:3]
    parts = [
        fake.frames(EARLIER, persons=persons, seed=7, municipalities=municipalities),
        fake.frames(LATER, persons=persons + 30, seed=8, municipalities=municipalities),
    ]
    with store.opened(seeded.settings) as conn:
        fake.write(conn, parts)
    written = {}
    with Register(seeded.settings, purpose="statistics test set-up") as register:
        keeper = register.actor(KEEPER.user_id)
        for quarter in (EARLIER, LATER):
            folder = out / str(quarter)
            register.publish(keeper, quarter, folder, fmt="csv", lang="fi")
            written[str(quarter)] = folder
    return Published(seeded, written)
