-- API tokens, stored only as SHA-256 hashes: a copy of the database does not
-- let anyone sign in.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    person_id BIGINT NOT NULL,
    role TEXT NOT NULL
);
