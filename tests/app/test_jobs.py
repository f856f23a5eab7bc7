"""Long work as jobs on the one writer thread: queued, running, done or failed, with progress."""

from __future__ import annotations

import shutil
import threading
import time

import duckdb
import pytest

from sosdata import organisers
from sosdata.app import Register, Role
from sosdata.app.jobs import INTERRUPTED, WriterThread
from sosdata.errors import NotFound
from world import Q1, delivery_package


@pytest.fixture
def register(settings):
    opened = Register(settings)
    opened.initialise("keeper")
    yield opened
    opened.close()


def test_a_queued_submission_runs_on_the_writer_thread_and_records_its_progress(register, tmp_path):
    keeper = register.actor("keeper")
    org = organisers.load().for_county("01")
    path = delivery_package(tmp_path / "delivery", org, first=0)
    job_id = register.start(
        keeper, "submit", path.name, lambda: register.submit(keeper, path), organiser=None
    )
    assert register.job(keeper, job_id).state in ("queued", "running", "done")
    register.wait()
    job = register.job(keeper, job_id)
    assert job.state == "done" and job.error is None
    assert job.result["status"] == "accepted" and job.result["stored_rows"] == {
        "asiakkuusjaksot": 3
    }
    # the last stage the work reported is on the record
    assert job.stage == "committing"
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert register.deliveries(keeper)["delivery_id"].to_list() == [job.result["delivery_id"]]


def test_a_jobs_progress_is_read_while_its_work_is_still_storing(register, tmp_path):
    """The stage is written outside the work's transaction: a page polling the job sees the
    submission storing its rows before anything of it is committed."""
    keeper = register.actor("keeper")
    path = delivery_package(tmp_path / "delivery", organisers.load().for_county("01"), first=0)
    storing, read = threading.Event(), threading.Event()

    def progress(step):
        if step.stage.startswith("storing asiakkuusjaksot"):
            storing.set()
            assert read.wait(20), "the test did not read the stage"

    job_id = register.start(
        keeper,
        "submit",
        path.name,
        lambda: register.submit(keeper, path, progress=progress),
        organiser=None,
    )
    assert storing.wait(60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stage = register.job(keeper, job_id).stage
        if stage is not None and stage.startswith("storing asiakkuusjaksot"):
            break
        time.sleep(0.05)
    uncommitted = register.deliveries(keeper).height
    read.set()
    register.wait()
    assert stage == "storing asiakkuusjaksot: 3 rows" and uncommitted == 0
    job = register.job(keeper, job_id)
    assert job.state == "done" and job.stage == "committing"
    assert register.deliveries(keeper).height == 1


def test_refused_and_failed_work_ends_as_a_failed_job_with_the_users_message(register, tmp_path):
    keeper = register.actor("keeper")
    register.add_user(
        keeper, "org", role=Role.ORGANISER, organiser=organisers.load().for_county("01").oid
    )
    org_user = register.actor("org")
    refused = register.start(
        org_user,
        "build",
        str(Q1),
        lambda: register.build(org_user, Q1),
        organiser=org_user.organiser,
    )
    missing = register.start(
        keeper,
        "kanta_load",
        "none",
        lambda: register.load_kanta(keeper, tmp_path / "no-such.parquet", Q1),
        organiser=None,
    )
    register.wait()
    assert register.job(org_user, refused).state == "failed"
    assert "only the register keeper may" in register.job(org_user, refused).error
    failed = register.job(keeper, missing)
    assert failed.state == "failed" and "no such extract file" in failed.error
    # an organiser's user follows its own organiser's jobs only
    with pytest.raises(NotFound, match=f"no job {missing}"):
        register.job(org_user, missing)


def test_jobs_of_a_process_that_stopped_end_as_interrupted(settings):
    with Register(settings) as first:
        first.initialise("keeper")
        job_id = first.jobs.create(
            "build", "2023Q1", user_id="keeper", organiser=None, state="running"
        )
    with Register(settings) as again:
        job = again.job(again.actor("keeper"), job_id)
    assert job.state == "failed" and job.error == INTERRUPTED


def test_a_serving_register_prepares_the_self_check_tables_as_the_builds_last_stage(
    settings, tmp_path
):
    with Register(settings, keep_tables=True) as serving:
        serving.initialise("keeper")
        keeper = serving.actor("keeper")
        org = organisers.load().for_county("01")
        serving.submit(keeper, delivery_package(tmp_path / "delivery", org, first=0))
        job_id = serving.start(
            keeper, "build", str(Q1), lambda: serving.build(keeper, Q1), organiser=None
        )
        serving.wait()
        job = serving.job(keeper, job_id)
        assert job.state == "done" and job.stage == "the self-check's tables"
        # the first self-check after the build finds the tables: none is computed for it
        kept = serving._built_tables[(str(Q1), job.result["build_id"])]
        check = serving.self_check(keeper, org.oid, Q1)
        assert check.build_id == job.result["build_id"] and check.tables
        assert serving._built_tables[(str(Q1), check.build_id)] is kept


def test_the_writer_checkpoints_its_log_into_the_database_once_it_is_idle(register, tmp_path):
    """A submission's commit stays in DuckDB's log; once no job has come for a while the
    writer writes the log into the database file, which then holds the delivery alone."""
    keeper = register.actor("keeper")
    path = delivery_package(tmp_path / "delivery", organisers.load().for_county("01"), first=0)
    database = register.settings.database_path
    log = database.with_name(database.name + ".wal")
    writer = WriterThread(register.jobs, when_idle=register.checkpoint, idle_after=0.5)
    try:
        job_id = register.jobs.create(
            "submit", path.name, user_id="keeper", organiser=None, state="queued"
        )
        writer.put(job_id, lambda: register.submit(keeper, path))
        writer.join()
        assert register.job(keeper, job_id).state == "done"
        assert log.exists() and log.stat().st_size > 0  # committed, into the log
        deadline = time.monotonic() + 30
        while log.exists() and log.stat().st_size > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not log.exists() or log.stat().st_size == 0
    finally:
        writer.stop()
    # the database file without any log holds the delivery
    alone = tmp_path / "alone.duckdb"
    shutil.copyfile(database, alone)
    with duckdb.connect(str(alone), read_only=True) as copy:
        assert copy.execute("SELECT count(*) FROM deliveries").fetchone() == (1,)
