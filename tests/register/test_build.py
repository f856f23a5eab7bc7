"""The quarter build: merge rules, provenance, source selection, determinism, isolation."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from sosdata import components, keys
from sosdata.periods import Quarter
from sosdata.register import build, store, submit, text_codes, users
from sosdata.register.kanta_load import Batch, record_batch
from world import call

Q1 = Quarter.parse("2023Q1")
D = dt.date
AT = dt.datetime(2023, 4, 20)


@pytest.fixture
def load(db, settings, make_delivery, organiser):
    """Store a separate delivery or a Kanta batch of partial records."""
    shas = iter(range(10_000))

    def separate(rows, **options):
        return submit.record(
            db,
            settings,
            make_delivery(rows, **options),
            sha256=f"s{next(shas)}",
            file_name="d.zip",
            submitted_by="keeper",
            received_at=AT,
        )

    def kanta(rows, quarter=Q1):
        # the Kanta side as a delivery would give it, then stored as a batch
        delivery = make_delivery(rows, quarter=quarter)
        batch = Batch(quarter, delivery.rows, [organiser.oid], {"test": True})
        return record_batch(
            db,
            settings,
            batch,
            sha256=f"k{next(shas)}",
            source_file="extract.jsonl",
            loaded_by="keeper",
            loaded_at=AT,
        )

    return separate, kanta


def _register(settings, component: str) -> pl.DataFrame:
    with store.opened(settings) as conn:
        return store.frame(conn, f"SELECT * FROM register_{component} ORDER BY ALL")


def _build(settings):
    return call(settings, "keeper", "build", Q1)


def _pseudonym(settings, code: str) -> str:
    return keys.pseudonymizer(settings)(code)


def _ranges(frame: pl.DataFrame, start="alkupvm", end="loppupvm") -> list[tuple]:
    return [(r[start], r[end], r["source"]) for r in frame.sort(start).iter_rows(named=True)]


# ----------------------------------------------------------------------------- II merge rules


@pytest.mark.parametrize(
    ("kanta", "separate", "expected"),
    [
        pytest.param(
            (D(2022, 12, 1), D(2023, 1, 15)),
            (D(2023, 1, 10), D(2023, 2, 28)),
            [(D(2022, 12, 1), D(2023, 2, 28), "both")],
            id="overlapping",
        ),
        pytest.param(
            (D(2022, 12, 1), D(2023, 1, 15)),
            (D(2023, 1, 15), D(2023, 2, 28)),
            [(D(2022, 12, 1), D(2023, 2, 28), "both")],
            id="touching-same-day",
        ),
        pytest.param(
            (D(2022, 12, 1), D(2023, 1, 15)),
            (D(2023, 1, 16), D(2023, 2, 28)),
            [
                (D(2022, 12, 1), D(2023, 1, 15), "kanta"),
                (D(2023, 1, 16), D(2023, 2, 28), "separate"),
            ],
            id="gap-of-a-day",
        ),
        pytest.param(
            (D(2022, 12, 1), None),
            (D(2023, 2, 1), D(2023, 2, 28)),
            [(D(2022, 12, 1), None, "both")],
            id="open-kanta-period-absorbs",
        ),
        pytest.param(
            (D(2023, 1, 1), D(2023, 3, 31)),
            (D(2023, 1, 1), D(2023, 3, 31)),
            [(D(2023, 1, 1), D(2023, 3, 31), "both")],
            id="identical",
        ),
    ],
)
def test_client_periods_of_both_sources_merge(settings, load, hetu, kanta, separate, expected):
    separate_load, kanta_load = load
    code = hetu(1)
    kanta_load(
        {
            "asiakkuusjaksot": [
                {
                    "henkilotunnus": code,
                    "palvelutehtava": "2",
                    "alkupvm": kanta[0],
                    "loppupvm": kanta[1],
                }
            ]
        }
    )
    separate_load(
        {
            "asiakkuusjaksot": [
                {
                    "henkilotunnus": code,
                    "palvelutehtava": "2",
                    "alkupvm": separate[0],
                    "loppupvm": separate[1],
                }
            ]
        }
    )
    _build(settings)
    got = _register(settings, "asiakkuusjaksot")
    assert got["pseudonym"].unique().to_list() == [_pseudonym(settings, code)]
    assert _ranges(got) == expected


def test_periods_merge_per_service_task_only(settings, load, hetu):
    separate_load, kanta_load = load
    code = hetu(2)
    kanta_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": code, "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": code, "palvelutehtava": "5", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    _build(settings)
    got = _register(settings, "asiakkuusjaksot")
    assert sorted(zip(got["palvelutehtava"], got["source"], strict=True)) == [
        ("1", "kanta"),
        ("5", "separate"),
    ]


def test_provenance_of_single_source_records(settings, load, hetu):
    separate_load, kanta_load = load
    kanta_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(3), "palvelutehtava": "1", "alkupvm": D(2023, 2, 1)}
            ]
        }
    )
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(4), "palvelutehtava": "1", "alkupvm": D(2023, 2, 1)}
            ]
        }
    )
    summary = _build(settings)
    got = _register(settings, "asiakkuusjaksot")
    by_person = dict(zip(got["pseudonym"], got["source"], strict=True))
    assert by_person == {
        _pseudonym(settings, hetu(3)): "kanta",
        _pseudonym(settings, hetu(4)): "separate",
    }
    assert summary.components["asiakkuusjaksot"]["by_source"] == {"kanta": 1, "separate": 1}


# ----------------------------------------------------------------------------- III–V


def test_child_welfare_relationships_merge(settings, load, hetu):
    separate_load, kanta_load = load
    child = hetu(5, D(2015, 3, 3))
    kanta_load(
        {
            "lastensuojelu": [
                {"henkilotunnus": child, "alkupvm": D(2022, 6, 1), "loppupvm": D(2023, 1, 31)}
            ]
        }
    )
    separate_load(
        {
            "lastensuojelu": [
                {"henkilotunnus": child, "alkupvm": D(2023, 1, 20)},
                {"henkilotunnus": child, "alkupvm": D(2021, 1, 1), "loppupvm": D(2021, 12, 31)},
            ]
        }
    )
    _build(settings)
    got = _register(settings, "lastensuojelu")
    # the 2021 relationship ended before the quarter: not in the quarter's register
    assert _ranges(got) == [(D(2022, 6, 1), None, "both")]
    assert got["syntymapaiva"].to_list() == [D(2015, 3, 3)]


def test_identical_decisions_become_one_and_different_stay_apart(settings, load, hetu):
    separate_load, kanta_load = load
    decision = {
        "henkilotunnus": hetu(6),
        "sosiaalipalvelu": "7",
        "palvelutehtava": "1",
        "paatospvm": D(2022, 11, 1),
        "voimassa_alkaen": D(2022, 11, 1),
        "paatoksen_tyyppi": "1",
    }
    kanta_load({"palvelupaatokset": [decision]})
    separate_load({"palvelupaatokset": [decision, decision | {"sosiaalipalvelu": "8"}]})
    _build(settings)
    got = _register(settings, "palvelupaatokset")
    assert sorted(zip(got["sosiaalipalvelu"], got["source"], strict=True)) == [
        ("7", "both"),
        ("8", "separate"),
    ]


def test_services_merge_ranges_and_undated_identical_ones(settings, load, hetu):
    separate_load, kanta_load = load
    code = hetu(7)
    service = {"henkilotunnus": code, "sosiaalipalvelu": "21", "palvelutehtava": "3"}
    kanta_load(
        {
            "palvelutiedot": [
                service | {"alkupvm": D(2023, 1, 5), "loppupvm": D(2023, 1, 5)},
                service | {"sosiaalipalvelu": "29"},
            ]
        }
    )
    separate_load(
        {
            "palvelutiedot": [
                service | {"alkupvm": D(2023, 1, 1), "loppupvm": D(2023, 2, 1)},
                service | {"sosiaalipalvelu": "29"},
            ]
        }
    )
    _build(settings)
    got = _register(settings, "palvelutiedot")
    assert sorted(
        zip(got["sosiaalipalvelu"], got["alkupvm"], got["source"], strict=True),
        key=repr,
    ) == [("21", D(2023, 1, 1), "both"), ("29", None, "both")]


# ----------------------------------------------------------------------------- columns


def test_register_rows_carry_birth_date_county_and_no_identity_code(
    settings, load, hetu, organiser
):
    separate_load, _ = load
    own = organiser.municipalities[0]
    separate_load(
        {
            "asiakkuusjaksot": [
                {
                    "henkilotunnus": hetu(8, D(1940, 1, 2)),
                    "palvelutehtava": "1",
                    "alkupvm": D(2023, 1, 1),
                    "kotikunta": own,
                },
                {
                    "henkilotunnus": hetu(9, D(1941, 1, 2)),
                    "palvelutehtava": "1",
                    "alkupvm": D(2023, 1, 1),
                    "kotikunta": "199",
                },
            ]
        }
    )
    _build(settings)
    got = _register(settings, "asiakkuusjaksot").sort("syntymapaiva")
    assert got["syntymapaiva"].to_list() == [D(1940, 1, 2), D(1941, 1, 2)]
    assert got["hyvinvointialue"].to_list() == [organiser.county, None]
    assert got["quarter"].unique().to_list() == ["2023Q1"]
    assert "henkilotunnus" not in got.columns
    assert got["pseudonym"].str.len_chars().to_list() == [64, 64]


def test_kanta_rows_without_notification_form_the_county_group(settings, load, hetu):
    _, kanta_load = load
    kanta_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(10), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    summary = _build(settings)
    got = _register(settings, "asiakkuusjaksot")
    assert got["kuntaryhma"].to_list() == ["Itä-Uudenmaan hyvinvointialue"]
    assert summary.notifications is False
    assert any("union" in note for note in summary.notes)
    assert {"organiser", "municipality_group", "service_task", "component"} <= set(
        summary.union_cells[0]
    )


def test_kanta_rows_of_an_organiser_since_left_out_of_the_register_are_one_group(
    settings, load, hetu, organiser
):
    """Kanta rows of an organiser the organiser register no longer lists (it was replaced
    after the load) form one group named by the organiser."""
    from importlib import resources

    from sosdata import organisers

    _, kanta_load = load
    kanta_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(11), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    listed = resources.files("sosdata.codes").joinpath("data/organisers.csv").read_text("utf-8")
    replaced = settings.data_dir / "replaced.csv"
    replaced.write_text(
        "".join(line for line in listed.splitlines(True) if organiser.oid not in line), "utf-8"
    )
    organisers.import_csv(replaced, settings.data_dir)
    assert organiser.oid not in {o.oid for o in organisers.load(settings.data_dir)}
    _build(settings)
    got = _register(settings, "asiakkuusjaksot")
    assert got.select("jarjestaja", "kuntaryhma", "palvelutehtava").rows() == [
        (organiser.oid, organiser.oid, "1")
    ]


# ----------------------------------------------------------------------------- selection


def _cell_frame(c_name: str, sources: list[str]) -> pl.DataFrame:
    c = components.get(c_name)
    return pl.DataFrame(
        {
            "jarjestaja": ["O"] * len(sources),
            "pseudonym": [f"p{i}" for i in range(len(sources))],
            "kotikunta": ["091"] * len(sources),
            "sukupuoli": ["1"] * len(sources),
            "palvelutehtava": ["1"] * len(sources),
            "sosiaalipalvelu": ["7"] * len(sources),
            "alkupvm": [D(2023, 1, 1)] * len(sources),
            "loppupvm": [None] * len(sources),
            "kuntaryhma": ["G"] * len(sources),
            "source": sources,
        },
        schema_overrides={"loppupvm": pl.Date},
    ).select(
        *[n for n in c.column_names if n != "henkilotunnus"], "pseudonym", "kuntaryhma", "source"
    )


def _expected(task: str | None, source: str, component="asiakkuusjaksot") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "organiser": ["O"],
            "county": ["01"],
            "municipality_group": ["G"],
            "municipality": ["091"],
            "service_task": [task],
            "component": [component],
            "source": [source],
        },
        schema_overrides={"service_task": pl.String},
    )


@pytest.mark.parametrize(
    ("notified", "kept"),
    [
        ("kanta", ["kanta"]),
        ("separate", ["separate"]),
        ("kanta_supplemented", ["kanta", "separate"]),
    ],
)
def test_notified_source_decides_which_rows_are_used(notified, kept):
    rows = _cell_frame("asiakkuusjaksot", ["kanta", "separate"])
    c = components.get("asiakkuusjaksot")
    got, union, left_out = build._select_sources(rows, c, _expected("1", notified))
    assert sorted(got["source"].to_list()) == kept
    assert union.height == 0
    assert left_out["len"].sum() == 2 - len(kept)


def test_cell_of_another_task_without_notification_is_a_union():
    rows = _cell_frame("asiakkuusjaksot", ["kanta", "separate"])
    c = components.get("asiakkuusjaksot")
    got, union, _ = build._select_sources(rows, c, _expected("2", "kanta"))
    assert sorted(got["source"].to_list()) == ["kanta", "separate"]
    assert union.to_dicts() == [
        {
            "organiser": "O",
            "municipality_group": "G",
            "service_task": "1",
            "component": "asiakkuusjaksot",
        }
    ]


def test_component_level_notification_applies_to_every_task():
    rows = _cell_frame("palvelutiedot", ["kanta", "separate"])
    c = components.get("palvelutiedot")
    got, union, _ = build._select_sources(rows, c, _expected(None, "separate", "palvelutiedot"))
    assert got["source"].to_list() == ["separate"] and union.height == 0


# ----------------------------------------------------------------------------- the build itself


def test_building_twice_gives_identical_rows(settings, load, hetu):
    separate_load, kanta_load = load
    kanta_load(
        {
            "asiakkuusjaksot": [
                {
                    "henkilotunnus": hetu(i),
                    "palvelutehtava": str(1 + i % 6),
                    "alkupvm": D(2022, 1 + i % 12, 1),
                }
                for i in range(30)
            ]
        }
    )
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(i), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1 + i % 28)}
                for i in range(20)
            ]
        }
    )
    first = _build(settings)
    rows_first = {c: _register(settings, c) for c in components.COMPONENTS}
    second = _build(settings)
    rows_second = {c: _register(settings, c) for c in components.COMPONENTS}
    assert second.build_id != first.build_id
    for name in components.COMPONENTS:
        assert rows_first[name].equals(rows_second[name]), name
    assert rows_first["asiakkuusjaksot"].height >= 30
    with store.opened(settings) as conn:
        builds = conn.execute("SELECT build_id, current FROM builds ORDER BY 1").fetchall()
        (old_rows,) = conn.execute(
            "SELECT count(*) FROM built_asiakkuusjaksot WHERE build_id = ?", [first.build_id]
        ).fetchone()
    assert builds == [(first.build_id, False), (second.build_id, True)]
    assert old_rows == 0


def test_replaced_delivery_is_not_in_the_build(settings, load, hetu):
    separate_load, _ = load
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(11), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(12), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    _build(settings)
    got = _register(settings, "asiakkuusjaksot")
    assert got["pseudonym"].to_list() == [_pseudonym(settings, hetu(12))]


def test_previous_build_stays_visible_until_the_new_one_commits(settings, load, hetu):
    separate_load, _ = load
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(13), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        }
    )
    _build(settings)
    reader = store.connect(settings)
    reader.execute("BEGIN TRANSACTION")
    seen_before = reader.execute("SELECT pseudonym FROM register_asiakkuusjaksot").fetchall()
    separate_load(
        {
            "asiakkuusjaksot": [
                {"henkilotunnus": hetu(14), "palvelutehtava": "1", "alkupvm": D(2023, 1, 1)}
            ]
        },
        group="Toinen",
    )
    _build(settings)
    # the reader's snapshot still shows the previous build, whole
    assert reader.execute("SELECT pseudonym FROM register_asiakkuusjaksot").fetchall() == (
        seen_before
    )
    reader.execute("COMMIT")
    assert len(reader.execute("SELECT * FROM register_asiakkuusjaksot").fetchall()) == 2
    reader.close()


def test_only_a_keeper_builds(settings, db):
    with pytest.raises(users.AccessError, match="only the register keeper"):
        call(settings, "uusimaa-data", "build", Q1)


def test_build_is_audited(settings, db):
    _build(settings)
    entries = db.execute("SELECT user_id, action, object FROM audit_log").fetchall()
    assert entries == [("keeper", "build", "register 2023Q1")]


def _load_periods(kanta_load, hetu, periods, quarter: Quarter = Q1) -> None:
    """A Kanta load of client periods, each (person's number, service task, start)."""
    rows = [{"henkilotunnus": hetu(n), "palvelutehtava": t, "alkupvm": d} for n, t, d in periods]
    kanta_load({"asiakkuusjaksot": rows}, quarter=quarter)


def test_records_of_every_quarter_read_their_text_through_one_list_of_codes(settings, load, hetu):
    """The built records keep each text value as its code: a later quarter's build adds only
    the values new to it, the codes stay 1, 2, 3, ... (the views index the list of values by
    them), and the earlier quarter's records read as they did."""
    _, kanta_load = load
    q2 = Quarter.parse("2023Q2")
    _load_periods(kanta_load, hetu, [(5, "1", D(2023, 1, 2))])
    _build(settings)
    first = _register(settings, "asiakkuusjaksot")
    with store.opened(settings) as conn:
        codes_first = dict(conn.execute("SELECT value, code FROM stored_text").fetchall())
    _load_periods(kanta_load, hetu, [(6, "7", D(2023, 4, 3))], quarter=q2)
    call(settings, "keeper", "build", q2)
    both = _register(settings, "asiakkuusjaksot")
    with store.opened(settings) as conn:
        codes = dict(conn.execute("SELECT value, code FROM stored_text").fetchall())
    assert both.filter(pl.col("quarter") == "2023Q1").equals(first)
    assert sorted(zip(both["quarter"], both["palvelutehtava"], both["source"], strict=True)) == [
        ("2023Q1", "1", "kanta"),
        ("2023Q2", "7", "kanta"),
    ]
    assert codes.items() >= codes_first.items()
    assert set(codes) - set(codes_first) == {"2023Q2", "7"}
    assert sorted(codes.values()) == list(range(1, len(codes) + 1))


def test_a_quarters_records_read_as_an_enumeration_order_as_their_text(settings, load, hetu):
    """``build.records`` (what the statistics read) gives the view's rows, the person by number,
    with the text as an ENUM of the stored values in value order: a value coded after another
    but sorting before it orders first and is not the larger, although its code is (codes are
    given as values come)."""
    _, kanta_load = load
    q2 = Quarter.parse("2023Q2")
    _load_periods(kanta_load, hetu, [(5, "7", D(2023, 1, 2))])
    _build(settings)
    _load_periods(kanta_load, hetu, [(5, "7", D(2023, 4, 3)), (6, "1", D(2023, 4, 3))], quarter=q2)
    call(settings, "keeper", "build", q2)
    component = components.get("asiakkuusjaksot")
    with store.opened(settings) as conn:
        codes = dict(conn.execute("SELECT value, code FROM stored_text").fetchall())
        rows = build.records(conn, component, q2, text_as=text_codes.sorted_enum(conn))
        read = conn.sql(f"SELECT * FROM ({rows})").pl()
        pseudonyms = conn.sql("SELECT person_id, pseudonym FROM persons").pl()
        ordered = conn.execute(
            f"SELECT list(palvelutehtava ORDER BY palvelutehtava)::VARCHAR[], "
            f"max(palvelutehtava)::VARCHAR, typeof(any_value(palvelutehtava)) FROM ({rows})"
        ).fetchall()
    assert codes["1"] > codes["7"]
    view = _register(settings, "asiakkuusjaksot").filter(pl.col("quarter") == "2023Q2")
    # the person by number, not by pseudonym: the view joins the persons for that
    assert read.columns == [("person_id" if n == "pseudonym" else n) for n in view.columns]
    read = read.join(pseudonyms, on="person_id", how="left").select(view.columns)
    text = read.with_columns(pl.col(n).cast(view.schema[n]) for n in read.columns)
    assert text.sort(text.columns).equals(view.sort(view.columns))
    ((tasks, largest, kind),) = ordered
    assert tasks == ["1", "7"] and largest == "7" and kind.startswith("ENUM(")
