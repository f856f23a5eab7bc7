-- Drafts of the notification form: answers saved page by page before they are a version.
-- A draft belongs to an organiser (its users resume it), may be a new version of a stored
-- notification (notification_id), and is deleted once its answers are stored as a version.
-- dropped: the question ids whose answers were dropped because the questions stopped applying.

CREATE SEQUENCE notification_draft_id_seq START 1;

CREATE TABLE notification_drafts (
    draft_id        INTEGER PRIMARY KEY,
    organiser       VARCHAR NOT NULL,
    notification_id INTEGER,
    round           VARCHAR NOT NULL,
    lang            VARCHAR NOT NULL,
    answers         JSON NOT NULL,
    dropped         JSON NOT NULL,
    page            VARCHAR NOT NULL,  -- the form's page the answerer was last on
    updated_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR NOT NULL
);
