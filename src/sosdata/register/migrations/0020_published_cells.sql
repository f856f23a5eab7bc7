-- Every cell of every table of every publication of a quarter, as published (value and
-- suppression status), so that a republication of the quarter can be protected against
-- differencing with what was published before (sosdata.statistics.revisions).
CREATE TABLE stat_published_cells (
    quarter     VARCHAR NOT NULL,  -- e.g. 2024Q1
    publication INTEGER NOT NULL,  -- 1 the first publication of the quarter, 2 its first revision…
    table_id    VARCHAR NOT NULL,  -- e.g. clients_county
    cell        VARCHAR NOT NULL,  -- the cell's codes, one per dimension in order, joined by '|'
    value       BIGINT NOT NULL,
    status      VARCHAR            -- NULL published, 'primary' or 'secondary' suppressed
);
