"""A change to the helpers that a cached compiled loop builds in compiles that loop afresh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sosdata

_BIRTH_DATE = (
    "import polars as pl; from sosdata import identity; "
    "print(identity.facts(pl.Series(['010594Y9021']))['birth_date'][0])"
)


def _birth_date(package_root: Path, cache: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(package_root), "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _BIRTH_DATE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_identity_loop_follows_a_change_to_the_helpers(tmp_path: Path):
    # a copy of the package whose date arithmetic is then changed; the identity module is not
    copy = tmp_path / "src"
    shutil.copytree(
        Path(sosdata.__file__).parent,
        copy / "sosdata",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    cache = tmp_path / "cache"
    assert _birth_date(copy, cache) == "1994-05-01"
    helpers = copy / "sosdata" / "fixedwidth.py"
    source = helpers.read_text()
    day_later = source.replace(
        "return _YEAR_START[year] + before + day - 1", "return _YEAR_START[year] + before + day"
    )
    assert day_later != source
    helpers.write_text(day_later)
    assert _birth_date(copy, cache) == "1994-05-02"
