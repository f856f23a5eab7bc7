-- persons without the primary-key index: maintaining it cost ~8 s per million new persons in a
-- load. Uniqueness of the pseudonym is kept by the only writer (register.rows.store_persons
-- adds just the persons not yet present, under DuckDB's single-writer file lock).
CREATE TABLE persons_unindexed (
    pseudonym     VARCHAR NOT NULL,
    identity_enc  BLOB NOT NULL,
    birth_date    DATE NOT NULL,
    sex           VARCHAR NOT NULL,
    first_seen    TIMESTAMP NOT NULL
);
INSERT INTO persons_unindexed SELECT * FROM persons;
DROP TABLE persons;
ALTER TABLE persons_unindexed RENAME TO persons;
