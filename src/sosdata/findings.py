"""Findings: the one shape of a problem found in what the register is sent.

A delivery's validation issues, a notification's check results and the malformed records of a
Kanta extract are all findings: a stable ``code``, a ``severity`` (``error`` or ``warning``),
where it is (``file``, ``line``, ``column`` — as far as known), what it concerns (a delivery
``component``; a notification ``question`` and the ``path`` into its document) and ``params``
for its message. The message is rendered in Finnish, Swedish or English from the one registry of
message texts below, which each source fills with its own codes when it is imported (the
delivery rules, the notification checks, the Kanta extract).

Findings that can number millions (a delivery's row issues, a Kanta extract's malformed
records) stay columnar: a Polars frame in :data:`FINDING_SCHEMA`, whose ``params`` are a JSON
object and whose ``message`` is the text in the frame's language (null until rendered with
:func:`with_messages`). :meth:`Finding.row`, :func:`findings_frame` and :func:`from_frame`
convert between the two forms.

Library code returns findings; it neither prints them nor names commands in their messages
(the command line adds its own hints).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from sosdata import identity

LANGUAGES = ("fi", "sv", "en")
ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

#: the columnar form of findings (one row per finding)
FINDING_SCHEMA = pl.Schema(
    {
        "code": pl.String(),
        "severity": pl.String(),
        "component": pl.String(),
        "file": pl.String(),
        "line": pl.Int64(),
        "column": pl.String(),
        "message": pl.String(),
        "question": pl.Int64(),
        "path": pl.List(pl.String()),
        "params": pl.String(),
    }
)

#: the fields of a finding a message template may name besides its params
_LOCATION = ("file", "line", "column", "component", "question")

#: what a source's templates need beyond a finding's fields and params (e.g. a question's name)
Values = Callable[["Finding", str], Mapping[str, object]]

_TEXTS: dict[str, Mapping[str, str]] = {}
_VALUES: dict[str, Values] = {}


def register(texts: Mapping[str, Mapping[str, str]], values: Values | None = None) -> None:
    """Add a source's codes, each with its message template per language (``{name}`` fields
    are the finding's location fields and params). A code belongs to one source."""
    for code, by_lang in texts.items():
        missing = [lang for lang in LANGUAGES if lang not in by_lang]
        if missing:
            raise ValueError(f"finding code {code} has no message in {', '.join(missing)}")
        if code in _TEXTS and dict(_TEXTS[code]) != dict(by_lang):
            raise ValueError(f"finding code {code} is registered with other texts already")
        _TEXTS[code] = by_lang
        if values is not None:
            _VALUES[code] = values


def template(code: str, lang: str) -> str:
    """The message template of ``code`` in ``lang``: the one lookup of message texts."""
    try:
        return _TEXTS[code][lang]
    except KeyError:
        raise KeyError(f"no message for finding code {code!r} in {lang!r}") from None


def codes() -> list[str]:
    """Every code registered so far (by the sources imported)."""
    return list(_TEXTS)


class _Defaulting(dict[str, object]):
    """A template field without a value stays as written instead of failing the message."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Finding:
    """One finding; see the module's description."""

    code: str
    severity: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    component: str | None = None
    question: int | None = None
    path: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} of {self.code}: error or warning")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (fi, sv or en); identity codes in it are masked."""
        values: dict[str, object] = {name: getattr(self, name) for name in _LOCATION}
        for key, value in self.params.items():
            # a parameter given per language is shown in the message's language
            values[key] = value[lang] if isinstance(value, Mapping) and lang in value else value
        if self.code in _VALUES:
            values.update(_VALUES[self.code](self, lang))
        return identity.redact(template(self.code, lang).format_map(_Defaulting(values)))

    def where(self) -> str | None:
        """``FILE, line L, column C`` as far as the finding's location is known."""
        if not self.file:
            return None
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def located(self, lang: str = "en") -> str:
        """The message preceded by where the finding is, when that is known."""
        where = self.where()
        return f"{where}: {self.message(lang)}" if where else self.message(lang)

    def row(self, lang: str | None = None) -> dict[str, Any]:
        """The finding as a row of :data:`FINDING_SCHEMA` (``message`` in ``lang``, if given)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "component": self.component,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message(lang) if lang else None,
            "question": self.question,
            "path": list(self.path),
            "params": json.dumps(dict(self.params), ensure_ascii=False, default=str)
            if self.params
            else None,
        }


def errors(found: Iterable[Finding]) -> list[Finding]:
    return [f for f in found if f.is_error]


def findings_frame(found: Iterable[Finding], lang: str | None = None) -> pl.DataFrame:
    """Findings as a frame in :data:`FINDING_SCHEMA` (for the few findings kept as objects)."""
    return pl.DataFrame([f.row(lang) for f in found], schema=FINDING_SCHEMA)


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def from_frame(frame: pl.DataFrame) -> list[Finding]:
    """The findings of a frame as objects (for listing a few; a frame's rows can be
    millions). A row without ``params`` whose message was rendered from its row's values (a
    delivery's row issue) keeps only its location and code."""
    frame = conform(frame)
    return [
        Finding(
            code=row["code"],
            severity=row["severity"],
            file=row["file"],
            line=row["line"],
            column=row["column"],
            component=row["component"],
            question=row["question"],
            path=tuple(row["path"] or ()),
            params=json.loads(row["params"]) if row["params"] else {},
        )
        for row in frame.iter_rows(named=True)
    ]


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in :data:`FINDING_SCHEMA`: its columns in order, a missing one null."""
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in FINDING_SCHEMA.items()
    )


def param(name: str) -> pl.Expr:
    """One parameter of each row of a findings frame, as text (null where it has none)."""
    return pl.col("params").str.json_path_match(f"$.{name}")


def with_messages(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """``frame`` with its missing messages rendered in ``lang``: column-wise where a code's
    template names plain fields, else one finding at a time (a source with values of its own,
    whose findings are few)."""
    missing = pl.col("message").is_null()
    wanted = frame.filter(missing).get_column("code").unique().to_list()
    rendered = pl.col("message")
    by_row: list[str] = []
    for code in wanted:
        expr = _message_expr(code, lang)
        if expr is None:
            by_row.append(code)
            continue
        rendered = pl.when(missing & (pl.col("code") == code)).then(expr).otherwise(rendered)
    if len(by_row) < len(wanted):
        frame = frame.with_columns(identity.redact_expr(rendered).alias("message"))
    if by_row:
        index = frame.with_row_index("_at").filter(missing & pl.col("code").is_in(by_row))
        texts = [f.message(lang) for f in from_frame(index)]
        frame = frame.with_columns(
            frame.get_column("message").scatter(index.get_column("_at"), texts)
        )
    return frame


def _message_expr(code: str, lang: str) -> pl.Expr | None:
    """A code's message as one expression over the frame, or None when its template needs
    more than plain fields (a conversion, a format, braces, a source's own values)."""
    if code in _VALUES:
        return None
    parts: list[str] = []
    values: list[pl.Expr] = []
    for literal, name, spec, conversion in string.Formatter().parse(template(code, lang)):
        if "{" in literal or "}" in literal:
            return None
        parts.append(literal)
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            return None
        parts.append("{}")
        if name in _LOCATION:
            # a missing location reads as Finding.message shows it
            values.append(pl.col(name).cast(pl.String).fill_null("None"))
        else:
            values.append(param(name).fill_null("{" + name + "}"))
    return pl.format("".join(parts), *values) if values else pl.lit("".join(parts))
