"""A strict reader of PC-Axis files, written from the format's specification for the tests.

It tokenises ``KEYWORD[("lang")][("variable")]=value;`` statements (quoted strings, lists,
multi-line values), then checks that DATA holds exactly the product of the VALUES counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEY = re.compile(r'^([A-Z0-9-]+)(?:\[([a-z]{2})\])?(?:\("([^"]*)"\))?=', re.S)


@dataclass
class PxFile:
    keywords: dict[tuple[str, str | None], list[str] | str] = field(default_factory=dict)
    data: list[str] = field(default_factory=list)

    def get(self, key: str, variable: str | None = None):
        return self.keywords[(key, variable)]

    @property
    def variables(self) -> list[str]:
        stub = self.get("STUB") if ("STUB", None) in self.keywords else []
        heading = self.get("HEADING") if ("HEADING", None) in self.keywords else []
        return [*stub, *heading]

    def cell(self, **labels: str) -> str:
        """The DATA value at the given VALUES labels (by variable name)."""
        index = 0
        for variable in self.variables:
            values = self.get("VALUES", variable)
            index = index * len(values) + values.index(labels[variable])
        return self.data[index]


def _split_statements(text: str) -> list[str]:
    out, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        raise ValueError("unterminated statement at end of file")
    return out


def _values(raw: str) -> list[str] | str:
    raw = raw.strip()
    if not raw.startswith('"'):
        return raw
    items = re.findall(r'"([^"]*)"', raw)
    rest = re.sub(r'"[^"]*"', "", raw).replace(",", "").split()
    if rest:
        raise ValueError(f"junk between quoted items: {rest}")
    return items if "," in raw else items[0]


def parse(text: str) -> PxFile:
    px = PxFile()
    for statement in _split_statements(text.lstrip("\ufeff")):
        match = _KEY.match(statement)
        if not match:
            raise ValueError(f"not a PX statement: {statement[:60]!r}")
        key, _lang, variable = match.groups()
        raw = statement[match.end() :]
        if key == "DATA":
            px.data = re.findall(r'"[^"]*"|[^\s"]+', raw)
            px.data = [d.strip('"') for d in px.data]
            continue
        value = _values(raw)
        if key in ("STUB", "HEADING", "VALUES", "CODES") and isinstance(value, str):
            value = [value]
        px.keywords[(key, variable)] = value
    expected = 1
    for variable in px.variables:
        expected *= len(px.get("VALUES", variable))
    if len(px.data) != expected:
        raise ValueError(f"DATA has {len(px.data)} values, VALUES give {expected}")
    for line in text.splitlines():
        if len(line) > 256:
            raise ValueError("a line longer than 256 characters")
    return px
