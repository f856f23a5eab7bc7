"""The register as one object: what the command line and the web application call, and nothing
else.

A :class:`Register` is made from :class:`~sosdata.config.Settings`. It loads the reference data
once (code sets are cached by ``sosdata.codes``; the organiser list here), owns the process's
one DuckDB connection (opened on first use, under the data directory's writer lock — see
``writer.py``) and hands read cursors to other threads. Each public method is one verb of the
register: it takes the acting :class:`~sosdata.app.policy.Actor` first, asks the access policy,
and calls the domain modules below it. Long verbs run as jobs (``jobs.py``): recorded, with
progress, in the foreground for the command line or queued with :meth:`Register.start` onto the
server's one writer thread.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

from sosdata import monitoring
from sosdata import organisers as organiser_register
from sosdata.app.jobs import Job, Jobs, WriterThread
from sosdata.app.policy import (
    PUBLIC,
    Action,
    Actor,
    Role,
    allowed,
    own_scope,
    require,
    require_role,
)
from sosdata.app.writer import WriterLock, purpose_of_this_process
from sosdata.config import Settings
from sosdata.errors import AccessError, NotFound
from sosdata.notification import FormContext, Notification
from sosdata.periods import Quarter
from sosdata.progress import Progress, Step
from sosdata.register import (
    accounts,
    audit,
    backup,
    build,
    deliveries,
    export,
    kanta_load,
    lifecycle,
    privacy,
    store,
    submit,
    users,
)
from sosdata.register.backup import BackupInfo
from sosdata.register.deliveries import IssueFilter, IssuePage
from sosdata.register.users import User

T = TypeVar("T")


def _acting_for(actor: Actor, organiser: str | None) -> str | None:
    """The organiser a file is checked or stored for: an organiser's user always acts for its
    own, whatever it names; others for the one named."""
    return actor.organiser if actor.role is Role.ORGANISER else organiser


class JobNotFound(NotFound):
    """No job with that id that the user may follow."""


class Register:
    """The register of one data directory, as seen by whoever calls its verbs."""

    def __init__(
        self, settings: Settings, *, purpose: str | None = None, keep_tables: bool = False
    ) -> None:
        """``keep_tables``: a long-lived register (the web server) computes a build's suppressed
        tables as the build's last stage, so the first self-check after a build finds them."""
        self.settings = settings
        self.keep_tables = keep_tables
        self._lock = WriterLock(settings.data_dir, purpose or purpose_of_this_process())
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._opening = threading.Lock()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self.jobs = Jobs(self.cursor)
        self._writer: WriterThread | None = None
        #: the self-check's suppressed tables per (quarter, build): the same for every organiser
        self._built_tables: dict[tuple[str, int], list[Any]] = {}
        self._built_tables_lock = threading.Lock()

    # ------------------------------------------------------------------ the unit of work

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The process's one connection to the database (opened, and migrated, on first use)."""
        with self._opening:
            if self._conn is None:
                if not self.settings.database_path.exists():
                    raise store.StoreError(
                        f"{self.settings.database_path}: no register database; initialise the "
                        "data directory first"
                    )
                self._lock.acquire()
                conn = self._conn = store.connect(self.settings)
                # holding the lock, no other process can be running a job of this register
                Jobs(lambda: conn).end_interrupted()
            return self._conn

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's own connection to the database: DuckDB connections are not shared
        between threads, and connections of one database see each other's commits."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self.connection.cursor()
            self._cursors.append(cursor)
        return cursor

    def checkpoint(self) -> None:
        """Write the database's log into its file (DuckDB does so by itself past
        ``store.CHECKPOINT_THRESHOLD`` and as the process closes; the server's writer, when it
        has been idle)."""
        self.cursor().execute("CHECKPOINT")

    def initialise(self, keeper: str) -> store.Initialised:
        """Create or update the data directory, its keys and the database; ``keeper`` becomes
        the first keeper of a new register."""
        self._lock.acquire()
        return store.initialise(self.settings, keeper)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        self.jobs.close()
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()
        self._local = threading.local()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._lock.release()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reference data

    @cached_property
    def organisers(self) -> organiser_register.Organisers:
        return organiser_register.load(self.settings.data_dir)

    @cached_property
    def form(self) -> FormContext:
        """What the notification form needs: code sets and the organiser of each county."""
        return FormContext(
            codes_dir=self.settings.codes_dir,
            organisers_by_county={o.county: o.oid for o in self.organisers},
        )

    # ------------------------------------------------------------------ who is acting

    def actor(self, user_id: str) -> Actor:
        """The register user ``user_id`` as an actor (an :class:`AccessError` if unknown)."""
        user = users.get(self.cursor(), user_id)
        return Actor(user.user_id, Role(user.role), user.organiser)

    # ------------------------------------------------------------------ jobs

    def _job(
        self,
        actor: Actor,
        kind: str,
        title: str,
        work: Callable[[Progress], T],
        *,
        organiser: str | None,
        progress: Progress | None,
    ) -> T:
        return self.jobs.run(
            kind, title, work, user_id=actor.user_id, organiser=organiser, progress=progress
        )

    def start(
        self, actor: Actor, kind: str, title: str, call: Callable[[], Any], *, organiser: str | None
    ) -> int:
        """Queue ``call`` (a verb of this register, bound to its arguments) onto the one writer
        thread as job ``kind``; returns the job's id at once."""
        if self._writer is None:
            self._writer = WriterThread(self.jobs, when_idle=self.checkpoint)
        job_id = self.jobs.create(
            kind, title, user_id=actor.user_id, organiser=organiser, state="queued"
        )
        self._writer.put(job_id, call)
        return job_id

    def wait(self) -> None:
        """Wait until every queued job has finished."""
        if self._writer is not None:
            self._writer.join()

    def job(self, actor: Actor, job_id: int) -> Job:
        found = self.jobs.get(job_id)
        if found is None or not (
            allowed(actor, Action.READ_JOB, found.organiser)
            or (found.user_id is not None and found.user_id == actor.user_id)
        ):
            raise JobNotFound(f"no job {job_id} that you may follow")
        return found

    # ------------------------------------------------------------------ deliveries

    def validate(
        self,
        actor: Actor,
        path: Path,
        period: Quarter,
        *,
        organiser: str | None = None,
        component: str | None = None,
        municipality_group: str | None = None,
        lang: str = "fi",
        progress: Progress | None = None,
    ) -> Any:
        """Check a delivery against the format; stores nothing, needs no database."""
        from sosdata.delivery import validate_path

        require(actor, Action.VALIDATE)
        return validate_path(
            path,
            period,
            settings=self.settings,
            organiser=_acting_for(actor, organiser),
            component=component,
            municipality_group=municipality_group,
            lang=lang,
            progress=progress,
        )

    def submit(
        self,
        actor: Actor,
        path: Path,
        *,
        period: Quarter | None = None,
        organiser: str | None = None,
        municipality_group: str | None = None,
        lang: str = "fi",
        received_at: dt.datetime | None = None,
        progress: Progress | None = None,
    ) -> submit.Outcome:
        """Validate a delivery and store it, all or nothing (the report's messages in
        ``lang``). ``received_at``: a keeper records a file received earlier by other means
        (on time or late by that day)."""
        own = _acting_for(actor, organiser)
        require(actor, Action.SUBMIT, own if actor.role is Role.ORGANISER else None)
        if received_at is not None:
            require(actor, Action.MANAGE_REFERENCE)

        def authorise(found: str | None) -> None:
            if not allowed(actor, Action.SUBMIT, found):
                raise AccessError(
                    f"{Path(path).name}: the file is for organiser {found}, but "
                    f"{actor.name} submits for {actor.organiser}; nothing was stored"
                )

        return self._job(
            actor,
            "submit",
            Path(path).name,
            lambda report: submit.submit(
                self.cursor(),
                self.settings,
                path,
                submitted_by=actor.name,
                authorise=authorise,
                organiser=own,
                period=period,
                municipality_group=municipality_group,
                lang=lang,
                received_at=received_at,
                progress=report,
            ),
            organiser=actor.organiser,
            progress=progress,
        )

    def deliveries(
        self, actor: Actor, *, period: Quarter | None = None, organiser: str | None = None
    ) -> pl.DataFrame:
        scope = own_scope(actor, Action.READ_DELIVERIES)
        if scope is not None and organiser not in (None, scope):
            return deliveries.listing(self.cursor(), period=period, organiser=scope).clear()
        return deliveries.listing(self.cursor(), period=period, organiser=scope or organiser)

    def _visible_delivery(self, actor: Actor, action: Action, delivery_id: int) -> None:
        require_role(actor, action)
        if not allowed(actor, action, deliveries.organiser_of(self.cursor(), delivery_id)):
            raise deliveries.not_found(delivery_id)

    def delivery(self, actor: Actor, delivery_id: int) -> dict[str, Any]:
        self._visible_delivery(actor, Action.READ_DELIVERIES, delivery_id)
        return deliveries.show(self.cursor(), delivery_id)

    def delivery_report(
        self, actor: Actor, delivery_id: int, *, reason: str = "delivery report", lang: str = "fi"
    ) -> dict[str, Any]:
        """The delivery's validation report with every issue, messages in ``lang`` (audited:
        masked identity codes are person-level data)."""
        self._visible_delivery(actor, Action.READ_REPORT, delivery_id)
        return deliveries.report(
            self.cursor(), delivery_id, read_by=actor.name, reason=reason, lang=lang
        )

    def delivery_issues(
        self,
        actor: Actor,
        delivery_id: int,
        chosen: IssueFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = 50,
        reason: str = "delivery report",
        lang: str = "fi",
    ) -> IssuePage:
        """A filtered, sorted page of a delivery's issues, messages in ``lang`` (audited like
        the whole report)."""
        self._visible_delivery(actor, Action.READ_REPORT, delivery_id)
        return deliveries.issue_page(
            self.cursor(),
            delivery_id,
            chosen or IssueFilter(),
            offset=offset,
            limit=limit,
            read_by=actor.name,
            reason=reason,
            lang=lang,
        )

    def check(
        self,
        actor: Actor,
        path: Path,
        *,
        period: Quarter | None = None,
        organiser: str | None = None,
        municipality_group: str | None = None,
        lang: str = "fi",
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """:meth:`validate` as a job (a dry run from the web or the API): the report's JSON
        form is the job's result; nothing else is stored."""
        require(actor, Action.VALIDATE)

        def work(report: Progress) -> dict[str, Any]:
            found = period or submit.declared_period(Path(path))
            result = self.validate(
                actor,
                path,
                found,
                organiser=organiser,
                municipality_group=municipality_group,
                lang=lang,
                progress=report,
            )
            found_report: dict[str, Any] = result.report.to_dict(lang)
            return found_report

        return self._job(
            actor, "validate", Path(path).name, work, organiser=actor.organiser, progress=progress
        )

    # ------------------------------------------------------------------ Kanta, build, statistics

    def load_kanta(
        self, actor: Actor, path: Path, period: Quarter, *, progress: Progress | None = None
    ) -> kanta_load.KantaOutcome:
        require(actor, Action.LOAD_KANTA)
        return self._job(
            actor,
            "kanta_load",
            f"{Path(path).name} {period}",
            lambda report: kanta_load.load_kanta(
                self.cursor(),
                self.settings,
                path,
                period,
                loaded_by=actor.name,
                progress=report,
            ),
            organiser=None,
            progress=progress,
        )

    def build(
        self,
        actor: Actor,
        period: Quarter,
        *,
        reason: str = "quarter build",
        progress: Progress | None = None,
    ) -> build.BuildSummary:
        require(actor, Action.BUILD)

        def work(report: Progress) -> build.BuildSummary:
            built = build.build(
                self.cursor(),
                self.settings,
                period,
                built_by=actor.name,
                reason=reason,
                progress=report,
            )
            if self.keep_tables:
                report(Step("the self-check's tables", 0, 1))
                self._tables_of_build(period, built.build_id)
                report(Step("the self-check's tables", 1, 1))
            return built

        return self._job(actor, "build", str(period), work, organiser=None, progress=progress)

    def publish(
        self,
        actor: Actor,
        period: Quarter,
        out_dir: Path | None = None,
        *,
        fmt: str = "csv",
        lang: str = "fi",
        audit_cells: bool = False,
        progress: Progress | None = None,
    ) -> Any:
        """Publish the quarter's statistics: recorded as a publication, and written as tables in
        ``fmt`` and charts into ``out_dir`` when given."""
        from sosdata.statistics import publish

        require(actor, Action.PUBLISH)

        def work(report: Progress) -> Any:
            report(Step("computing and suppressing the tables", 0, 1))
            done = publish.publish(
                self.cursor(),
                self.settings,
                period,
                out_dir,
                published_by=actor.name,
                fmt=fmt,
                lang=lang,
                audit=audit_cells,
            )
            report(Step("published", 1, 1))
            return done

        return self._job(actor, "publish", str(period), work, organiser=None, progress=progress)

    # ------------------------------------------------------------------ the quarter's life

    def quarter_state(self, actor: Actor, period: Quarter) -> lifecycle.QuarterState:
        """Open, built, approved (locked) or published."""
        require(actor, Action.READ_QUARTER)
        return lifecycle.state(self.cursor(), period)

    def quarter_history(self, actor: Actor, period: Quarter) -> pl.DataFrame:
        """Every change of the quarter's state: who, when, why, which build and publication."""
        require(actor, Action.READ_QUARTER)
        return lifecycle.history(self.cursor(), period)

    def approve(self, actor: Actor, period: Quarter) -> lifecycle.QuarterState:
        """Approve the quarter's current build: the quarter is locked to its inputs."""
        require(actor, Action.MANAGE_QUARTER)
        return lifecycle.approve(self.cursor(), period, actor.name)

    def reopen(self, actor: Actor, period: Quarter, *, reason: str) -> lifecycle.QuarterState:
        """Lift an approved or published quarter's lock (audited with the reason)."""
        require(actor, Action.MANAGE_QUARTER)
        return lifecycle.reopen(self.cursor(), period, actor.name, reason)

    def self_check(self, actor: Actor, organiser: str, period: Quarter) -> Any:
        """The tables the quarter's current build would publish about ``organiser``'s own area,
        suppressed as published, beside the previous quarter (an organiser's own; the keeper
        any). Another organiser's self-check is not found, never refused."""
        from sosdata.statistics import selfcheck

        require_role(actor, Action.SELF_CHECK)
        if not allowed(actor, Action.SELF_CHECK, organiser):
            raise selfcheck.SelfCheckNotFound(f"no self-check of {organiser} that you may read")
        found = self.organisers.get(organiser)
        if found is None:
            raise selfcheck.SelfCheckNotFound(f"no organiser {organiser}")
        return selfcheck.self_check(
            self.cursor(), self.settings, found, period, self._tables_of_build
        )

    def _tables_of_build(self, period: Quarter, build_id: int) -> list[Any]:
        """A build's suppressed tables, computed once: a build never changes, a new one has a
        new id; the latest few are kept."""
        from sosdata.statistics import tables

        key = (str(period), build_id)
        with self._built_tables_lock:  # one computation at a time; the others wait for it
            if key not in self._built_tables:
                computed = tables.compute(self.cursor(), period, self.settings, with_trend=False)
                if len(self._built_tables) >= 4:
                    self._built_tables.pop(next(iter(self._built_tables)))
                self._built_tables[key] = computed
            return self._built_tables[key]

    def status(
        self, actor: Actor, period: Quarter, *, now: dt.datetime | None = None
    ) -> monitoring.Status:
        """The monitoring matrix of a quarter (an organiser's user: its own rows only)."""
        scope = own_scope(actor, Action.READ_STATUS)
        found = monitoring.status(self.cursor(), self.settings, period, now=now)
        return found if scope is None else found.of_organiser(scope)

    def status_links(self, actor: Actor, period: Quarter) -> pl.DataFrame:
        """Per cell of the monitoring matrix: the deliveries and Kanta batches that carried it
        (an organiser's user: its own cells only)."""
        scope = own_scope(actor, Action.READ_STATUS)
        found = monitoring.links(self.cursor(), period)
        return found if scope is None else found.filter(pl.col("organiser") == scope)

    def kanta_batches(
        self, actor: Actor, *, period: Quarter | None = None, batch_id: int | None = None
    ) -> pl.DataFrame:
        """Kanta batches per organiser and component (an organiser's user: its own rows)."""
        scope = own_scope(actor, Action.READ_DELIVERIES)
        return monitoring.kanta_batches(
            self.cursor(), quarter=period, batch_id=batch_id, organiser=scope
        )

    def remind(
        self,
        actor: Actor,
        period: Quarter,
        *,
        days_before: int | None = None,
        force: bool = False,
        today: dt.date | None = None,
        progress: Progress | None = None,
    ) -> Any:
        """E-mail each contact person of the notifications what is still missing for their
        groups; every reminder is logged, and one with the same content is not sent again
        unless ``force``."""
        from sosdata import reminders

        require(actor, Action.SEND_REMINDERS)
        return self._job(
            actor,
            "remind",
            str(period),
            lambda _report: reminders.remind(
                self.cursor(),
                self.settings,
                monitoring.status(self.cursor(), self.settings, period),
                sent_by=actor.name,
                days_before=days_before,
                force=force,
                today=today,
            ),
            organiser=None,
            progress=progress,
        )

    def reminders(self, actor: Actor, period: Quarter | None = None) -> pl.DataFrame:
        """The reminders sent (of one quarter), newest first."""
        from sosdata import reminders

        require(actor, Action.SEND_REMINDERS)
        return reminders.log(self.cursor(), period)

    def publications(self, actor: Actor) -> pl.DataFrame:
        """Every publication, newest first."""
        from sosdata.statistics import publications

        require(actor, Action.READ_STATISTICS)
        return publications.listing(self.cursor())

    def latest_publications(self, actor: Actor) -> pl.DataFrame:
        """The latest publication of every published quarter, newest quarter first (cheap: no
        counts, asked on every public page)."""
        from sosdata.statistics import publications

        require(actor, Action.READ_STATISTICS)
        return publications.latest_each(self.cursor())

    def published(
        self, actor: Actor, quarter: Quarter, *, publication_id: int | None = None
    ) -> list[Any]:
        """The tables of the quarter's latest publication (or of ``publication_id``), exactly as
        they were published."""
        from sosdata.statistics import publications

        require(actor, Action.READ_STATISTICS)
        found = publication_id or publications.latest(self.cursor(), str(quarter))
        tables = publications.tables(self.cursor(), found)
        if tables and tables[0].quarter != str(quarter):
            raise publications.PublicationNotFound(f"publication {found} is not of {quarter}")
        return tables

    def revision(self, actor: Actor, older: int, newer: int) -> pl.DataFrame:
        """The published cells that differ between two publications."""
        from sosdata.statistics import publications

        require(actor, Action.READ_STATISTICS)
        return publications.changes(self.cursor(), older, newer)

    # ------------------------------------------------------------------ notifications

    def save_notification(
        self,
        actor: Actor,
        notification: Notification,
        *,
        notification_id: int | None = None,
        positions: Any = None,
    ) -> Any:
        from sosdata.register.notifications import store as notifications

        require(actor, Action.WRITE_NOTIFICATION, self._organiser_of_county(notification.county))
        if notification_id is not None:
            self._visible_notification(actor, Action.WRITE_NOTIFICATION, notification_id)
        return notifications.save(
            self.cursor(),
            notification,
            self.form,
            notification_id=notification_id,
            by=actor.name,
            positions=positions,
        )

    def import_notification(
        self,
        actor: Actor,
        path: Path,
        *,
        notification_id: int | None = None,
        submitted_at: dt.datetime | None = None,
    ) -> Any:
        """Check and store a notification file (JSON or YAML); ``submitted_at`` records it as
        submitted then (a keeper taking in notifications filed on paper or by e-mail)."""
        from sosdata.notification.document import from_data, read_file
        from sosdata.register.notifications import exchange

        if submitted_at is not None:
            require(actor, Action.MANAGE_REFERENCE)
        document, _problems = from_data(read_file(path)[0])  # problems: reported on import
        require(actor, Action.WRITE_NOTIFICATION, self._organiser_of_county(document.county))
        if notification_id is not None:
            self._visible_notification(actor, Action.WRITE_NOTIFICATION, notification_id)
        return exchange.import_file(
            self.cursor(),
            path,
            self.settings,
            self.form,
            by=actor.name,
            notification_id=notification_id,
            submitted_at=submitted_at,
        )

    def send_notification(
        self, actor: Actor, notification_id: int, *, link: str | None = None
    ) -> Any:
        """E-mail the latest version's summary with a one-time confirmation code (as a portal
        ``link`` when given)."""
        from sosdata.register.notifications import submission

        self._visible_notification(actor, Action.WRITE_NOTIFICATION, notification_id)
        return submission.submit(
            self.cursor(), notification_id, self.settings, self.form, link=link
        )

    def confirm_notification(self, actor: Actor, notification_id: int, code: str) -> Any:
        from sosdata.register.notifications import submission

        self._visible_notification(actor, Action.CONFIRM_NOTIFICATION, notification_id)
        return submission.confirm(self.cursor(), notification_id, code, self.settings, self.form)

    def notification(self, actor: Actor, notification_id: int, version: int | None = None) -> Any:
        from sosdata.register.notifications import store as notifications

        self._visible_notification(actor, Action.READ_NOTIFICATIONS, notification_id)
        return notifications.get(self.cursor(), notification_id, self.settings, version)

    def notification_versions(self, actor: Actor, notification_id: int) -> pl.DataFrame:
        from sosdata.register.notifications import store as notifications

        self._visible_notification(actor, Action.READ_NOTIFICATIONS, notification_id)
        return notifications.versions(self.cursor(), notification_id)

    def notifications(self, actor: Actor) -> pl.DataFrame:
        """The latest version of every notification the actor may read, with its status."""
        from sosdata.register.notifications import store as notifications

        scope = own_scope(actor, Action.READ_NOTIFICATIONS)
        found = notifications.listing(self.cursor(), self.settings)
        return found if scope is None else found.filter(pl.col("organiser") == scope)

    def coverage(self, actor: Actor, county: str, round_: str) -> tuple[Any, list[Any]]:
        """The county's submitted groups, and what is wrong with how they partition the county
        (municipalities in no group, or in two)."""
        from sosdata.notification import checks
        from sosdata.register.notifications import store as notifications

        require(actor, Action.READ_NOTIFICATIONS, self._organiser_of_county(county))
        found = notifications.county_coverage(self.cursor(), county, round_, self.form)
        issues = checks.check_partition(county, found.groups, self.form.codes_dir)
        return found, issues if found.groups else []

    def export_notifications(
        self,
        actor: Actor,
        out: Path,
        *,
        fmt: str | None = None,
        all_versions: bool = False,
        lang: str | None = None,
    ) -> int:
        from sosdata.register.notifications import exchange

        require(actor, Action.READ_NOTIFICATIONS)
        return exchange.export(
            self.cursor(),
            out,
            self.settings,
            self.form,
            fmt=fmt,
            all_versions=all_versions,
            lang=lang,
        )

    def notification_deadline(
        self, actor: Actor, round_: str, new: dt.date | None = None
    ) -> dt.date:
        """A notification round's deadline, after setting it to ``new`` when given."""
        from sosdata.register.notifications import store as notifications

        if new is not None:
            require(actor, Action.MANAGE_REFERENCE)
            notifications.set_deadline(self.cursor(), round_, new)
        return notifications.deadline(self.cursor(), round_, self.settings)

    def notification_rounds(self, actor: Actor) -> list[tuple[str, dt.date]]:
        from sosdata.register.notifications import store as notifications

        require(actor, Action.READ_NOTIFICATIONS, actor.organiser)
        return notifications.rounds(self.cursor(), self.settings)

    def expected_sources(self, actor: Actor, quarter: Quarter | None = None) -> pl.DataFrame:
        """The source the build and monitoring expect per municipality group, municipality,
        service task and component (an organiser's user: its own rows)."""
        from sosdata.register.notifications import expected_sources

        scope = own_scope(actor, Action.READ_NOTIFICATIONS)
        found = expected_sources(self.cursor(), quarter)
        return found if scope is None else found.filter(pl.col("organiser") == scope)

    def coverage_matrix(self, actor: Actor, round_: str, *, lang: str = "fi") -> pl.DataFrame:
        """Every county's municipalities and the submitted groups naming them (an organiser's
        user: its own county)."""
        from sosdata.register.notifications import store as notifications

        scope = own_scope(actor, Action.READ_NOTIFICATIONS)
        found = notifications.coverage_matrix(self.cursor(), round_, self.form, lang)
        if scope is None:
            return found
        own = self.organisers.get(scope) if scope else None
        return found.filter(pl.col("county") == (own.county if own else ""))

    # ------------------------------------------------------------------ notification drafts

    def save_draft(
        self,
        actor: Actor,
        answers: dict[str, Any],
        *,
        round_: str,
        lang: str,
        page: str,
        draft_id: int | None = None,
        notification_id: int | None = None,
    ) -> Any:
        """Save the form's answers so far as a draft of the organiser (of the chosen county, or
        the actor's own); answers to questions that stopped applying are dropped."""
        from sosdata.register.notifications import drafts

        owner = self._organiser_of_county(answers.get("county")) or actor.organiser or ""
        require(actor, Action.WRITE_NOTIFICATION, owner)
        if draft_id is not None:
            found = self._visible_draft(actor, draft_id)
            notification_id = found.notification_id
        elif notification_id is not None:
            self._visible_notification(actor, Action.WRITE_NOTIFICATION, notification_id)
        return drafts.save(
            self.cursor(),
            organiser=owner,
            answers=answers,
            round_=str(Quarter.parse(round_)),
            lang=lang,
            page=page,
            by=actor.name,
            draft_id=draft_id,
            notification_id=notification_id,
        )

    def drafts(self, actor: Actor) -> list[Any]:
        """The drafts the actor may resume: its organiser's (every one for the keeper)."""
        from sosdata.register.notifications import drafts

        return drafts.listing(self.cursor(), own_scope(actor, Action.WRITE_NOTIFICATION))

    def draft(self, actor: Actor, draft_id: int) -> Any:
        return self._visible_draft(actor, draft_id)

    def file_draft(self, actor: Actor, draft_id: int, *, link: str | None = None) -> Any:
        """Store the draft as a (new version of a) notification and e-mail its summary with a
        one-time confirmation ``link`` (``{id}`` and ``{code}`` filled in); the draft is gone
        once the e-mail is sent. Errors in the answers refuse, and change nothing."""
        from sosdata.register.notifications import drafts, submission
        from sosdata.register.notifications import store as notifications

        found = self._visible_draft(actor, draft_id)
        notification = Notification(found.round, found.lang, dict(found.answers))
        require(actor, Action.WRITE_NOTIFICATION, self._organiser_of_county(notification.county))
        saved = notifications.save(
            self.cursor(),
            notification,
            self.form,
            notification_id=found.notification_id,
            by=actor.name,
        )
        sent = submission.submit(
            self.cursor(), saved.notification_id, self.settings, self.form, link=link
        )
        drafts.delete(self.cursor(), draft_id)
        return sent

    def draft_coverage(self, actor: Actor, draft_id: int) -> Any:
        """How the county's municipality groups would cover it with this draft: the latest
        version of each of the county's other notifications of the round, its other drafts, and
        this draft's municipalities."""
        from sosdata.notification import checks
        from sosdata.register.notifications import drafts
        from sosdata.register.notifications import store as notifications

        found = self._visible_draft(actor, draft_id)
        county = found.answers.get("county") or ""
        groups: dict[str, list[str]] = {}
        for nid, _v, other, _ in notifications.latest_documents(self.cursor()):
            same = other.county == county and other.round == found.round
            if same and nid != found.notification_id:
                groups[f"{other.group_name} (#{nid})"] = other.municipalities
        # drafts go by their group names (a draft is not a notification yet: no number)
        for other_draft in drafts.listing(self.cursor(), found.organiser):
            same = other_draft.answers.get("county") == county and other_draft.round == found.round
            if same and other_draft.draft_id != draft_id:
                name = other_draft.answers.get("group_name") or "–"
                while name in groups:
                    name += " ′"
                groups[name] = list(other_draft.answers.get("municipalities") or [])
        own_name = found.answers.get("group_name") or "–"
        while own_name in groups:
            own_name += " ′"
        groups[own_name] = list(found.answers.get("municipalities") or [])
        return checks.coverage(county, groups, self.form.codes_dir)

    def _visible_draft(self, actor: Actor, draft_id: int) -> Any:
        from sosdata.register.notifications import drafts

        require_role(actor, Action.WRITE_NOTIFICATION)
        found = drafts.get(self.cursor(), draft_id)
        if not allowed(actor, Action.WRITE_NOTIFICATION, found.organiser):
            raise drafts.not_found(draft_id)
        return found

    def _organiser_of_county(self, county: str | None) -> str | None:
        found = self.organisers.for_county(county) if county else None
        return found.oid if found else None

    def _visible_notification(self, actor: Actor, action: Action, notification_id: int) -> None:
        from sosdata.register.notifications import store as notifications

        require_role(actor, action)
        organiser = notifications.organiser_of(self.cursor(), notification_id)
        if not allowed(actor, action, organiser):
            raise notifications.not_found(notification_id)

    # ------------------------------------------------------------------ users, audit, privacy

    def users(self, actor: Actor) -> list[User]:
        require(actor, Action.MANAGE_USERS)
        return users.listing(self.cursor())

    def add_user(
        self, actor: Actor, user_id: str, *, role: Role, organiser: str | None = None
    ) -> User:
        require(actor, Action.MANAGE_USERS)
        if role is Role.PUBLIC:
            raise AccessError("the public is everyone who is not signed in, not a user")
        return users.add(self.cursor(), user_id, role=role.value, organiser=organiser)

    # ------------------------------------------------------------------ accounts (signing in)

    def _own_account(self, actor: Actor, user_id: str) -> None:
        """A user manages its own account; keepers and administrators anyone's."""
        if actor.user_id is not None and actor.user_id == user_id:
            require(actor, Action.MANAGE_ACCOUNT)
        else:
            require(actor, Action.MANAGE_USERS)

    def sign_in(self, actor: Actor, user_id: str, password: str, client: str) -> accounts.SignedIn:
        """Check a password and open a session (attempts recorded and throttled)."""
        require(actor, Action.SIGN_IN)
        return accounts.sign_in(self.cursor(), user_id, password, client)

    def session_actor(self, secret: str) -> tuple[Actor, accounts.Session] | None:
        """Who a session cookie signs in, with the session (None: unknown, ended, disabled)."""
        found = accounts.session(self.cursor(), secret)
        if found is None:
            return None
        user = found.user
        return Actor(user.user_id, Role(user.role), user.organiser), found

    def token_actor(self, secret: str) -> Actor | None:
        """Who an API token acts as (None: unknown, revoked, or of a disabled user)."""
        user = accounts.token_user(self.cursor(), secret)
        return Actor(user.user_id, Role(user.role), user.organiser) if user else None

    def sign_out(self, secret: str) -> None:
        accounts.sign_out(self.cursor(), secret)

    def set_password(self, actor: Actor, user_id: str, password: str) -> None:
        self._own_account(actor, user_id)
        accounts.set_password(self.cursor(), user_id, password)

    def set_language(self, actor: Actor, language: str) -> None:
        """The actor's language for pages and e-mail."""
        self._own_account(actor, actor.user_id or "")
        accounts.set_language(self.cursor(), actor.user_id or "", language)

    def disable_user(self, actor: Actor, user_id: str, *, disabled: bool = True) -> None:
        """Disable (or enable) a user: no sign-in, sessions ended, API tokens refused."""
        require(actor, Action.MANAGE_USERS)
        accounts.set_disabled(self.cursor(), user_id, disabled)

    def create_token(
        self, actor: Actor, user_id: str, label: str = ""
    ) -> tuple[accounts.Token, str]:
        """An API token of an organiser's user; the secret is returned once."""
        self._own_account(actor, user_id)
        return accounts.create_token(self.cursor(), user_id, label)

    def revoke_token(self, actor: Actor, token_id: int) -> accounts.Token:
        found = accounts.tokens(self.cursor(), token_id=token_id)
        if not found:
            raise accounts.AccountError(f"no API token {token_id}")
        self._own_account(actor, found[0].user_id)
        return accounts.revoke_token(self.cursor(), token_id)

    def tokens(self, actor: Actor, *, user_id: str | None = None) -> list[accounts.Token]:
        """API tokens (never their secrets): the actor's own, or anyone's for user managers."""
        if user_id is None and not allowed(actor, Action.MANAGE_USERS):
            user_id = actor.user_id
        self._own_account(actor, user_id or "")
        return accounts.tokens(self.cursor(), user_id=user_id)

    def audit_log(self, actor: Actor, *, user_id: str | None = None) -> pl.DataFrame:
        require(actor, Action.READ_AUDIT)
        return audit.entries(self.cursor(), user_id)

    def export(self, actor: Actor, period: Quarter, out: Path, *, reason: str) -> Any:
        """The quarter's register as Parquet partitioned by quarter and county (audited)."""
        require(actor, Action.EXPORT)
        return export.export(self.cursor(), period, out, exported_by=actor.name, reason=reason)

    def reidentify(self, actor: Actor, pseudonyms: Sequence[str], *, reason: str) -> pl.DataFrame:
        """Identity codes of pseudonymised persons (audited before anything is decrypted)."""
        require(actor, Action.REIDENTIFY)
        return privacy.reidentify(
            self.cursor(), self.settings, pseudonyms, read_by=actor.name, reason=reason
        )

    def backup(self, actor: Actor, folder: Path) -> BackupInfo:
        """A consistent snapshot of the database in ``folder`` (audited: it holds person-level
        data, pseudonymised and encrypted); the keys are not in it."""
        require(actor, Action.BACKUP)
        conn = self.cursor()
        audit.record(conn, actor.name, "backup", str(folder), "backup of the register")
        return backup.backup(conn, self.settings, folder)

    def restore(self, actor: Actor, folder: Path) -> BackupInfo:
        """Put a backup in place of the database: under the writer lock, with this process's
        connection closed (it is reopened on next use)."""
        require(actor, Action.RESTORE)
        with self._opening:
            self._lock.acquire()
            for cursor in self._cursors:
                cursor.close()
            self._cursors.clear()
            self._local = threading.local()
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            return backup.restore(self.settings, folder, actor.name)


__all__ = ["PUBLIC", "Register"]
