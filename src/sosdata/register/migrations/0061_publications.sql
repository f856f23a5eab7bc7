-- Every publication of a quarter's statistics, kept for good: the public pages, the PxWeb API
-- and the downloads read the tables as they were published, and two publications of a quarter
-- can be compared cell by cell.

CREATE SEQUENCE publication_id_seq START 1;

CREATE TABLE publications (
    publication_id BIGINT PRIMARY KEY,
    quarter        VARCHAR NOT NULL,
    build_id       BIGINT,               -- the build the tables were computed from
    published_at   TIMESTAMP NOT NULL,   -- UTC
    published_by   VARCHAR NOT NULL,
    threshold      INTEGER               -- the suppression threshold
);

CREATE TABLE published_tables (
    publication_id BIGINT NOT NULL,
    table_id       VARCHAR NOT NULL,
    position       INTEGER NOT NULL,     -- the order tables are listed in
    definition     VARCHAR NOT NULL,
    level          VARCHAR NOT NULL,     -- county, municipality or organiser
    title          JSON NOT NULL,        -- {"fi": …, "sv": …, "en": …}
    unit           JSON NOT NULL,
    dimensions     JSON NOT NULL,        -- name, title, codes in order, labels, parents
    PRIMARY KEY (publication_id, table_id)
);

-- the non-zero cells (an absent cell is a published zero); ``cell`` is the cell's dimension
-- codes joined by U+001F in the table's dimension order
CREATE TABLE published_cells (
    publication_id BIGINT NOT NULL,
    table_id       VARCHAR NOT NULL,
    cell           VARCHAR NOT NULL,
    value          BIGINT,
    contributors   BIGINT,
    status         VARCHAR               -- NULL published, 'primary' or 'secondary' suppressed
);
