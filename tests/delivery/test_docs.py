"""docs/delivery-format.md: its tables and examples agree with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sosdata.components import COMPONENTS
from sosdata.delivery import manifest as manifests
from sosdata.delivery import rules

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "delivery-format.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", DOC, flags=re.S)


def test_file_table_lists_every_component_header():
    for component in COMPONENTS.values():
        assert f"| `{component.filename}` | {component.roman} " in DOC
        assert f"`{';'.join(component.column_names)}`" in DOC


def test_every_column_is_described():
    for column in {c for comp in COMPONENTS.values() for c in comp.column_names}:
        assert f"| `{column}` |" in DOC


def test_example_manifest_is_valid():
    text = next(body for lang, body in BLOCKS if lang == "json" and '"versio"' in body)
    parsed = manifests.parse(text.encode())
    assert parsed.versio == manifests.FORMAT_VERSION
    assert set(json.loads(text)) <= set(manifests.SCHEMA["properties"])


def test_example_files_validate_as_described(deliveries):
    examples = {}
    for _, body in BLOCKS:
        header = body.splitlines()[0]
        for component in COMPONENTS.values():
            if header == ";".join(component.column_names):
                examples[component.name] = body
    assert set(examples) == {"asiakkuusjaksot", "palvelupaatokset"}
    path = deliveries.folder(examples)
    result = deliveries.validate(path)
    assert result.accepted, result.report.issues
    assert set(result.report.counts) == {rules.HETU_TEMPORARY}
    assert result.report.components["palvelupaatokset"].defaults_applied == {
        "palvelutehtava": 1,
        "paatospvm": 0,
        "voimassa_alkaen": 1,
        "voimassa_asti": 2,
        "paatoksen_tyyppi": 1,
    }
    assert result.rows["palvelupaatokset"]["palvelutehtava"].to_list() == ["1", "4"]


def test_documented_listing_limits_match_the_code():
    from sosdata.delivery.report import EXAMPLES, LISTED_ERRORS

    assert f"up to {LISTED_ERRORS:,} per rule".replace(",", " ") in DOC
    assert f"first {EXAMPLES} per rule and column" in DOC
