"""The same seed gives the same bytes; another seed gives other data."""

from __future__ import annotations

from pathlib import Path

import pytest

from sosdata.synth import Options, SynthError, generate

from .conftest import TINY


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_byte_identical_output(tiny: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, TINY)
    first, second = _files(tiny), _files(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
    # everything the layout promises is there
    assert {"kanta/extract.parquet", "summary.json", "truth/errors.csv"} <= set(first)
    assert any(n.startswith("deliveries/2023Q2/") for n in first)
    assert any(n.startswith("notifications/") for n in first)


def test_another_seed_gives_other_data(tiny: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, Options(scale="tiny", periods=2, seed=12, error_rate=0.03))
    a = (tiny / "kanta" / "extract.parquet").read_bytes()
    b = (other / "kanta" / "extract.parquet").read_bytes()
    assert a != b


def test_refuses_a_directory_in_use_and_bad_options(tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with pytest.raises(SynthError, match="new or empty"):
        generate(used, Options())
    assert (used / "keep.txt").read_text() == "mine"
    with pytest.raises(SynthError, match="error-rate"):
        generate(tmp_path / "a", Options(error_rate=0.2))
    with pytest.raises(SynthError, match="periods"):
        generate(tmp_path / "b", Options(periods=0))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
