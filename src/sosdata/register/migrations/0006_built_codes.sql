-- The built register's text columns stored as codes. A built record's organiser, municipality
-- group, sex, municipality, county, service task, service, decision type, source and quarter
-- are a few hundred values over millions of records; stored as text, DuckDB wrote and
-- compressed each of them per record, most of a build's storing. Each value now has one code
-- (stored_text, codes 1, 2, 3, ... without gaps, so that a code is also the value's place in the
-- list of values) and the records keep the codes. The views register_<component> decode them:
-- readers see the columns, in the order and with the values, they saw before. (The list is
-- joined to the records as one row and indexed; joined to the records through a hash join it
-- would be copied for every record.)
CREATE TABLE stored_text (
    code  UINTEGER PRIMARY KEY,
    value VARCHAR NOT NULL UNIQUE
);
-- UNPIVOT leaves out nulls
INSERT INTO stored_text
    SELECT row_number() OVER (ORDER BY value), value FROM (
        SELECT value FROM (UNPIVOT built_asiakkuusjaksot
            ON quarter, jarjestaja, kuntaryhma, sukupuoli, kotikunta, hyvinvointialue,
               palvelutehtava, source INTO NAME name VALUE value)
        UNION
        SELECT value FROM (UNPIVOT built_lastensuojelu
            ON quarter, jarjestaja, kuntaryhma, sukupuoli, kotikunta, hyvinvointialue, source
               INTO NAME name VALUE value)
        UNION
        SELECT value FROM (UNPIVOT built_palvelupaatokset
            ON quarter, jarjestaja, kuntaryhma, sukupuoli, kotikunta, hyvinvointialue,
               sosiaalipalvelu, palvelutehtava, paatoksen_tyyppi, source
               INTO NAME name VALUE value)
        UNION
        SELECT value FROM (UNPIVOT built_palvelutiedot
            ON quarter, jarjestaja, kuntaryhma, sukupuoli, kotikunta, hyvinvointialue,
               sosiaalipalvelu, palvelutehtava, source INTO NAME name VALUE value)
    );
ALTER TABLE built_asiakkuusjaksot RENAME TO built_asiakkuusjaksot_text;
CREATE TABLE built_asiakkuusjaksot (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    pseudonym VARCHAR NOT NULL,
    syntymapaiva DATE,
    sukupuoli UINTEGER,
    kotikunta UINTEGER,
    hyvinvointialue UINTEGER,
    palvelutehtava UINTEGER,
    alkupvm DATE,
    loppupvm DATE,
    source UINTEGER NOT NULL
);
INSERT INTO built_asiakkuusjaksot
    SELECT x.build_id, quarter.code, jarjestaja.code, kuntaryhma.code, x.pseudonym, x.syntymapaiva,
                       sukupuoli.code, kotikunta.code, hyvinvointialue.code, palvelutehtava.code,
                       x.alkupvm, x.loppupvm, source.code
    FROM built_asiakkuusjaksot_text x
    LEFT JOIN stored_text quarter ON quarter.value = x.quarter
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kuntaryhma ON kuntaryhma.value = x.kuntaryhma
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text hyvinvointialue ON hyvinvointialue.value = x.hyvinvointialue
    LEFT JOIN stored_text palvelutehtava ON palvelutehtava.value = x.palvelutehtava
    LEFT JOIN stored_text source ON source.value = x.source;
DROP VIEW register_asiakkuusjaksot;
DROP TABLE built_asiakkuusjaksot_text;
CREATE VIEW register_asiakkuusjaksot AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           x.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           t.text[x.palvelutehtava] AS palvelutehtava,
           x.alkupvm,
           x.loppupvm,
           t.text[x.source] AS source
    FROM built_asiakkuusjaksot x, (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
ALTER TABLE built_lastensuojelu RENAME TO built_lastensuojelu_text;
CREATE TABLE built_lastensuojelu (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    pseudonym VARCHAR NOT NULL,
    syntymapaiva DATE,
    sukupuoli UINTEGER,
    kotikunta UINTEGER,
    hyvinvointialue UINTEGER,
    alkupvm DATE,
    loppupvm DATE,
    source UINTEGER NOT NULL
);
INSERT INTO built_lastensuojelu
    SELECT x.build_id, quarter.code, jarjestaja.code, kuntaryhma.code, x.pseudonym, x.syntymapaiva,
                       sukupuoli.code, kotikunta.code, hyvinvointialue.code, x.alkupvm, x.loppupvm,
                       source.code
    FROM built_lastensuojelu_text x
    LEFT JOIN stored_text quarter ON quarter.value = x.quarter
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kuntaryhma ON kuntaryhma.value = x.kuntaryhma
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text hyvinvointialue ON hyvinvointialue.value = x.hyvinvointialue
    LEFT JOIN stored_text source ON source.value = x.source;
DROP VIEW register_lastensuojelu;
DROP TABLE built_lastensuojelu_text;
CREATE VIEW register_lastensuojelu AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           x.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           x.alkupvm,
           x.loppupvm,
           t.text[x.source] AS source
    FROM built_lastensuojelu x, (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
ALTER TABLE built_palvelupaatokset RENAME TO built_palvelupaatokset_text;
CREATE TABLE built_palvelupaatokset (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    pseudonym VARCHAR NOT NULL,
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
INSERT INTO built_palvelupaatokset
    SELECT x.build_id, quarter.code, jarjestaja.code, kuntaryhma.code, x.pseudonym, x.syntymapaiva,
                       sukupuoli.code, kotikunta.code, hyvinvointialue.code, sosiaalipalvelu.code,
                       palvelutehtava.code, x.paatospvm, x.voimassa_alkaen, x.voimassa_asti,
                       paatoksen_tyyppi.code, source.code
    FROM built_palvelupaatokset_text x
    LEFT JOIN stored_text quarter ON quarter.value = x.quarter
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kuntaryhma ON kuntaryhma.value = x.kuntaryhma
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text hyvinvointialue ON hyvinvointialue.value = x.hyvinvointialue
    LEFT JOIN stored_text sosiaalipalvelu ON sosiaalipalvelu.value = x.sosiaalipalvelu
    LEFT JOIN stored_text palvelutehtava ON palvelutehtava.value = x.palvelutehtava
    LEFT JOIN stored_text paatoksen_tyyppi ON paatoksen_tyyppi.value = x.paatoksen_tyyppi
    LEFT JOIN stored_text source ON source.value = x.source;
DROP VIEW register_palvelupaatokset;
DROP TABLE built_palvelupaatokset_text;
CREATE VIEW register_palvelupaatokset AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           x.pseudonym,
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
    FROM built_palvelupaatokset x, (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
ALTER TABLE built_palvelutiedot RENAME TO built_palvelutiedot_text;
CREATE TABLE built_palvelutiedot (
    build_id BIGINT NOT NULL,
    quarter UINTEGER NOT NULL,
    jarjestaja UINTEGER NOT NULL,
    kuntaryhma UINTEGER NOT NULL,
    pseudonym VARCHAR NOT NULL,
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
INSERT INTO built_palvelutiedot
    SELECT x.build_id, quarter.code, jarjestaja.code, kuntaryhma.code, x.pseudonym, x.syntymapaiva,
                       sukupuoli.code, kotikunta.code, hyvinvointialue.code, sosiaalipalvelu.code,
                       palvelutehtava.code, x.alkupvm, x.loppupvm, source.code
    FROM built_palvelutiedot_text x
    LEFT JOIN stored_text quarter ON quarter.value = x.quarter
    LEFT JOIN stored_text jarjestaja ON jarjestaja.value = x.jarjestaja
    LEFT JOIN stored_text kuntaryhma ON kuntaryhma.value = x.kuntaryhma
    LEFT JOIN stored_text sukupuoli ON sukupuoli.value = x.sukupuoli
    LEFT JOIN stored_text kotikunta ON kotikunta.value = x.kotikunta
    LEFT JOIN stored_text hyvinvointialue ON hyvinvointialue.value = x.hyvinvointialue
    LEFT JOIN stored_text sosiaalipalvelu ON sosiaalipalvelu.value = x.sosiaalipalvelu
    LEFT JOIN stored_text palvelutehtava ON palvelutehtava.value = x.palvelutehtava
    LEFT JOIN stored_text source ON source.value = x.source;
DROP VIEW register_palvelutiedot;
DROP TABLE built_palvelutiedot_text;
CREATE VIEW register_palvelutiedot AS
    SELECT t.text[x.quarter] AS quarter,
           t.text[x.jarjestaja] AS jarjestaja,
           t.text[x.kuntaryhma] AS kuntaryhma,
           x.pseudonym,
           x.syntymapaiva,
           t.text[x.sukupuoli] AS sukupuoli,
           t.text[x.kotikunta] AS kotikunta,
           t.text[x.hyvinvointialue] AS hyvinvointialue,
           t.text[x.sosiaalipalvelu] AS sosiaalipalvelu,
           t.text[x.palvelutehtava] AS palvelutehtava,
           x.alkupvm,
           x.loppupvm,
           t.text[x.source] AS source
    FROM built_palvelutiedot x, (SELECT list(value ORDER BY code) AS text FROM stored_text) t
    WHERE x.build_id IN (SELECT build_id FROM builds WHERE current);
