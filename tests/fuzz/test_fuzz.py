"""Bounded fuzzing in ``make test``: each target's Hypothesis strategy, a few dozen cases.
The long run is ``bench/fuzz.py``; a crash either finds becomes a regression case here."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings

from .targets import TARGETS

BOUNDED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz(name: str) -> None:
    strategy, target = TARGETS[name]

    @BOUNDED
    @given(case=strategy)
    def run(case) -> None:
        with tempfile.TemporaryDirectory() as folder:
            target(case, Path(folder))

    run()


# crashes found by fuzzing, kept as regression cases
@example(case=b"[" * 100_000)
@example(case=b'{"versio": "1", "osat": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}")
@given(case=TARGETS["manifest"][0])
@settings(max_examples=1, deadline=None, database=None)
def test_manifest_regressions(case: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        TARGETS["manifest"][1](case, Path(folder))
