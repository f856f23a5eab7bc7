-- The life of a quarter: open → built → approved (locked) → published, and reopened with a
-- reason. Each change is one event; a quarter's state is its latest event's (none: open).
CREATE SEQUENCE quarter_event_id_seq START 1;

CREATE TABLE quarter_events (
    event_id       BIGINT PRIMARY KEY,
    quarter        VARCHAR NOT NULL,
    action         VARCHAR NOT NULL CHECK (action IN ('build', 'approve', 'reopen', 'publish')),
    state          VARCHAR NOT NULL CHECK (state IN ('open', 'built', 'approved', 'published')),
    changed_at     TIMESTAMP NOT NULL,   -- UTC
    by_user        VARCHAR NOT NULL,
    reason         VARCHAR,              -- why it was reopened (required then)
    build_id       BIGINT,               -- the build made, approved or published
    publication_id BIGINT                -- the publication made
);

-- What each build was made from: the delivery components and Kanta batch components in force.
-- An approved quarter is locked to its approved build's inputs: later submissions are stored
-- but a rebuild while locked reads only these.
CREATE TABLE build_inputs (
    build_id   BIGINT NOT NULL,
    source     VARCHAR NOT NULL CHECK (source IN ('separate', 'kanta')),
    input_id   BIGINT NOT NULL,      -- delivery_id or batch_id
    organiser  VARCHAR,              -- a Kanta batch's component is per organiser
    component  VARCHAR NOT NULL
);
