"""The separate delivery (SPEC §7): format v1, reader, rule catalogue, validator, report.

``validate_path`` checks a ZIP, a folder or one CSV; ``validate_frames`` checks frames already
read (the Kanta derivation uses it so that derived and delivered data are checked alike).
The rule ids live in :mod:`sosdata.delivery.rules`; importing them loads nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sosdata.delivery.manifest import Manifest
    from sosdata.delivery.report import Report
    from sosdata.delivery.validate import ValidationResult, validate_frames, validate_path

__all__ = ["Manifest", "Report", "ValidationResult", "validate_frames", "validate_path"]

_HOME = {
    "Manifest": "sosdata.delivery.manifest",
    "Report": "sosdata.delivery.report",
    "ValidationResult": "sosdata.delivery.validate",
    "validate_frames": "sosdata.delivery.validate",
    "validate_path": "sosdata.delivery.validate",
}


def __getattr__(name: str) -> Any:
    # loaded on first use, so that ``from sosdata.delivery import rules`` stays light
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
