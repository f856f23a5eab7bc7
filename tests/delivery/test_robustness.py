"""Arbitrary bytes as a CSV never crash the validator: always a report, and a rejection comes
with a clear issue."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sosdata.components import COMPONENTS
from sosdata.delivery import rules

II = "asiakkuusjaksot"
HEADER = ";".join(COMPONENTS[II].column_names).encode()

#: bytes that matter to the reader, mixed with anything at all
_ALPHABET = st.sampled_from(
    [
        b";",
        b"\n",
        b"\r",
        b'"',
        b"\xef\xbb\xbf",
        b"\xff",
        b"\xc3",
        b"\xa4",
        b"0",
        b"-",
        b" ",
        b"\0",
        b"2023-01-01",
        b"091",
        b"1",
        b"\t",
        b",",
    ]
)
_noise = st.lists(st.one_of(_ALPHABET, st.binary(max_size=8)), max_size=60).map(b"".join)


def _check(result) -> None:
    report = result.report
    data = report.to_dict()
    assert data["accepted"] == result.accepted
    for issue in data["issues"]:
        assert issue["rule"] in rules.RULES
        assert issue["message"]
    if not result.accepted:
        assert any(rules.get(r).severity is rules.Severity.ERROR for r in report.counts)
    for fmt in ("text", "json", "csv", "html"):
        assert report.render(fmt, "fi")


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_noise)
def test_arbitrary_bytes_never_crash(deliveries, data):
    _check(deliveries.validate(deliveries.csv(II, data)))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_noise)
def test_arbitrary_rows_under_a_good_header_never_crash(deliveries, data):
    _check(deliveries.validate(deliveries.csv(II, HEADER + b"\n" + data)))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(manifest=st.binary(max_size=200), member=st.binary(max_size=200))
def test_arbitrary_package_contents_never_crash(deliveries, manifest, member):
    path = deliveries.zip({II: HEADER + b"\n" + member}, manifest)
    _check(deliveries.validate(path))
