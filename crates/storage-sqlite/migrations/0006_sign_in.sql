-- Sign-in: accounts hold only an Argon2id hash (PHC string) of the password;
-- sessions are server-side, held by the SHA-256 of their random id, so a copy
-- of the database lets nobody sign in or take over a session.
CREATE TABLE accounts (
    login TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL
);
CREATE TABLE sessions (
    session_hash TEXT PRIMARY KEY NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    last_seen_unix_seconds BIGINT NOT NULL
);
