-- The time-series cells of every published quarter (clients per service task and in any task,
-- by county, sexes and ages together), exactly as published: value, contributors and
-- suppression status. They are written in the transaction that publishes the quarter, and a
-- later quarter's time series repeats them instead of recomputing them, so a published figure
-- never changes and the series never reveals a cell the quarter's own tables hid.

CREATE TABLE stat_published_quarters (
    quarter      VARCHAR PRIMARY KEY,  -- e.g. 2024Q1
    threshold    INTEGER NOT NULL,     -- the suppression threshold it was published with
    published_at TIMESTAMP NOT NULL    -- UTC, the latest publication
);

-- the non-zero cells only (an absent cell is a published zero), as the tables hold them;
-- no key: a re-published quarter replaces its rows in one transaction (delete, then insert)
CREATE TABLE stat_published_series (
    quarter        VARCHAR NOT NULL,
    alue           VARCHAR NOT NULL,  -- county code, XX (no county) or SSS (whole country)
    palvelutehtava VARCHAR NOT NULL,  -- service task, or SSS for clients in any task
    value          BIGINT NOT NULL,
    contributors   BIGINT NOT NULL,
    status         VARCHAR            -- NULL published, 'primary' or 'secondary' suppressed
);
