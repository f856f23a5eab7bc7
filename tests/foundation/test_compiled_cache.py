"""The compiled loops' cache is keyed on the helpers they inline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sosdata


def _numba_cache_dir(env: dict[str, str]) -> str:
    script = "import sosdata, numba; print(numba.config.CACHE_DIR)"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_change_to_the_helpers_is_a_new_cache(tmp_path: Path):
    first = sosdata.compiled_cache_dir(b"def digits(): ...", tmp_path)
    assert first == sosdata.compiled_cache_dir(b"def digits(): ...", tmp_path)
    assert first != sosdata.compiled_cache_dir(b"def digits(): return -1", tmp_path)
    assert first.parent == tmp_path


def test_numba_uses_the_cache_of_the_current_helpers():
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    helpers = (Path(sosdata.__file__).parent / "fixedwidth.py").read_bytes()
    assert _numba_cache_dir(env) == str(sosdata.compiled_cache_dir(helpers))


def test_a_cache_folder_of_the_users_own_is_kept(tmp_path: Path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    assert _numba_cache_dir(env) == str(tmp_path)
