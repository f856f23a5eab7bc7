-- The register's initial schema. Identity codes never appear in clear: persons are keyed by the
-- HMAC pseudonym and the code is kept only encrypted (key outside the database).

CREATE SEQUENCE delivery_id_seq START 1;
CREATE SEQUENCE kanta_batch_id_seq START 1;
CREATE SEQUENCE build_id_seq START 1;
CREATE SEQUENCE audit_id_seq START 1;

-- who may do what: an organiser's users see their own organiser's data only
CREATE TABLE users (
    user_id    VARCHAR PRIMARY KEY,
    organiser  VARCHAR,
    role       VARCHAR NOT NULL CHECK (role IN ('organiser', 'keeper')),
    created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    CHECK ((role = 'organiser') = (organiser IS NOT NULL))
);

-- organisers and their municipality groups as known at the latest build
CREATE TABLE organisers (
    oid         VARCHAR PRIMARY KEY,
    county      VARCHAR NOT NULL,
    name_fi     VARCHAR NOT NULL,
    name_sv     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    fictitious  BOOLEAN NOT NULL
);

CREATE TABLE municipality_groups (
    quarter            VARCHAR NOT NULL,
    organiser          VARCHAR NOT NULL,
    municipality_group VARCHAR NOT NULL,
    municipality       VARCHAR NOT NULL,
    -- 'notification' (from the delivery-method notification) or 'county' (the organiser's
    -- whole area, used when no notification names the municipality)
    basis              VARCHAR NOT NULL,
    PRIMARY KEY (quarter, organiser, municipality)
);

CREATE TABLE persons (
    pseudonym     VARCHAR PRIMARY KEY,
    -- AES-GCM: 12-byte nonce || ciphertext+tag, the pseudonym as associated data
    identity_enc  BLOB NOT NULL,
    birth_date    DATE NOT NULL,
    sex           VARCHAR NOT NULL,
    first_seen    TIMESTAMP NOT NULL
);

CREATE TABLE deliveries (
    delivery_id        BIGINT PRIMARY KEY,
    organiser          VARCHAR,
    municipality_group VARCHAR,
    quarter            VARCHAR NOT NULL,
    received_at        TIMESTAMP NOT NULL,
    late               BOOLEAN NOT NULL,
    status             VARCHAR NOT NULL CHECK (status IN ('accepted', 'rejected')),
    file_sha256        VARCHAR NOT NULL UNIQUE,
    file_name          VARCHAR NOT NULL,
    submitted_by       VARCHAR NOT NULL,
    manifest           JSON,
    report             JSON NOT NULL
);

CREATE TABLE delivery_components (
    delivery_id      BIGINT NOT NULL,
    component        VARCHAR NOT NULL,
    rows             BIGINT NOT NULL,
    accepted_rows    BIGINT NOT NULL,
    rejected_rows    BIGINT NOT NULL,
    defaults_applied JSON,
    current          BOOLEAN NOT NULL,
    PRIMARY KEY (delivery_id, component)
);

CREATE TABLE kanta_batches (
    batch_id     BIGINT PRIMARY KEY,
    quarter      VARCHAR NOT NULL,
    loaded_at    TIMESTAMP NOT NULL,
    loaded_by    VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    summary      JSON NOT NULL,
    UNIQUE (quarter, file_sha256)
);

CREATE TABLE kanta_components (
    batch_id   BIGINT NOT NULL,
    organiser  VARCHAR NOT NULL,
    component  VARCHAR NOT NULL,
    rows       BIGINT NOT NULL,
    current    BOOLEAN NOT NULL,
    PRIMARY KEY (batch_id, organiser, component)
);

-- accepted rows of both sources: delivery_id for a separate delivery, batch_id for Kanta
CREATE TABLE accepted_asiakkuusjaksot (
    delivery_id BIGINT, batch_id BIGINT, line BIGINT NOT NULL,
    jarjestaja VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, kotikunta VARCHAR NOT NULL,
    sukupuoli VARCHAR NOT NULL,
    palvelutehtava VARCHAR, alkupvm DATE, loppupvm DATE
);
CREATE TABLE accepted_lastensuojelu (
    delivery_id BIGINT, batch_id BIGINT, line BIGINT NOT NULL,
    jarjestaja VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, kotikunta VARCHAR NOT NULL,
    sukupuoli VARCHAR NOT NULL,
    alkupvm DATE, loppupvm DATE
);
CREATE TABLE accepted_palvelupaatokset (
    delivery_id BIGINT, batch_id BIGINT, line BIGINT NOT NULL,
    jarjestaja VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, kotikunta VARCHAR NOT NULL,
    sukupuoli VARCHAR NOT NULL,
    sosiaalipalvelu VARCHAR, palvelutehtava VARCHAR, paatospvm DATE, voimassa_alkaen DATE,
    voimassa_asti DATE, paatoksen_tyyppi VARCHAR
);
CREATE TABLE accepted_palvelutiedot (
    delivery_id BIGINT, batch_id BIGINT, line BIGINT NOT NULL,
    jarjestaja VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, kotikunta VARCHAR NOT NULL,
    sukupuoli VARCHAR NOT NULL,
    sosiaalipalvelu VARCHAR, palvelutehtava VARCHAR, alkupvm DATE, loppupvm DATE
);

-- builds of a quarter; exactly one is current per quarter once built
CREATE TABLE builds (
    build_id    BIGINT PRIMARY KEY,
    quarter     VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL,
    built_by    VARCHAR NOT NULL,
    current     BOOLEAN NOT NULL,
    summary     JSON NOT NULL
);

CREATE TABLE built_asiakkuusjaksot (
    build_id BIGINT NOT NULL, quarter VARCHAR NOT NULL, jarjestaja VARCHAR NOT NULL,
    kuntaryhma VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, syntymapaiva DATE,
    sukupuoli VARCHAR, kotikunta VARCHAR, hyvinvointialue VARCHAR,
    palvelutehtava VARCHAR, alkupvm DATE, loppupvm DATE,
    source VARCHAR NOT NULL
);
CREATE TABLE built_lastensuojelu (
    build_id BIGINT NOT NULL, quarter VARCHAR NOT NULL, jarjestaja VARCHAR NOT NULL,
    kuntaryhma VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, syntymapaiva DATE,
    sukupuoli VARCHAR, kotikunta VARCHAR, hyvinvointialue VARCHAR,
    alkupvm DATE, loppupvm DATE,
    source VARCHAR NOT NULL
);
CREATE TABLE built_palvelupaatokset (
    build_id BIGINT NOT NULL, quarter VARCHAR NOT NULL, jarjestaja VARCHAR NOT NULL,
    kuntaryhma VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, syntymapaiva DATE,
    sukupuoli VARCHAR, kotikunta VARCHAR, hyvinvointialue VARCHAR,
    sosiaalipalvelu VARCHAR, palvelutehtava VARCHAR, paatospvm DATE, voimassa_alkaen DATE,
    voimassa_asti DATE, paatoksen_tyyppi VARCHAR,
    source VARCHAR NOT NULL
);
CREATE TABLE built_palvelutiedot (
    build_id BIGINT NOT NULL, quarter VARCHAR NOT NULL, jarjestaja VARCHAR NOT NULL,
    kuntaryhma VARCHAR NOT NULL, pseudonym VARCHAR NOT NULL, syntymapaiva DATE,
    sukupuoli VARCHAR, kotikunta VARCHAR, hyvinvointialue VARCHAR,
    sosiaalipalvelu VARCHAR, palvelutehtava VARCHAR, alkupvm DATE, loppupvm DATE,
    source VARCHAR NOT NULL
);

-- the current build of each quarter, one view per component (what statistics read)
CREATE VIEW register_asiakkuusjaksot AS
    SELECT * EXCLUDE (build_id) FROM built_asiakkuusjaksot
    WHERE build_id IN (SELECT build_id FROM builds WHERE current);
CREATE VIEW register_lastensuojelu AS
    SELECT * EXCLUDE (build_id) FROM built_lastensuojelu
    WHERE build_id IN (SELECT build_id FROM builds WHERE current);
CREATE VIEW register_palvelupaatokset AS
    SELECT * EXCLUDE (build_id) FROM built_palvelupaatokset
    WHERE build_id IN (SELECT build_id FROM builds WHERE current);
CREATE VIEW register_palvelutiedot AS
    SELECT * EXCLUDE (build_id) FROM built_palvelutiedot
    WHERE build_id IN (SELECT build_id FROM builds WHERE current);

-- every read of person-level data: who, what, why
CREATE TABLE audit_log (
    audit_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    user_id   VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    object    VARCHAR NOT NULL,
    reason    VARCHAR NOT NULL,
    rows      BIGINT
);
