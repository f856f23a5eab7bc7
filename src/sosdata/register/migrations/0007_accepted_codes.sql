-- Accepted rows stored as codes and numbers, as the built records are (0006). The organiser,
-- home municipality, sex, service task, service and decision type of every accepted row become
-- values of stored_text (values new to it take the next codes, after the built records'). And
-- each person gets a number (person_id: 1, 2, 3, ... in the order persons came, given by
-- register.rows.store_persons) that the accepted rows keep instead of the 64-character
-- pseudonym: the widest column DuckDB wrote in a Kanta load and in a submission, and the key
-- the build joined the rows to the persons by. Only the build reads these tables. The pseudonym
-- stays the person's key everywhere else (the built records, the views, re-identification).
CREATE TABLE persons_numbered (
    person_id     UINTEGER NOT NULL,
    pseudonym     VARCHAR NOT NULL USING COMPRESSION uncompressed,
    identity_enc  BLOB NOT NULL USING COMPRESSION uncompressed,
    birth_date    DATE NOT NULL,
    sex           VARCHAR NOT NULL,
    first_seen    TIMESTAMP NOT NULL
);
INSERT INTO persons_numbered
    SELECT row_number() OVER (ORDER BY first_seen, pseudonym), * FROM persons;
DROP TABLE persons;
ALTER TABLE persons_numbered RENAME TO persons;
-- UNPIVOT leaves out nulls
INSERT INTO stored_text
    SELECT (SELECT coalesce(max(code), 0) FROM stored_text) + row_number() OVER (ORDER BY value),
           value
    FROM (
        SELECT value FROM (UNPIVOT accepted_asiakkuusjaksot
            ON jarjestaja, kotikunta, sukupuoli, palvelutehtava
            INTO NAME name VALUE value)
        UNION
        SELECT value FROM (UNPIVOT accepted_lastensuojelu
            ON jarjestaja, kotikunta, sukupuoli
            INTO NAME name VALUE value)
        UNION
        SELECT value FROM (UNPIVOT accepted_palvelupaatokset
            ON jarjestaja, kotikunta, sukupuoli, sosiaalipalvelu, palvelutehtava, paatoksen_tyyppi
            INTO NAME name VALUE value)
        UNION
        SELECT value FROM (UNPIVOT accepted_palvelutiedot
            ON jarjestaja, kotikunta, sukupuoli, sosiaalipalvelu, palvelutehtava
            INTO NAME name VALUE value)
    ) ANTI JOIN stored_text USING (value);
ALTER TABLE accepted_asiakkuusjaksot RENAME TO accepted_asiakkuusjaksot_text;
CREATE TABLE accepted_asiakkuusjaksot (
    delivery_id BIGINT,
    batch_id BIGINT,
    line BIGINT NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    kotikunta UINTEGER NOT NULL,
    sukupuoli UINTEGER NOT NULL,
    palvelutehtava UINTEGER,
    alkupvm DATE,
    loppupvm DATE
);
INSERT INTO accepted_asiakkuusjaksot
    SELECT x.delivery_id, x.batch_id, x.line, jarjestaja.code, p.person_id, kotikunta.code,
           sukupuoli.code, palvelutehtava.code, x.alkupvm, x.loppupvm
    FROM accepted_asiakkuusjaksot_text x
    LEFT JOIN persons p ON p.pseudonym = x.pseudonym
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text palvelutehtava ON palvelutehtava.value = x.palvelutehtava;
DROP TABLE accepted_asiakkuusjaksot_text;
ALTER TABLE accepted_lastensuojelu RENAME TO accepted_lastensuojelu_text;
CREATE TABLE accepted_lastensuojelu (
    delivery_id BIGINT,
    batch_id BIGINT,
    line BIGINT NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    kotikunta UINTEGER NOT NULL,
    sukupuoli UINTEGER NOT NULL,
    alkupvm DATE,
    loppupvm DATE
);
INSERT INTO accepted_lastensuojelu
    SELECT x.delivery_id, x.batch_id, x.line, jarjestaja.code, p.person_id, kotikunta.code,
           sukupuoli.code, x.alkupvm, x.loppupvm
    FROM accepted_lastensuojelu_text x
    LEFT JOIN persons p ON p.pseudonym = x.pseudonym
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli;
DROP TABLE accepted_lastensuojelu_text;
ALTER TABLE accepted_palvelupaatokset RENAME TO accepted_palvelupaatokset_text;
CREATE TABLE accepted_palvelupaatokset (
    delivery_id BIGINT,
    batch_id BIGINT,
    line BIGINT NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    kotikunta UINTEGER NOT NULL,
    sukupuoli UINTEGER NOT NULL,
    sosiaalipalvelu UINTEGER,
    palvelutehtava UINTEGER,
    paatospvm DATE,
    voimassa_alkaen DATE,
    voimassa_asti DATE,
    paatoksen_tyyppi UINTEGER
);
INSERT INTO accepted_palvelupaatokset
    SELECT x.delivery_id, x.batch_id, x.line, jarjestaja.code, p.person_id, kotikunta.code,
           sukupuoli.code, sosiaalipalvelu.code, palvelutehtava.code, x.paatospvm,
           x.voimassa_alkaen, x.voimassa_asti, paatoksen_tyyppi.code
    FROM accepted_palvelupaatokset_text x
    LEFT JOIN persons p ON p.pseudonym = x.pseudonym
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text sosiaalipalvelu ON sosiaalipalvelu.value = x.sosiaalipalvelu
    LEFT JOIN stored_text palvelutehtava ON palvelutehtava.value = x.palvelutehtava
    LEFT JOIN stored_text paatoksen_tyyppi ON paatoksen_tyyppi.value = x.paatoksen_tyyppi;
DROP TABLE accepted_palvelupaatokset_text;
ALTER TABLE accepted_palvelutiedot RENAME TO accepted_palvelutiedot_text;
CREATE TABLE accepted_palvelutiedot (
    delivery_id BIGINT,
    batch_id BIGINT,
    line BIGINT NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    kotikunta UINTEGER NOT NULL,
    sukupuoli UINTEGER NOT NULL,
    sosiaalipalvelu UINTEGER,
    palvelutehtava UINTEGER,
    alkupvm DATE,
    loppupvm DATE
);
INSERT INTO accepted_palvelutiedot
    SELECT x.delivery_id, x.batch_id, x.line, jarjestaja.code, p.person_id, kotikunta.code,
           sukupuoli.code, sosiaalipalvelu.code, palvelutehtava.code, x.alkupvm, x.loppupvm
    FROM accepted_palvelutiedot_text x
    LEFT JOIN persons p ON p.pseudonym = x.pseudonym
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text sosiaalipalvelu ON sosiaalipalvelu.value = x.sosiaalipalvelu
    LEFT JOIN stored_text palvelutehtava ON palvelutehtava.value = x.palvelutehtava;
DROP TABLE accepted_palvelutiedot_text;
