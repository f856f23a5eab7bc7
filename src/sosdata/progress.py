"""The one shape of progress reports: every long piece of work calls ``progress(Step(...))``.

The command line draws them as a progress bar, the web server records them on the job the work
runs as; library code never prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Step:
    """Where long work is: its stage, and how far through the stage when that is countable."""

    stage: str
    done: int = 0
    total: int | None = None


Progress = Callable[[Step], None]


def silent(_step: Step) -> None:
    """The progress callback of work nobody watches."""


def say(progress: Progress | None) -> Callable[[str], None]:
    """A callback reporting uncounted stages by their description."""
    report = progress or silent
    return lambda stage: report(Step(stage))
