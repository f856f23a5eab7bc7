-- Reminders e-mailed to the contact persons of the notifications (question 1) about what is
-- still missing for a quarter. Kept for good: the same quarter, recipient and content are not
-- sent again unless the keeper forces it.

CREATE SEQUENCE reminder_id_seq START 1;

CREATE TABLE reminders (
    reminder_id    BIGINT PRIMARY KEY,
    quarter        VARCHAR NOT NULL,
    recipient      VARCHAR NOT NULL,   -- the contact person's e-mail address
    lang           VARCHAR NOT NULL,   -- the notification's language
    groups         JSON NOT NULL,      -- [{organiser, municipality_group, components}]
    deadline       DATE NOT NULL,
    content_sha256 VARCHAR NOT NULL,   -- of quarter, recipient, language, groups and deadline
    sent_at        TIMESTAMP NOT NULL, -- UTC
    sent_by        VARCHAR NOT NULL,
    forced         BOOLEAN NOT NULL
);
