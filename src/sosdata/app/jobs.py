"""Long work as jobs: queued → running → done or failed, with progress, recorded in the database.

A job row says what runs (kind and title — a file name, a quarter; never a person), for whom
(the user, and the organiser whose users may follow it), how far it is (stage, done/total) and
how it ended (the verb's result as JSON, or the message a user can act on). The command line
runs a job in the foreground; the web server queues jobs onto its one writer thread
(:class:`WriterThread`) and pages poll :meth:`Jobs.get`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import duckdb

from sosdata.errors import UserError
from sosdata.progress import Progress, Step

log = logging.getLogger(__name__)
T = TypeVar("T")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
#: progress is written to the database at most this often (the latest is kept in memory)
PROGRESS_INTERVAL = 0.5
#: what a user reads when work failed for a reason that is not theirs to mend
INTERNAL_ERROR = "internal error: the work stopped and nothing was changed; the log has details"

INTERRUPTED = "interrupted: the process running it stopped; nothing of it was stored"
#: seconds without a queued job before the writer does its idle work (see WriterThread)
IDLE_AFTER = 10.0
#: the job a verb runs as when it was queued beforehand (set on the writer thread)
_queued_job: ContextVar[int | None] = ContextVar("queued_job", default=None)


@dataclass(frozen=True, slots=True)
class Job:
    job_id: int
    kind: str
    state: str
    user_id: str | None
    organiser: str | None
    title: str
    stage: str | None
    done: int | None
    total: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result: Any
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key in ("created_at", "started_at", "finished_at"):
            if out[key] is not None:
                out[key] = out[key].isoformat(timespec="seconds")
        return out


_COLUMNS = [f.name for f in dataclasses.fields(Job)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _jsonable(result: Any) -> Any:
    if hasattr(result, "to_dict"):
        return result.to_dict()
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    return result


class Jobs:
    """The job records of one register database; ``connect`` hands out a connection to it."""

    def __init__(self, connect: Callable[[], duckdb.DuckDBPyConnection]) -> None:
        self._connect = connect
        # a job's row is written by its work's thread and by the progress thread, never both
        # at once (two transactions updating one row conflict); re-entered by the progress
        # thread, which holds it while it looks for a step to write
        self._row = threading.RLock()
        self._progress = _ProgressWriter(self)

    def create(
        self, kind: str, title: str, *, user_id: str | None, organiser: str | None, state: str
    ) -> int:
        row = (
            self._connect()
            .execute(
                "INSERT INTO jobs (job_id, kind, state, user_id, organiser, title, created_at, "
                "started_at) VALUES (nextval('job_id_seq'), ?, ?, ?, ?, ?, ?, ?) RETURNING job_id",
                [
                    kind,
                    state,
                    user_id,
                    organiser,
                    title,
                    _now(),
                    _now() if state == RUNNING else None,
                ],
            )
            .fetchone()
        )
        assert row is not None
        return int(row[0])

    def get(self, job_id: int) -> Job | None:
        row = (
            self._connect()
            .execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE job_id = ?", [job_id])
            .fetchone()
        )
        if row is None:
            return None
        facts = dict(zip(_COLUMNS, row, strict=True))
        facts["result"] = json.loads(facts["result"]) if facts["result"] else None
        return Job(**facts)

    def _update(self, job_id: int, **values: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        with self._row:
            self._connect().execute(
                f"UPDATE jobs SET {sets} WHERE job_id = ?", [*values.values(), job_id]
            )

    def _end(self, job_id: int, **values: Any) -> None:
        """The job's last update: how it ended, and the last stage its work reported."""
        step = self._progress.forget(job_id)
        if step is not None:
            values |= {"stage": step.stage, "done": step.done, "total": step.total}
        self._update(job_id, finished_at=_now(), **values)

    def close(self) -> None:
        self._progress.stop()

    def run(
        self,
        kind: str,
        title: str,
        work: Callable[[Progress], T],
        *,
        user_id: str | None,
        organiser: str | None,
        progress: Progress | None = None,
    ) -> T:
        """Run ``work`` now as a job (the one queued for it, if any): its progress is recorded
        and passed on to ``progress``; its result or error is recorded; errors propagate."""
        job_id = _queued_job.get()
        if job_id is None:
            job_id = self.create(kind, title, user_id=user_id, organiser=organiser, state=RUNNING)
        else:
            self._update(job_id, state=RUNNING, started_at=_now())

        def report(step: Step) -> None:
            self._progress.note(job_id, step)
            if progress is not None:
                progress(step)

        try:
            result = work(report)
        except UserError as exc:
            self._end(job_id, state=FAILED, error=str(exc))
            raise
        except BaseException:
            self._end(job_id, state=FAILED, error=INTERNAL_ERROR)
            raise
        self._end(
            job_id,
            state=DONE,
            result=json.dumps(_jsonable(result), ensure_ascii=False, default=str),
        )
        return result

    def end_interrupted(self) -> None:
        """Jobs left queued or running by a process that stopped (killed, say) end as failed."""
        self._connect().execute(
            "UPDATE jobs SET state = ?, error = ?, finished_at = ? WHERE state IN (?, ?)",
            [FAILED, INTERRUPTED, _now(), QUEUED, RUNNING],
        )

    def fail_if_unfinished(self, job_id: int, error: str) -> None:
        """A queued job whose verb stopped before it began (refused, say) ends as failed."""
        with self._row:
            self._connect().execute(
                "UPDATE jobs SET state = ?, error = ?, finished_at = ? "
                "WHERE job_id = ? AND state IN (?, ?)",
                [FAILED, error, _now(), job_id, QUEUED, RUNNING],
            )


class _ProgressWriter:
    """Writes the running jobs' latest progress from a thread of its own, at most every
    ``PROGRESS_INTERVAL``: not on the work's thread, where each write would be a commit of its
    own between two stages, nor inside the work's transaction (a submission's storing, a
    build), where no reader would see it before the work ended."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs
        self._latest: dict[int, Step] = {}  # noted, not yet written
        self._lock = threading.Lock()
        self._noted = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def note(self, job_id: int, step: Step) -> None:
        with self._lock:
            self._latest[job_id] = step
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="sosdata-progress", daemon=True
                )
                self._thread.start()
        self._noted.set()

    def forget(self, job_id: int) -> Step | None:
        """The job's latest step not yet written; it will not be written now."""
        with self._lock:
            return self._latest.pop(job_id, None)

    def stop(self) -> None:
        self._stopping.set()
        self._noted.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        self._stopping.clear()  # a register opened again notes progress again

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._noted.wait()
            self._noted.clear()
            for job_id in list(self._latest):
                # under the row's lock, so that a job that has just ended is not overwritten
                with self._jobs._row:
                    with self._lock:
                        step = self._latest.pop(job_id, None)
                    if step is not None and not self._stopping.is_set():
                        self._write(job_id, step)
            self._stopping.wait(PROGRESS_INTERVAL)

    def _write(self, job_id: int, step: Step) -> None:
        try:
            self._jobs._update(job_id, stage=step.stage, done=step.done, total=step.total)
        except duckdb.Error:  # progress is advice: the work goes on, and its end is recorded
            log.warning("job %s: its progress could not be recorded", job_id, exc_info=True)


class WriterThread:
    """The server's one thread of long work: queued jobs run one after another, in order.

    When no job has come for ``idle_after`` seconds since the last one ran, the thread calls
    ``when_idle`` once (the register checkpoints its database then, off every sender's wait:
    a burst of uploads on a deadline day is checkpointed once, after it)."""

    def __init__(
        self,
        jobs: Jobs,
        *,
        when_idle: Callable[[], None] | None = None,
        idle_after: float = IDLE_AFTER,
    ) -> None:
        self._jobs = jobs
        self._when_idle, self._idle_after = when_idle, idle_after
        self._queue: queue.Queue[tuple[int, Callable[[], Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="sosdata-writer", daemon=True)
        self._thread.start()

    def put(self, job_id: int, call: Callable[[], Any]) -> None:
        self._queue.put((job_id, call))

    def _loop(self) -> None:
        worked = False
        while (item := self._next(worked)) is not None:
            job_id, call = item
            with queued_as(job_id):
                try:
                    call()
                except UserError as exc:  # recorded on the job for its owner to read
                    self._jobs.fail_if_unfinished(job_id, str(exc))
                except Exception:
                    log.exception("job %s failed", job_id)
                    self._jobs.fail_if_unfinished(job_id, INTERNAL_ERROR)
            worked = True
            self._queue.task_done()

    def _next(self, worked: bool) -> tuple[int, Callable[[], Any]] | None:
        """The next job (``None``: stop), after ``when_idle`` if one ran and none came since."""
        if worked and self._when_idle is not None:
            try:
                return self._queue.get(timeout=self._idle_after)
            except queue.Empty:
                try:
                    self._when_idle()
                except Exception:  # the work is kept either way; it is tried again when idle
                    log.exception("the writer's idle work failed")
        return self._queue.get()

    def join(self) -> None:
        """Wait until every queued job has finished."""
        self._queue.join()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join()


@contextmanager
def queued_as(job_id: int) -> Iterator[None]:
    token = _queued_job.set(job_id)
    try:
        yield
    finally:
        _queued_job.reset(token)
