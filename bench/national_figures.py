"""The figures of ``bench/national.py`` that both of its paths (one process per stage, and the
register's one long-lived process) compute the same way: the goals, ratios and totals."""

from __future__ import annotations

from typing import Any

#: goals on 2 cores (issue: "a national quarter end to end")
GOALS = {
    "total_seconds": 60,
    "peak_memory_gb": 8,
    "build_seconds": 15,
    "submission_to_validation": 2.0,
    "kanta_load_to_derivation": 1.5,
}


def ratio(stage: dict[str, Any], baseline: dict[str, Any], measure: str = "seconds") -> float:
    """``stage`` over ``baseline`` in wall seconds (or ``cpu_seconds``: steadier on a shared
    machine)."""
    return quotient(stage[measure], baseline[measure])


def quotient(figure: float, baseline: float) -> float:
    """``figure`` over ``baseline`` to two decimals; 0 when the baseline is too small to time."""
    return round(figure / baseline, 2) if baseline else 0.0


def submissions_summary(submissions: list[dict[str, Any]]) -> dict[str, Any]:
    """The submissions stage: its files' figures added up, the largest file's and the worst
    ratio to validation, and each file's own (``each``)."""
    largest = max(submissions, key=lambda s: s["rows"])
    summary: dict[str, Any] = {
        "files": len(submissions),
        "rows": sum(s["rows"] for s in submissions),
        "seconds": round(sum(s["seconds"] for s in submissions), 2),
        "cpu_seconds": round(sum(s["cpu_seconds"] for s in submissions), 2),
        "peak_memory_gb": max(s["peak_memory_gb"] for s in submissions),
        "largest": largest["file"],
    }
    if "baselines" in largest:
        validation = sum(s["baselines"]["validation"]["seconds"] for s in submissions)
        validation_cpu = sum(s["baselines"]["validation"]["cpu_seconds"] for s in submissions)
        read = sum(s["baselines"]["polars_read"]["seconds"] for s in submissions)
        summary["baselines"] = {
            "validation_seconds": round(validation, 2),
            "validation_cpu_seconds": round(validation_cpu, 2),
            "polars_read_seconds": round(read, 2),
        }
        summary["ratio_to_validation"] = quotient(summary["seconds"], validation)
        summary["cpu_ratio_to_validation"] = quotient(summary["cpu_seconds"], validation_cpu)
        summary["ratio_to_polars_read"] = quotient(summary["seconds"], read)
        summary["largest_ratio_to_validation"] = largest["ratio_to_validation"]
        summary["worst_ratio_to_validation"] = max(s["ratio_to_validation"] for s in submissions)
    summary["each"] = submissions
    return summary


def total(stages: dict[str, Any]) -> dict[str, Any]:
    """The stages with seconds added up (the report page has none), their peak memory, and
    which goals they met."""
    measured = [s for s in stages.values() if "seconds" in s]
    seconds = round(sum(s["seconds"] for s in measured), 2)
    peak = max(s["peak_memory_gb"] for s in measured)
    met = {
        "total_seconds": seconds <= GOALS["total_seconds"],
        "peak_memory_gb": peak <= GOALS["peak_memory_gb"],
        "build_seconds": stages["build"]["seconds"] <= GOALS["build_seconds"],
    }
    if "ratio_to_validation" in stages["submissions"]:
        met["submission_to_validation"] = (
            stages["submissions"]["worst_ratio_to_validation"] <= GOALS["submission_to_validation"]
        )
    if "ratio_to_derivation" in stages["kanta_load"]:
        met["kanta_load_to_derivation"] = (
            stages["kanta_load"]["ratio_to_derivation"] <= GOALS["kanta_load_to_derivation"]
        )
    return {
        "seconds": seconds,
        "cpu_seconds": round(sum(s["cpu_seconds"] for s in measured), 2),
        "peak_memory_gb": peak,
        "goals_met": met,
    }


def build_baseline(build: dict[str, Any], rows: dict[str, int], copy: dict[str, Any]) -> None:
    """Add to the build stage the rows it wrote and DuckDB's COPY of them."""
    build["rows_written"] = rows
    build["baselines"] = {"duckdb_copy_of_the_rows": copy}
    build["ratio_to_duckdb_copy"] = ratio(build, copy)
    build["cpu_ratio_to_duckdb_copy"] = ratio(build, copy, "cpu_seconds")


def statistics_baseline(statistics: dict[str, Any], distinct: dict[str, Any]) -> None:
    """Add to the statistics stage one ``count(DISTINCT)`` per service task."""
    statistics["baselines"] = {"count_distinct_per_task": distinct}
    statistics["ratio_to_count_distinct"] = ratio(statistics, distinct)
    statistics["cpu_ratio_to_count_distinct"] = ratio(statistics, distinct, "cpu_seconds")


def kanta_load_baselines(
    load: dict[str, Any], derive: dict[str, Any], read: dict[str, Any]
) -> None:
    """Add to the Kanta load the derivation alone and a bare Polars read of the extract."""
    load["baselines"] = {"derivation_alone": derive, "polars_read": read}
    load["ratio_to_derivation"] = ratio(load, derive)
    load["cpu_ratio_to_derivation"] = ratio(load, derive, "cpu_seconds")
    load["ratio_to_polars_read"] = ratio(load, read)


def submission_baselines(
    entry: dict[str, Any], validated: dict[str, Any], read: dict[str, Any]
) -> None:
    """Add to one file's submission its validation alone and a bare Polars read of it."""
    entry["baselines"] = {"validation": validated, "polars_read": read}
    entry["ratio_to_validation"] = ratio(entry, validated)
    entry["cpu_ratio_to_validation"] = ratio(entry, validated, "cpu_seconds")
    entry["ratio_to_polars_read"] = ratio(entry, read)
