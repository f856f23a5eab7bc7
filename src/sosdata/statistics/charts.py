"""Charts of published tables as standalone SVG, rendered on the server.

No scripts, no fonts or styles from elsewhere: a chart is one SVG document that a web page can
inline or link and that any browser shows offline. Only published values are drawn; a
suppressed cell is drawn as a gap marked ``..``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import polars as pl

from sosdata.statistics.suppression import TOTAL
from sosdata.statistics.tables import Table

#: colour-blind-safe palette (Okabe–Ito)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
FONT = "font-family:system-ui,sans-serif"


@dataclass(frozen=True)
class Series:
    name: str
    #: None where the value is suppressed
    values: tuple[int | None, ...]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="#fff"/>',
            f'<text x="10" y="22" style="{FONT};font-size:15px;font-weight:600">'
            f"{escape(title)}</text>",
            *body,
            "</svg>",
        ]
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        row = y + 18 * i
        out.append(f'<rect x="{x}" y="{row - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(
            f'<text x="{x + 14}" y="{row}" style="{FONT};font-size:11px">{escape(s.name)}</text>'
        )
    return out


def _axis(left: float, top: float, plot_w: float, plot_h: float, top_value: float) -> list[str]:
    out = []
    for k in range(5):
        value = top_value * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'style="{FONT};font-size:10px">{value:,.0f}</text>'.replace(",", "\u202f")
        )
    return out


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series]) -> str:
    """Grouped horizontal bars: one group per category, one bar per series."""
    left, top, plot_w = 230, 40, 520
    group_h = 6 + 9 * len(series)
    plot_h = max(group_h * len(categories), 40)
    width, height = left + plot_w + 190, top + plot_h + 30
    top_value = _nice_max(max((v or 0) for s in series for v in s.values) if series else 0)
    body = []
    for k in range(5):
        x = left + plot_w * k / 4
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#ddd"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'style="{FONT};font-size:10px">{top_value * k / 4:,.0f}</text>'.replace(",", "\u202f")
        )
    for i, category in enumerate(categories):
        y0 = top + i * group_h
        body.append(
            f'<text x="{left - 6}" y="{y0 + group_h / 2 + 4:.1f}" text-anchor="end" '
            f'style="{FONT};font-size:11px">{escape(category)}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + 3 + 9 * j
            if value is None:
                body.append(
                    f'<text x="{left + 3}" y="{y + 8}" style="{FONT};font-size:9px">..</text>'
                )
                continue
            w = plot_w * value / top_value
            body.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="8" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(s.name)}: {value}</title>'
                "</rect>"
            )
    body += _legend(series, left + plot_w + 16, top + 10)
    return _svg(width, height, title, body)


def line_chart(title: str, periods: Sequence[str], series: Sequence[Series]) -> str:
    """One line per series over the periods; a suppressed value breaks the line."""
    left, top, plot_w, plot_h = 70, 40, 560, 260
    width, height = left + plot_w + 220, top + plot_h + 40
    top_value = _nice_max(max((v or 0) for s in series for v in s.values) if series else 0)
    step = plot_w / max(len(periods) - 1, 1)
    body = _axis(left, top, plot_w, plot_h, top_value)
    for i, period in enumerate(periods):
        body.append(
            f'<text x="{left + i * step:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'style="{FONT};font-size:10px">{escape(period)}</text>'
        )
    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            x, y = left + i * step, top + plot_h - plot_h * value / top_value
            runs[-1].append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(s.name)} {escape(periods[i])}: {value}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
    body += _legend(series, left + plot_w + 16, top + 10)
    return _svg(width, height, title, body)


def _value(cells: pl.DataFrame, **codes: str) -> int | None:
    row = cells.filter(*[pl.col(k) == v for k, v in codes.items()])
    if row.is_empty():
        return 0
    return None if row["status"][0] is not None else int(row["value"][0])


def clients_by_county(table: Table, lang: str = "fi") -> str:
    """Bars: clients per service task in each county (``clients_county``)."""
    area, task = table.dimension("alue"), table.dimension("palvelutehtava")
    others = [d for d in table.dims if d not in ("alue", "palvelutehtava")]
    cells = table.cells.filter(*[pl.col(d) == TOTAL for d in others], pl.lit(True))
    counties = [c for c in area.codes if c != TOTAL]
    series = [
        Series(
            task.label(t, lang), tuple(_value(cells, alue=c, palvelutehtava=t) for c in counties)
        )
        for t in task.codes
    ]
    return bar_chart(
        f"{table.title[lang]}, {table.quarter}", [area.label(c, lang) for c in counties], series
    )


def trend(table: Table, lang: str = "fi", area: str = TOTAL) -> str:
    """Lines: clients per service task over the quarters (``trend_county``) in one area."""
    task, period = table.dimension("palvelutehtava"), table.dimension("vuosineljannes")
    cells = table.cells.filter(pl.col("alue") == area)
    series = [
        Series(
            task.label(t, lang),
            tuple(_value(cells, palvelutehtava=t, vuosineljannes=q) for q in period.codes),
        )
        for t in task.codes
    ]
    where = table.dimension("alue").label(area, lang)
    return line_chart(f"{table.title[lang]} — {where}", list(period.codes), series)


def write_charts(tables: Sequence[Table], out_dir: Path, lang: str = "fi") -> list[Path]:
    """The standard charts of a quarter's tables, as SVG files beside the tables."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        if table.id == "clients_county":
            svg = clients_by_county(table, lang)
        elif table.id == "trend_county":
            svg = trend(table, lang)
        else:
            continue
        path = out_dir / f"{table.id}_{table.quarter}_{lang}.svg"
        path.write_text(svg, encoding="utf-8")
        written.append(path)
    return written
