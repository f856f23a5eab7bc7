"""The notification as a document: its JSON/YAML form, reading it with positions, writing it.

A notification document::

    form_version: 1
    round: 2023Q1          # the notification round: the first quarter it applies to
    lang: fi               # the answerer's language (summary e-mail, messages)
    answers:               # question id → answer, see docs/notification.schema.json
      contact: {name: Maija Meikäläinen, email: maija.meikalainen@example.fi}
      county: "06"
      ...

Unanswered questions are left out (``null``, ``""``, ``[]`` and ``{}`` also mean unanswered).
YAML is read with every plain scalar as text — so ``06``, ``091`` and ``yes`` stay codes, not
numbers or booleans.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from sosdata.errors import UserError
from sosdata.findings import Finding
from sosdata.notification.form import FORM_VERSION, LANGUAGES, QUESTIONS

TOP_LEVEL_KEYS = ("form_version", "round", "lang", "answers")
#: a path into the document, e.g. ("answers", "client_periods_source", "4")
Path_ = tuple[str, ...]


class NotificationError(UserError, ValueError):
    """A notification that cannot be read or stored; names the file, line and column.
    ``codes``: the codes of the findings it reports (a caller may add its own hints)."""

    def __init__(self, message: str, codes: frozenset[str] = frozenset()):
        super().__init__(message)
        self.codes = codes


@dataclass
class Notification:
    round: str
    lang: str
    answers: dict[str, Any]
    form_version: int = FORM_VERSION

    @property
    def county(self) -> str | None:
        return self.answers.get("county")

    @property
    def group_name(self) -> str | None:
        return self.answers.get("group_name")

    @property
    def municipalities(self) -> list[str]:
        return list(self.answers.get("municipalities") or [])

    @property
    def contact_email(self) -> str | None:
        contact = self.answers.get("contact")
        return contact.get("email") if isinstance(contact, Mapping) else None

    def to_dict(self) -> dict[str, Any]:
        """The canonical form: answers in the form's order, unanswered left out."""
        ordered = {qid: self.answers[qid] for qid in QUESTIONS if qid in self.answers}
        extra = {k: v for k, v in self.answers.items() if k not in QUESTIONS}
        return {
            "form_version": self.form_version,
            "round": self.round,
            "lang": self.lang,
            "answers": ordered | extra,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def to_yaml(self) -> str:
        return yaml.dump(
            self.to_dict(), Dumper=_QuotingDumper, allow_unicode=True, sort_keys=False, width=100
        )


@dataclass
class Positions:
    """Line and column (1-based) of each path of the document, where the format tells them."""

    source: str
    at: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path_) -> tuple[int, int] | None:
        """Line and column of the nearest known enclosing path."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.at:
                return self.at[path[:n]]
        return None

    def locate(self, finding: Finding) -> Finding:
        """``finding`` with the file, line and column of its path in this document."""
        found = self.position(finding.path)
        line, column = found if found else (None, None)
        return replace(
            finding,
            file=self.source,
            line=line,
            column=str(column) if column is not None else None,
        )


# --- YAML with plain scalars as text ----------------------------------------------------------


class _TextLoader(yaml.SafeLoader):
    """A safe loader that resolves plain scalars only to null or text."""


_TextLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _QuotingDumper(yaml.SafeDumper):
    """Writes strings that look like numbers or booleans quoted, so they read back as text."""


def _positions(node: yaml.Node, path: Path_, out: dict[Path_, tuple[int, int]]) -> None:
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            out[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
            _positions(value, child, out)
            # a value's own position wins for messages about the value
            out[child] = (value.start_mark.line + 1, value.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _positions(item, (*path, str(index)), out)


def _yaml_positions(text: str) -> dict[Path_, tuple[int, int]]:
    try:
        node = yaml.compose(text, Loader=_TextLoader)
    except (yaml.YAMLError, RecursionError):
        return {}
    out: dict[Path_, tuple[int, int]] = {}
    if node is not None:
        _positions(node, (), out)
    return out


def parse_text(text: str, source: str, fmt: str | None = None) -> tuple[Any, Positions]:
    """Parse JSON or YAML text; a syntax error names the line and column."""
    try:
        return _parse_text(text, source, fmt)
    except RecursionError:
        raise NotificationError(f"{source}: nested too deeply to be a notification") from None


def _parse_text(text: str, source: str, fmt: str | None) -> tuple[Any, Positions]:
    fmt = fmt or ("json" if text.lstrip().startswith("{") else "yaml")
    positions = Positions(source, _yaml_positions(text))
    if fmt == "json":
        try:
            return json.loads(text), positions
        except json.JSONDecodeError as exc:
            raise NotificationError(
                f"{source}, line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"
            ) from None
    try:
        return yaml.load(text, Loader=_TextLoader), positions
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        raise NotificationError(f"{where}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise NotificationError(f"{source}: not valid YAML: {exc}") from None


def read_file(path: Path) -> tuple[Any, Positions]:
    """The raw document of a ``.json``, ``.yaml`` or ``.yml`` file, with positions."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotificationError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise NotificationError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    suffix = path.suffix.lower()
    fmt = "json" if suffix == ".json" else "yaml" if suffix in (".yaml", ".yml") else None
    return parse_text(text, str(path), fmt)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _normalise(value: Any) -> Any:
    """Strip text, drop empty parts; everything else is left for the checks to judge."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_normalise(v) for v in value if not _is_empty(_normalise(v))]
    if isinstance(value, dict):
        items = {str(k): _normalise(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if not _is_empty(v)}
    return value


def from_data(data: Any) -> tuple[Notification, list[tuple[Path_, str]]]:
    """A notification from parsed data, and the structural problems found (path, message).

    The problems are about the envelope (top-level keys, round, language, form version); the
    answers themselves are judged by :mod:`sosdata.notification.checks`.
    """
    from sosdata.periods import PeriodError, Quarter

    problems: list[tuple[Path_, str]] = []
    if not isinstance(data, Mapping):
        return Notification("", "fi", {}), [((), "the document must be a mapping with 'answers'")]
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problems.append(
                ((str(key),), f"unknown key {key!r}; known: {', '.join(TOP_LEVEL_KEYS)}")
            )
    round_text = str(data.get("round") or "").strip()
    try:
        round_text = str(Quarter.parse(round_text))
    except PeriodError:
        problems.append((("round",), f"round {round_text!r} is not a quarter such as 2023Q1"))
    lang = str(data.get("lang") or "fi").strip()
    if lang not in LANGUAGES:
        problems.append((("lang",), f"lang {lang!r}: choose fi, sv or en"))
        lang = "fi"
    version = data.get("form_version", FORM_VERSION)
    if str(version).strip() != str(FORM_VERSION):
        problems.append(
            (
                ("form_version",),
                f"form_version {version!r} is not supported; expected {FORM_VERSION}",
            )
        )
    answers = data.get("answers")
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        problems.append((("answers",), "answers must be a mapping of question id to answer"))
        answers = {}
    normalised = {str(k): _normalise(v) for k, v in answers.items() if not _is_empty(_normalise(v))}
    return Notification(round_text, lang, normalised), problems
