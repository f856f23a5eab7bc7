"""sosdata — the social-welfare follow-up register."""

import hashlib
import os
import shutil
from pathlib import Path

__version__ = "0.1.0"

_PACKAGE = Path(__file__).parent


def compiled_cache_dir(helpers_source: bytes, root: Path = _PACKAGE / "__pycache__") -> Path:
    """Where Numba caches the compiled loops: a folder per version of ``fixedwidth``.

    Numba keys each cached loop on its own file only, but the loops of ``identity`` and the
    delivery inline ``fixedwidth``'s helpers: after the helpers change, they would go on running
    the old code. Keying the whole cache on the helpers' source makes them compile afresh."""
    return root / f"numba-{hashlib.sha256(helpers_source).hexdigest()[:16]}"


def _use_compiled_cache() -> None:
    # before any module imports Numba, which reads the setting once; a setting of the user's
    # own is kept
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    folder = compiled_cache_dir((_PACKAGE / "fixedwidth.py").read_bytes())
    if not folder.exists():  # the helpers changed: earlier versions' loops are of no use
        for stale in folder.parent.glob("numba-*"):
            shutil.rmtree(stale, ignore_errors=True)
    os.environ["NUMBA_CACHE_DIR"] = str(folder)


_use_compiled_cache()
