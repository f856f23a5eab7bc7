-- Sign-in for the web portal and the API: passwords (argon2 hashes), server-side sessions,
-- API tokens for machine clients, and the sign-in attempts that throttle guessing.
-- Kept beside `users` (who may see what), keyed by its user_id.

CREATE TABLE accounts (
    user_id        VARCHAR PRIMARY KEY,
    password_hash  VARCHAR,
    disabled       BOOLEAN NOT NULL DEFAULT false,
    -- the user's language for pages and e-mail: fi, sv or en (null: from the browser)
    language       VARCHAR CHECK (language IN ('fi', 'sv', 'en')),
    updated_at     TIMESTAMP NOT NULL DEFAULT current_localtimestamp()
);

-- a session is known by the SHA-256 of its cookie value: a copy of the table signs no one in
CREATE TABLE sessions (
    session_hash   VARCHAR PRIMARY KEY,
    user_id        VARCHAR NOT NULL,
    csrf_token     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL
);

CREATE SEQUENCE api_token_id_seq START 1;

-- a token is shown once; only its SHA-256 is kept. It acts for one organiser.
CREATE TABLE api_tokens (
    token_id       BIGINT PRIMARY KEY,
    user_id        VARCHAR NOT NULL,
    organiser      VARCHAR,
    token_hash     VARCHAR NOT NULL UNIQUE,
    label          VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP
);

CREATE TABLE sign_in_attempts (
    user_id        VARCHAR NOT NULL,
    client         VARCHAR NOT NULL,
    attempted_at   TIMESTAMP NOT NULL,
    succeeded      BOOLEAN NOT NULL
);
