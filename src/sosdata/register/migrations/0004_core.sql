-- The application core: an administrator role (manages users only) and the jobs that long work
-- runs as, recorded so that a page or a client can follow them and a failure stays readable.

CREATE TABLE users_new (
    user_id    VARCHAR PRIMARY KEY,
    organiser  VARCHAR,
    role       VARCHAR NOT NULL CHECK (role IN ('organiser', 'keeper', 'admin')),
    created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    CHECK ((role = 'organiser') = (organiser IS NOT NULL))
);
INSERT INTO users_new SELECT user_id, organiser, role, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE SEQUENCE job_id_seq START 1;

CREATE TABLE jobs (
    job_id      BIGINT PRIMARY KEY,
    kind        VARCHAR NOT NULL,   -- validate, submit, kanta_load, build, publish, ...
    state       VARCHAR NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    user_id     VARCHAR,
    organiser   VARCHAR,            -- whose work it is: an organiser's users may follow it
    title       VARCHAR NOT NULL,   -- what the job works on, e.g. a file name (never a person)
    stage       VARCHAR,
    done        BIGINT,
    total       BIGINT,
    created_at  TIMESTAMP NOT NULL,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    result      JSON,               -- the verb's result, on success
    error       VARCHAR             -- the user-facing message, on failure
);
