-- The law each running binary carried. Every stored decision will name the
-- parameter-set version it used; this table keeps the files behind each
-- version, so an old decision can be reproduced exactly after the law, or
-- the binary, has changed.
CREATE TABLE parameter_sets (
    version TEXT PRIMARY KEY NOT NULL,
    files_json TEXT NOT NULL,
    first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
