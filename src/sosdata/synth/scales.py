"""The sizes the generator knows, and which organisers each covers."""

from __future__ import annotations

from dataclasses import dataclass

from sosdata.errors import UserError


class ScaleError(UserError, ValueError):
    """An unknown scale name."""


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    #: persons in the client population (everyone with at least one service-task period)
    clients: int
    #: county codes of the organisers covered; ``None`` for every organiser
    counties: tuple[str, ...] | None
    #: plan pattern per county, overriding the seeded choice (small scales cover every pattern)
    patterns: tuple[tuple[str, str], ...] = ()


SCALES: dict[str, Scale] = {
    # Central Uusimaa (six municipalities, split into two groups) and Helsinki: every kind of
    # source, every component, every injected rule
    "tiny": Scale("tiny", 2000, ("02", "90"), (("02", "mixed"), ("90", "supplemented"))),
    # what `sosdata demo` shows: three counties, each with its own mix of sources
    "demo": Scale(
        "demo",
        6000,
        ("02", "90", "06"),
        (("02", "mixed"), ("90", "supplemented"), ("06", "separate")),
    ),
    "county": Scale("county", 100_000, ("08",), (("08", "mixed"),)),
    "national": Scale("national", 1_200_000, None),
}


def get(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ScaleError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
