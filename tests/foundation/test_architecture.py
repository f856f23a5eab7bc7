"""The shape of the code: only the interfaces print, and no module imports itself round about.

The layer contract (layers only look down) is import-linter's, in ``pyproject.toml``; ``make
test`` runs it. These tests read the same import graph (grimp, import-linter's engine), lazy
imports inside functions included.
"""

from __future__ import annotations

import grimp
import pytest

INTERFACES = ("sosdata.cli", "sosdata.web")
TERMINAL_AND_COMMAND_LINE = ("typer", "rich", "click")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("sosdata", include_external_packages=True)


def _ours(graph: grimp.ImportGraph) -> list[str]:
    return sorted(m for m in graph.modules if m == "sosdata" or m.startswith("sosdata."))


def test_only_the_interfaces_import_typer_or_rich(graph):
    printing = {
        (module, imported)
        for module in _ours(graph)
        if not module.startswith(INTERFACES)
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] in TERMINAL_AND_COMMAND_LINE
    }
    assert printing == set()


def test_no_import_cycles(graph):
    cycles = set()
    for module in _ours(graph):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("sosdata") and graph.find_shortest_chain(
                importer=imported, imported=module
            ):
                cycles.add(tuple(sorted((module, imported))))
    assert cycles == set()


def test_the_documented_access_table_is_the_policys():
    from pathlib import Path

    from sosdata.app import policy

    documented = Path(__file__).parents[2] / "docs" / "access.md"
    assert documented.read_text(encoding="utf-8") == policy.markdown(), "run: make docs"
