"""One tiny generated data set shared by the module's tests (generation takes about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sosdata.synth import Options, generate

#: two quarters and a higher error rate than the default, so every rule appears many times
TINY = Options(scale="tiny", period="2023Q1", periods=2, seed=11, error_rate=0.03)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "tiny"
    generate(out, TINY)
    return out
