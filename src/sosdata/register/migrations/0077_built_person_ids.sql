-- A built record names its person by number (persons.person_id, as the accepted rows do since
-- 0007) instead of by the 64-character pseudonym: the build writes an integer per record, not the
-- pseudonym again for each of a person's records, and the statistics key persons by the number
-- without hashing. The views register_<component> show the pseudonym as before, joined from
-- persons. (LEFT JOIN with NOT NULL: a record whose pseudonym had no person would fail the
-- migration, which leaves the database as it was, instead of being dropped.)

ALTER TABLE built_asiakkuusjaksot RENAME TO built_asiakkuusjaksot_pseudonyms;
CREATE TABLE built_asiakkuusjaksot (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    syntymapaiva DATE,
    sukupuoli UINTEGER,
    kotikunta UINTEGER,
    hyvinvointialue UINTEGER,
    palvelutehtava UINTEGER,
    alkupvm DATE,
    loppupvm DATE,
    source UINTEGER NOT NULL
);
INSERT INTO built_asiakkuusjaksot BY NAME
    SELECT x.* EXCLUDE (pseudonym), p.person_id
    FROM built_asiakkuusjaksot_pseudonyms x LEFT JOIN persons p USING (pseudonym)
    ORDER BY x.rowid;
DROP VIEW register_asiakkuusjaksot;
DROP TABLE built_asiakkuusjaksot_pseudonyms;
CREATE VIEW register_asiakkuusjaksot AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           p.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           t.text[x.palvelutehtava] AS palvelutehtava,
           x.alkupvm,
           x.loppupvm,
           t.text[x.source] AS source
    FROM built_asiakkuusjaksot x LEFT JOIN persons p USING (person_id),
         (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
ALTER TABLE built_lastensuojelu RENAME TO built_lastensuojelu_pseudonyms;
CREATE TABLE built_lastensuojelu (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    syntymapaiva DATE,
    sukupuoli UINTEGER,
    kotikunta UINTEGER,
    hyvinvointialue UINTEGER,
    alkupvm DATE,
    loppupvm DATE,
    source UINTEGER NOT NULL
);
INSERT INTO built_lastensuojelu BY NAME
    SELECT x.* EXCLUDE (pseudonym), p.person_id
    FROM built_lastensuojelu_pseudonyms x LEFT JOIN persons p USING (pseudonym)
    ORDER BY x.rowid;
DROP VIEW register_lastensuojelu;
DROP TABLE built_lastensuojelu_pseudonyms;
CREATE VIEW register_lastensuojelu AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           p.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           x.alkupvm,
           x.loppupvm,
           t.text[x.source] AS source
    FROM built_lastensuojelu x LEFT JOIN persons p USING (person_id),
         (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
ALTER TABLE built_palvelupaatokset RENAME TO built_palvelupaatokset_pseudonyms;
CREATE TABLE built_palvelupaatokset (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    syntymapaiva DATE,
    sukupuoli UINTEGER,
    kotikunta UINTEGER,
    hyvinvointialue UINTEGER,
    sosiaalipalvelu UINTEGER,
    palvelutehtava UINTEGER,
    paatospvm DATE,
    voimassa_alkaen DATE,
    voimassa_asti DATE,
    paatoksen_tyyppi UINTEGER,
    source UINTEGER NOT NULL
);
INSERT INTO built_palvelupaatokset BY NAME
    SELECT x.* EXCLUDE (pseudonym), p.person_id
    FROM built_palvelupaatokset_pseudonyms x LEFT JOIN persons p USING (pseudonym)
    ORDER BY x.rowid;
DROP VIEW register_palvelupaatokset;
DROP TABLE built_palvelupaatokset_pseudonyms;
CREATE VIEW register_palvelupaatokset AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           p.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           t.text[x.sosiaalipalvelu] AS sosiaalipalvelu,
           t.text[x.palvelutehtava] AS palvelutehtava,
           x.paatospvm,
           x.voimassa_alkaen,
           x.voimassa_asti,
           t.text[x.paatoksen_tyyppi] AS paatoksen_tyyppi,
           t.text[x.source] AS source
    FROM built_palvelupaatokset x LEFT JOIN persons p USING (person_id),
         (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
ALTER TABLE built_palvelutiedot RENAME TO built_palvelutiedot_pseudonyms;
CREATE TABLE built_palvelutiedot (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    person_id UINTEGER NOT NULL,
    syntymapaiva DATE,
    sukupuoli UINTEGER,
    kotikunta UINTEGER,
    hyvinvointialue UINTEGER,
    sosiaalipalvelu UINTEGER,
    palvelutehtava UINTEGER,
    alkupvm DATE,
    loppupvm DATE,
    source UINTEGER NOT NULL
);
INSERT INTO built_palvelutiedot BY NAME
    SELECT x.* EXCLUDE (pseudonym), p.person_id
    FROM built_palvelutiedot_pseudonyms x LEFT JOIN persons p USING (pseudonym)
    ORDER BY x.rowid;
DROP VIEW register_palvelutiedot;
DROP TABLE built_palvelutiedot_pseudonyms;
CREATE VIEW register_palvelutiedot AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           p.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           t.text[x.sosiaalipalvelu] AS sosiaalipalvelu,
           t.text[x.palvelutehtava] AS palvelutehtava,
           x.alkupvm,
           x.loppupvm,
           t.text[x.source] AS source
    FROM built_palvelutiedot x LEFT JOIN persons p USING (person_id),
         (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
