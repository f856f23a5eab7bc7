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


def add_checkpoint(stage: dict[str, Any], checkpoint: dict[str, Any]) -> dict[str, Any]:
    """``stage`` with the checkpoint that followed it as part of it (``checkpoint_seconds``)."""
    stage["checkpoint_seconds"] = checkpoint["seconds"]
    for measure in ("seconds", "cpu_seconds"):
        stage[measure] = round(stage[measure] + checkpoint[measure], 2)
    stage["peak_memory_gb"] = max(stage["peak_memory_gb"], checkpoint["peak_memory_gb"])
    return stage


def submissions_summary(
    submissions: list[dict[str, Any]], checkpoint: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The submissions stage: its files' figures added up (and the ``checkpoint`` after the
    last, if the path has one of its own), the largest file's and the worst ratio to
    validation, and each file's own (``each``)."""
    largest = max(submissions, key=lambda s: s["rows"])
    summary: dict[str, Any] = {
        "files": len(submissions),
        "rows": sum(s["rows"] for s in submissions),
        "seconds": round(sum(s["seconds"] for s in submissions), 2),
        "cpu_seconds": round(sum(s["cpu_seconds"] for s in submissions), 2),
        "peak_memory_gb": max(s["peak_memory_gb"] for s in submissions),
        "largest": largest["file"],
    }
    if checkpoint is not None:
        add_checkpoint(summary, checkpoint)
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


#: each baseline by its name in the JSON, and what its stage's ratio to it is called
RATIO_TO = {
    "derivation_alone": "derivation",
    "validation": "validation",
    "polars_read": "polars_read",
    "duckdb_copy_of_the_rows": "duckdb_copy",
    "count_distinct_per_task": "count_distinct",
}


def compare(stage: dict[str, Any], **baselines: dict[str, Any]) -> None:
    """Add to ``stage`` its ``baselines`` and its ratio to each in wall seconds
    (``ratio_to_…``); to the first, the main one, in CPU seconds too."""
    stage["baselines"] = baselines
    for i, (name, baseline) in enumerate(baselines.items()):
        stage[f"ratio_to_{RATIO_TO[name]}"] = ratio(stage, baseline)
        if i == 0:
            stage[f"cpu_ratio_to_{RATIO_TO[name]}"] = ratio(stage, baseline, "cpu_seconds")
