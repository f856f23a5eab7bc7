-- persons' pseudonym and encrypted identity code stored uncompressed: both are as random as
-- their bytes (an HMAC in hex, an AES-GCM ciphertext), so DuckDB's dictionary and FSST
-- analysis found nothing to compress yet took ~2.5 µs a row whenever persons were written
-- (a Kanta load's new persons, every submission's checkpoint). Costs ~40 MB per million persons.
CREATE TABLE persons_uncompressed (
    pseudonym     VARCHAR NOT NULL USING COMPRESSION uncompressed,
    identity_enc  BLOB NOT NULL USING COMPRESSION uncompressed,
    birth_date    DATE NOT NULL,
    sex           VARCHAR NOT NULL,
    first_seen    TIMESTAMP NOT NULL
);
INSERT INTO persons_uncompressed SELECT * FROM persons;
DROP TABLE persons;
ALTER TABLE persons_uncompressed RENAME TO persons;
