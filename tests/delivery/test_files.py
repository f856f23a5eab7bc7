"""File-level checks: each failure rejects the whole delivery and says where; and the three
package forms (ZIP, folder, single CSV) read alike."""

from __future__ import annotations

import json

import polars as pl
import pytest

from sosdata.components import COMPONENTS
from sosdata.config import Settings
from sosdata.delivery import rules
from sosdata.delivery.validate import DeliveryUsageError

II = "asiakkuusjaksot"
HEADER = ";".join(COMPONENTS[II].column_names)


def _only(result, rule: str) -> pl.DataFrame:
    issues = result.report.issues
    found = issues.filter(issues["code"] == rule)
    assert found.height >= 1, issues
    assert not result.accepted
    return found


def _good_lines(d, n: int = 2) -> list[str]:
    return d.csv_text(II, [d.row(II, alkupvm=f"2022-05-0{i + 1}") for i in range(n)]).splitlines()


def test_not_utf8_names_line_and_column(deliveries):
    lines = _good_lines(deliveries, 3)
    bad = "\n".join(lines).encode("utf-8").replace(b";186;", b";18\xe4;", 2)
    # the first replacement is on line 2; make line 2 clean again so that line 3 is the first
    first_fixed = bad.replace(b";18\xe4;", b";186;", 1)
    result = deliveries.validate(deliveries.folder({II: first_fixed}))
    found = _only(result, rules.FILE_NOT_UTF8)
    assert found["line"].to_list() == [3]
    assert found["column"].to_list() == ["kotikunta"]
    assert "0xE4" in found["message"][0] and "line 3" in found["message"][0]


def test_not_utf8_in_header(deliveries):
    data = ("jarjestaja;henkil\xf6tunnus" + HEADER[len("jarjestaja;henkilotunnus") :]).encode(
        "latin-1"
    )
    result = deliveries.validate(deliveries.csv(II, data + b"\n"))
    assert _only(result, rules.FILE_NOT_UTF8)["line"].to_list() == [1]


def test_wrong_delimiter(deliveries):
    text = "\n".join(line.replace(";", ",") for line in _good_lines(deliveries)) + "\n"
    result = deliveries.validate(deliveries.csv(II, text))
    found = _only(result, rules.FILE_DELIMITER)
    assert "','" in found["message"][0]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\n\n", (HEADER + "\n").encode()])
def test_empty_file(deliveries, content):
    result = deliveries.validate(deliveries.folder({II: content}))
    _only(result, rules.FILE_EMPTY)


def test_header_missing_column(deliveries):
    lines = [";".join(line.split(";")[:-1]) for line in _good_lines(deliveries)]
    result = deliveries.validate(deliveries.csv(II, "\n".join(lines) + "\n"))
    found = _only(result, rules.FILE_HEADER_MISSING)
    assert found["column"].to_list() == ["loppupvm"] and found["line"].to_list() == [1]


def test_header_duplicate_column(deliveries):
    lines = [line + ";" + line.split(";")[1] for line in _good_lines(deliveries)]
    result = deliveries.validate(deliveries.csv(II, "\n".join(lines) + "\n"))
    found = _only(result, rules.FILE_HEADER_DUPLICATE)
    assert found["column"].to_list() == ["henkilotunnus"]
    assert "2, 8" in found["message"][0]


def test_header_unknown_column(deliveries):
    lines = _good_lines(deliveries)
    lines[0] = lines[0].replace("loppupvm", "paattymispvm")
    result = deliveries.validate(deliveries.csv(II, "\n".join(lines) + "\n"))
    found = _only(result, rules.FILE_HEADER_UNKNOWN)
    assert "paattymispvm" in found["message"][0]


def test_header_in_any_order_and_case(deliveries):
    rows = [deliveries.row(II)]
    columns = list(reversed(COMPONENTS[II].column_names))
    text = ";".join(c.upper() for c in columns) + "\n"
    text += ";".join(rows[0][c] for c in columns) + "\n"
    result = deliveries.validate(deliveries.csv(II, text))
    assert result.accepted
    assert result.rows[II]["henkilotunnus"].to_list() == [deliveries.adult]


@pytest.mark.parametrize(
    ("change", "line", "fields"),
    [
        (lambda ls: ls[:2] + [ls[2].rsplit(";", 1)[0]] + ls[3:], 3, 6),
        (lambda ls: ls[:3] + [ls[3] + ";x"], 4, 8),
        (lambda ls: ls[:2] + [""] + ls[2:], 3, 1),
        # one row short and one long: the totals match, the rows do not
        (lambda ls: ls[:2] + [ls[2].rsplit(";", 1)[0], ls[3] + ";x"], 3, 6),
        # a semicolon inside quotes is still a field separator in format v1
        (lambda ls: ls[:2] + [ls[2].replace(";186;", ';"18;6";')] + ls[3:], 3, 8),
    ],
    ids=["short", "long", "blank-line", "short-and-long", "quoted-semicolon"],
)
def test_ragged_rows(deliveries, change, line, fields):
    lines = change(_good_lines(deliveries, 3))
    result = deliveries.validate(deliveries.csv(II, "\n".join(lines) + "\n"))
    found = _only(result, rules.FILE_RAGGED_ROW)
    assert found["line"].to_list() == [line]
    assert f"line {line}: {fields} fields, the header has 7" in found["message"][0]


def test_trailing_blank_lines_and_crlf_and_bom_are_fine(deliveries):
    text = "\r\n".join(_good_lines(deliveries, 2)) + "\r\n\r\n\r\n"
    result = deliveries.validate(deliveries.csv(II, b"\xef\xbb\xbf" + text.encode()))
    assert result.accepted, result.report.issues
    assert result.rows[II]["_line"].to_list() == [2, 3]
    assert result.rows[II]["loppupvm"].null_count() == 2


def test_quoted_values_are_unquoted(deliveries):
    lines = _good_lines(deliveries, 2)
    quoted = ['"' + line.replace(";", '";"') + '"' for line in lines]
    result = deliveries.validate(deliveries.csv(II, "\n".join(quoted) + "\n"))
    assert result.accepted, result.report.issues
    assert result.rows[II]["kotikunta"].to_list() == ["186", "186"]
    assert result.rows[II]["loppupvm"].null_count() == 2


def test_damaged_zip(deliveries, tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 this is not really an archive")
    found = _only(deliveries.validate(path), rules.FILE_UNREADABLE)
    assert "broken.zip" in found["message"][0]


def test_unknown_file_in_package(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)], "muistiinpanot.txt": "hei"})
    found = _only(deliveries.validate(path), rules.FILE_UNKNOWN)
    assert found["file"].to_list() == ["muistiinpanot.txt"]


def test_os_clutter_is_ignored(deliveries):
    path = deliveries.zip({II: [deliveries.row(II)], ".DS_Store": b"\0", "__MACOSX/x": b"\0"})
    assert deliveries.validate(path).accepted


def test_component_not_declared(deliveries):
    files = {II: [deliveries.row(II)], "lastensuojelu": [deliveries.row("lastensuojelu")]}
    path = deliveries.folder(files, deliveries.manifest([II]))
    found = _only(deliveries.validate(path), rules.COMPONENT_NOT_DECLARED)
    assert found["component"].to_list() == ["lastensuojelu"]


def test_component_declared_missing(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]}, deliveries.manifest([II, "palvelutiedot"]))
    found = _only(deliveries.validate(path), rules.COMPONENT_DECLARED_MISSING)
    assert found["component"].to_list() == ["palvelutiedot"]


def test_manifest_missing(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]}, with_manifest=False)
    _only(deliveries.validate(path), rules.MANIFEST_MISSING)


@pytest.mark.parametrize(
    ("manifest_data", "needle"),
    [
        (b"{not json", "line 1, column 2"),
        ({"versio": "2"}, "versio"),
        ({"seurantajakso": "2023-Q1"}, "seurantajakso"),
        ({"osat": ["asiakkuusjaksot", "muut"]}, "muut"),
        ({"jarjestaja": "1.2.246.10.424242"}, "not in the organiser register"),
        ({"kuvaus": ""}, "kuvaus"),
        ({"extra": 1}, "extra"),
        ({"rajaukset": {"sosiaalipalvelut": [7]}}, "rajaukset"),
    ],
)
def test_manifest_invalid(deliveries, manifest_data, needle):
    data = manifest_data
    if isinstance(manifest_data, dict):
        data = deliveries.manifest([II]) | manifest_data
    path = deliveries.folder({II: [deliveries.row(II)]}, data)
    found = _only(deliveries.validate(path), rules.MANIFEST_INVALID)
    assert needle in found["message"][0]


def test_manifest_missing_field(deliveries):
    data = deliveries.manifest([II])
    del data["kuntaryhma"]
    path = deliveries.folder({II: [deliveries.row(II)]}, data)
    found = _only(deliveries.validate(path), rules.MANIFEST_INVALID)
    assert "kuntaryhma" in found["message"][0]


def test_manifest_period_mismatch(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]})
    found = _only(
        deliveries.validate(path, period=deliveries.period.next()), rules.MANIFEST_PERIOD_MISMATCH
    )
    assert "2023Q1" in found["message"][0] and "2023Q2" in found["message"][0]


def test_manifest_organiser_mismatch(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]})
    _only(
        deliveries.validate(path, organiser=deliveries.other_oid), rules.MANIFEST_ORGANISER_MISMATCH
    )
    assert deliveries.validate(path, organiser=deliveries.oid).accepted


def test_manifest_group_mismatch(deliveries):
    path = deliveries.folder({II: [deliveries.row(II)]})
    _only(deliveries.validate(path, municipality_group="Muu"), rules.MANIFEST_GROUP_MISMATCH)
    assert deliveries.validate(path, municipality_group="Keski-Uusimaa").accepted


def _rows_with_errors(d, good: int, bad: int):
    rows = [d.row(II, alkupvm=f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(good)]
    rows += [d.row(II, kotikunta="999", alkupvm=f"2021-01-{1 + i:02d}") for i in range(bad)]
    return rows


def test_too_many_errors_rejects(deliveries):
    result = deliveries.validate(deliveries.folder({II: _rows_with_errors(deliveries, 94, 6)}))
    found = _only(result, rules.TOO_MANY_ERRORS)
    assert "6 of 100" in found["message"][0]
    assert result.report.components[II].rejected_rows == 6


def test_errors_under_the_limit_reject_rows_only(deliveries):
    result = deliveries.validate(deliveries.folder({II: _rows_with_errors(deliveries, 95, 5)}))
    assert result.accepted
    assert result.rows[II].height == 95
    summary = result.report.to_dict()["components"][II]
    assert (summary["rows"], summary["accepted_rows"], summary["rejected_rows"]) == (100, 95, 5)


def test_threshold_is_configurable(deliveries, settings: Settings):
    from dataclasses import replace

    deliveries.settings = replace(settings, error_threshold=0.01)
    result = deliveries.validate(deliveries.folder({II: _rows_with_errors(deliveries, 98, 2)}))
    _only(result, rules.TOO_MANY_ERRORS)


# --- the three package forms ---------------------------------------------------------------


def _three_components(d):
    return {
        II: [
            d.row(II),
            d.row(
                II, henkilotunnus=d.child, sukupuoli="2", palvelutehtava="3", alkupvm="2023-02-01"
            ),
        ],
        "palvelupaatokset": [d.row("palvelupaatokset", palvelutehtava="")],
        "palvelutiedot": [d.row("palvelutiedot")],
    }


def test_zip_folder_and_prefixed_zip_agree(deliveries):
    files = _three_components(deliveries)
    results = [
        deliveries.validate(deliveries.folder(files)),
        deliveries.validate(deliveries.zip(files)),
        deliveries.validate(deliveries.zip(files, prefix="toimitus_2023Q1/")),
    ]
    for result in results:
        assert result.accepted, result.report.issues
        assert result.manifest is not None and result.manifest.jarjestaja == deliveries.oid
    for name in files:
        assert results[0].rows[name].equals(results[1].rows[name])
        assert results[0].rows[name].equals(results[2].rows[name])


def test_single_csv_by_name_or_option(deliveries):
    rows = [deliveries.row(II)]
    by_name = deliveries.validate(deliveries.csv(II, rows), organiser=deliveries.oid)
    by_option = deliveries.validate(
        deliveries.csv(II, rows, name="export.csv"), component=II, organiser=deliveries.oid
    )
    assert by_name.accepted and by_option.accepted
    assert by_name.rows[II].equals(by_option.rows[II])
    assert by_option.manifest.osat == [II] and by_option.manifest.jarjestaja == deliveries.oid


def test_single_csv_without_component_is_a_usage_error(deliveries):
    with pytest.raises(DeliveryUsageError, match="--component"):
        deliveries.validate(deliveries.csv(II, [deliveries.row(II)], name="export.csv"))


def test_single_csv_organiser_option_checks_rows(deliveries):
    result = deliveries.validate(
        deliveries.csv(II, [deliveries.row(II)]), organiser=deliveries.other_oid
    )
    assert result.report.counts.get(rules.ORGANISER_NOT_MANIFEST) == 1


def test_manifest_facts_are_returned(deliveries):
    result = deliveries.validate(deliveries.zip(_three_components(deliveries)))
    manifest = result.manifest
    assert manifest.seurantajakso == "2023Q1" and manifest.kuntaryhma == "Keski-Uusimaa"
    assert manifest.rajaukset == {"vain_myonteiset": False}
    assert json.loads(json.dumps(manifest.to_dict()))["osat"] == list(_three_components(deliveries))


def test_two_files_of_one_component(deliveries):
    rows = deliveries.csv_text(II, [deliveries.row(II)])
    path = deliveries.zip({II: rows, "ASIAKKUUSJAKSOT.CSV": rows})
    found = _only(deliveries.validate(path), rules.FILE_UNKNOWN)
    assert found.height == 1


@pytest.mark.parametrize(
    "content",
    [
        lambda lines: "\n".join(lines).encode() + b"\n\xe4\n",  # not UTF-8 on the last line
        lambda lines: "\n".join([*lines, lines[1] + ";x"]).encode() + b"\n",  # ragged
        lambda lines: b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n\r\n \n",
        lambda lines: "\n".join('"' + x.replace(";", '";"') + '"' for x in lines).encode(),
        lambda lines: b"",
    ],
    ids=["not-utf8", "ragged", "bom-crlf-blank-tail", "quoted", "empty"],
)
def test_a_file_and_a_zip_member_read_alike(deliveries, content):
    data = content(_good_lines(deliveries, 3))
    in_place = deliveries.validate(deliveries.folder({II: data}))
    from_bytes = deliveries.validate(deliveries.zip({II: data}))
    assert in_place.report.issues.equals(from_bytes.report.issues)
    assert in_place.accepted == from_bytes.accepted
    if in_place.accepted:
        assert in_place.rows[II].equals(from_bytes.rows[II])
