-- Notifications of delivery method (SPEC §9). Append-only: a changed notification is a new
-- version, and submissions and confirmation e-mails are recorded beside the versions, so every
-- version ever stored stays readable as it was. Times are UTC.

CREATE SEQUENCE notification_id_seq START 1;

-- the register keeper's deadline per notification round; a round without a row has the
-- configured default (settings.notification_deadline)
CREATE TABLE notification_rounds (
    round      VARCHAR PRIMARY KEY,  -- the first quarter the notifications apply to, e.g. 2023Q1
    deadline   DATE NOT NULL,
    set_at     TIMESTAMP NOT NULL
);

-- one per municipality group and round: what stays the same across versions
CREATE TABLE notifications (
    notification_id INTEGER PRIMARY KEY,
    round           VARCHAR NOT NULL,
    county          VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE notification_versions (
    notification_id INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR,
    organiser       VARCHAR NOT NULL,
    county          VARCHAR NOT NULL,
    group_name      VARCHAR NOT NULL,
    lang            VARCHAR NOT NULL,
    form_version    INTEGER NOT NULL,
    contact_email   VARCHAR NOT NULL,
    document        JSON NOT NULL,     -- the canonical document (document.Notification.to_dict)
    sha256          VARCHAR NOT NULL,  -- of the canonical document: an unchanged one is no new version
    PRIMARY KEY (notification_id, version)
);

-- the municipalities of each version (question 3), for coverage and expected sources
CREATE TABLE notification_municipalities (
    notification_id INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    municipality    VARCHAR NOT NULL,
    PRIMARY KEY (notification_id, version, municipality)
);

-- the source each version promises per component and service task (sources.py documents
-- how answers 17, 20 and 23 map to these)
CREATE TABLE notification_sources (
    notification_id INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    component       VARCHAR NOT NULL,
    service_task    VARCHAR,
    source          VARCHAR NOT NULL CHECK (source IN ('kanta', 'kanta_supplemented', 'separate'))
);

-- summaries e-mailed for confirmation; the one-time code is kept only as a hash
CREATE TABLE notification_confirmations (
    notification_id INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    sent_at         TIMESTAMP NOT NULL,
    sent_to         VARCHAR NOT NULL,
    code_sha256     VARCHAR NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    used_at         TIMESTAMP
);

-- a version becomes submitted when its code is confirmed (or when answers collected elsewhere
-- are imported as submitted); late = submitted after the round's deadline (Finnish date)
CREATE TABLE notification_submissions (
    notification_id INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    submitted_at    TIMESTAMP NOT NULL,
    deadline        DATE NOT NULL,
    late            BOOLEAN NOT NULL,
    confirmed_by    VARCHAR NOT NULL CHECK (confirmed_by IN ('email_code', 'import')),
    PRIMARY KEY (notification_id, version)
);
