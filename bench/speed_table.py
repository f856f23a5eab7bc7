"""The README's table of a national quarter end to end, made from ``bench/national.py``'s JSON.

Rewrites the block between the two marker lines in README.md (or prints it with ``--print``):

    .venv/bin/python bench/speed_table.py docs/performance-national.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

BEGIN = "<!-- national-table: made by bench/speed_table.py from bench/national.py's JSON -->"
END = "<!-- /national-table -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _gb(stage: dict[str, Any]) -> str:
    return f"{stage['peak_memory_gb']:.1f} GB"


def _row(name: str, stage: dict[str, Any], baseline: str, goal: str) -> str:
    figure = f"{stage['seconds']:.1f} s ({stage['cpu_seconds']:.1f} CPU-s), {_gb(stage)}"
    return f"| {name} | {figure} | {baseline} | {goal} |"


def _rows(stages: dict[str, Any], total: dict[str, Any], goals: dict[str, Any]) -> list[str]:
    """One path's table: a row per stage, the report page, the total."""
    load, build, submissions = stages["kanta_load"], stages["build"], stages["submissions"]
    stats = stages["statistics"]
    lines = [
        "| stage | wall (CPU), peak memory | against a baseline in the same run | goal |",
        "|---|---|---|---|",
    ]
    if "ratio_to_derivation" in load:
        derive = load["baselines"]["derivation_alone"]
        baseline = (
            f"{load['ratio_to_derivation']}× the derivation alone "
            f"({derive['seconds']:.1f} s, {derive['cpu_seconds']:.1f} CPU-s; "
            f"{load['cpu_ratio_to_derivation']}× in CPU)"
        )
    else:
        baseline = ""
    lines.append(
        _row("Kanta load", load, baseline, f"≤ {goals['kanta_load_to_derivation']}× derivation")
    )
    if "ratio_to_validation" in submissions:
        baseline = (
            f"{submissions['ratio_to_validation']}× validating the same files "
            f"({submissions['baselines']['validation_seconds']:.1f} s; "
            f"{submissions['cpu_ratio_to_validation']}× in CPU; largest file "
            f"{submissions['largest_ratio_to_validation']}×, worst "
            f"{submissions['worst_ratio_to_validation']}×)"
        )
    else:
        baseline = ""
    lines.append(
        _row(
            f"{submissions['files']} submissions ({submissions['rows']:,} rows)",
            submissions,
            baseline,
            f"≤ {goals['submission_to_validation']}× validation",
        )
    )
    if "ratio_to_duckdb_copy" in build:
        copy = build["baselines"]["duckdb_copy_of_the_rows"]
        rows = sum(build["rows_written"].values())
        baseline = (
            f"{build['ratio_to_duckdb_copy']}× DuckDB's COPY of the {rows:,} rows it writes "
            f"({copy['seconds']:.1f} s, {copy['cpu_seconds']:.1f} CPU-s; "
            f"{build['cpu_ratio_to_duckdb_copy']}× in CPU)"
        )
    else:
        baseline = ""
    lines.append(_row("build", build, baseline, f"≤ {goals['build_seconds']} s"))
    if "ratio_to_count_distinct" in stats:
        distinct = stats["baselines"]["count_distinct_per_task"]
        baseline = (
            f"{stats['ratio_to_count_distinct']}× one `count(DISTINCT)` per service task "
            f"({distinct['seconds']:.1f} s)"
        )
    else:
        baseline = ""
    lines.append(_row("statistics (CSV)", stats, baseline, ""))
    page = stages.get("report_page", {})
    if "p95_ms" in page:
        lines.append(
            f"| report page of the largest delivery (not in the total) | p50 {page['p50_ms']:.0f}"
            f" ms, p95 {page['p95_ms']:.0f} ms, first {page['first_ms']:.0f} ms over loopback | "
            f"| p95 < {page['target_p95_ms']} ms |"
        )
    met = ", ".join(f"{k} {'met' if v else 'missed'}" for k, v in total["goals_met"].items())
    lines.append(
        f"| **after the synthesis** | **{total['seconds']:.1f} s ({total['cpu_seconds']:.1f} "
        f"CPU-s), peak {total['peak_memory_gb']:.1f} GB** | {met} | "
        f"≤ {goals['total_seconds']} s, ≤ {goals['peak_memory_gb']} GB |"
    )
    return lines


def table(result: dict[str, Any]) -> str:
    """The block for README.md: the quarter and the machine, then a table per measured path
    (every stage one process; the register's one long-lived process)."""
    goals, machine = result["goals"], result["machine"]
    summary = result["synthesis"]["summary"]
    lines = [
        BEGIN,
        "",
        f"A synthetic national quarter ({summary['people']:,} clients, "
        f"{summary['kanta_documents']:,} Kanta documents, {summary['delivered_rows']:,} delivered "
        f"rows in {summary['deliveries']} files), `bench/national.py`. Machine: "
        f"{machine['cpus']} cores, {machine['memory_gb']} GB; load at the start: "
        f"`{machine['uptime_before']}`, at the end: `{machine.get('uptime_after', '')}`.",
        "",
    ]
    if "stages" in result:
        lines += [
            "Every stage one `sosdata` process (peak memory: the process's):",
            "",
            *_rows(result["stages"], result["total"], goals),
            "",
        ]
    if "server" in result:
        server = result["server"]
        startup = server["startup"]
        lines += [
            "The register as it runs: one long-lived process, as `sosdata serve` holds it "
            "(`bench/server_path.py`; peak memory: the process's during the stage, what earlier "
            f"stages left resident included). Its start-up, {startup['seconds']:.1f} s "
            f"({startup['cpu_seconds']:.1f} CPU-s), {startup['peak_memory_gb']:.1f} GB "
            "(imports, opening the register), is not in the total; the Kanta load, the "
            "submissions and the build each include the checkpoint its writer makes once idle "
            "after them:",
            "",
            *_rows(server["stages"], server["total"], goals),
            "",
        ]
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="bench/national.py's output")
    parser.add_argument("--print", action="store_true", help="Print the table, change nothing.")
    args = parser.parse_args()
    made = table(json.loads(args.json.read_text(encoding="utf-8")))
    if args.print:
        print(made)
        return
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{README}: the marker lines are missing ({BEGIN!r} … {END!r})")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    README.write_text(before + made + after, encoding="utf-8")


if __name__ == "__main__":
    main()
